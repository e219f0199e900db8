package results

import (
	"fmt"
	"strings"

	"github.com/amrbench/amrbench/internal/units"
)

// The thresholds at which an interval counts as client-bound: the client,
// not the server, set its pace.
const (
	// ClientBoundCPUShare is the share of the client's CPU budget at or
	// above which it was short of CPU.
	ClientBoundCPUShare = 0.9
	// ClientBoundLateShare is the share of an open loop's operations sent
	// late (past the late-start threshold) above which the client could
	// not keep to its schedule.
	ClientBoundLateShare = 0.01
	// ClientBoundWaitShare is the share of its CPU budget the client may
	// spend waiting for a CPU (held by the machine's other processes)
	// before it counts as short of CPU, whatever it used.
	ClientBoundWaitShare = 0.5
	// ClientBoundIntervalShare is the share of the measured intervals (of a
	// run, or of a step) that must be client-bound for the whole to be.
	ClientBoundIntervalShare = 0.5
)

// ClientStats is how hard the client process worked in one interval.
type ClientStats struct {
	// CPUPct is the process's CPU time over the interval, as a percentage
	// of one core (200 is two cores busy); 0 where the platform does not
	// tell.
	CPUPct float64 `json:"cpu_pct"`
	// CPUBudget is the number of CPUs the run may use (GOMAXPROCS, which
	// --cpus sets).
	CPUBudget int `json:"cpu_budget"`
	// GCPauseMicros is the time the Go runtime stopped the process for
	// garbage collection in the interval, µs.
	GCPauseMicros int64 `json:"gc_pause_us"`
	// LateShare is the share of the operations sent in the interval that
	// were sent late (open loop), for whatever reason.
	LateShare float64 `json:"late_share"`
	// ClientLateShare is the share sent late although their connection
	// was free when they fell due: the client itself was slow to send
	// them. (A connection still waiting for the server's earlier replies
	// makes operations late too; those say nothing of the client.)
	ClientLateShare float64 `json:"client_late_share"`
	// CPUWaitPct is the time the process's threads spent ready to run but
	// waiting for a CPU the machine's other processes held, as a percentage
	// of one core (Linux; 0 elsewhere).
	CPUWaitPct float64 `json:"cpu_wait_pct"`
	// PolledShare is the share of the replies read by connections that
	// polled for them (--reply-wait): polling spends the CPU budget by
	// design, so an interval that mostly polled is not judged by the CPU
	// it used, only by the CPU it waited for.
	PolledShare float64 `json:"polled_share,omitempty"`
	// Bound says the interval was client-bound: the CPU the client used or
	// waited for (CPUPct + CPUWaitPct) at or above ClientBoundCPUShare of
	// its budget (unless it polled), the CPU it waited for at or above
	// ClientBoundWaitShare of it (whether it polled or not), or
	// ClientLateShare above ClientBoundLateShare.
	Bound bool `json:"bound"`
}

// CPUBound reports whether the process was short of CPU: it wanted at
// least ClientBoundCPUShare of its budget (used it, or waited for it), or
// waited for ClientBoundWaitShare of it (a machine whose other processes
// take the CPU leaves the client short of it as surely as --cpus does).
// An interval that mostly polled (Polled) wants its whole budget by
// design, and is short of CPU only by what it waited for.
func (c *ClientStats) CPUBound() bool {
	if c.CPUBudget <= 0 {
		return false
	}
	budget := 100 * float64(c.CPUBudget)
	if c.CPUWaitPct >= ClientBoundWaitShare*budget {
		return true
	}
	return !c.Polled() && c.CPUPct+c.CPUWaitPct >= ClientBoundCPUShare*budget
}

// Polled reports whether most of the interval's replies were read by
// connections that polled for them.
func (c *ClientStats) Polled() bool { return c.PolledShare > 0.5 }

// Judge sets Bound from the other fields.
func (c *ClientStats) Judge() {
	c.Bound = c.CPUBound() || c.ClientLateShare > ClientBoundLateShare
}

// ClientSummary is how hard the client worked over the measured window.
type ClientSummary struct {
	// Bound says the client set the pace of the run: at least
	// ClientBoundIntervalShare of the measured intervals were
	// client-bound.
	Bound          bool    `json:"bound"`
	BoundIntervals int     `json:"bound_intervals"`
	CPUPctMax      float64 `json:"cpu_pct_max"`
	CPUPctMean     float64 `json:"cpu_pct_mean"`
	// CPUWaitPctMean is the mean of the intervals' CPUWaitPct: CPU the
	// client waited for, held by the machine's other processes.
	CPUWaitPctMean float64 `json:"cpu_wait_pct_mean"`
	CPUBudget      int     `json:"cpu_budget"`
	// LateShare is the share of the window's operations sent late.
	LateShare float64 `json:"late_share"`
	// Reason says, in words, why the client was (or was not) the limit.
	Reason string `json:"reason,omitempty"`
}

// SummarizeClient sums up the client statistics of the given intervals
// (the measured ones), and returns nil when none has any (a file written
// before they were recorded).
func SummarizeClient(intervals []*Interval) *ClientSummary {
	s := &ClientSummary{}
	var n, cpuBound, lateBound int
	var cpuSum, waitSum float64
	var late, sent int64
	for _, iv := range intervals {
		if !iv.Measured() || iv.Client == nil {
			continue
		}
		c := iv.Client
		n++
		cpuSum += c.CPUPct
		waitSum += c.CPUWaitPct
		s.CPUPctMax = max(s.CPUPctMax, c.CPUPct)
		s.CPUBudget = max(s.CPUBudget, c.CPUBudget)
		if c.Bound {
			s.BoundIntervals++
		}
		if c.CPUBound() {
			cpuBound++
		}
		if c.ClientLateShare > ClientBoundLateShare {
			lateBound++
		}
		late += iv.LateStarts
		for _, cs := range iv.Commands {
			sent += cs.Issued()
		}
	}
	if n == 0 {
		return nil
	}
	s.CPUPctMean = round1(cpuSum / float64(n))
	s.CPUWaitPctMean = round1(waitSum / float64(n))
	s.CPUPctMax = round1(s.CPUPctMax)
	if sent > 0 {
		s.LateShare = float64(late) / float64(sent)
	}
	s.Bound = ClientBound(s.BoundIntervals, n)
	var why []string
	if cpuBound > 0 {
		budget := units.Plural(int64(s.CPUBudget), "CPU")
		text := fmt.Sprintf("the CPU it used was at least %.0f %% of its budget of %s in %s of %s intervals (at most %.0f %% of one core)",
			100*ClientBoundCPUShare, budget, units.FormatInt(cpuBound), units.FormatInt(n), s.CPUPctMax)
		if s.CPUWaitPctMean > 0 {
			text = fmt.Sprintf("it was short of CPU (it used or waited for at least %.0f %% of its budget of %s, or waited for %.0f %% of it, the machine's other processes holding it) in %s of %s intervals; it waited for %.0f %% of a core on average",
				100*ClientBoundCPUShare, budget, 100*ClientBoundWaitShare, units.FormatInt(cpuBound), units.FormatInt(n), s.CPUWaitPctMean)
		}
		why = append(why, text)
	}
	if lateBound > 0 {
		why = append(why, fmt.Sprintf("it sent more than %.0f %% of its operations late, though their connections were free, in %s of %s intervals",
			100*ClientBoundLateShare, units.FormatInt(lateBound), units.FormatInt(n)))
	}
	switch {
	case s.Bound:
		s.Reason = "the client was the limit: " + strings.Join(why, "; ")
	case len(why) > 0:
		s.Reason = "the client was the limit in a few intervals only: " + strings.Join(why, "; ")
	}
	return s
}

// ClientBound reports whether bound of n intervals make the whole (a run, a
// step) client-bound.
func ClientBound(bound, n int) bool {
	return n > 0 && bound > 0 && float64(bound) >= ClientBoundIntervalShare*float64(n)
}

// StepClientBound reports whether the intervals of one step were
// client-bound.
func StepClientBound(intervals []*Interval) bool {
	var bound, n int
	for _, iv := range intervals {
		if iv.Client == nil || iv.TargetRate == 0 {
			continue // a step's draining intervals offer nothing
		}
		n++
		if iv.Client.Bound {
			bound++
		}
	}
	return ClientBound(bound, n)
}

// mergeClient merges the client statistics of one machine's interval into
// those of a merged interval: the CPU of the busiest machine, or of one
// short of CPU before a busier one that was not (its figures say why the
// interval is bound), the longest GC pause, the worst late share, and bound
// if any machine was.
func mergeClient(out, c *ClientStats) *ClientStats {
	if c == nil {
		return out
	}
	if out == nil {
		cp := *c
		return &cp
	}
	busier := c.CPUBudget > 0 && (out.CPUBudget == 0 || (c.CPUPct+c.CPUWaitPct)/float64(c.CPUBudget) > (out.CPUPct+out.CPUWaitPct)/float64(out.CPUBudget))
	if short := c.CPUBound(); short != out.CPUBound() {
		busier = short
	}
	if busier {
		out.CPUPct, out.CPUWaitPct, out.CPUBudget, out.PolledShare = c.CPUPct, c.CPUWaitPct, c.CPUBudget, c.PolledShare
	}
	out.GCPauseMicros = max(out.GCPauseMicros, c.GCPauseMicros)
	out.LateShare = max(out.LateShare, c.LateShare)
	out.ClientLateShare = max(out.ClientLateShare, c.ClientLateShare)
	out.Bound = out.Bound || c.Bound
	return out
}
