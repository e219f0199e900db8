package bench

import (
	"strings"
	"testing"
	"time"

	"github.com/amrbench/amrbench/results"
)

// intervalServing returns a step's interval whose operations each took
// serviceMicros from send to reply.
func intervalServing(serviceMicros int64, count int) *results.Interval {
	cs := results.NewCommandStats()
	for range count {
		_ = cs.Response.RecordValue(serviceMicros)
		_ = cs.Service.RecordValue(serviceMicros)
	}
	cs.Count = int64(count)
	start := time.Unix(0, 0)
	return &results.Interval{Start: start, End: start.Add(time.Second), Phase: "step 2", TargetRate: 40000,
		Commands: map[string]*results.CommandStats{"GET": cs}}
}

func TestConnectionsBusyEvent(t *testing.T) {
	t.Parallel()
	failed := results.SLOStep{Phase: "step 2: 40k ops/s", TargetRate: 40000}
	tests := []struct {
		name       string
		conns      int
		pipeline   int
		step       results.SLOStep
		service    int64  // µs
		wantDetail string // "" for no warning
	}{
		// 40,000/s × 50 µs = 2 requests in flight, on 1 connection.
		{"one connection for 40k ops/s", 1, 1, failed, 50, "busy 100 % of the time at its mean service time of 0.050 ms"},
		// 40,000/s × 50 µs over 4 slots: half the time.
		{"two connections of pipeline 2, half busy", 2, 2, failed, 50, "kept the 2 connections (pipeline 2) busy 50.0 % of the time"},
		{"fifty connections, mostly idle", 50, 1, failed, 50, ""},
		{"a step met", 1, 1, results.SLOStep{Phase: "a", TargetRate: 40000, Met: true}, 50, ""},
		{"a client-bound step", 1, 1, results.SLOStep{Phase: "a", TargetRate: 40000, ClientBound: true}, 50, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := &Config{Connections: tt.conns, Pipeline: tt.pipeline}
			e := connectionsBusyEvent(cfg, tt.step, []*results.Interval{intervalServing(tt.service, 100)}, time.Unix(5, 0))
			if tt.wantDetail == "" {
				if e != nil {
					t.Fatalf("warning %q, want none", e.Detail)
				}
				return
			}
			if e == nil || e.Code != results.WarnConnectionsBusy || e.Kind != results.EventWarning || !strings.Contains(e.Detail, tt.wantDetail) {
				t.Fatalf("event %+v, want a %s warning saying %q", e, results.WarnConnectionsBusy, tt.wantDetail)
			}
		})
	}
}
