package clientload

import (
	"runtime"
	"testing"
	"time"

	"github.com/amrbench/amrbench/results"
)

// TestMeterSharesOutAnInterval checks the arithmetic of an
// interval's client statistics from the readings at its two ends.
func TestMeterSharesOutAnInterval(t *testing.T) {
	t0 := time.Unix(1000, 0)
	m := &Meter{readings: map[int64]clientReading{}}
	m.prev = clientReading{at: t0, cpu: time.Second, cpuWait: 2 * time.Second, gcPause: time.Millisecond}
	m.readings[4] = clientReading{at: t0.Add(2 * time.Second), cpu: 3 * time.Second, cpuWait: 2500 * time.Millisecond, gcPause: 4 * time.Millisecond}
	m.last = 4
	iv := &results.Interval{LateStarts: 30, Commands: map[string]*results.CommandStats{
		"GET": {Count: 900, Errors: map[results.ErrorClass]int64{results.ErrTimeout: 100}},
	}}
	c := m.Interval(3, iv, 5, 0.25)
	want := results.ClientStats{CPUPct: 100, CPUWaitPct: 25, CPUBudget: runtime.GOMAXPROCS(0), GCPauseMicros: 3000, LateShare: 0.03, ClientLateShare: 0.005, PolledShare: 0.25}
	want.Judge()
	if *c != want {
		t.Fatalf("got %+v, want %+v", *c, want)
	}
	if _, left := m.readings[4]; !left || m.prev != m.readings[4] {
		t.Fatal("the reading at the next interval's start must stay, and be where it starts")
	}
}

// TestProcessCPUCounts checks that the process's CPU time is read and
// grows with work.
func TestProcessCPUCounts(t *testing.T) {
	before, _, ok := processCPU()
	if !ok {
		t.Skip("the platform does not tell the process's CPU time")
	}
	// Busy work until 20 ms of CPU are counted (a machine shared with
	// others may give less than it asks for, so wall time says little).
	deadline := time.Now().Add(10 * time.Second)
	for x := 0; time.Now().Before(deadline); x++ {
		if x%100_000 == 0 {
			if after, _, _ := processCPU(); after-before >= 20*time.Millisecond {
				return
			}
		}
	}
	t.Fatal("10 s of busy work did not count 20 ms of CPU")
}
