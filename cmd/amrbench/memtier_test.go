package main

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/amrbench/amrbench/internal/benchtest"
	"github.com/amrbench/amrbench/results"
)

// memtierDoc reads a --json-out-file by memtier's names.
func memtierDoc(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var d map[string]any
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return d
}

func memtierNumber(t *testing.T, d map[string]any, path ...string) float64 {
	t.Helper()
	var v any = d
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("%s: no object at %q", strings.Join(path, "/"), k)
		}
		v = m[k]
	}
	f, ok := v.(float64)
	if !ok {
		t.Fatalf("%s is %v, not a number", strings.Join(path, "/"), v)
	}
	return f
}

// TestMemtierCommandLineCountsAsTheServerDoes runs a memtier_benchmark
// command line with arbitrary commands, unchanged, and checks what it
// recorded against the server's INFO commandstats, and what
// --json-out-file says by memtier's field names.
func TestMemtierCommandLineCountsAsTheServerDoes(t *testing.T) {
	t.Parallel()
	s := benchtest.StartServer(t)
	s.ResetStats(t)
	dir := filepath.Join(t.TempDir(), "out")
	jsonOut := filepath.Join(t.TempDir(), "memtier.json")
	res := cli(t, nil, "run", "-s", s.Host, "-p", strconv.Itoa(s.Port), "--reply-wait", "park",
		"-c", "2", "-t", "2", "-n", "600", "--hide-histogram", "--key-maximum", "5000",
		"--command", "HSET __key__ f __data__", "--command-ratio", "2", "--command-key-pattern", "G",
		"--command", "HGET __key__ f",
		"--json-out-file", jsonOut, "--out", dir, "-q")
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	for _, note := range []string{"4 connections = 2 clients x 2 threads"} {
		if !strings.Contains(res.stderr, note) {
			t.Errorf("stderr lacks %q:\n%s", note, res.stderr)
		}
	}
	run := readRun(t, dir)
	calls := s.CommandCalls(t)
	hset, hget := run.Summary.Commands["HSET"], run.Summary.Commands["HGET"]
	if hset == nil || hget == nil {
		t.Fatalf("commands recorded: %v", run.Summary.Commands)
	}
	if hset.Count != calls["hset"] || hget.Count != calls["hget"] || hset.Count+hget.Count != 2400 {
		t.Fatalf("recorded HSET %d HGET %d; the server ran hset %d hget %d; want 2,400 in all", hset.Count, hget.Count, calls["hset"], calls["hget"])
	}
	// Each connection sends HSET twice, then HGET, from its own point of
	// the cycle: 600 operations give it 400 HSETs, give or take one.
	if hset.Count < 1596 || hset.Count > 1604 {
		t.Errorf("HSET %d of 2,400: not 2 in 3", hset.Count)
	}
	if calls["set"]+calls["get"] != 0 {
		t.Errorf("the SET/GET mix ran too: set %d get %d", calls["set"], calls["get"])
	}
	d := memtierDoc(t, jsonOut)
	if got := memtierNumber(t, d, "ALL STATS", "Hsets", "Count"); got != float64(hset.Count) {
		t.Errorf("Hsets Count %v, want %d", got, hset.Count)
	}
	if got := memtierNumber(t, d, "ALL STATS", "Hgets", "Count"); got != float64(hget.Count) {
		t.Errorf("Hgets Count %v, want %d", got, hget.Count)
	}
	if got := memtierNumber(t, d, "ALL STATS", "Totals", "Count"); got != 2400 {
		t.Errorf("Totals Count %v, want 2400", got)
	}
	if got := memtierNumber(t, d, "run information", "Requests per client"); got != 600 {
		t.Errorf("Requests per client %v, want 600", got)
	}
	opsSec := memtierNumber(t, d, "ALL STATS", "Totals", "Ops/sec")
	if want := run.Summary.Commands[results.AllCommands].OpsPerSec; math.Abs(opsSec-want) > 0.05*want {
		t.Errorf("Totals Ops/sec %v, the summary says %v", opsSec, want)
	}
	p99 := memtierNumber(t, d, "ALL STATS", "Hsets", "Percentile Latencies", "p99.00")
	us, ok := hset.Response.At(99)
	if want := float64(us) / 1000; !ok || math.Abs(p99-want) > 0.0015 {
		t.Errorf("Hsets p99.00 %v ms, the summary says %v", p99, want)
	}
	if _, ok := d["ALL STATS"].(map[string]any)["HSET"]; ok {
		t.Error("--hide-histogram: the latency distribution was written")
	}
}

func TestRunCountRepeatsTheTest(t *testing.T) {
	t.Parallel()
	s := benchtest.StartServer(t)
	base := filepath.Join(t.TempDir(), "series")
	jsonOut := filepath.Join(t.TempDir(), "memtier.json")
	res := cli(t, nil, runArgs(s, "-x", "3", "-n", "300", "--connections", "2", "--out", base, "--json-out-file", jsonOut, "-q")...)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	var counts []int64
	for i := 1; i <= 3; i++ {
		run := readRun(t, filepath.Join(base, "run-"+strconv.Itoa(i)))
		counts = append(counts, run.Summary.Commands[results.AllCommands].Count)
	}
	if counts[0] != 600 || counts[1] != 600 || counts[2] != 600 {
		t.Fatalf("runs counted %v operations, want 600 each", counts)
	}
	table, err := os.ReadFile(filepath.Join(base, "runs.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"3 runs of the same test", "run-1", "run-3", "best", "worst", "average"} {
		if !strings.Contains(string(table), want) || !strings.Contains(res.stdout, want) {
			t.Errorf("runs.txt and stdout should say %q:\n%s", want, table)
		}
	}
	d := memtierDoc(t, jsonOut)
	if got := memtierNumber(t, d, "AGGREGATED AVERAGE RESULTS (3 runs)", "Totals", "Count"); got != 1800 {
		t.Errorf("aggregated Count %v, want 1800", got)
	}
	best := memtierNumber(t, d, "BEST RUN RESULTS", "Totals", "Ops/sec")
	worst := memtierNumber(t, d, "WORST RUN RESULTS", "Totals", "Ops/sec")
	if best < worst {
		t.Errorf("best %v ops/s below worst %v", best, worst)
	}
	if _, ok := d["ALL STATS"]; ok {
		t.Error("several runs are written as BEST, WORST and AGGREGATED, not ALL STATS")
	}
}

func TestShowConfigPrintsTheResolvedConfiguration(t *testing.T) {
	t.Parallel()
	const password = "pw-show-config-secret"
	s := benchtest.StartServer(t, benchtest.WithUser("bench", password))
	dir := filepath.Join(t.TempDir(), "out")
	res := cli(t, nil, runArgs(s, "--show-config", "-a", "bench:"+password, "-n", "50", "--connections", "2",
		"--command", "INCR n:__key__", "--out", dir, "-q")...)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	for _, want := range []string{"connections = 2", "requests = 100", "target.auth = password", "target.username = bench",
		"workload.commands.0.line = INCR n:__key__", "workload.commands.0.key_pattern = R", "timeout = 5s"} {
		if !strings.Contains(res.stdout, want+"\n") {
			t.Errorf("--show-config lacks %q:\n%s", want, res.stdout)
		}
	}
	if strings.Contains(res.stdout, password) || strings.Contains(res.stdout, "workload.ratio") {
		t.Errorf("--show-config shows the password or the mix --command replaced:\n%s", res.stdout)
	}
	// As memtier's, it runs the test after showing the configuration.
	if run := readRun(t, dir); run.Summary.Commands["INCR"].Count != 100 {
		t.Errorf("INCR %d, want 100", run.Summary.Commands["INCR"].Count)
	}
}

func TestRequestsAllKeysWithParallelKeysWritesEveryKeyOnce(t *testing.T) {
	t.Parallel()
	s := benchtest.StartServer(t)
	res := cli(t, nil, runArgs(s, "-n", "allkeys", "--key-pattern", "P:P", "--ratio", "1:0", "--key-minimum", "1", "--key-maximum", "999",
		"--connections", "7", "-P", "redis", "--out", filepath.Join(t.TempDir(), "out"), "-q")...)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	if n, err := s.Admin.DBSize(context.Background()).Result(); err != nil || n != 999 {
		t.Fatalf("the server holds %d keys (%v), want 999: every key once", n, err)
	}
	if calls := s.CommandCalls(t); calls["set"] != 999 {
		t.Fatalf("%d SETs, want 999", calls["set"])
	}
	for _, note := range []string{"--requests allkeys: 999 requests", "protocol redis: amrbench speaks RESP2"} {
		if !strings.Contains(res.stderr, note) {
			t.Errorf("stderr lacks %q:\n%s", note, res.stderr)
		}
	}
}

func TestMemtierFlagMistakes(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--command-ratio", "2", "--command", "GET __key__"}, `"--command-ratio" flag: give it after the --command it applies to`},
		{[]string{"--command", "GET __key__", "--ratio", "1:1"}, "--ratio is for the SET/GET mix, which --command replaces"},
		{[]string{"--command", "SET __key__ x__data__"}, "__data__ must be a whole argument"},
		{[]string{"--command", "GET __key__", "--command-key-pattern", "Q"}, `"--command-key-pattern" flag: "Q": one of R, S, G, Z or P`},
		{[]string{"--command", "GET __key__", "--command-key-pattern", "P", "--command", "SET __key__ 1"}, "give it to every --command or to none"},
		{[]string{"-P", "resp3"}, "amrbench speaks RESP2 only"},
		{[]string{"--protocol", "memcache_text"}, "amrbench benchmarks Redis only"},
		{[]string{"-n", "0"}, `"0" is not a whole number of at least 1, or allkeys`},
		{[]string{"-x", "0"}, "--run-count 0: at least 1"},
	} {
		res := cli(t, nil, append([]string{"run"}, tt.args...)...)
		if res.code != 2 || !strings.Contains(res.stderr, tt.want) || strings.Count(strings.TrimSpace(res.stderr), "\n") != 0 {
			t.Errorf("%q: exit %d, stderr %q; want exit 2 and one line saying %q", tt.args, res.code, res.stderr, tt.want)
		}
	}
}
