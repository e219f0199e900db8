package report

import (
	"strings"
	"testing"
	"time"

	"github.com/amrbench/amrbench/internal/units"
	"github.com/amrbench/amrbench/results"
)

func TestDescribeLoadCountsInWords(t *testing.T) {
	tests := []struct {
		name           string
		conns, cpus    int
		reconnects     int64
		want, wantMore string
	}{
		{"one of each", 1, 1, 1, "closed loop, 1 connection, pipeline 1, 2.0 s measured, amrbench on 1 CPU",
			"Reconnects: 1 connection was reopened after connection errors.\n"},
		{"several", 8, 4, 3, "closed loop, 8 connections, pipeline 1, 2.0 s measured, amrbench on 4 CPUs",
			"Reconnects: 3 connections were reopened after connection errors.\n"},
		// An older file does not say how many CPUs amrbench had.
		{"CPUs unknown", 2, 0, 0, "closed loop, 2 connections, pipeline 1, 2.0 s measured", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &results.Header{Mode: results.ModeClosed, Connections: tt.conns, Pipeline: 1}
			h.Tool.CPUs = tt.cpus
			s := &results.Summary{DurationS: 2, Reconnects: tt.reconnects}
			if got := describeLoad(h, s); got != tt.want {
				t.Errorf("load %q, want %q", got, tt.want)
			}
			if got := describeRunIntegrity(h, s); got != tt.wantMore {
				t.Errorf("integrity %q, want %q", got, tt.wantMore)
			}
		})
	}
}

func TestPlural(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{
		{0, "0 errors were"},
		{1, "1 error was"}, // the only singular
		{2, "2 errors were"},
		{1000, "1,000 errors were"},
	}
	for _, tt := range tests {
		if got := units.Plural(tt.n, "error") + " " + were(tt.n); got != tt.want {
			t.Errorf("%d: %q, want %q", tt.n, got, tt.want)
		}
	}
}

// TestFindMaxVerdictSaysLowerBound checks that a search whose failing step
// above its highest met rate was the client's says its answer is a lower
// bound of the cache's capacity, and one whose was the server's does not.
func TestFindMaxVerdictSaysLowerBound(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	step := func(i int, phase string, rate float64, count int64, bound bool) *results.Interval {
		cs := results.NewCommandStats()
		cs.Count = count
		cs.Response.RecordValues(900, count)
		c := &results.ClientStats{CPUPct: 30, CPUBudget: 2}
		if bound {
			c.CPUPct = 195
		}
		c.Judge()
		return &results.Interval{Index: int64(i), Phase: phase, TargetRate: rate, Start: t0.Add(time.Duration(i) * time.Second),
			End: t0.Add(time.Duration(i+1) * time.Second), Commands: map[string]*results.CommandStats{"GET": cs}, Client: c}
	}
	for _, bound := range []bool{true, false} {
		run := &results.Run{
			Header: &results.Header{Mode: results.ModeOpen, SLO: []string{"p99<2ms"}, Config: []byte(`{"find_max":true}`), CountExcludesErrors: true},
			Intervals: []*results.Interval{
				step(0, "step 1: 20k ops/s", 20000, 20000, false),
				step(1, "step 2: 40k ops/s", 40000, 30000, bound), // it did not reach its rate
			},
		}
		s, verdict := stepsVerdict(t, run)
		said := strings.Contains(verdict, "This is a lower bound of the cache's capacity: the client was the limit in step 2: 40k ops/s")
		if !strings.Contains(verdict, "Highest rate meeting p99<2ms: 20,000 ops/s.") || said != bound || s.Verdict.LowerBound != bound {
			t.Errorf("client-bound %v: verdict %q, summary verdict %+v", bound, verdict, s.Verdict)
		}
	}
}

// TestClosedLoopSLOVerdict: a closed loop judged by --slo has no target
// rate, so no highest rate met; the text under its table must say whether
// it met the objective, not that no step did.
func TestClosedLoopSLOVerdict(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		slo, want string
	}{
		{"p99<2ms", "The run met p99<2ms.\n"},
		{"p99<500us", "No step met p99<500us.\n"},
	} {
		cs := results.NewCommandStats()
		cs.Count = 1000
		cs.Response.RecordValues(900, 1000)
		cs.Service.RecordValues(900, 1000)
		run := &results.Run{
			Header:    &results.Header{Mode: results.ModeClosed, SLO: []string{tt.slo}, CountExcludesErrors: true},
			Intervals: []*results.Interval{{Start: t0, End: t0.Add(time.Second), Commands: map[string]*results.CommandStats{"GET": cs}}},
		}
		_, verdict := stepsVerdict(t, run)
		if !strings.HasPrefix(verdict, tt.want) {
			t.Errorf("%s: %q, want it to begin %q", tt.slo, verdict, tt.want)
		}
	}
}

// stepsVerdict summarizes run and returns its summary and the text
// StepsTable writes under its table.
func stepsVerdict(t *testing.T, run *results.Run) (*results.Summary, string) {
	t.Helper()
	s, err := run.Summarize()
	if err != nil {
		t.Fatal(err)
	}
	_, verdict, err := StepsTable(run, s)
	if err != nil {
		t.Fatal(err)
	}
	return s, verdict
}
