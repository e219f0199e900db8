package record

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/amrbench/amrbench/internal/units"
	"github.com/amrbench/amrbench/results"
)

// events writes what an interval just written tells beyond its counts:
// reconnects, the first messages of each error class, and the warnings
// (operations out of the histograms' range, a stuck connection, late
// starts, a client that was the limit, errors above the budget).
func (r *Recorder) events(iv *results.Interval, acc *intervalAcc) error {
	if iv.Reconnects > 0 {
		if err := r.obs.Event(&results.Event{
			Time: iv.End, Kind: results.EventReconnect, Count: iv.Reconnects,
			Detail: units.Plural(int(iv.Reconnects), "connection") + " reopened after connections were lost",
		}); err != nil {
			return err
		}
	}
	if err := r.errorSamples(iv.End, acc.samples); err != nil {
		return err
	}
	if acc.outOfRange > 0 {
		if err := r.warn(iv.End, results.WarnOutOfRange, acc.outOfRange,
			fmt.Sprintf("%s took longer than the histograms can hold: each was recorded as %g days, so the maximum and the highest percentiles understate them",
				units.Plural(int(acc.outOfRange), "operation"), float64(results.HistogramHighest)/float64(24*time.Hour/time.Microsecond))); err != nil {
			return err
		}
	}
	if r.late > 0 && !r.lateWarned {
		r.lateWarned = true
		if err := r.warn(iv.End, results.WarnStuckConnection, 0,
			fmt.Sprintf("a connection was stuck longer than %s; its operations were counted in the next interval written", r.maxLag)); err != nil {
			return err
		}
	}
	if err := r.warnLate(iv); err != nil {
		return err
	}
	if err := r.warnClientBound(iv); err != nil {
		return err
	}
	return r.warnErrorBudget(iv)
}

// warn writes a warning event.
func (r *Recorder) warn(at time.Time, code string, count int64, detail string) error {
	return r.obs.Event(&results.Event{Time: at, Kind: results.EventWarning, Code: code, Count: count, Detail: detail})
}

// errorSamples writes an error event for each message not seen before, up
// to results.ErrorSamplesPerClass per class over the run, with secrets
// taken out.
func (r *Recorder) errorSamples(at time.Time, samples []ErrorSample) error {
	for _, sm := range samples {
		seen := r.samples[sm.Class]
		text := r.redact(sm.Text)
		if len(seen) >= results.ErrorSamplesPerClass || slices.Contains(seen, text) {
			continue
		}
		if r.samples == nil {
			r.samples = map[results.ErrorClass][]string{}
		}
		r.samples[sm.Class] = append(seen, text)
		if err := r.obs.Event(&results.Event{Time: at, Kind: results.EventError, Class: sm.Class, Detail: text}); err != nil {
			return err
		}
	}
	return nil
}

// redact takes the run's secrets out of a message.
func (r *Recorder) redact(text string) string {
	for _, s := range r.Secrets {
		if s != "" {
			text = strings.ReplaceAll(text, s, "[redacted]")
		}
	}
	return text
}

// warnLate says, once per phase, that operations are being sent late for
// their schedule: more than 1 % of an interval's operations.
func (r *Recorder) warnLate(iv *results.Interval) error {
	var ops int64
	for _, cs := range iv.Commands {
		ops += cs.Issued()
	}
	if iv.LateStarts == 0 || iv.LateStarts*100 <= ops || r.slowPhases[iv.Phase] {
		return nil
	}
	r.slowPhases[iv.Phase] = true
	return r.warn(iv.End, results.WarnLateStarts, iv.LateStarts,
		fmt.Sprintf("%s of %s operations (%s) were sent more than %s after their due time, their connection still waiting for earlier replies or the client short of CPU; their response times include the wait. If it lasts, the client cannot keep up with %s ops/s (add connections, or client CPU) or the server is stalling",
			units.FormatInt(iv.LateStarts), units.FormatInt(ops), units.FormatPercent(float64(iv.LateStarts)/float64(ops)), r.LateThreshold, units.FormatWhole(iv.TargetRate)))
}

// warnClientBound says, once per phase, that the client was the limit in
// an interval: short of CPU, or slow to send operations whose connections
// were free.
func (r *Recorder) warnClientBound(iv *results.Interval) error {
	c := iv.Client
	if c == nil || !c.Bound || r.boundPhases[iv.Phase] {
		return nil
	}
	r.boundPhases[iv.Phase] = true
	why := fmt.Sprintf("it sent %s of its operations late though their connections were free", units.FormatPercent(c.ClientLateShare))
	switch {
	case c.CPUBound() && c.Polled():
		why = fmt.Sprintf("its connections polled for their replies, and it waited for %.0f %% of a core (the machine's other processes held it), at least %.0f %% of its budget of %s (--cpus)",
			c.CPUWaitPct, 100*results.ClientBoundWaitShare, units.Plural(int64(c.CPUBudget), "CPU"))
	case c.CPUBound() && c.CPUWaitPct > 0:
		why = fmt.Sprintf("it used %.0f %% of one core and waited for %.0f %% more (the machine's other processes held it), together at least %.0f %% of its budget of %s (--cpus)",
			c.CPUPct, c.CPUWaitPct, 100*results.ClientBoundCPUShare, units.Plural(int64(c.CPUBudget), "CPU"))
	case c.CPUBound():
		why = fmt.Sprintf("it used %.0f %% of one core, at least %.0f %% of its budget of %s (--cpus)", c.CPUPct, 100*results.ClientBoundCPUShare, units.Plural(int64(c.CPUBudget), "CPU"))
	}
	return r.warn(iv.End, results.WarnClientBound, 0,
		fmt.Sprintf("the client was the limit: %s; throughput measured while it lasts is a lower bound of the cache's capacity (give the client more CPU or more machines: --cpus, --segment)", why))
}

// warnErrorBudget says, once, that an interval's operations failed above
// the run's error budget.
func (r *Recorder) warnErrorBudget(iv *results.Interval) error {
	if r.budgetWarned || !iv.Measured() {
		return nil
	}
	var failed, issued int64
	for _, cs := range iv.Commands {
		failed += cs.ErrorCount()
		issued += cs.Issued()
	}
	if issued == 0 || float64(failed) <= r.MaxErrorRate*float64(issued) {
		return nil
	}
	r.budgetWarned = true
	return r.warn(iv.End, results.WarnErrorBudget, failed,
		fmt.Sprintf("%s of %s operations failed in this interval (%s), above --max-error-rate %s: if the run's share stays above it, its verdict is error-budget",
			units.FormatInt(failed), units.FormatInt(issued), units.FormatPercent(float64(failed)/float64(issued)), units.FormatPercent(r.MaxErrorRate)))
}
