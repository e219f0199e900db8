package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/amrbench/amrbench/internal/benchtest"
	"github.com/amrbench/amrbench/results"
)

// TestRunOverwritesNoFile checks that a run refuses, before it connects
// (exit 2 against a port where nothing listens), every output that would
// replace a file it did not write, and leaves those files as they were.
func TestRunOverwritesNoFile(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	write := func(path, text string) string {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	reports := filepath.Join(tmp, "reports")
	kept := []string{write(filepath.Join(reports, "summary.txt"), "mine"), write(filepath.Join(reports, "report.html"), "<p>mine</p>")}
	write(filepath.Join(reports, "notes.md"), "not a run's file")
	hgrmDir := filepath.Join(tmp, "hgrm")
	kept = append(kept, write(filepath.Join(hgrmDir, "GET.hgrm"), "mine"))
	jsonOut := write(filepath.Join(tmp, "summary.json"), "{}")
	hdr := filepath.Join(tmp, "lat")
	kept = append(kept, jsonOut, write(hdr+"_ALL.hgrm", "mine"), write(filepath.Join(tmp, "cpu.prof"), "mine"))
	// Another run's file whose header is all there is: a run killed while
	// connecting.
	leftover := filepath.Join(tmp, "leftover")
	headerOnly(t, filepath.Join(leftover, results.FileName))

	free := filepath.Join(tmp, "free")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--out", reports}, "--out " + reports + " already holds report.html, summary.txt, which a run would overwrite; choose another directory, or move them"},
		{[]string{"--out", hgrmDir}, "already holds GET.hgrm"},
		{[]string{"--out", free, "--json-out-file", jsonOut}, "--json-out-file " + jsonOut + ": " + jsonOut + " exists, and a run overwrites no file"},
		{[]string{"--out", free, "--hdr-file-prefix", hdr}, "--hdr-file-prefix " + hdr + ": " + hdr + "_ALL.hgrm exists"},
		{[]string{"--out", free, "--cpu-profile", filepath.Join(tmp, "cpu.prof")}, "cpu.prof exists"},
		{[]string{"--out", leftover}, "--out " + leftover + " holds the result.jsonl of a run that stopped before it measured anything (no interval in it: it was killed while connecting); remove that file to use the directory again"},
		{[]string{"--out", filepath.Join(reports, "notes.md")}, "not a directory"},
	}
	for _, tt := range tests {
		res := cli(t, nil, append([]string{"run", "-s", "127.0.0.1", "-p", "1", "--connect-timeout", "1s", "-n", "10"}, tt.args...)...)
		if res.code != exitUsage || !strings.Contains(res.stderr, tt.want) || strings.Count(strings.TrimSpace(res.stderr), "\n") > 0 {
			t.Errorf("%v: exit %d, want %d and %q:\n%s", tt.args, res.code, exitUsage, tt.want, res.stderr)
		}
	}
	for _, path := range kept {
		if b, err := os.ReadFile(path); err != nil || !strings.Contains(string(b), "mine") && string(b) != "{}" {
			t.Errorf("%s changed: %q, %v", path, b, err)
		}
	}
	if _, err := os.Stat(free); !os.IsNotExist(err) {
		t.Errorf("a refused run made its --out directory: %v", err)
	}
}

// headerOnly writes a result file holding a header and nothing else.
func headerOnly(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := results.NewWriter(f).WriteHeader(&results.Header{RunID: "killed", Start: time.Now(), Mode: results.ModeClosed, IntervalS: 1}); err != nil {
		t.Fatal(err)
	}
}

// TestFailedConnectLeavesTheDirectoryFree checks that a run whose
// connections cannot all open (the server's client limit) leaves no
// header-only result file: a directory the run made is gone, one the user
// made is left empty, and the next run can use either.
func TestFailedConnectLeavesTheDirectoryFree(t *testing.T) {
	t.Parallel()
	s := benchtest.StartServer(t)
	ctx := context.Background()
	// The test's own connection and amrbench's first one fit; ten more do not.
	if err := s.Admin.ConfigSet(ctx, "maxclients", "3").Err(); err != nil {
		t.Fatal(err)
	}
	made := filepath.Join(t.TempDir(), "made-by-the-run")
	given := t.TempDir()
	for _, dir := range []string{made, given} {
		res := cli(t, nil, runArgs(s, "--connections", "10", "-n", "1000", "-q", "--out", dir)...)
		if res.code != exitFailed || !strings.Contains(res.stderr, "open connection") {
			t.Fatalf("--out %s: exit %d, want %d and a failed connection:\n%s", dir, res.code, exitFailed, res.stderr)
		}
		if _, err := os.Stat(filepath.Join(dir, results.FileName)); !os.IsNotExist(err) {
			t.Fatalf("--out %s: the failed run left its result file: %v", dir, err)
		}
	}
	if _, err := os.Stat(made); !os.IsNotExist(err) {
		t.Errorf("the directory the failed run made is still there: %v", err)
	}
	if entries, err := os.ReadDir(given); err != nil || len(entries) != 0 {
		t.Errorf("the directory given is not left as it was (empty): %v %v", entries, err)
	}
	if err := s.Admin.ConfigSet(ctx, "maxclients", "10000").Err(); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{made, given} {
		if res := cli(t, nil, runArgs(s, "--connections", "10", "-n", "1000", "-q", "--out", dir)...); res.code != 0 {
			t.Fatalf("--out %s again: exit %d: %s", dir, res.code, res.stderr)
		}
		if run := readRun(t, dir); run.Summary == nil || run.Summary.Commands[results.AllCommands].Count != 1000 {
			t.Fatalf("--out %s again: %+v", dir, run.Summary)
		}
	}
}
