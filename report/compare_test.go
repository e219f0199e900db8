package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/amrbench/amrbench/results"
)

// syntheticRun builds a run whose interval i did rates[i] GETs per second
// (intervals of 1 s), each taking latencyUs.
func syntheticRun(label string, rates []int64, latencyUs int64, errorsPerInterval int64) *results.Run {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	run := &results.Run{Header: &results.Header{
		Label: label, RunID: "run-" + label, IntervalS: 1, Connections: 4, Pipeline: 1, Mode: results.ModeClosed,
		Percentiles: results.DefaultPercentiles,
		Target:      results.Target{Endpoint: "127.0.0.1:6379", ClusterPolicy: "non-clustered"},
	}}
	for i, r := range rates {
		cs := results.NewCommandStats()
		cs.Count = r
		if errorsPerInterval > 0 {
			cs.Errors = map[results.ErrorClass]int64{results.ErrTimeout: errorsPerInterval}
		}
		_ = cs.Response.RecordValues(latencyUs, r)
		_ = cs.Service.RecordValues(latencyUs, r)
		run.Intervals = append(run.Intervals, &results.Interval{
			Index: int64(i), Start: start.Add(time.Duration(i) * time.Second), End: start.Add(time.Duration(i+1) * time.Second),
			Commands: map[string]*results.CommandStats{"GET": cs},
		})
	}
	run.Summary = &results.Summary{}
	return run
}

func row(t *testing.T, c *Comparison, key string) ComparisonRow {
	t.Helper()
	for _, r := range c.Rows {
		if r.Key == key {
			return r
		}
	}
	t.Fatalf("no row %s", key)
	return ComparisonRow{}
}

func TestCompareVerdicts(t *testing.T) {
	steady := []int64{1000, 1010, 990, 1005, 995, 1000}
	tests := []struct {
		name    string
		b       []int64
		want    Verdict
		wantPct float64
	}{
		// 10% more with 1% noise: far outside the noise.
		{"clear gain", []int64{1100, 1110, 1090, 1105, 1095, 1100}, Significant, 10},
		// 0.5% more with the same noise: inside it.
		{"within noise", []int64{1005, 1015, 995, 1010, 1000, 1005}, NotSignificant, 0.5},
		// 20% more on average but swinging wildly: not provable.
		{"noisy gain", []int64{400, 2000, 600, 1800, 500, 1900}, NotSignificant, 20},
		// One interval gives no noise to judge against.
		{"one interval", []int64{1200}, Untested, 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Compare([]results.NamedRun{{Name: "a", Run: syntheticRun("a", steady, 100, 0)}, {Name: "b", Run: syntheticRun("b", tt.b, 100, 0)}}, CompareOptions{})
			if err != nil {
				t.Fatal(err)
			}
			r := row(t, c, "ops_per_sec")
			if r.Cells[0].Verdict != Baseline || r.Cells[1].Verdict != tt.want {
				t.Fatalf("verdicts %v, %v; want baseline, %v", r.Cells[0].Verdict, r.Cells[1].Verdict, tt.want)
			}
			if !r.Cells[1].DiffKnown || math.Abs(r.Cells[1].DiffPct-tt.wantPct) > 1e-9 {
				t.Fatalf("difference %v%%, want %v%%", r.Cells[1].DiffPct, tt.wantPct)
			}
		})
	}
}

func TestCompareValues(t *testing.T) {
	a := syntheticRun("same", []int64{1000, 1000, 1000, 1000}, 200, 10)
	b := syntheticRun("same", []int64{2000, 2000, 2000, 2000}, 100, 0)
	b.Header.RunID = "run-other" // two runs of one label
	b.Header.Target = results.Target{Endpoint: "10.0.0.1:10000", ClusterPolicy: "oss", Shards: 3, VCPUs: 8, SKU: "B20", Tier: "Balanced"}
	c, err := Compare([]results.NamedRun{{Name: "x/a/result.jsonl", Run: a}, {Name: "x/b/result.jsonl", Run: b}}, CompareOptions{Command: "GET"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Runs[0].Name == c.Runs[1].Name {
		t.Fatalf("two runs named %q", c.Runs[0].Name)
	}
	if c.Runs[1].Connections != 12 {
		t.Fatalf("OSS run with 4 workers on 3 shards: %d connections, want 12", c.Runs[1].Connections)
	}
	tests := []struct {
		key        string
		a, b       float64
		bKnown     bool
		diff       float64
		diffKnown  bool
		wantVerdit Verdict
	}{
		{"ops_per_sec", 1000, 2000, true, 100, true, Significant},
		// 10 errors in each of A's four 1 s intervals, beside 1,000
		// successes: 10 of the 1,010 operations issued failed.
		{"errors_per_sec", 10, 0, true, -100, true, Significant},
		{"error_rate_pct", 100 * 10.0 / 1010, 0, true, -100, true, Significant},
		{"service_p99_us", 200, 100, true, -50, true, Significant},
		{"service_max_us", 200, 100, true, -50, true, Significant},
		{"ops_per_sec_per_connection", 250, 2000.0 / 12, true, 100 * (2000.0/12 - 250) / 250, true, Significant},
		// A knows no vCPUs: no value, so no difference.
		{"ops_per_sec_per_vcpu", 0, 250, true, 0, false, Untested},
	}
	for _, tt := range tests {
		r := row(t, c, tt.key)
		ca, cb := r.Cells[0], r.Cells[1]
		if tt.key == "ops_per_sec_per_vcpu" {
			if ca.Known || !cb.Known || cb.Value != tt.b || cb.DiffKnown || cb.Verdict != Untested {
				t.Errorf("%s: A %+v B %+v", tt.key, ca, cb)
			}
			continue
		}
		if !ca.Known || math.Abs(ca.Value-tt.a) > 1e-9 || math.Abs(cb.Value-tt.b) > 1e-9 {
			t.Errorf("%s: values %v, %v; want %v, %v", tt.key, ca.Value, cb.Value, tt.a, tt.b)
		}
		if cb.DiffKnown != tt.diffKnown || math.Abs(cb.DiffPct-tt.diff) > 1e-9 {
			t.Errorf("%s: difference %v%% (known %v), want %v%%", tt.key, cb.DiffPct, cb.DiffKnown, tt.diff)
		}
		if cb.Verdict != tt.wantVerdit {
			t.Errorf("%s: verdict %v, want %v", tt.key, cb.Verdict, tt.wantVerdit)
		}
	}
	if _, err := Compare([]results.NamedRun{{Name: "a", Run: a}, {Name: "b", Run: b}}, CompareOptions{Command: "SET"}); err == nil || !strings.Contains(err.Error(), "no SET operations") {
		t.Fatalf("comparing a command neither run has: %v", err)
	}
	if _, err := Compare([]results.NamedRun{{Name: "a", Run: a}}, CompareOptions{}); err == nil {
		t.Fatal("one run compared")
	}
}

// TestCompareErrorsPerSecond checks that the errors row shows the quantity
// its noise test judges: runs with the same errors per second but of
// different lengths do not differ.
func TestCompareErrorsPerSecond(t *testing.T) {
	steady := func(n int) []int64 {
		out := make([]int64, n)
		for i := range out {
			out[i] = 1000
		}
		return out
	}
	tests := []struct {
		name         string
		aLen, bLen   int
		aErrs, bErrs int64 // per 1 s interval
		wantA, wantB float64
		wantDiff     float64
		want         Verdict
		wantDescribe string // in B's description
	}{
		// Twice as long at the same rate: twice the errors, the same errors/s.
		{"same rate, twice as long", 5, 10, 3, 3, 3, 3, 0, NotSignificant, "10.0 s measured in 10 intervals, 30 errors (0.299 % of operations)"},
		// As long, twice the rate.
		{"twice the rate", 5, 5, 3, 6, 3, 6, 100, Significant, "5.0 s measured in 5 intervals, 30 errors (0.596 % of operations)"},
		// No errors on either side.
		{"no errors", 5, 5, 0, 0, 0, 0, 0, NotSignificant, "5.0 s measured in 5 intervals, 0 errors"},
		{"one error", 2, 1, 0, 1, 0, 1, 0, Untested, "1.0 s measured in 1 interval, 1 error (0.0999 % of operations)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := syntheticRun("a", steady(tt.aLen), 100, tt.aErrs)
			b := syntheticRun("b", steady(tt.bLen), 100, tt.bErrs)
			c, err := Compare([]results.NamedRun{{Name: "a", Run: a}, {Name: "b", Run: b}}, CompareOptions{})
			if err != nil {
				t.Fatal(err)
			}
			r := row(t, c, "errors_per_sec")
			ca, cb := r.Cells[0], r.Cells[1]
			if ca.Value != tt.wantA || cb.Value != tt.wantB || cb.Verdict != tt.want {
				t.Fatalf("errors/s %v, %v (verdict %v); want %v, %v (%v)", ca.Value, cb.Value, cb.Verdict, tt.wantA, tt.wantB, tt.want)
			}
			if tt.wantA != 0 || tt.wantB == 0 {
				if !cb.DiffKnown || cb.DiffPct != tt.wantDiff {
					t.Fatalf("difference %v%% (known %v), want %v%%", cb.DiffPct, cb.DiffKnown, tt.wantDiff)
				}
			}
			if cb.Mean != tt.wantB {
				t.Fatalf("B's per-interval mean %v errors/s, its whole-run value %v", cb.Mean, cb.Value)
			}
			if got := c.Runs[1].Describe(); !strings.HasSuffix(got, tt.wantDescribe) {
				t.Fatalf("B described as %q, want it to end %q", got, tt.wantDescribe)
			}
		})
	}
}

func TestFormatErrorsPerSecond(t *testing.T) {
	tests := []struct {
		v    float64
		want string
	}{
		{0, "0"},
		{0.0333333, "0.0333"}, // one error in 30 s is not 0.0
		{1.5, "1.5"},
		{42.25, "42.2"},
		{12345, "12,345"},
		{1.0 / (3 * 3600), "0.0000926"}, // one error in 3 hours
		{2, "2"},
	}
	for _, tt := range tests {
		if got := formatValue("errors/s", Cell{Value: tt.v, Known: true}); got != tt.want {
			t.Errorf("formatValue(errors/s, %v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}

func TestTCritical(t *testing.T) {
	tests := []struct {
		df, want float64
	}{{1, 12.706}, {1.9, 12.706}, {10, 2.228}, {30, 2.042}, {45, 2.021}, {1000, 1.980}, {0.5, 12.706}}
	for _, tt := range tests {
		if got := tCritical95(tt.df); got != tt.want {
			t.Errorf("tCritical95(%v) = %v, want %v", tt.df, got, tt.want)
		}
	}
}

func TestComparisonRenderings(t *testing.T) {
	a := syntheticRun("before", []int64{1000, 1010, 990, 1000}, 250, 0)
	b := syntheticRun("after", []int64{1500, 1490, 1510, 1500}, 125, 0)
	c, err := Compare([]results.NamedRun{{Name: "before.jsonl", Run: a}, {Name: "after.jsonl", Run: b}}, CompareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var text, md, csvOut bytes.Buffer
	if err := WriteComparisonText(&text, c); err != nil {
		t.Fatal(err)
	}
	if err := WriteComparisonMarkdown(&md, c); err != nil {
		t.Fatal(err)
	}
	if err := WriteComparisonCSV(&csvOut, c); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"1,000", "1,500", "+50.0%", "0.250", "0.125", "-50.0%", "A  before", "B  after"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, text.String())
		}
	}
	if !strings.Contains(md.String(), "| ops/s | 1,000 | 1,500 | +50.0% |") {
		t.Errorf("markdown:\n%s", md.String())
	}
	records, err := csv.NewReader(&csvOut).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != 1+2*len(c.Rows) {
		t.Fatalf("%d CSV records for %d rows of 2 runs", len(records), len(c.Rows))
	}
	if got := strings.Join(records[2][:9], ","); got != "ops_per_sec,ops/s,ops/s,B,after,after.jsonl,1500,50,yes" {
		t.Errorf("CSV ops/s of B: %s", got)
	}
}

func TestShardSpread(t *testing.T) {
	shards := map[string]*results.ShardSummary{
		"10.0.0.1:8501":       {Count: 300},
		"10.0.0.2:8502":       {Count: 100},
		"10.0.0.3:8503":       {Count: 200},
		results.UnroutedShard: {Count: 7},
	}
	sp, ok := ShardSpread(shards)
	if !ok || sp.Busiest != "10.0.0.1:8501" || sp.Idlest != "10.0.0.2:8502" || sp.Ratio != 3 || sp.Shards != 3 {
		t.Fatalf("spread %+v", sp)
	}
	if _, ok := ShardSpread(map[string]*results.ShardSummary{"a:1": {Count: 5}}); ok {
		t.Fatal("a spread of one shard")
	}
	if got := describeSpread(map[string]*results.ShardSummary{"a:1": {Count: 5}, "b:2": {}}); !strings.Contains(got, "b:2 none") {
		t.Fatalf("idle shard: %q", got)
	}
}

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
	c, err := Compare([]results.NamedRun{{Name: "a", Run: a}, {Name: "b", Run: b}}, CompareOptions{})
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
	c, err = Compare([]results.NamedRun{{Name: "a", Run: a}, {Name: "b", Run: b}}, CompareOptions{Command: "GET"})
	if err != nil {
		t.Fatal(err)
	}
	if c.OneLatency || len(c.Commands) != 1 || row(t, c, "response_p99_us").Cells[1].Value != 100 {
		t.Fatalf("open and closed loop, GET only: one latency %v, commands %v", c.OneLatency, c.Commands)
	}
}

// TestCompareErrorThreshold checks that a run with more failed operations
// than the threshold is not comparable: its values are shown, its
// differences are not.
func TestCompareErrorThreshold(t *testing.T) {
	share := func(x float64) *float64 { return &x }
	tests := []struct {
		name       string
		errs       int64 // failed GETs per interval, beside 1,100 successes
		threshold  *float64
		comparable bool
	}{
		{"0.5 % under the default 1 %", 5, nil, true},
		{"2 % over the default 1 %", 22, nil, false},
		{"2 % with the check off", 22, share(1), true},
		{"0.5 % when no failure is allowed", 5, share(0), false},
		{"66 % of MOVED-like failures", 2200, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := mixedRun("a", 4, 100, 1000, 0, 200)
			b := mixedRun("b", 4, 100, 1000, tt.errs, 200)
			c, err := Compare([]results.NamedRun{{Name: "a", Run: a}, {Name: "b", Run: b}}, CompareOptions{MaxErrorRate: tt.threshold})
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
	c, err := Compare([]results.NamedRun{{Name: "oss", Run: oss}, {Name: "given", Run: given}}, CompareOptions{})
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

	// A file written before warnings had codes: the MOVED errors of a
	// policy given by hand say it.
	given.Summary.Warnings, given.Events = nil, nil
	c, err = Compare([]results.NamedRun{{Name: "oss", Run: oss}, {Name: "given", Run: given}}, CompareOptions{MaxErrorRate: new(float64(1))})
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
	c, err := Compare([]results.NamedRun{{Name: "a", Run: a}, {Name: "b", Run: b}}, CompareOptions{})
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
	c, err = Compare([]results.NamedRun{{Name: "a", Run: a}, {Name: "b", Run: b}}, CompareOptions{})
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
			c, err := Compare([]results.NamedRun{{Name: "a", Run: staircaseRun("a", tt.a)}, {Name: "b", Run: staircaseRun("b", tt.b)}}, CompareOptions{})
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
	c, err := Compare([]results.NamedRun{{Name: "a", Run: staircaseRun("a", [3]int64{500, 900, 3000})}, {Name: "b", Run: syntheticRun("b", []int64{3000, 3000, 3000}, 800, 0)}}, CompareOptions{})
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
	if _, err := Compare([]results.NamedRun{{Name: "x/result.jsonl", Run: run}, {Name: "copy.jsonl", Run: copied}}, CompareOptions{}); !errors.Is(err, ErrSameRun) || !strings.Contains(err.Error(), "20261123T120000Z-b10-oss") {
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
		c, err := Compare([]results.NamedRun{{Name: "testdata/" + pair[0] + ".jsonl", Run: a}, {Name: "testdata/" + pair[1] + ".jsonl", Run: b}}, CompareOptions{})
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
