package results

import (
	"testing"
	"time"
)

// TestDecisionReaders checks what compare and plan read of a run's
// decision fields, and their fall-backs for files without them.
func TestDecisionReaders(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	get := NewCommandStats()
	get.Count = 990
	get.Errors = map[ErrorClass]int64{ErrOOM: 10}
	h := &Header{Mode: ModeClosed, IntervalS: 1}
	s, err := Summarize(h, []*Interval{{Start: t0, End: t0.Add(time.Second), Commands: map[string]*CommandStats{"GET": get}}})
	if err != nil {
		t.Fatal(err)
	}
	if s.ErrorsTotal != 10 || s.ErrorRate != 0.01 {
		t.Fatalf("errors_total %d, error_rate %v; want 10 of the 1,000 issued, 0.01", s.ErrorsTotal, s.ErrorRate)
	}

	events := []*Event{
		{Kind: EventWarning, Code: WarnPolicyMismatch, Detail: " MOVED ahead ", Time: t0},
		{Kind: EventReconnect, Detail: "not a warning"},
		{Kind: EventWarning, Detail: "an old warning without a code"},
	}
	run := &Run{Header: h, Events: events}
	if w := RunWarnings(run); len(w) != 2 || w[0].Code != WarnPolicyMismatch || w[0].Detail != "MOVED ahead" || w[1].Code != "" {
		t.Fatalf("warnings from the events of a file without a summary: %+v", w)
	}
	run.Summary = &Summary{Warnings: []Warning{}}
	if w := RunWarnings(run); len(w) != 0 {
		t.Fatalf("a summary that lists no warning: %+v", w)
	}
	if bound, _ := RunClientBound(run); bound {
		t.Fatal("client-bound without a client summary")
	}
	run.Summary.Client = &ClientSummary{Bound: true, Reason: "CPU 99 %"}
	if bound, why := RunClientBound(run); !bound || why != "CPU 99 %" {
		t.Fatalf("client-bound %v (%q)", bound, why)
	}

	for _, tt := range []struct {
		slo  *SLOResult
		want bool
	}{
		{nil, false},
		{&SLOResult{Steps: []SLOStep{{Phase: ""}}}, false}, // a closed loop judged as a whole
		{&SLOResult{Steps: []SLOStep{{Phase: "step 1: 1k ops/s"}}}, true},
	} {
		if got := Searched(tt.slo); got != tt.want {
			t.Errorf("Searched(%+v) = %v, want %v", tt.slo, got, tt.want)
		}
	}
}
