package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/amrbench/amrbench/results"
)

// Set with -ldflags "-X main.version=... -X main.commit=..." by a release
// build; otherwise taken from the module's build information.
var (
	version = ""
	commit  = ""
)

// toolInfo identifies this build in result files.
func toolInfo() results.Tool {
	t := results.Tool{Name: "amrbench", Version: version, Commit: commit, GoVersion: runtime.Version()}
	if info, ok := debug.ReadBuildInfo(); ok {
		if t.Version == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			t.Version = info.Main.Version
		}
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && t.Commit == "" {
				t.Commit = s.Value
			}
		}
	}
	if t.Version == "" {
		t.Version = "dev"
	}
	return t
}

func versionCommand(_ context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "version", "version\n\nPrint amrbench's version, commit and Go version.", "  amrbench version\n")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("version takes no arguments")
	}
	t := toolInfo()
	commitText := t.Commit
	if commitText == "" {
		commitText = "unknown"
	}
	_, err := fmt.Fprintf(env.stdout, "amrbench %s (commit %s, %s, %s/%s)\n", t.Version, commitText, t.GoVersion, runtime.GOOS, runtime.GOARCH)
	return err
}
