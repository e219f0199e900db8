package bench_test

import (
	"context"
	"math"
	"runtime"
	"testing"
	"time"

	"github.com/amrbench/amrbench/bench"
	"github.com/amrbench/amrbench/bench/openloop"
	"github.com/amrbench/amrbench/bench/transport"
	"github.com/amrbench/amrbench/internal/benchtest"
	"github.com/amrbench/amrbench/results"
	"github.com/amrbench/amrbench/workloads"
)

func measuredTotals(t *testing.T, obs *collector) (*results.CommandStats, time.Duration) {
	t.Helper()
	totals, span, err := results.Totals(obs.intervals)
	if err != nil {
		t.Fatal(err)
	}
	return totals[results.AllCommands], span
}

// The tests that check rates run alone in this package (no t.Parallel): a
// client starved of CPU by its neighbours falls behind its schedule, which
// the run reports honestly and these tests would read as a wrong rate.

func TestOpenLoopRateIsAccurate(t *testing.T) {
	s := benchtest.StartServer(t)
	cfg := config(s)
	cfg.Requests = 0
	cfg.Rate = 2000
	cfg.Duration = 10 * time.Second
	cfg.Interval = time.Second
	obs, _ := runBench(t, context.Background(), cfg, workloads.DefaultSpec())
	all, span := measuredTotals(t, obs)
	achieved := float64(all.Count) / span.Seconds()
	if math.Abs(achieved-2000)/2000 > 0.01 {
		t.Fatalf("achieved %.1f ops/s over %s (%d operations), want 2000 within 1%%", achieved, span, all.Count)
	}
	t.Logf("target 2000 ops/s, achieved %.2f ops/s over %s (%d operations)", achieved, span, all.Count)
	for _, iv := range obs.intervals {
		if iv.TargetRate != 2000 {
			t.Fatalf("interval %d carries target %v", iv.Index, iv.TargetRate)
		}
	}
}

// stallRun runs for 4 s and stalls the server for half a second in the
// middle with DEBUG SLEEP, returning the whole run's p99.9 of response time
// and the late starts.
func stallRun(t *testing.T, tr transport.Transport, wait transport.ReplyWait, rate float64) (p999 int64, late int64, obs *collector) {
	t.Helper()
	s := benchtest.StartServer(t)
	cfg := config(s)
	cfg.Transport, cfg.ReplyWait = tr, wait
	cfg.Requests = 0
	cfg.Rate = rate
	cfg.Connections = 8
	cfg.Duration = 4 * time.Second
	cfg.Interval = 500 * time.Millisecond
	cfg.Timeout = 10 * time.Second
	time.AfterFunc(1500*time.Millisecond+openDelay, func() {
		_ = s.Admin.Do(context.Background(), "DEBUG", "SLEEP", "0.5").Err()
	})
	obs, _ = runBench(t, context.Background(), cfg, workloads.DefaultSpec())
	all, _ := measuredTotals(t, obs)
	for _, iv := range obs.intervals {
		late += iv.LateStarts
	}
	return all.Response.ValueAtPercentile(99.9), late, obs
}

// openDelay is roughly how long opening 8 connections takes before load
// starts.
const openDelay = 100 * time.Millisecond

// TestStallShowsInOpenLoopOnly is coordinated omission made visible: a
// half-second server stall. In an open loop the operations due during the
// stall wait for it, and their response times say so; a closed loop stops
// sending while it waits, so the stall touches one operation per connection
// and vanishes from p99.9. Under each --transport, parked for replies.
func TestStallShowsInOpenLoopOnly(t *testing.T) {
	t.Parallel()
	for _, tr := range transports {
		t.Run(string(tr), func(t *testing.T) {
			t.Parallel()
			assertStallInOpenLoopOnly(t, tr, transport.ReplyWaitPark)
		})
	}
}

// TestStallShowsInOpenLoopOnlyWhilePolling is the stall test under the
// defaults, --transport auto and --reply-wait auto, whose connections poll
// for replies while that pays. It runs alone: polling connections would
// starve the tests beside it.
func TestStallShowsInOpenLoopOnlyWhilePolling(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("connections poll on Linux only")
	}
	assertStallInOpenLoopOnly(t, transport.TransportAuto, transport.ReplyWaitAuto)
}

// assertStallInOpenLoopOnly runs an open and a closed loop through a
// 500 ms stall and checks that only the open loop's p99.9 shows it.
func assertStallInOpenLoopOnly(t *testing.T, tr transport.Transport, wait transport.ReplyWait) {
	t.Helper()
	openP999, openLate, openObs := stallRun(t, tr, wait, 2000)
	closedP999, closedLate, _ := stallRun(t, tr, wait, 0)
	t.Logf("a 500 ms stall: open loop p99.9 %d µs with %d late starts; closed loop p99.9 %d µs", openP999, openLate, closedP999)
	if openP999 < 400_000 {
		t.Errorf("open loop: p99.9 of response time %d µs, want the 500 ms stall (at least 400 ms)", openP999)
	}
	if openLate == 0 {
		t.Error("open loop: no late starts counted during the stall")
	}
	warned := false
	for _, e := range openObs.events {
		warned = warned || e.Kind == results.EventWarning
	}
	if !warned {
		t.Error("open loop: no warning about late starts")
	}
	if closedP999 >= openP999 || closedP999 >= 400_000 {
		t.Errorf("closed loop: p99.9 %d µs, want it below the open loop's %d µs and below 400 ms (the stall is omitted)", closedP999, openP999)
	}
	if closedLate != 0 {
		t.Errorf("closed loop counted %d late starts", closedLate)
	}
}

// findMaxConfig returns a --find-max run of one connection against s for
// p99<25ms: 1 s steps from rate, at most steps of them.
func findMaxConfig(t *testing.T, s *benchtest.Server, rate float64, interval time.Duration, steps int) bench.Config {
	t.Helper()
	cfg := config(s)
	cfg.Requests = 0
	cfg.Connections = 1
	cfg.Interval = interval
	cfg.FindMax = true
	cfg.Rate = rate
	cfg.StepDuration = time.Second
	cfg.MaxSteps = steps
	slo, err := results.ParseObjective("p99<25ms")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Objectives = []results.Objective{slo}
	return cfg
}

// runFindMax runs cfg and judges its steps as the summary does.
func runFindMax(t *testing.T, cfg bench.Config) (*collector, *results.SLOResult) {
	t.Helper()
	obs, _ := runBench(t, context.Background(), cfg, workloads.DefaultSpec())
	res, err := results.EvaluateSteps(cfg.Objectives, obs.intervals)
	if err != nil {
		t.Fatal(err)
	}
	return obs, res
}

// TestFindMax searches the highest rate one connection sustains with p99
// under 25 ms: below its capacity (a round trip at a time) the objective
// holds, above it the queue grows without bound and it fails.
func TestFindMax(t *testing.T) {
	t.Parallel()
	s := benchtest.StartServer(t)
	cfg := findMaxConfig(t, s, 2000, 250*time.Millisecond, 12)
	obs, res := runFindMax(t, cfg)
	if res.MaxRate == 0 {
		t.Fatalf("no step met p99<25ms: %+v", res.Steps)
	}
	lowestFail := math.Inf(1)
	for _, st := range res.Steps {
		if !st.Met {
			lowestFail = math.Min(lowestFail, st.TargetRate)
		}
		if st.Met && st.Measured["p99<25ms"] >= 25_000 {
			t.Errorf("%s met with p99 %d µs", st.Phase, st.Measured["p99<25ms"])
		}
	}
	if math.IsInf(lowestFail, 1) {
		t.Fatalf("no step failed up to %v ops/s: the search never found the limit: %+v", res.MaxRate, res.Steps)
	}
	if res.MaxRate >= lowestFail {
		t.Fatalf("max rate %v is not below the lowest failing rate %v", res.MaxRate, lowestFail)
	}
	if len(res.Steps) < 4 {
		t.Fatalf("only %d steps: %+v", len(res.Steps), res.Steps)
	}
	for _, st := range res.Steps {
		t.Logf("%s: achieved %.0f ops/s, p99 %d µs, met %v", st.Phase, st.AchievedRate, st.Measured["p99<25ms"], st.Met)
		// A step holds its own operations only: one the client fell behind
		// in is finished before the next begins, so no step achieves more
		// than it offered.
		if st.AchievedRate > st.TargetRate*1.01 {
			t.Errorf("%s achieved %.0f ops/s, more than its target: operations of an earlier step spilled into it", st.Phase, st.AchievedRate)
		}
	}
	t.Logf("highest rate that met p99<25ms: %.0f ops/s; lowest that failed: %.0f ops/s", res.MaxRate, lowestFail)
	// Every step is a phase of its own, and idle intervals separate them.
	phases := map[string]bool{}
	for _, iv := range obs.intervals {
		phases[iv.Phase] = true
	}
	if !phases[results.PhaseIdle] || len(phases) < len(res.Steps)+1 {
		t.Fatalf("phases %v for %d steps", phases, len(res.Steps))
	}
}

func TestRampStepsArePhases(t *testing.T) {
	s := benchtest.StartServer(t)
	cfg := config(s)
	cfg.Requests = 0
	cfg.Interval = 250 * time.Millisecond
	cfg.Ramp = &openloop.Ramp{From: 500, To: 1500, Step: 500, StepDuration: time.Second}
	obs, _ := runBench(t, context.Background(), cfg, workloads.DefaultSpec())
	res, err := results.EvaluateSteps(nil, obs.intervals)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Steps) != 3 {
		t.Fatalf("%d steps, want 3: %+v", len(res.Steps), res.Steps)
	}
	for i, st := range res.Steps {
		want := float64(500 * (i + 1))
		if st.TargetRate != want || math.Abs(st.AchievedRate-want)/want > 0.05 {
			t.Errorf("step %d: target %v achieved %v, want %v", i+1, st.TargetRate, st.AchievedRate, want)
		}
	}
	phaseEvents := 0
	for _, e := range obs.events {
		if e.Kind == results.EventPhase {
			phaseEvents++
		}
	}
	if phaseEvents != 3 {
		t.Errorf("%d phase events, want one per step", phaseEvents)
	}
}

// TestFindMaxStepsKeepTheirOwnOperations stalls the server for a second
// early in --find-max's first step, at 20,000 ops/s: the operations due in
// the stall cannot be sent before the step ends, and the step must not
// outlast its second for them: they are dropped, counted with the step, which
// fails (it did not offer its rate). The operation in flight through the
// stall is the step's, with its response time. The next step holds its own
// operations and no more: its achieved rate is its offered rate, not that
// plus the leftovers.
func TestFindMaxStepsKeepTheirOwnOperations(t *testing.T) {
	t.Parallel()
	s := benchtest.StartServer(t)
	cfg := findMaxConfig(t, s, 20000, 100*time.Millisecond, 2)
	cfg.Timeout = 10 * time.Second
	time.AfterFunc(200*time.Millisecond+openDelay, func() {
		_ = s.Admin.Do(context.Background(), "DEBUG", "SLEEP", "1").Err()
	})
	obs, res := runFindMax(t, cfg)
	if len(res.Steps) != 2 || res.Steps[0].Met {
		t.Fatalf("want two steps, the first failed by the stall: %+v", res.Steps)
	}
	// The stalled step accounts for all 20,000 of its operations: sent
	// (over the one second they were offered in) or dropped.
	first := res.Steps[0]
	sent := int64(math.Round(first.AchievedRate)) + first.Errors
	if d := sent + first.Dropped - 20000; d < -200 || d > 200 || first.Dropped < 5000 {
		t.Errorf("%s: %d sent and %d dropped; want 20,000 together, most of the stall's dropped", first.Phase, sent, first.Dropped)
	}
	var worst int64
	for _, iv := range obs.intervals {
		if iv.Phase == first.Phase {
			worst = max(worst, iv.Commands["GET"].Response.Max(), iv.Commands["SET"].Response.Max())
		}
	}
	if worst < 800_000 {
		t.Errorf("%s: the slowest response %d µs; the operation in flight through the 1 s stall must be there", first.Phase, worst)
	}
	second := res.Steps[1]
	t.Logf("%s after a stalled step: achieved %.0f ops/s, p99 %d µs", second.Phase, second.AchievedRate, second.Measured["p99<25ms"])
	if second.AchievedRate > second.TargetRate*1.01 {
		t.Errorf("%s achieved %.0f ops/s: the first step's leftovers spilled into it", second.Phase, second.AchievedRate)
	}
}
