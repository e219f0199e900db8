package main

import (
	"context"
	"html"
	"os"
	"path/filepath"
	"strconv"
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
		res := cli(t, nil, runArgs(s, "--connections", "10", "-n", "100", "-q", "--out", dir)...)
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
		if res := cli(t, nil, runArgs(s, "--connections", "10", "-n", "100", "-q", "--out", dir)...); res.code != 0 { // 100 per connection
			t.Fatalf("--out %s again: exit %d: %s", dir, res.code, res.stderr)
		}
		if run := readRun(t, dir); run.Summary == nil || run.Summary.Commands[results.AllCommands].Count != 1000 {
			t.Fatalf("--out %s again: %+v", dir, run.Summary)
		}
	}
}

// TestInsecureModesWarn checks which set-ups warn, with which codes: an
// unverified certificate, a password where ps shows it, and credentials
// that cross the network in clear. No warning shows the password.
func TestInsecureModesWarn(t *testing.T) {
	t.Parallel()
	const pw = "s3cret-Pw"
	tests := []struct {
		args  []string
		codes []string
		say   string
	}{
		{[]string{"-s", "10.0.0.4", "--tls", "--tls-skip-verify"}, []string{results.WarnTLSUnverified}, "--tls-skip-verify: the server's certificate and host name are not verified"},
		{[]string{"-s", "127.0.0.1", "-a", pw}, []string{results.WarnPasswordOnCommandLine}, "a password in -a can be read by other users of this machine (ps, /proc); set AMRBENCH_PASSWORD or use --password-file instead"},
		{[]string{"-u", "redis://bench:" + pw + "@localhost:7000"}, []string{results.WarnPasswordOnCommandLine}, "a password in the --uri can be read"},
		{[]string{"-u", "rediss://bench:" + pw + "@10.0.0.4:7000", "-a", pw}, []string{results.WarnPasswordOnCommandLine}, "a password in -a and the --uri can be read"},
		{[]string{"-s", "10.0.0.4", "-a", pw}, []string{results.WarnPasswordOnCommandLine, results.WarnCleartextCredentials}, "the password goes to 10.0.0.4 without TLS, where anyone on the network path can read it: add --tls"},
		{[]string{"-s", "10.0.0.4", "--tls", "-a", pw}, []string{results.WarnPasswordOnCommandLine}, ""},
		{[]string{"-s", "10.0.0.4", "--tls"}, nil, ""},
		{[]string{"-s", "127.0.0.1", "-a", ""}, nil, ""},
	}
	for _, tt := range tests {
		p, err := planOf(t, tt.args...)
		if err != nil {
			t.Fatalf("%v: %v", tt.args, err)
		}
		var codes, details []string
		for _, w := range p.warnings {
			codes, details = append(codes, w.code), append(details, w.detail)
		}
		all := strings.Join(details, "\n")
		if strings.Join(codes, ",") != strings.Join(tt.codes, ",") || !strings.Contains(all, tt.say) || strings.Contains(all, pw) {
			t.Errorf("%v: warnings %q\n%s\nwant codes %q and %q", tt.args, codes, all, tt.codes, tt.say)
		}
	}
}

// TestUnverifiedRunSaysSoEverywhere runs over TLS without verification
// against a real server, with the password on the command line: stderr
// warns once of each, result.jsonl records both warnings and the header's
// tls_unverified, summary.txt and report.html say it, and compare notes it
// beside a verified run.
func TestUnverifiedRunSaysSoEverywhere(t *testing.T) {
	t.Parallel()
	const pw = "pw-7Qx-not-shown"
	s := benchtest.StartServer(t, benchtest.WithTLS("localhost"), benchtest.WithUser("bench", pw))
	files := s.Certs.WriteFiles(t, t.TempDir())
	tmp := t.TempDir()
	base := []string{"run", "-s", "localhost", "-p", strconv.Itoa(s.TLSPort), "--tls", "-n", "2000", "--connections", "2", "--interval", "100ms", "-q", "--reply-wait", "park"}
	unverified, verified := filepath.Join(tmp, "unverified"), filepath.Join(tmp, "verified")
	res := cli(t, nil, append(base, "--tls-skip-verify", "-a", "bench:"+pw, "--out", unverified)...)
	if res.code != 0 {
		t.Fatalf("unverified run: exit %d: %s", res.code, res.stderr)
	}
	for _, want := range []string{"amrbench: warning: --tls-skip-verify:", "amrbench: warning: a password in -a"} {
		if n := strings.Count(res.stderr, want); n != 1 {
			t.Errorf("stderr says %q %d times, want once:\n%s", want, n, res.stderr)
		}
	}
	if res := cli(t, map[string]string{"AMRBENCH_PASSWORD": pw}, append(base, "--user", "bench", "--cacert", files.CA, "--out", verified)...); res.code != 0 || strings.Contains(res.stderr, "--tls-skip-verify") || strings.Contains(res.stderr, "password") {
		t.Fatalf("verified run: exit %d, or an insecure-mode warning: %s", res.code, res.stderr)
	}
	run := readRun(t, unverified)
	if !run.Header.Target.TLS || !run.Header.Target.TLSUnverified || readRun(t, verified).Header.Target.TLSUnverified {
		t.Errorf("headers: unverified run %+v; the verified one says unverified: %v", run.Header.Target, readRun(t, verified).Header.Target.TLSUnverified)
	}
	codes := map[string]int{}
	for _, e := range run.Events {
		if e.Kind == results.EventWarning {
			codes[e.Code]++
		}
	}
	if codes[results.WarnTLSUnverified] != 1 || codes[results.WarnPasswordOnCommandLine] != 1 {
		t.Errorf("warning events by code: %v", codes)
	}
	summary, _ := os.ReadFile(filepath.Join(unverified, "summary.txt"))
	page, _ := os.ReadFile(filepath.Join(unverified, "report.html"))
	for name, text := range map[string]string{"summary.txt": string(summary), "report.html": html.UnescapeString(string(page))} {
		if !strings.Contains(text, "TLS unverified") || !strings.Contains(text, "the server's certificate and host name were not checked") {
			t.Errorf("%s does not say the TLS was unverified", name)
		}
	}
	cmp := cli(t, nil, "compare", verified, unverified)
	if cmp.code != 0 || !strings.Contains(cmp.stdout, "B ran over TLS without verifying the server's certificate") {
		t.Errorf("compare: exit %d: %s\n%s", cmp.code, cmp.stderr, cmp.stdout)
	}
	entries, _ := os.ReadDir(unverified)
	for _, e := range entries {
		if b, _ := os.ReadFile(filepath.Join(unverified, e.Name())); strings.Contains(string(b), pw) {
			t.Errorf("%s holds the password", e.Name())
		}
	}
	if strings.Contains(res.stderr+res.stdout+cmp.stdout, pw) {
		t.Error("the output shows the password")
	}
}
