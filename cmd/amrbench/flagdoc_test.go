package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/amrbench/amrbench/internal/cmdline"
)

var updateFlags = flag.Bool("update-flags", false, "rewrite docs/flags.md from the subcommands' flag sets")

// subcommandFlags returns every subcommand's flag set, as its --help sees it.
func subcommandFlags(t *testing.T) map[string]*pflag.FlagSet {
	t.Helper()
	sets := map[string]*pflag.FlagSet{}
	for _, name := range commandNames() {
		env := &environment{stdout: io.Discard, stderr: io.Discard, getenv: func(string) string { return "" },
			flagSets: func(command string, fs *pflag.FlagSet) {
				if command == name {
					sets[name] = fs
				}
			}}
		if code := run(context.Background(), env, []string{name, "--help"}); code != 0 {
			t.Fatalf("%s --help: exit %d", name, code)
		}
		if sets[name] == nil {
			t.Fatalf("%s made no flag set", name)
		}
	}
	return sets
}

// flagsMarkdown writes docs/flags.md: a table per subcommand (per group of
// flags for run), generated from the flag sets themselves.
func flagsMarkdown(sets map[string]*pflag.FlagSet) string {
	var b strings.Builder
	b.WriteString("# Flags\n\n")
	b.WriteString("Every flag of every subcommand, generated from the flag sets themselves (`go test ./cmd/amrbench\n")
	b.WriteString("-run TestFlagsAreDocumented -update-flags` rewrites this file; the test fails when it is out of\n")
	b.WriteString("date). `amrbench <command> --help` prints the same, with examples.\n")
	for _, name := range docOrder(commandNames()) {
		groups := cmdline.Groups(sets[name])
		if len(groups) == 0 {
			continue // no flags
		}
		fmt.Fprintf(&b, "\n## amrbench %s\n", name)
		for _, g := range groups {
			if g.Title != "" {
				fmt.Fprintf(&b, "\n### %s\n", g.Title)
			}
			b.WriteString("\n| flag | default | what it does |\n|---|---|---|\n")
			for _, f := range g.Flags {
				fmt.Fprintf(&b, "| %s | %s | %s |\n", flagCell(f), defaultCell(f), markdownText(f.Usage))
			}
		}
	}
	return b.String()
}

// docOrder puts run first and report next, as a newcomer needs them, then
// the others as given.
func docOrder(names []string) []string {
	out := []string{"run", "report"}
	for _, n := range names {
		if n != "run" && n != "report" {
			out = append(out, n)
		}
	}
	return out
}

func flagCell(f *pflag.Flag) string {
	kind, _ := pflag.UnquoteUsage(f)
	cell := "`--" + f.Name
	if kind != "" && kind != "bool" {
		cell += " " + kind
	}
	cell += "`"
	if f.Shorthand != "" {
		cell = "`-" + f.Shorthand + "`, " + cell
	}
	return cell
}

func defaultCell(f *pflag.Flag) string {
	switch f.DefValue {
	case "", "0", "false", "[]":
		return ""
	}
	return "`" + f.DefValue + "`"
}

func markdownText(s string) string {
	return strings.NewReplacer("|", `\|`, "<", "&lt;", ">", "&gt;", "*", `\*`, "_", `\_`).Replace(s)
}

// TestFlagsAreDocumented checks docs/flags.md against the flag sets: every
// flag of every subcommand, with its default and what it does.
func TestFlagsAreDocumented(t *testing.T) {
	t.Parallel()
	want := flagsMarkdown(subcommandFlags(t))
	path := filepath.Join("..", "..", "docs", "flags.md")
	if *updateFlags {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./cmd/amrbench -run TestFlagsAreDocumented -update-flags writes it)", err)
	}
	if !bytes.Equal(got, []byte(want)) {
		t.Errorf("%s is out of date with the flags: run go test ./cmd/amrbench -run TestFlagsAreDocumented -update-flags and review the diff", path)
	}
}
