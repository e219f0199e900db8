package results

import (
	"testing"
	"time"
)

// TestDecisionReaders checks what compare and plan read of a run's
// decision fields, and their fall-backs for files without them.
func TestDecisionReaders(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	h := &Header{Mode: ModeClosed, IntervalS: 1, CountExcludesErrors: true}
	events := []*Event{
		{Kind: EventWarning, Code: WarnPolicyMismatch, Detail: "MOVED ahead", Time: t0},
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

// TestRunVerdict checks that a file's own verdict is read as it is, and
// that one without a verdict is judged from its records the way the engine
// judges a run: a closed loop whose one primary's main thread was saturated
// is server-bound, its throughput not a lower bound.
func TestRunVerdict(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	h := &Header{Mode: ModeClosed, IntervalS: 1, Connections: 8, CountExcludesErrors: true}
	var ivs []*Interval
	var recs []*ServerInterval
	for i := range 4 {
		get := NewCommandStats()
		get.Count = 40000
		if err := get.Response.RecordValues(300, get.Count); err != nil {
			t.Fatal(err)
		}
		iv := &Interval{Index: int64(i), Start: t0.Add(time.Duration(i) * time.Second), End: t0.Add(time.Duration(i+1) * time.Second),
			Connections: 8, Commands: map[string]*CommandStats{"GET": get}}
		ivs = append(ivs, iv)
		cpu := 98.0
		if i == 0 {
			cpu = 40 // one interval below saturation: 3 of 4 saturated
		}
		recs = append(recs, &ServerInterval{Index: iv.Index, Start: iv.Start, End: iv.End, Servers: map[string]*ServerSample{
			"10.0.0.4:6379": {Role: RolePrimary, ElapsedS: 1, MainThreadCPUPercent: &cpu}}})
	}

	run := &Run{Header: h, Intervals: ivs, Server: recs}
	v := RunVerdict(run)
	if v == nil || v.Status != StatusOK || v.LowerBound || v.ServerBound == nil ||
		v.ServerBound.Shard != "10.0.0.4:6379" || v.ServerBound.Reason != "cpu" || v.ServerBound.Saturated != 3 || v.ServerBound.Intervals != 4 {
		t.Fatalf("verdict of a file without one: %+v (server bound %+v)", v, v.ServerBound)
	}

	// Without server records, the same closed loop is a lower bound.
	if v := RunVerdict(&Run{Header: h, Intervals: ivs}); v == nil || !v.LowerBound || v.ServerBound != nil {
		t.Fatalf("verdict without server records: %+v", v)
	}

	// A summary's verdict is the file's word, read as it is.
	own := &Verdict{Status: StatusErrorBudget, ExitCode: 98, LowerBound: true}
	run.Summary = &Summary{Verdict: own}
	if got := RunVerdict(run); got != own {
		t.Fatalf("verdict %+v, want the summary's %+v", got, own)
	}

	// A file with no measured interval has no verdict.
	if v := RunVerdict(&Run{Header: h}); v != nil {
		t.Fatalf("verdict of a file without intervals: %+v", v)
	}
}
