package clientload

import (
	"math"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/amrbench/amrbench/results"
)

// Meter reads how hard the client process works: its CPU time, the time
// its threads waited for a CPU, and the garbage collector's pauses, at the
// start of every interval (at the recorder's first tick in it), so that
// each interval gets what was spent within it. It is not safe for
// concurrent use: the recorder's goroutine owns it.
type Meter struct {
	readings map[int64]clientReading // at the start of interval k
	last     int64                   // the last interval read
	prev     clientReading           // where the next interval written starts
	gc       debug.GCStats
}

type clientReading struct {
	at      time.Time
	cpu     time.Duration // process CPU time; 0 where unknown
	gcPause time.Duration // total GC pause time
	// cpuWait is the time the process's threads have spent runnable but
	// waiting for a CPU; 0 where unknown.
	cpuWait time.Duration
}

// NewMeter returns a meter whose first interval starts now.
func NewMeter() *Meter {
	m := &Meter{readings: map[int64]clientReading{}, last: math.MinInt64}
	m.prev = m.read()
	return m
}

func (m *Meter) read() clientReading {
	cpu, waited, _ := processCPU()
	debug.ReadGCStats(&m.gc)
	return clientReading{at: time.Now(), cpu: cpu, cpuWait: waited, gcPause: m.gc.PauseTotal}
}

// Tick reads the meter when the clock has entered a new interval, k.
func (m *Meter) Tick(k int64) {
	if k > m.last {
		m.readings[k] = m.read()
		m.last = k
	}
}

// Interval returns the client statistics of interval k, being written: from
// the reading at its start to the one at the next's (or now, for an
// interval written before the clock has been read past it). lateClient is
// the late starts the client caused (operations sent late though their
// connection was free), and polledShare the share of replies its
// connections polled for.
func (m *Meter) Interval(k int64, iv *results.Interval, lateClient int64, polledShare float64) *results.ClientStats {
	end, ok := m.readings[k+1]
	if !ok {
		end = m.read()
		if k+1 > m.last {
			m.readings[k+1], m.last = end, k+1
		}
	}
	for i := range m.readings {
		if i <= k {
			delete(m.readings, i)
		}
	}
	start := m.prev
	m.prev = end
	c := &results.ClientStats{CPUBudget: runtime.GOMAXPROCS(0), GCPauseMicros: micros(end.gcPause - start.gcPause), PolledShare: math.Round(1000*polledShare) / 1000}
	if wall := end.at.Sub(start.at); wall > 0 {
		if end.cpu > 0 {
			c.CPUPct = math.Round(1000*float64(end.cpu-start.cpu)/float64(wall)) / 10
		}
		if waited := end.cpuWait - start.cpuWait; waited > 0 { // a thread that exited takes its wait along
			c.CPUWaitPct = math.Round(1000*float64(waited)/float64(wall)) / 10
		}
	}
	var issued int64
	for _, cs := range iv.Commands {
		issued += cs.Issued()
	}
	if issued > 0 {
		c.LateShare = float64(iv.LateStarts) / float64(issued)
		c.ClientLateShare = float64(lateClient) / float64(issued)
	}
	c.Judge()
	return c
}

// micros converts a duration to whole microseconds, rounding to nearest.
func micros(d time.Duration) int64 {
	if d < 0 {
		return 0
	}
	return int64((d + 500*time.Nanosecond) / time.Microsecond)
}
