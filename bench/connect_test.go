package bench_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/amrbench/amrbench/internal/benchtest"
	"github.com/amrbench/amrbench/results"
	"github.com/amrbench/amrbench/workloads"
)

// TestConnectRateAndTimeAreReported opens 40 connections 8 at a time at
// most 100 a second: opening cannot take less than 0.39 s (the 40th starts
// 39/100 s after the first), and the run says how long it took in a
// connect event, before any interval.
func TestConnectRateAndTimeAreReported(t *testing.T) {
	t.Parallel()
	s := benchtest.StartServer(t)
	cfg := config(s)
	cfg.Connections = 40
	cfg.ConnectConcurrency = 8
	cfg.ConnectRate = 100
	cfg.Requests = 400
	obs, out := runBench(t, context.Background(), cfg, workloads.DefaultSpec())
	if out.Connected < 390*time.Millisecond {
		t.Fatalf("opened 40 connections at most 100 a second in %v, want at least 390 ms", out.Connected)
	}
	ev := lastEvent(obs, results.EventConnect)
	if ev == nil || ev.Count != 40 {
		t.Fatalf("connect event %+v, want one counting 40 connections", ev)
	}
	want := fmt.Sprintf("opened 40 connections in %s", out.Connected.Round(time.Millisecond))
	if !strings.Contains(ev.Detail, want) || !strings.Contains(ev.Detail, "8 at a time, at most 100 a second") {
		t.Fatalf("connect event %q, want it to say %q and the pace", ev.Detail, want)
	}
	if len(obs.intervals) == 0 || !ev.Time.Before(obs.intervals[0].Start) && !ev.Time.Equal(obs.intervals[0].Start) {
		t.Fatalf("connect event at %v, after the first interval's start", ev.Time)
	}
}
