package compare

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/amrbench/amrbench/internal/reporttest"
	"github.com/amrbench/amrbench/results"
)

// The tests of what a comparison lets a user decide: per-command rows,
// conditions, runs that are not comparable, searches, a run given twice.

// mixedRun builds a closed-loop run of SETs and GETs: per 1 s interval,
// sets and gets successes, and errs failed GETs, each taking latencyUs.
func mixedRun(label string, intervals int, sets, gets, errs int64, latencyUs int64) *results.Run {
	run := syntheticRun(label, make([]int64, intervals), latencyUs, 0)
	for _, iv := range run.Intervals {
		set, get := results.NewCommandStats(), results.NewCommandStats()
		set.Count, get.Count = sets, gets
		_ = set.Response.RecordValues(latencyUs, sets)
		_ = set.Service.RecordValues(latencyUs, sets)
		_ = get.Response.RecordValues(latencyUs, gets)
		_ = get.Service.RecordValues(latencyUs, gets)
		if errs > 0 {
			get.Errors = map[results.ErrorClass]int64{results.ErrOOM: errs}
		}
		iv.Commands = map[string]*results.CommandStats{"SET": set, "GET": get}
	}
	return run
}

// TestCompareRowsPerCommand checks the default view: a block of rows for
// SET, GET and ALL; in closed loops one block of latency (service time,
// which is the response time there); no row that no run can fill.
func TestCompareRowsPerCommand(t *testing.T) {
	a := mixedRun("a", 4, 100, 1000, 0, 200)
	b := mixedRun("b", 4, 150, 1500, 0, 100)
	c, err := Compare([]results.NamedRun{{Name: "a", Run: a}, {Name: "b", Run: b}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.Commands, ","); got != "SET,GET,ALL" {
		t.Fatalf("commands %s, want SET,GET,ALL", got)
	}
	want := map[string]float64{"SET": 100, "GET": 1000, "ALL": 1100}
	for cmd, ops := range want {
		found := false
		for _, r := range c.Rows {
			if r.Command == cmd && r.Key == "ops_per_sec" {
				found = true
				if r.Cells[0].Value != ops || r.Cells[1].Value != ops*1.5 || r.Cells[1].DiffPct != 50 {
					t.Errorf("%s ops/s %v, %v (%+v%%); want %v, %v (+50%%)", cmd, r.Cells[0].Value, r.Cells[1].Value, r.Cells[1].DiffPct, ops, ops*1.5)
				}
			}
		}
		if !found {
			t.Errorf("no ops/s row for %s", cmd)
		}
	}
	for _, r := range c.Rows {
		if strings.HasPrefix(r.Key, "response_") {
			t.Errorf("closed loops: a response-time row %s %s beside the same service-time one", r.Command, r.Key)
		}
		if r.Key == "ops_per_sec_per_vcpu" {
			t.Errorf("no run knows its vCPUs, yet a row %s of n/a", r.Key)
		}
		if (r.Key == "ops_per_sec_per_connection") != (r.Command == "ALL" && r.Key == "ops_per_sec_per_connection") {
			t.Errorf("per-connection row for %s", r.Command)
		}
	}
	if !c.OneLatency {
		t.Error("two closed loops, but OneLatency is off")
	}
	var text bytes.Buffer
	if err := WriteComparisonText(&text, c); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"\n  SET ", "\n  GET ", "\n  ALL ", "service p99 (ms)", "response time is its service time"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, text.String())
		}
	}
	if strings.Contains(text.String(), "n/a  n/a") {
		t.Errorf("text has a row of n/a:\n%s", text.String())
	}

	// An open loop among them: both latencies, for every run.
	b.Header.Mode, b.Header.TargetRate = results.ModeOpen, 1650
	c, err = Compare([]results.NamedRun{{Name: "a", Run: a}, {Name: "b", Run: b}}, Options{Command: "GET"})
	if err != nil {
		t.Fatal(err)
	}
	if c.OneLatency || len(c.Commands) != 1 || row(t, c, "response_p99_us").Cells[1].Value != 100 {
		t.Fatalf("open and closed loop, GET only: one latency %v, commands %v", c.OneLatency, c.Commands)
	}
}

// TestCompareErrorThreshold checks that a run with more failed operations
// than the threshold, or whose connections were down for more of the time
// (its verdict error-budget, exit 98), is not comparable: its values are
// shown, its differences are not.
func TestCompareErrorThreshold(t *testing.T) {
	share := func(x float64) *float64 { return &x }
	tests := []struct {
		name       string
		errs       int64   // failed GETs per interval, beside 1,100 successes
		backoffS   float64 // seconds of the 4 connections' 4 s per interval spent reconnecting
		threshold  *float64
		comparable bool
	}{
		{"0.5 % under the default 1 %", 5, 0, nil, true},
		{"2 % over the default 1 %", 22, 0, nil, false},
		{"2 % with the check off", 22, 0, share(1), true},
		{"0.5 % when no failure is allowed", 5, 0, share(0), false},
		{"66 % of MOVED-like failures", 2200, 0, nil, false},
		{"connections down 0.5 % of the time", 0, 0.02, nil, true},
		{"connections down 5 % of the time, no failed operation", 0, 0.2, nil, false},
		{"connections down 5 % of the time, the check off", 0, 0.2, share(1), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := mixedRun("a", 4, 100, 1000, 0, 200)
			b := mixedRun("b", 4, 100, 1000, tt.errs, 200)
			for _, iv := range b.Intervals {
				iv.BackoffS = tt.backoffS
			}
			c, err := Compare([]results.NamedRun{{Name: "a", Run: a}, {Name: "b", Run: b}}, Options{MaxErrorRate: tt.threshold})
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Runs[1].Comparable(); got != tt.comparable {
				t.Fatalf("comparable %v (%q), want %v", got, c.Runs[1].NotComparable, tt.comparable)
			}
			ops := row(t, c, "ops_per_sec")
			if tt.comparable != (ops.Cells[1].Verdict != NotComparable) || (!tt.comparable && ops.Cells[1].DiffKnown) {
				t.Fatalf("ops/s cell %+v", ops.Cells[1])
			}
			var text bytes.Buffer
			if err := WriteComparisonText(&text, c); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(text.String(), "not comparable") != !tt.comparable {
				t.Fatalf("text says not comparable: %v, want %v:\n%s", !tt.comparable, !tt.comparable, text.String())
			}
			if !tt.comparable && !strings.Contains(text.String(), "above the") {
				t.Fatalf("the reason is not given:\n%s", text.String())
			}
		})
	}
}

// TestComparePolicyMismatch compares the fixed OSS run with the one that
// drove the same cluster with --cluster-policy enterprise: the latter is not
// comparable, for its error rate and for the policy, and its warning is
// shown.
func TestComparePolicyMismatch(t *testing.T) {
	oss, _ := readFixture(t, "cluster.jsonl")
	given, _ := readFixture(t, "mismatch.jsonl")
	c, err := Compare([]results.NamedRun{{Name: "oss", Run: oss}, {Name: "given", Run: given}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b := c.Runs[1]
	if b.Comparable() || len(b.NotComparable) != 2 || !strings.Contains(b.NotComparable[1], "MOVED") || !strings.Contains(b.NotComparable[1], "--cluster-policy oss") {
		t.Fatalf("B not comparable because %q", b.NotComparable)
	}
	if !c.Runs[0].Comparable() {
		t.Fatalf("A not comparable: %q", c.Runs[0].NotComparable)
	}
	for _, r := range c.Rows {
		if r.Cells[1].Verdict != NotComparable || r.Cells[1].DiffKnown {
			t.Fatalf("%s %s: B's cell %+v", r.Command, r.Key, r.Cells[1])
		}
	}
	policy := condition(t, c, "policy")
	if policy.Values[0] != "oss, 3 shards" || policy.Values[1] != "enterprise, given with --cluster-policy" {
		t.Fatalf("policy condition %q", policy.Values)
	}
	if len(b.Warnings) != 1 || b.Warnings[0].Code != results.WarnPolicyMismatch {
		t.Fatalf("B's warnings %+v", b.Warnings)
	}
	var page bytes.Buffer
	if err := WriteComparisonHTML(&page, c); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<p>B: policy-mismatch: --cluster-policy enterprise", "<p>B: it drove an OSS cluster with the enterprise policy", ">not comparable<"} {
		if !strings.Contains(page.String(), want) {
			t.Errorf("the HTML page lacks %q", want)
		}
	}

	// A file written before warnings had codes: the MOVED errors of a
	// policy given by hand say it.
	given.Summary.Warnings, given.Events = nil, nil
	c, err = Compare([]results.NamedRun{{Name: "oss", Run: oss}, {Name: "given", Run: given}}, Options{MaxErrorRate: new(float64(1))})
	if err != nil {
		t.Fatal(err)
	}
	if b := c.Runs[1]; b.Comparable() || !strings.Contains(b.NotComparable[0], "2,694,759 operations failed with MOVED") {
		t.Fatalf("without its warning, with the error check off: B not comparable because %q", b.NotComparable)
	}
}

func condition(t *testing.T, c *Comparison, name string) Condition {
	t.Helper()
	for _, cond := range c.Conditions {
		if cond.Name == name {
			return cond
		}
	}
	t.Fatalf("no condition %q among %+v", name, c.Conditions)
	return Condition{}
}

// TestCompareConditions checks that what differs between runs is listed
// before the table, with each run's value, and only what differs.
func TestCompareConditions(t *testing.T) {
	a := mixedRun("a", 4, 100, 1000, 0, 200)
	b := mixedRun("b", 4, 100, 1000, 0, 200)
	c, err := Compare([]results.NamedRun{{Name: "a", Run: a}, {Name: "b", Run: b}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Conditions) != 0 {
		t.Fatalf("two runs alike: conditions %+v", c.Conditions)
	}
	b.Header.Connections, b.Header.Pipeline, b.Header.Segment = 8, 4, "1/2"
	b.Header.Target.TLS = true
	b.Header.Config = json.RawMessage(`{"target":{"tls":{"enabled":true,"skip_verify":true}}}`)
	b.Summary.Client = &results.ClientSummary{Bound: true, Reason: "CPU 99 % of its 1 CPU"}
	b.Summary.Warnings = []results.Warning{{Code: results.WarnClientBound, Detail: "the client used 99 % of its CPU"}}
	c, err = Compare([]results.NamedRun{{Name: "a", Run: a}, {Name: "b", Run: b}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][2]string{
		"connections":  {"4", "8"},
		"pipeline":     {"1", "4"},
		"TLS":          {"off", "on, certificate not verified"},
		"segment":      {"the whole test", "segment 1/2 of a split test"},
		"client-bound": {"no", "yes: CPU 99 % of its 1 CPU"},
		"warnings":     {"-", "client-bound"},
	}
	var names []string
	for _, cond := range c.Conditions {
		names = append(names, cond.Name)
		w, ok := want[cond.Name]
		if !ok {
			t.Errorf("condition %q listed, but it does not differ: %q", cond.Name, cond.Values)
		} else if cond.Values[0] != w[0] || cond.Values[1] != w[1] {
			t.Errorf("condition %q: %q, want %q", cond.Name, cond.Values, w)
		}
	}
	if len(names) != len(want) {
		t.Errorf("conditions %q, want %d", names, len(want))
	}
	var text bytes.Buffer
	if err := WriteComparisonText(&text, c); err != nil {
		t.Fatal(err)
	}
	out := text.String()
	if i, j := strings.Index(out, "What differs"), strings.Index(out, "METRIC"); i < 0 || j < i {
		t.Fatalf("the conditions are not before the table:\n%s", out)
	}
	if !strings.Contains(out, "B  client-bound: the client used 99 % of its CPU") || !strings.Contains(out, "≥ 1,100") {
		t.Fatalf("the warning, or the lower-bound mark of B's throughput, is missing:\n%s", out)
	}
}

// staircaseRun builds an open-loop search of three steps (1k, 2k and 4k
// ops/s, 3 s each) judged against p99<2ms, whose operations take
// latencyUs at each step's rate, in order.
func staircaseRun(label string, latencyUs [3]int64) *results.Run {
	run := syntheticRun(label, make([]int64, 9), 0, 0)
	run.Header.Mode, run.Header.SLO = results.ModeOpen, []string{"p99<2ms"}
	run.Header.Schedule = "search for the highest rate meeting p99<2ms"
	for i, iv := range run.Intervals {
		step := i / 3
		rate := []int64{1000, 2000, 4000}[step]
		iv.Phase, iv.TargetRate = fmt.Sprintf("step %d: %dk ops/s", step+1, rate/1000), float64(rate)
		cs := results.NewCommandStats()
		cs.Count = rate
		_ = cs.Response.RecordValues(latencyUs[step], rate)
		_ = cs.Service.RecordValues(latencyUs[step], rate)
		iv.Commands = map[string]*results.CommandStats{"GET": cs}
	}
	return run
}

// TestCompareSearches checks that runs that searched for the highest rate
// meeting their objectives are compared by it, not by whole-run averages.
func TestCompareSearches(t *testing.T) {
	tests := []struct {
		name         string
		a, b         [3]int64
		headline     string
		diff         float64
		diffKnown    bool
		bText        string
		wantSearched bool
	}{
		{"both met", [3]int64{500, 900, 3000}, [3]int64{500, 900, 1500}, "2,000 ops/s met p99<2ms vs 4,000 ops/s met p99<2ms", 100, true, "4,000 ops/s met p99<2ms (step 3: 4k ops/s: achieved 4,000 ops/s, p99<2ms measured 1.500 ms)", true},
		{"met vs none", [3]int64{500, 900, 3000}, [3]int64{2500, 2500, 5000}, "2,000 ops/s met p99<2ms vs none", 0, false, "none met p99<2ms (the lowest step: step 1: 1k ops/s: achieved 1,000 ops/s, p99<2ms measured 2.501 ms)", true}, // 2,500 µs in a histogram of 3 significant digits
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Compare([]results.NamedRun{{Name: "a", Run: staircaseRun("a", tt.a)}, {Name: "b", Run: staircaseRun("b", tt.b)}}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if c.SLO == nil || !c.SearchesOnly || len(c.Rows) != 0 {
				t.Fatalf("SLO %+v, searches only %v, %d rows", c.SLO, c.SearchesOnly, len(c.Rows))
			}
			b := c.SLO.Entries[1]
			if c.SLO.Headline != tt.headline || b.DiffKnown != tt.diffKnown || b.DiffPct != tt.diff || b.Text != tt.bText {
				t.Fatalf("headline %q, B %q (%v%%, known %v); want %q, %q (%v%%)", c.SLO.Headline, b.Text, b.DiffPct, b.DiffKnown, tt.headline, tt.bText, tt.diff)
			}
			var text, csvOut bytes.Buffer
			if err := WriteComparisonText(&text, c); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(text.String(), "Highest rate meeting the objectives: "+tt.headline) || strings.Contains(text.String(), "METRIC") {
				t.Fatalf("text:\n%s", text.String())
			}
			if err := WriteComparisonCSV(&csvOut, c); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(csvOut.String(), "max_rate_meeting_slo,highest rate meeting p99<2ms,ops/s,A,a,a,2000,") {
				t.Fatalf("CSV:\n%s", csvOut.String())
			}
		})
	}
	// A search beside a closed loop: the search is said, the closed loop
	// has none, and the table is kept.
	c, err := Compare([]results.NamedRun{{Name: "a", Run: staircaseRun("a", [3]int64{500, 900, 3000})}, {Name: "b", Run: syntheticRun("b", []int64{3000, 3000, 3000}, 800, 0)}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c.SearchesOnly || len(c.Rows) == 0 || c.SLO.Entries[1].Text != "no search (closed loop)" || c.SLO.Headline != "2,000 ops/s met p99<2ms vs no search" {
		t.Fatalf("search vs closed loop: searches only %v, %d rows, %+v", c.SearchesOnly, len(c.Rows), c.SLO)
	}
}

// TestCompareRefusesTheSameRun checks that a run compared with itself (or
// with its copy) is refused.
func TestCompareRefusesTheSameRun(t *testing.T) {
	run, _ := readFixture(t, "cluster.jsonl")
	copied, _ := readFixture(t, "cluster.jsonl")
	if _, err := Compare([]results.NamedRun{{Name: "x/result.jsonl", Run: run}, {Name: "copy.jsonl", Run: copied}}, Options{}); !errors.Is(err, ErrSameRun) || !strings.Contains(err.Error(), "20261123T120000Z-b10-oss") {
		t.Fatalf("a run and its copy: error %v", err)
	}
}

// TestComparisonGolden renders two comparisons of the fixed result files:
// the OSS run against the one that drove the same cluster as Enterprise,
// and the find-max run against the staircase.
func TestComparisonGolden(t *testing.T) {
	for _, pair := range [][2]string{{"cluster", "mismatch"}, {"findmax", "enterprise"}} {
		a, _ := readFixture(t, pair[0]+".jsonl")
		b, _ := readFixture(t, pair[1]+".jsonl")
		c, err := Compare([]results.NamedRun{{Name: "testdata/" + pair[0] + ".jsonl", Run: a}, {Name: "testdata/" + pair[1] + ".jsonl", Run: b}}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for ext, write := range map[string]func(io.Writer, *Comparison) error{"txt": WriteComparisonText, "md": WriteComparisonMarkdown, "csv": WriteComparisonCSV} {
			t.Run(pair[0]+"-"+pair[1]+"."+ext, func(t *testing.T) {
				var buf bytes.Buffer
				if err := write(&buf, c); err != nil {
					t.Fatal(err)
				}
				checkGolden(t, "compare-"+pair[0]+"-"+pair[1]+"."+ext, buf.Bytes())
			})
		}
	}
}

// TestCompareWarningsOnce checks that a warning printed at every step is
// listed once, with how many times it was printed: by its code, or, in
// files without codes, by its words without its numbers.
func TestCompareWarningsOnce(t *testing.T) {
	a := mixedRun("a", 4, 100, 1000, 0, 200)
	b := mixedRun("b", 4, 100, 1000, 0, 200)
	b.Summary.Warnings = []results.Warning{
		{Code: results.WarnClientBound, Detail: "the client used 99 % of its CPU"},
		{Code: results.WarnClientBound, Detail: "the client used 97 % of its CPU"},
		{Detail: "262 of 989 operations were sent late at 1k ops/s"},
		{Detail: "3 of 8 operations were sent late at 8 ops/s"},
		{Detail: "the server's clock is 40 ms ahead"},
	}
	c, err := Compare([]results.NamedRun{{Name: "a", Run: a}, {Name: "b", Run: b}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(comparedWarningLines(c), "\n")
	want := strings.Join([]string{
		"Warnings printed during the runs:",
		"  B  client-bound: the client used 99 % of its CPU (and 1 more like it)",
		"  B  262 of 989 operations were sent late at 1k ops/s (and 1 more like it)",
		"  B  the server's clock is 40 ms ahead",
	}, "\n")
	if got != want {
		t.Fatalf("warnings:\n%s\nwant:\n%s", got, want)
	}
}

// TestCompareServerBound checks that what the runs' server records say set
// their pace is among the conditions: a saturated server, or none.
func TestCompareServerBound(t *testing.T) {
	a, b := reporttest.ServerBoundRun(), reporttest.ServerBoundRun()
	b.Header.RunID, b.Header.Label = "20261123T120000Z-cool", "cool"
	for _, rec := range b.Server {
		rec.Servers["10.0.0.1:7000"].MainThreadCPUPercent = ptr(48.0)
	}
	c, err := Compare([]results.NamedRun{{Name: "hot", Run: a}, {Name: "cool", Run: b}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	cond := condition(t, c, "server-bound")
	if want := "yes: server-bound at 40,000 ops/s (shard 10.0.0.1:7000: CPU at 96 % of a core in 4 of 4 intervals)"; cond.Values[0] != want || cond.Values[1] != "no" {
		t.Fatalf("server-bound condition %q, want %q and no", cond.Values, want)
	}
}
