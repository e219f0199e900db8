package compare

import (
	"bytes"
	"encoding/csv"
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
			c, err := Compare([]results.NamedRun{{Name: "a", Run: syntheticRun("a", steady, 100, 0)}, {Name: "b", Run: syntheticRun("b", tt.b, 100, 0)}}, Options{})
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
	c, err := Compare([]results.NamedRun{{Name: "x/a/result.jsonl", Run: a}, {Name: "x/b/result.jsonl", Run: b}}, Options{Command: "GET"})
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
	if _, err := Compare([]results.NamedRun{{Name: "a", Run: a}, {Name: "b", Run: b}}, Options{Command: "SET"}); err == nil || !strings.Contains(err.Error(), "no SET operations") {
		t.Fatalf("comparing a command neither run has: %v", err)
	}
	if _, err := Compare([]results.NamedRun{{Name: "a", Run: a}}, Options{}); err == nil {
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
			c, err := Compare([]results.NamedRun{{Name: "a", Run: a}, {Name: "b", Run: b}}, Options{})
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
	c, err := Compare([]results.NamedRun{{Name: "before.jsonl", Run: a}, {Name: "after.jsonl", Run: b}}, Options{})
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
