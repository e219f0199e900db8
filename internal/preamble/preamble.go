package preamble

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/amrbench/amrbench/bench"
	"github.com/amrbench/amrbench/internal/units"
	"github.com/amrbench/amrbench/results"
)

// Line is the line a run begins with, after "amrbench: ": the target (its
// server, TLS, cluster policy and why), the connections the run drives, the
// load's kind and bound, and the run directory.
func Line(t results.Target, c bench.Config, dir string) string {
	return targetText(t) + "; " + share(c) + ", " + bound(c) + "; results in " + dir
}

func targetText(t results.Target) string {
	s := "target " + t.Endpoint
	var parts []string
	if t.Server != "" {
		parts = append(parts, t.Server)
	}
	if t.TLS {
		parts = append(parts, "TLS")
	}
	parts = append(parts, t.ClusterPolicy+": "+t.PolicyReason)
	return s + " (" + strings.Join(parts, ", ") + ")"
}

// Connections tells the user, before the run, how many connections
// an OSS cluster will take (what counts against an Azure cache's limit:
// one endpoint takes the --connections the target line gives), and any
// warning, which the result file gets too, as a warning event; text writes
// a warning as the user reads it (the command line's flag names). (A
// cluster's shards and slots follow as the run's first topology event.)
func Connections(stderr io.Writer, target *bench.Target, limit int, w *results.Writer, at time.Time, text func(error) string) error {
	plan := target.ConnectionPlan()
	if plan.Shards > 0 {
		fmt.Fprintf(stderr, "amrbench: %s\n", plan)
	}
	for _, note := range target.Notes() {
		fmt.Fprintf(stderr, "amrbench: %s\n", note)
	}
	type warning struct {
		code string
		err  error
	}
	var warnings []warning
	for _, err := range target.Warnings() {
		warnings = append(warnings, warning{results.WarnPolicyMismatch, err})
	}
	if err := plan.Warning(limit); err != nil {
		warnings = append(warnings, warning{results.WarnConnectionLimit, err})
	}
	for _, wn := range warnings {
		if err := warn(stderr, w, at, wn.code, text(wn.err)); err != nil {
			return err
		}
	}
	return nil
}

// warn prints a warning and writes it to the result file as a
// warning event with its code.
func warn(stderr io.Writer, w *results.Writer, at time.Time, code, text string) error {
	fmt.Fprintf(stderr, "amrbench: warning: %s\n", text)
	return w.WriteEvent(&results.Event{Time: at, Kind: results.EventWarning, Code: code, Detail: text})
}

// clockWarnMS is how far this host's clock may be from the server's, beyond
// the reading's uncertainty, before a split run warns: the tolerance a
// merge allows with 1 s intervals.
const clockWarnMS = 50

// Clock warns when a run that other machines' runs will be merged with
// (--start-at, --segment) runs on a clock that disagrees with the server's.
func Clock(stderr io.Writer, w *results.Writer, h *results.Header, cfg bench.Config) error {
	c := h.Clock
	if c == nil || (cfg.StartAt.IsZero() && cfg.Segment.IsWhole()) || math.Abs(c.OffsetMS)-c.UncertaintyMS <= clockWarnMS {
		return nil
	}
	return warn(stderr, w, h.Start, results.WarnClockOffset, fmt.Sprintf(
		"this host's clock is %+.0f ms (±%.1f ms) off the server's: --start-at and the intervals are cut by this clock, so the machines of a split run do not measure the same window; synchronise the clocks (NTP)",
		c.OffsetMS, c.UncertaintyMS))
}

// share says how many connections the run drives: all of them, or
// its segment's share.
func share(c bench.Config) string {
	if c.Segment.IsWhole() {
		return units.Plural(int64(c.Connections), "connection")
	}
	first, n := c.SegmentConnections()
	return fmt.Sprintf("segment %s: connections %s to %s of %s", c.Segment, units.FormatInt(first+1), units.FormatInt(first+n), units.FormatInt(c.Connections))
}

// bound says the load's kind (open loop and its schedule, or closed) and
// its bound (time, requests, or the steps).
func bound(c bench.Config) string {
	mode := "closed loop"
	if c.OpenLoop() {
		mode = "open loop: " + Schedule(c)
	}
	bound := fmt.Sprintf(", %s measured", c.Duration)
	switch {
	case c.Requests > 0:
		bound = ", " + units.Plural(c.Requests, "request")
	case c.Steps():
		bound = ""
	}
	if c.Warmup > 0 {
		bound += fmt.Sprintf(" after %s of warmup", c.Warmup)
	}
	return mode + ", pipeline " + strconv.Itoa(c.Pipeline) + bound
}

// Schedule says what load an open-loop run offers (the result header's
// schedule); empty for a closed loop.
func Schedule(c bench.Config) string {
	switch {
	case c.FindMax:
		climb := fmt.Sprintf("doubling from %s ops/s", units.FormatRate(c.SearchStart()))
		if c.Ramp != nil {
			climb = fmt.Sprintf("climbing %s to %s ops/s by %s", units.FormatRate(c.Ramp.From), units.FormatRate(c.Ramp.To), units.FormatRate(c.Ramp.Step))
		}
		return fmt.Sprintf("search for the highest rate meeting %s, %s then bisecting, steps of %s", strings.Join(Objectives(c.Objectives), " and "), climb, c.StepDuration)
	case c.Ramp != nil:
		return fmt.Sprintf("staircase %s to %s ops/s by %s, %s per step", units.FormatRate(c.Ramp.From), units.FormatRate(c.Ramp.To), units.FormatRate(c.Ramp.Step), c.Ramp.StepDuration)
	case c.Rate > 0:
		return fmt.Sprintf("%s ops/s", units.FormatRate(c.Rate))
	}
	return ""
}

// Objectives returns the objectives' texts, as --slo gave them.
func Objectives(objectives []results.Objective) []string {
	var texts []string
	for _, o := range objectives {
		texts = append(texts, o.Text)
	}
	return texts
}
