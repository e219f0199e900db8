package main

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var updateTerminal = flag.Bool("update-terminal", false, "rewrite the terminal golden files under testdata/terminal")

// TestTerminalOutput runs amrbench as a user would and compares what the
// terminal shows (stderr, then stdout, as in a log) with golden files, its
// varying numbers normalised (see normaliseTerminal): the wording, the order
// of the lines and which lines appear are fixed by the files. The runs are
// not parallel: the default run polls for replies, as a user's does.
func TestTerminalOutput(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		code int
	}{
		// No server named: the embedded default (redis-server here),
		// preloaded, closed loop. A smaller keyspace keeps the preload short.
		{"default-run", []string{"run", "--duration", "2s", "--key-maximum", "9999"}, 0},
		// An open loop whose every operation starts late (1 µs is less
		// than any send takes): the live line, the warning and the summary
		// give the late starts as a share.
		{"open-loop-late", []string{"run", "--rate", "1000", "--duration", "2s", "--key-maximum", "9999", "--late-threshold", "1us", "--reply-wait", "park"}, 0},
		{"misspelt-flag", []string{"run", "--conections", "5"}, 2},
		{"misspelt-command", []string{"rnu"}, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			args := tt.args
			if tt.code == 0 {
				args = append(args, "--out", dir)
			}
			res := cli(t, nil, args...)
			if res.code != tt.code {
				t.Fatalf("exit %d, want %d:\n%s%s", res.code, tt.code, res.stderr, res.stdout)
			}
			out := strings.ReplaceAll(res.stderr+res.stdout, dir, "DIR")
			if n := ungroupedNumber(out); n != "" {
				t.Errorf("a number without thousands separators: %q", n)
			}
			got := normaliseTerminal(out)
			checkGolden(t, filepath.Join("testdata", "terminal", tt.name+".txt"), got)
		})
	}
}

// checkGolden compares got with the golden file at path, or rewrites the
// file with -update-terminal.
func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *updateTerminal {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (rewrite with go test -run TestTerminalOutput -update-terminal ./cmd/amrbench)", err)
	}
	if got != string(want) {
		t.Errorf("terminal output differs from %s (-want +got):\n%s", path, lineDiff(string(want), got))
	}
}

var (
	// terminalNumber is a number as amrbench writes one: digits with
	// thousands separators and decimals.
	terminalNumber = regexp.MustCompile(`\d[\d,]*(\.\d+)?`)
	// terminalDuration is a Go duration's unit after a normalised number
	// ("1µs", "2ms", "1m#s" are all "#s" once normalised).
	terminalDuration = regexp.MustCompile(`#(ns|µs|us|ms|s|m|h)\b`)
	terminalSpaces   = regexp.MustCompile(` {2,}`)
	// clientBudget ends the summary's Client fact, and lowerBound the
	// verdict's reason: what follows (waits, late shares, client-bound
	// intervals, or a closed loop) depends on the machine's load.
	clientBudget = regexp.MustCompile(`^(Client CPU .*? of a budget of # CPUs?);.*$`)
	lowerBound   = regexp.MustCompile(`(this is a lower bound of the cache's capacity): .*$`)
	// notQuantities are numbers that name rather than count: ports and
	// clock times (after a colon), seeds, run IDs' times, decimals.
	notQuantities = regexp.MustCompile(`:\d+|seed \d+|\d{8}T\d{6}Z|\.\d+`)
	longNumber    = regexp.MustCompile(`\d{4,}`)
)

// terminalNoise are lines whose presence depends on the machine rather than
// on amrbench: whether the client was short of CPU, and progress lines of a
// preload that took long enough to be reported.
var terminalNoise = []string{"warning: the client was the limit", "Warning: [client-bound]", "preloading keys: "}

// ungroupedNumber returns the first line with a number of four digits or
// more written without thousands separators, or "".
func ungroupedNumber(out string) string {
	for line := range strings.SplitSeq(out, "\n") {
		if longNumber.MatchString(notQuantities.ReplaceAllString(line, "")) {
			return line
		}
	}
	return ""
}

// normaliseTerminal makes a run's terminal output comparable across runs
// and machines: every number becomes #, runs of spaces (table padding) one
// space; lines that depend on the machine's load go, and repeated lines (a
// live line per interval) are kept once.
func normaliseTerminal(out string) string {
	var lines []string
	for line := range strings.SplitSeq(out, "\n") {
		line = terminalNumber.ReplaceAllString(line, "#")
		line = terminalDuration.ReplaceAllString(line, "#")
		line = terminalSpaces.ReplaceAllString(line, " ")
		line = clientBudget.ReplaceAllString(line, "$1")
		line = lowerBound.ReplaceAllString(line, "$1: …")
		noisy := false
		for _, n := range terminalNoise {
			noisy = noisy || strings.Contains(line, n)
		}
		if noisy || len(lines) > 0 && lines[len(lines)-1] == line {
			continue
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

// lineDiff lists the lines of want missing from got (-) and those of got
// missing from want (+), in order: enough to see what changed.
func lineDiff(want, got string) string {
	var b strings.Builder
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			b.WriteString("-" + wl + "\n+" + gl + "\n")
		}
	}
	return b.String()
}
