package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/amrbench/amrbench/internal/benchtest"
	"github.com/amrbench/amrbench/internal/units"
	"github.com/amrbench/amrbench/report"
	"github.com/amrbench/amrbench/results"
)

// cli runs amrbench in-process and returns its exit status and output.
type cliResult struct {
	code           int
	stdout, stderr string
}

func cli(t *testing.T, env map[string]string, args ...string) cliResult {
	t.Helper()
	var stdout, stderr bytes.Buffer
	e := &environment{stdout: &stdout, stderr: &stderr, getenv: func(k string) string { return env[k] }}
	code := run(context.Background(), e, args)
	return cliResult{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// runArgs returns "run" against s, followed by extra. Its connections park
// for replies: polling ones would starve the network waits of the tests
// running beside them in this process (TestRunPollsForReplies polls).
func runArgs(s *benchtest.Server, extra ...string) []string {
	return append([]string{"run", "-s", s.Host, "-p", strconv.Itoa(s.Port), "--reply-wait", "park"}, extra...)
}

func readRun(t *testing.T, dir string) *results.Run {
	t.Helper()
	run, err := results.ReadFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	return run
}

func TestRunWritesResultsThatMatchTheServer(t *testing.T) {
	t.Parallel()
	s := benchtest.StartServer(t)
	s.ResetStats(t)
	dir := filepath.Join(t.TempDir(), "out")
	res := cli(t, nil, runArgs(s, "-n", "2000", "--connections", "10", "--interval", "250ms", "--out", dir, "-q")...)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	run := readRun(t, dir)
	if run.Summary == nil || run.Truncated {
		t.Fatalf("result file: summary %v, truncated %v", run.Summary, run.Truncated)
	}
	calls := s.CommandCalls(t)
	get, set := run.Summary.Commands["GET"], run.Summary.Commands["SET"]
	if get.Count != calls["get"] || set.Count != calls["set"] || get.Count+set.Count != 20000 {
		t.Fatalf("summary GET %d SET %d; server get %d set %d", get.Count, set.Count, calls["get"], calls["set"])
	}
	if r := float64(set.Count) / float64(get.Count); math.Abs(r-0.1)/0.1 > 0.02 {
		t.Fatalf("SET:GET %d:%d is not 1:10 within 2%%", set.Count, get.Count)
	}
	// The summary record equals a summary recomputed from the intervals.
	again, err := run.Summarize()
	if err != nil {
		t.Fatal(err)
	}
	if again.Commands["ALL"].Count != run.Summary.Commands["ALL"].Count ||
		again.Commands["ALL"].Response.MaxMicros != run.Summary.Commands["ALL"].Response.MaxMicros {
		t.Fatal("the summary record differs from the summary of the intervals")
	}
	for _, name := range []string{"summary.txt", "GET.hgrm", "SET.hgrm", "ALL.hgrm", "intervals.hlog"} {
		if st, err := os.Stat(filepath.Join(dir, name)); err != nil || st.Size() == 0 {
			t.Errorf("%s missing or empty: %v", name, err)
		}
	}
	// stdout carries the summary table; its GET row has the GET count rate.
	if !strings.Contains(res.stdout, "COMMAND") || !strings.Contains(res.stdout, "GET") {
		t.Fatalf("summary not printed:\n%s", res.stdout)
	}
}

// TestALLHgrmAgreesWithIntervals checks that ALL.hgrm is exactly the
// histogram merged from the intervals of result.jsonl.
func TestALLHgrmAgreesWithIntervals(t *testing.T) {
	t.Parallel()
	s := benchtest.StartServer(t)
	dir := filepath.Join(t.TempDir(), "out")
	res := cli(t, nil, runArgs(s, "-n", "1250", "--connections", "4", "--interval", "100ms", "--out", dir, "-q")...)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	run := readRun(t, dir)
	merged := results.NewHistogram()
	for _, iv := range run.Intervals {
		for _, cs := range iv.Commands {
			if err := merged.Add(cs.Response); err != nil {
				t.Fatal(err)
			}
		}
	}
	if merged.TotalCount() != 5000 {
		t.Fatalf("intervals hold %d values, want 5000", merged.TotalCount())
	}
	var want bytes.Buffer
	if err := report.WritePercentiles(&want, merged); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "ALL.hgrm"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("ALL.hgrm differs from the merged intervals:\n%s\nwant:\n%s", got, want.String())
	}
	if !strings.Contains(string(got), "Total count    =         5000") {
		t.Fatalf("ALL.hgrm total count:\n%s", got)
	}
}

func TestTLSFlagsAndHostnameVerification(t *testing.T) {
	t.Parallel()
	s := benchtest.StartServer(t, benchtest.WithTLS("localhost"))
	files := s.Certs.WriteFiles(t, t.TempDir())
	base := []string{"run", "-s", "localhost", "-p", strconv.Itoa(s.TLSPort), "--tls", "--cacert", files.CA, "-n", "1000", "--connections", "2", "-q", "--reply-wait", "park"}
	if res := cli(t, nil, append(base, "--out", filepath.Join(t.TempDir(), "a"))...); res.code != 0 {
		t.Fatalf("verified TLS run: exit %d: %s", res.code, res.stderr)
	}
	// 127.0.0.1 is not a name the certificate holds.
	bad := []string{"run", "-s", "127.0.0.1", "-p", strconv.Itoa(s.TLSPort), "--tls", "--cacert", files.CA, "-n", "2", "-q", "--reply-wait", "park", "--out", filepath.Join(t.TempDir(), "b")}
	res := cli(t, nil, bad...)
	if res.code != 1 || !strings.Contains(res.stderr, "TLS") || strings.Count(strings.TrimSpace(res.stderr), "\n") > 1 {
		t.Fatalf("wrong host: exit %d, stderr:\n%s", res.code, res.stderr)
	}
	if res := cli(t, nil, append(bad, "--tls-skip-verify", "--out", filepath.Join(t.TempDir(), "c"))...); res.code != 0 {
		t.Fatalf("with --tls-skip-verify: exit %d: %s", res.code, res.stderr)
	}
	// A client certificate is accepted by a server that checks it.
	if res := cli(t, nil, append(base, "--cert", files.ClientCert, "--key", files.ClientKey, "--out", filepath.Join(t.TempDir(), "d"))...); res.code != 0 {
		t.Fatalf("with a client certificate: exit %d: %s", res.code, res.stderr)
	}
}

func TestPasswordNeverAppears(t *testing.T) {
	t.Parallel()
	const password = "pw-Zx81-never-print"
	s := benchtest.StartServer(t, benchtest.WithUser("bench", password))
	dir := filepath.Join(t.TempDir(), "out")
	jsonOut := filepath.Join(t.TempDir(), "summary.json")
	res := cli(t, nil, runArgs(s, "-a", "bench:"+password, "-n", "1000", "--connections", "3", "--out", dir, "--json-out-file", jsonOut)...)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	// From the environment and from a file, too.
	pwFile := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pwFile, []byte(password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	res2 := cli(t, map[string]string{"AMRBENCH_PASSWORD": password}, runArgs(s, "--user", "bench", "-n", "2", "-q", "--out", filepath.Join(t.TempDir(), "env"))...)
	res3 := cli(t, nil, runArgs(s, "--user", "bench", "--password-file", pwFile, "-n", "2", "-q", "--out", filepath.Join(t.TempDir(), "file"))...)
	if res2.code != 0 || res3.code != 0 {
		t.Fatalf("AMRBENCH_PASSWORD: exit %d %s; --password-file: exit %d %s", res2.code, res2.stderr, res3.code, res3.stderr)
	}
	// A wrong password is a clear auth failure, without the password.
	res4 := cli(t, nil, runArgs(s, "-a", "bench:wrong-"+password, "-n", "2", "-q", "--out", filepath.Join(t.TempDir(), "wrong"))...)
	if res4.code != 1 || !strings.Contains(res4.stderr, `authentication failed for user "bench"`) {
		t.Fatalf("wrong password: exit %d: %s", res4.code, res4.stderr)
	}
	outputs := []string{res.stdout, res.stderr, res2.stdout, res2.stderr, res3.stderr, res4.stderr}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		outputs = append(outputs, string(b))
	}
	b, _ := os.ReadFile(jsonOut)
	outputs = append(outputs, string(b))
	for i, out := range outputs {
		if strings.Contains(out, password) {
			t.Fatalf("output %d contains the password", i)
		}
	}
	if len(entries) < 5 {
		t.Fatalf("run directory holds %d files", len(entries))
	}
}

func TestBadInputIsOneLineAndExit2(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "no-such-ca.pem")
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"run", "--ratio", "1:x"}, 2, "--ratio"},
		{[]string{"run", "-d", "-5"}, 2, "data-size"},
		{[]string{"run", "--data-size-range", "100-10"}, 2, "--data-size-range"},
		{[]string{"run", "--expiry-range", "9-3"}, 2, "--expiry-range"},
		{[]string{"run", "--key-minimum", "10", "--key-maximum", "5"}, 2, "--key-minimum 10 is above --key-maximum 5"},
		{[]string{"run", "--key-pattern", "R:Q"}, 2, "--key-pattern"},
		{[]string{"run", "-s", "h", "--tls", "--cacert", missing}, 2, "--cacert"},
		{[]string{"run", "--connections", "0"}, 2, "--connections"},
		{[]string{"run", "--duration", "soon"}, 2, "--duration"},
		{[]string{"run", "-n", "5", "--duration", "5s"}, 2, "--requests and --duration"},
		{[]string{"run", "-u", "http://user:topsecret@h"}, 2, "--uri"},
		{[]string{"run", "-u", "redis://user:topsecret@h:notaport"}, 2, "--uri"},
		{[]string{"run", "--no-such-flag"}, 2, "no-such-flag"},
		{[]string{"run", "-s", "127.0.0.1", "-p", "1", "--connect-timeout", "1s", "-n", "5"}, 1, "connect to 127.0.0.1:1"},
		{[]string{"frobnicate"}, 2, "unknown command"},
		{[]string{"run", "--rate", "lots"}, 2, "--rate"},
		{[]string{"run", "--rate-ramp", "10k:1k:1k"}, 2, "--rate-ramp"},
		{[]string{"run", "--find-max"}, 2, "--find-max needs at least one --slo"},
		{[]string{"run", "--rate", "1k", "--slo", "p99>2ms"}, 2, "--slo"},
		// --find-max is a staircase of its own: with --slo and no --rate it
		// goes on to connect.
		{[]string{"run", "--find-max", "--slo", "p99<2ms", "-s", "127.0.0.1", "-p", "1", "--connect-timeout", "1s"}, 1, "connect to 127.0.0.1:1"},
		{[]string{"run", "-d", "4k"}, 2, `"4k" is ambiguous: write 4KB (decimal, ×1000) or 4KiB (binary, ×1024)`},
		{[]string{"run", "--rate-ramp", "1k:2k:1k:1500ms"}, 2, "whole number of --interval"},
		{[]string{"run", "--rate-ramp", "1k:2k:1k", "--duration", "5s"}, 2, "drop --duration"},
		{[]string{"run", "--connections", "2000000000"}, 2, "--connections 2000000000: from 1 to 1048576"},
		{[]string{"run", "-c", "100000", "-t", "100000"}, 2, "--clients 100000 x --threads 100000"},
		{[]string{"run", "-P", "2000000000"}, 2, "--pipeline 2000000000: from 1 to 10000"},
		{[]string{"run", "--json-out-file", filepath.Join(missing, "x.json")}, 2, "--json-out-file"},
		{[]string{"run", "--hdr-file-prefix", filepath.Join(missing, "x")}, 2, "--hdr-file-prefix"},
		{[]string{"run", "--expiry-range", "0-10"}, 2, "an expiry starts at 1 second"},
		{[]string{"run", "--reply-wait", "spin"}, 2, `--reply-wait "spin": want auto, park or poll`},
		{[]string{"run", "--reply-wait", "poll", "--rate", "1k"}, 2, "--reply-wait poll: an open loop's workers wait on timers"},
		{[]string{"run", "-s", "c.westeurope.redis.azure.net", "--auth", "entra", "--reply-wait", "poll"}, 2, "--reply-wait poll: Entra ID's token requests"},
		{[]string{"run", "--connect-rate", "fast"}, 2, "--connect-rate"},
		{[]string{"run", "--transport", "fast"}, 2, `--transport "fast": want auto, raw or std`},
		{[]string{"run", "--transport", "std", "--reply-wait", "poll"}, 2, "--reply-wait poll needs raw system calls"},
		{nil, 2, "amrbench <command> --help"},
		{[]string{"run", "--select-db", "-1"}, 2, "--select-db -1: a database number from 0 to 2147483646"},
		{[]string{"run", "-u", "redis://h/-3"}, 2, "--uri: the database (after the host, /db) is not a number of 0 or more"},
		{[]string{"run", "--cpus", "0"}, 2, fmt.Sprintf("--cpus 0: from 1 to %d, the CPUs of this machine", runtime.NumCPU())},
		{[]string{"run", "--cpus", "999"}, 2, fmt.Sprintf("--cpus 999: from 1 to %d, the CPUs of this machine", runtime.NumCPU())},
		{[]string{"run", "--cpus", "-2"}, 2, "--cpus -2: from 1 to"},
		{[]string{"run", "--rate", "2G"}, 2, `--rate: "2G" is above the highest rate, 1G ops/s`},
		{[]string{"run", "--rate", "1e10"}, 2, `--rate: "1e10" is above the highest rate, 1G ops/s`},
		{[]string{"run", "--rate", "0"}, 2, `--rate: "0" is not a rate above 0 ops/s`},
		{[]string{"run", "--find-max", "--slo", "p99<1ms", "--max-rate", "5G"}, 2, `--max-rate: "5G" is above the highest rate, 1G ops/s`},
		{[]string{"plan", "--target-ops", "2G", "--slo", "p99<1ms", "x.jsonl"}, 2, `--target-ops: "2G" is above the highest rate, 1G ops/s`},
	}
	for _, tt := range tests {
		res := cli(t, nil, tt.args...)
		lines := strings.Split(strings.TrimSpace(res.stderr), "\n")
		last := lines[len(lines)-1]
		if res.code != tt.code || !strings.Contains(last, tt.want) {
			t.Errorf("%v: exit %d, last line %q; want exit %d and %q", tt.args, res.code, last, tt.code, tt.want)
		}
		if strings.Contains(res.stderr, "topsecret") || strings.Contains(res.stderr, "goroutine") {
			t.Errorf("%v: stderr shows a secret or a stack trace:\n%s", tt.args, res.stderr)
		}
	}
}

func TestHelpHasExamples(t *testing.T) {
	t.Parallel()
	for _, cmd := range []string{"run", "version", "compare", "report", "merge", "tiers", "plan"} {
		for _, help := range []string{"--help", "-h"} {
			res := cli(t, nil, cmd, help)
			if res.code != 0 || strings.Count(res.stdout, "Examples:") != 1 || strings.Count(res.stdout, "Usage:\n  amrbench "+cmd) != 1 {
				t.Errorf("%s %s: exit %d, want the usage with examples once:\n%s", cmd, help, res.code, res.stdout)
			}
		}
	}
	if res := cli(t, nil, "version"); res.code != 0 || !strings.HasPrefix(res.stdout, "amrbench ") {
		t.Errorf("version: exit %d: %s", res.code, res.stdout)
	}
}

func TestTargetDefaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args     []string
		env      map[string]string
		host     string
		port     int
		tls      bool
		user, pw string
		conns    int
	}{
		{args: []string{"-s", "c1.westeurope.redis.azure.net"}, host: "c1.westeurope.redis.azure.net", port: 10000, tls: true, conns: 50},
		{args: []string{"-s", "c2.eastus.redisenterprise.cache.azure.net"}, host: "c2.eastus.redisenterprise.cache.azure.net", port: 10000, tls: true, conns: 50},
		{args: []string{"-s", "c3.redis.cache.windows.net"}, host: "c3.redis.cache.windows.net", port: 6380, tls: true, conns: 50},
		{args: []string{"-s", "c3.redis.cache.windows.net", "-p", "6379", "--tls=false"}, host: "c3.redis.cache.windows.net", port: 6379, tls: false, conns: 50},
		{args: []string{"-s", "10.0.0.4"}, host: "10.0.0.4", port: 6379, conns: 50},
		{args: []string{"-u", "rediss://alice:pw@h.example:7000/0"}, host: "h.example", port: 7000, tls: true, user: "alice", pw: "pw", conns: 50},
		{args: []string{"-u", "redis://justpw@h.example"}, host: "h.example", port: 6379, pw: "justpw", conns: 50},
		{args: []string{"-u", "redis://c1.westeurope.redis.azure.net"}, host: "c1.westeurope.redis.azure.net", port: 10000, tls: false, conns: 50},
		{args: []string{"-s", "h", "-a", "bob:x:y"}, host: "h", port: 6379, user: "bob", pw: "x:y", conns: 50},
		{args: []string{"-s", "h"}, env: map[string]string{"AMRBENCH_PASSWORD": "e"}, host: "h", port: 6379, pw: "e", conns: 50},
		{args: []string{"-s", "h", "-c", "10", "-t", "8"}, host: "h", port: 6379, conns: 80},
		{args: []string{"-s", "h", "-c", "10"}, host: "h", port: 6379, conns: 40}, // memtier's 4 threads by default
	}
	for _, tt := range tests {
		var f runFlags
		fs := newFlagSet(&environment{}, "run", "", "")
		f.register(fs)
		if err := fs.Parse(tt.args); err != nil {
			t.Fatal(err)
		}
		env := &environment{getenv: func(k string) string { return tt.env[k] }}
		p, err := f.plan(fs, env)
		if err != nil {
			t.Errorf("%v: %v", tt.args, err)
			continue
		}
		tc := p.cfg.Target
		if tc.Host != tt.host || tc.Port != tt.port || tc.TLS.Enabled != tt.tls || tc.Username != tt.user || tc.Password != tt.pw || p.cfg.Connections != tt.conns {
			t.Errorf("%v: got %s:%d tls=%v user=%q pw=%q conns=%d", tt.args, tc.Host, tc.Port, tc.TLS.Enabled, tc.Username, tc.Password, p.cfg.Connections)
		}
	}
}

// TestRampWithObjectiveWritesTheVerdict measures rates: it runs alone (no
// t.Parallel).
func TestRampWithObjectiveWritesTheVerdict(t *testing.T) {
	s := benchtest.StartServer(t)
	dir := filepath.Join(t.TempDir(), "out")
	res := cli(t, nil, runArgs(s, "--rate-ramp", "500:1k:500:1s", "--interval", "500ms", "--slo", "p99<500ms", "--connections", "4", "--out", dir, "-q")...)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	run := readRun(t, dir)
	if run.Header.Mode != results.ModeOpen || len(run.Header.SLO) != 1 {
		t.Fatalf("header mode %q, slo %v", run.Header.Mode, run.Header.SLO)
	}
	slo := run.Summary.SLO
	if slo == nil || len(slo.Steps) != 2 || slo.MaxRate != 1000 {
		t.Fatalf("summary slo %+v", slo)
	}
	for _, want := range []string{"Response time, from each request's intended start", "Steps, judged by p99<500ms", "Highest rate meeting p99<500ms: 1,000 ops/s"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, res.stdout)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "ALL-service.hgrm")); err != nil {
		t.Errorf("open loop: %v", err)
	}
}

func TestConnectionsOverTheSKULimitWarn(t *testing.T) {
	t.Parallel()
	s := benchtest.StartServer(t)
	// C0 accepts 256 connections; a local server stands in for it.
	res := cli(t, nil, runArgs(s, "--sku", "C0", "--connections", "257", "--connect-concurrency", "16", "-n", "1", "-q", "--out", filepath.Join(t.TempDir(), "out"))...)
	if res.code != 0 || !strings.Contains(res.stderr, "warning: 257 connections exceed the target's limit of 256") {
		t.Fatalf("exit %d, stderr:\n%s", res.code, res.stderr)
	}
}

// TestRunPollsForReplies runs the command as a user would, with the default
// --reply-wait auto: the result file's header records the choice, and its
// closing event says how the connections waited. It runs alone (no
// t.Parallel): polling connections would starve the tests beside it.
func TestRunPollsForReplies(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("connections poll on Linux only")
	}
	s := benchtest.StartServer(t)
	dir := filepath.Join(t.TempDir(), "run")
	res := cli(t, nil, "run", "-s", s.Host, "-p", strconv.Itoa(s.Port), "-n", "1000", "--connections", "20", "--out", dir, "-q")
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	run := readRun(t, dir)
	var cfg struct {
		ReplyWait string `json:"reply_wait"`
	}
	if err := json.Unmarshal(run.Header.Config, &cfg); err != nil || cfg.ReplyWait != "auto" {
		t.Fatalf("header config reply_wait %q (%v), want auto", cfg.ReplyWait, err)
	}
	var waits []*results.Event
	for _, e := range run.Events {
		if e.Kind == results.EventReplyWait || e.Code == results.WarnReplyWaitFallback {
			waits = append(waits, e)
		}
	}
	// Whether polling paid depends on the machine; the event must say
	// which it was, and count the spells parked (with a code: polling had
	// to stop), and the terminal says nothing of it.
	if len(waits) != 1 || !(waits[0].Count == 0 && strings.HasPrefix(waits[0].Detail, "the connections polled for their replies: ") ||
		waits[0].Count > 0 && waits[0].Code == results.WarnReplyWaitFallback && strings.Contains(waits[0].Detail, fmt.Sprintf("stopped polling for them %s", units.Plural(waits[0].Count, "time")))) {
		t.Fatalf("reply-wait events %+v, want one telling how the connections polled", waits)
	}
	if strings.Contains(res.stderr, "poll") {
		t.Errorf("the terminal speaks of polling:\n%s", res.stderr)
	}
	t.Log(waits[0].Detail)
}

// TestFlagRangesAccept checks the other side of the ranges that
// TestBadInputIsOneLineAndExit2 refuses: their ends are accepted.
func TestFlagRangesAccept(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args  []string
		check func(p *runPlan) bool
	}{
		{[]string{"--select-db", "0"}, func(p *runPlan) bool { return p.cfg.Target.DB == 0 }},
		{[]string{"--select-db", "15"}, func(p *runPlan) bool { return p.cfg.Target.DB == 15 }},
		{[]string{"-u", "redis://h/3"}, func(p *runPlan) bool { return p.cfg.Target.DB == 3 }},
		{[]string{"--cpus", "1"}, func(p *runPlan) bool { return p.cpus == 1 }},
		{[]string{"--cpus", strconv.Itoa(runtime.NumCPU())}, func(p *runPlan) bool { return p.cpus == runtime.NumCPU() }},
		{[]string{"--rate", "1G"}, func(p *runPlan) bool { return p.cfg.Rate == 1e9 }},
		{[]string{"--rate", "1000M"}, func(p *runPlan) bool { return p.cfg.Rate == 1e9 }},
		// --find-max needs no --rate to start from: it doubles from its own.
		{[]string{"--find-max", "--slo", "p99<1ms"}, func(p *runPlan) bool { return p.cfg.FindMax && len(p.cfg.Objectives) == 1 }},
	}
	for _, tt := range tests {
		p, err := planOf(t, tt.args...)
		if err != nil || !tt.check(p) {
			t.Errorf("%v: %v", tt.args, err)
		}
	}
}

// TestServerRefusesTheDatabase checks that a database the server does not
// have fails the run at once, naming the flag: exit 1, as the flag's value
// is valid but this server lacks it.
func TestServerRefusesTheDatabase(t *testing.T) {
	t.Parallel()
	s := benchtest.StartServer(t, benchtest.WithArgs("--databases", "4"))
	res := cli(t, nil, runArgs(s, "--select-db", "4", "-n", "100", "-q", "--out", filepath.Join(t.TempDir(), "out"))...)
	want := "--select-db 4: the server has no such database"
	if res.code != 1 || !strings.Contains(res.stderr, want) || strings.Count(strings.TrimSpace(res.stderr), "\n") > 2 {
		t.Fatalf("exit %d, want 1 and %q:\n%s", res.code, want, res.stderr)
	}
	if res := cli(t, nil, runArgs(s, "--select-db", "3", "-n", "100", "-q", "--out", filepath.Join(t.TempDir(), "ok"))...); res.code != 0 {
		t.Fatalf("--select-db 3 of 4: exit %d: %s", res.code, res.stderr)
	}
}

// TestTLSMismatchIsNamed checks that a client and a port that disagree
// about TLS fail at once with the flag to change: plain RESP to a TLS port
// (reset by the server), and a TLS handshake to a plain port (which Redis
// never answers: without the probe it waited out --connect-timeout).
func TestTLSMismatchIsNamed(t *testing.T) {
	t.Parallel()
	s := benchtest.StartServer(t, benchtest.WithTLS("localhost"), benchtest.WithUser("bench", "pw-mismatch"))
	tests := []struct {
		name  string
		args  []string
		want  string
		limit time.Duration
	}{
		{"plain to TLS", []string{"-p", strconv.Itoa(s.TLSPort)}, "the server speaks TLS: add --tls", 3 * time.Second},
		{"TLS to plain", []string{"-p", strconv.Itoa(s.Port), "--tls", "--tls-skip-verify"},
			"no TLS handshake answer: the server answers plain RESP on this port; is this a TLS port? (drop --tls, or give the TLS port)", 4 * time.Second},
		// With a password the plain port answers -NOAUTH: RESP all the same.
		{"TLS to plain, password", []string{"-p", strconv.Itoa(s.Port), "--tls", "--tls-skip-verify", "--user", "bench", "--password-file", writePassword(t, "pw-mismatch")},
			"no TLS handshake answer: the server answers plain RESP on this port", 4 * time.Second},
	}
	for _, tt := range tests {
		start := time.Now()
		res := cli(t, nil, append([]string{"run", "-s", "localhost", "--connect-timeout", "20s", "-n", "100", "-q", "--out", filepath.Join(t.TempDir(), "out")}, tt.args...)...)
		took := time.Since(start)
		last := strings.TrimSpace(res.stderr[strings.LastIndex(strings.TrimSpace(res.stderr), "\n")+1:])
		if res.code != exitFailed || !strings.Contains(last, tt.want) || took > tt.limit {
			t.Errorf("%s: exit %d after %s, last line %q; want exit %d within %s and %q", tt.name, res.code, took.Round(time.Millisecond), last, exitFailed, tt.limit, tt.want)
		}
	}
}

// writePassword writes a password file for the test and returns its path.
func writePassword(t *testing.T, pw string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(path, []byte(pw+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
