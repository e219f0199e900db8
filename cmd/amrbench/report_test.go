package main

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/amrbench/amrbench/internal/benchtest"
	"github.com/amrbench/amrbench/results"
)

// fixture is a fixed result file of the report package's tests: a closed-loop
// run against a 3-shard cluster, with errors and events.
var fixture = filepath.Join("..", "..", "report", "testdata", "cluster.jsonl")

// The tests that render HTML or send load are not parallel: rendering under
// the race detector takes the CPU for seconds, and the open-loop tests of this
// package measure rates.

func TestReportRendersEveryFormat(t *testing.T) {
	golden := func(ext string) string {
		b, err := os.ReadFile(filepath.Join("..", "..", "report", "testdata", "cluster.summary."+ext))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	htmlOut := filepath.Join(t.TempDir(), "page.html")
	tests := []struct {
		args []string
		want func(stdout string) bool
	}{
		{[]string{fixture}, func(s string) bool { return s == golden("txt") }},
		{[]string{fixture, "--format", "md"}, func(s string) bool { return s == golden("md") }},
		{[]string{fixture, "-f", "csv"}, func(s string) bool { return s == golden("csv") }},
		{[]string{fixture, "--print-percentiles", "50,99.999"}, func(s string) bool {
			return strings.Contains(s, "P99.999") && !strings.Contains(s, "P90")
		}},
		{[]string{fixture, "--format", "hgrm", "--command", "GET"}, func(s string) bool {
			return strings.Contains(s, "Value\tPercentile\tTotalCount\t1/(1-Percentile)") && strings.Contains(s, "Total count    =      1381040")
		}},
		{[]string{fixture, "--format", "hlog", "--latency", "service"}, func(s string) bool {
			return strings.Contains(s, "service time") && strings.Count(s, "Tag=ALL,") == 30
		}},
		{[]string{fixture, "--format", "html", "-o", htmlOut}, func(s string) bool { return s == "" }},
	}
	for _, tt := range tests {
		res := cli(t, nil, append([]string{"report"}, tt.args...)...)
		if res.code != 0 || !tt.want(res.stdout) {
			t.Errorf("report %v: exit %d, stderr %q, stdout:\n%s", tt.args, res.code, res.stderr, res.stdout)
		}
	}
	page, err := os.ReadFile(htmlOut)
	if err != nil || !bytes.Contains(page, []byte(`id="chart-percentiles"`)) || !bytes.Contains(page, []byte("50,638")) {
		t.Fatalf("--format html -o: %v, %d bytes", err, len(page))
	}
}

func TestReportReadsDirectoriesTruncatedFilesAndStdin(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, results.FileName), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if res := cli(t, nil, "report", dir); res.code != 0 || !strings.Contains(res.stdout, "50,638") {
		t.Fatalf("report DIR: exit %d: %s%s", res.code, res.stdout, res.stderr)
	}
	// A killed run: the file stops in the middle of its 11th record.
	lines := bytes.SplitAfter(data, []byte("\n"))
	cut := append(bytes.Join(lines[:10], nil), lines[10][:100]...)
	killed := filepath.Join(dir, "killed.jsonl")
	if err := os.WriteFile(killed, cut, 0o644); err != nil {
		t.Fatal(err)
	}
	res := cli(t, nil, "report", killed)
	if res.code != 0 || !strings.Contains(res.stdout, "the result file ends early") {
		t.Fatalf("report of a cut file: exit %d: %s%s", res.code, res.stdout, res.stderr)
	}
	var stdout, stderr bytes.Buffer
	env := &environment{stdin: bytes.NewReader(data), stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }}
	if code := run(context.Background(), env, []string{"report", "-", "-f", "csv"}); code != 0 || !strings.HasPrefix(stdout.String(), "run_id,latency,command,count") {
		t.Fatalf("report - : exit %d: %s%s", code, stdout.String(), stderr.String())
	}
}

func TestReportAndMergeBadInput(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	notResult := filepath.Join(tmp, "notes.txt")
	if err := os.WriteFile(notResult, []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	future := time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"report"}, "name a result file"},
		{[]string{"report", filepath.Join(tmp, "missing.jsonl")}, "missing.jsonl: no such file"},
		{[]string{"report", notResult}, "notes.txt"},
		{[]string{"report", fixture, fixture}, "amrbench merge"},
		{[]string{"report", fixture, "--format", "pdf"}, "--format \"pdf\""},
		{[]string{"report", fixture, "--latency", "fast"}, "--latency"},
		{[]string{"report", fixture, "--format", "hgrm", "--command", "HSET"}, "--command \"HSET\""},
		{[]string{"report", fixture, "--print-percentiles", "101"}, "print-percentiles"},
		{[]string{"report", fixture, "--command", "GET"}, "--command: only --format hgrm"},
		{[]string{"report", fixture, "--latency", "service", "-f", "csv"}, "--latency: only --format hgrm and hlog"},
		{[]string{"report", fixture, "-f", "hlog", "--print-percentiles", "99"}, "--print-percentiles: --format hlog"},
		{[]string{"report", fixture, "-o", filepath.Join(tmp, "no", "such", "dir", "x.html"), "-f", "html"}, "--output"},
		{[]string{"merge"}, "name the result files"},
		{[]string{"merge", fixture, filepath.Join(tmp, "gone")}, "gone: no such file"},
		{[]string{"merge", notResult}, "notes.txt"},
		{[]string{"run", "--segment", "3/3"}, "--segment"},
		{[]string{"run", "--segment", "half"}, "--segment"},
		{[]string{"run", "--segment", "2/3", "--connections", "2"}, "--segment 2/3"},
		{[]string{"run", "--start-at", "noon"}, "--start-at \"noon\""},
		{[]string{"run", "--start-at", "2020-01-01T00:00:00Z"}, "has passed"},
		{[]string{"run", "--start-at", future}, "more than 24h0m0s away"},
	}
	for _, tt := range tests {
		res := cli(t, nil, tt.args...)
		lines := strings.Split(strings.TrimSpace(res.stderr), "\n")
		if res.code != exitUsage || len(lines) != 1 || !strings.Contains(lines[0], tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and one line with %q", tt.args, res.code, res.stderr, tt.want)
		}
		if strings.Contains(res.stderr, "goroutine") || strings.Contains(res.stderr, "panic") {
			t.Errorf("%v: a panic:\n%s", tt.args, res.stderr)
		}
	}
}

// cliOnTerminal runs amrbench in-process as if stderr were a terminal.
func cliOnTerminal(t *testing.T, terminal bool, args ...string) cliResult {
	t.Helper()
	var stdout, stderr bytes.Buffer
	e := &environment{stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }, stderrIsTerminal: terminal}
	code := run(context.Background(), e, args)
	return cliResult{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

func TestProgressOnATerminalAndInALog(t *testing.T) {
	s := benchtest.StartServer(t)
	for _, terminal := range []bool{false, true} {
		dir := filepath.Join(t.TempDir(), "out")
		res := cliOnTerminal(t, terminal, runArgs(s, "--rate", "2000", "--duration", "1s", "--interval", "250ms", "--connections", "2",
			"--preload", "--key-maximum", "9999", "--out", dir)...)
		if res.code != 0 {
			t.Fatalf("terminal %v: exit %d: %s", terminal, res.code, res.stderr)
		}
		liveLines := strings.Count(res.stderr, " ops/s  p50 ")
		if liveLines != 4 {
			t.Errorf("terminal %v: %d live lines for 4 intervals:\n%s", terminal, liveLines, res.stderr)
		}
		if !terminal {
			// A log gets whole lines only: no bar redrawn in place; the
			// preload is said to be done before the measured run's lines.
			preloaded := strings.Index(res.stderr, "amrbench: preloaded 10,000 keys in ")
			if strings.ContainsAny(res.stderr, "\r\x1b") || preloaded < 0 || preloaded > strings.Index(res.stderr, " ops/s  p50 ") {
				t.Errorf("plain output has carriage returns or escapes, or does not say it preloaded before the live lines:\n%q", res.stderr)
			}
			continue
		}
		// A terminal gets a preload bar and a bar of the measured window,
		// redrawn in place under the live lines.
		if !strings.Contains(res.stderr, "\r") || !strings.Contains(res.stderr, "preloading keys") || !strings.Contains(res.stderr, "measured 500ms of 1s") {
			t.Errorf("terminal output lacks its bars:\n%q", res.stderr)
		}
	}
}

// TestRunDirectoryHasTheHTMLReport checks report.html of a real run: its
// numbers are the run's.
func TestRunDirectoryHasTheHTMLReport(t *testing.T) {
	s := benchtest.StartServer(t)
	dir := filepath.Join(t.TempDir(), "out")
	if res := cli(t, nil, runArgs(s, "--rate", "10000", "-n", "1000", "--connections", "3", "--interval", "100ms", "--out", dir, "-q")...); res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	page, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	run := readRun(t, dir)
	for _, want := range []string{run.Header.RunID, `id="chart-percentiles"`, `id="chart-throughput"`, `id="chart-latency"`, s.Addr()} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("report.html lacks %q", want)
		}
	}
}

func TestCompareWritesHTML(t *testing.T) { // not parallel: it renders HTML
	enterprise := filepath.Join("..", "..", "report", "testdata", "enterprise.jsonl")
	res := cli(t, nil, "compare", fixture, enterprise, "--format", "html", "--command", "GET")
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	for _, want := range []string{`id="chart-percentiles"`, `id="chart-throughput"`, `id="chart-latency"`, "B vs A", "GET only", "Welch"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("compare --format html lacks %q", want)
		}
	}
}

// TestCountsBeyondInt64AreBadInput gives report, compare, merge and plan a
// file whose counts are each valid but add up past 2^63-1: each refuses it
// in one line naming the file, exit 2, and renders nothing (the total used
// to wrap round and print as a negative ops/s).
func TestCountsBeyondInt64AreBadInput(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	path := filepath.Join(tmp, "huge.jsonl")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := results.NewWriter(f)
	start := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	if err := w.WriteHeader(&results.Header{RunID: "huge", Start: start, Host: "h", Segment: "0/1", Mode: results.ModeClosed, IntervalS: 1, Connections: 1, Pipeline: 1}); err != nil {
		t.Fatal(err)
	}
	iv := &results.Interval{Start: start, End: start.Add(time.Second), Connections: 1, Commands: map[string]*results.CommandStats{}}
	for _, name := range []string{"GET", "SET"} {
		cs := results.NewCommandStats()
		cs.Count = math.MaxInt64/2 + 1
		cs.Response.RecordValue(100)
		cs.Service.RecordValue(100)
		iv.Commands[name] = cs
	}
	if err := w.WriteInterval(iv); err != nil {
		t.Fatal(err)
	}
	f.Close()
	for _, tt := range []struct {
		args     []string
		named    string
		warnings int
	}{
		{[]string{"report", path}, path, 0},
		{[]string{"report", path, "-f", "html"}, path, 0},
		{[]string{"compare", path, fixture}, path, 0},
		// The file lacks a summary: merge warns that it ends early, and
		// merges it only when a partial test is allowed.
		{[]string{"merge", path, "--allow-partial", "-o", filepath.Join(tmp, "merged")}, "the merged runs", 1},
	} {
		res := cli(t, nil, tt.args...)
		lines := strings.Split(strings.TrimSpace(res.stderr), "\n")
		last := lines[len(lines)-1]
		want := "counts add up beyond 2^63-1, more than any run makes"
		if res.code != exitUsage || len(lines) != 1+tt.warnings || !strings.Contains(last, tt.named) || !strings.Contains(last, want) || res.stdout != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and a line naming %s and %q", tt.args, res.code, res.stdout, res.stderr, tt.named, want)
		}
	}
	if _, err := os.Stat(filepath.Join(tmp, "merged")); !os.IsNotExist(err) {
		t.Errorf("the refused merge made its directory: %v", err)
	}
}
