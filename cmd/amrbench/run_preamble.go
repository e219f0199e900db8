package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/amrbench/amrbench/bench"
	"github.com/amrbench/amrbench/internal/rundir"
	"github.com/amrbench/amrbench/internal/units"
	"github.com/amrbench/amrbench/results"
)

func describeTargetLine(t results.Target) string {
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

// describeConnections tells the user, before the run, how many connections
// an OSS cluster will take (what counts against an Azure cache's limit:
// one endpoint takes the --connections the target line gives), and any
// warning, which the result file gets too, as a warning event. (A
// cluster's shards and slots follow as the run's first topology event.)
func describeConnections(env *environment, target *bench.Target, limit int, w *results.Writer, at time.Time) error {
	plan := target.ConnectionPlan()
	if plan.Shards > 0 {
		fmt.Fprintf(env.stderr, "amrbench: %s\n", plan)
	}
	for _, note := range target.Notes() {
		fmt.Fprintf(env.stderr, "amrbench: %s\n", note)
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
		if err := warnBeforeRun(env, w, at, wn.code, flagText(wn.err)); err != nil {
			return err
		}
	}
	return nil
}

// warnBeforeRun prints a warning and writes it to the result file as a
// warning event with its code.
func warnBeforeRun(env *environment, w *results.Writer, at time.Time, code, text string) error {
	fmt.Fprintf(env.stderr, "amrbench: warning: %s\n", text)
	return w.WriteEvent(&results.Event{Time: at, Kind: results.EventWarning, Code: code, Detail: text})
}

// clockWarnMS is how far this host's clock may be from the server's, beyond
// the reading's uncertainty, before a split run warns: the tolerance a
// merge allows with 1 s intervals.
const clockWarnMS = 50

// warnClock warns when a run that other machines' runs will be merged with
// (--start-at, --segment) runs on a clock that disagrees with the server's.
func warnClock(env *environment, w *results.Writer, h *results.Header, cfg bench.Config) error {
	c := h.Clock
	if c == nil || (cfg.StartAt.IsZero() && cfg.Segment.IsWhole()) || math.Abs(c.OffsetMS)-c.UncertaintyMS <= clockWarnMS {
		return nil
	}
	return warnBeforeRun(env, w, h.Start, results.WarnClockOffset, fmt.Sprintf(
		"this host's clock is %+.0f ms (±%.1f ms) off the server's: --start-at and the intervals are cut by this clock, so the machines of a split run do not measure the same window; synchronise the clocks (NTP)",
		c.OffsetMS, c.UncertaintyMS))
}

// describeShare says how many connections the run drives: all of them, or
// its segment's share.
func describeShare(c bench.Config) string {
	if c.Segment.IsWhole() {
		return units.Plural(int64(c.Connections), "connection")
	}
	first, n := c.SegmentConnections()
	return fmt.Sprintf("segment %s: connections %s to %s of %s", c.Segment, units.FormatInt(first+1), units.FormatInt(first+n), units.FormatInt(c.Connections))
}

func describeBound(c bench.Config) string {
	mode := "closed loop"
	if c.OpenLoop() {
		mode = "open loop: " + describeSchedule(c)
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

// describeSchedule says what load an open-loop run offers.
func describeSchedule(c bench.Config) string {
	switch {
	case c.FindMax:
		climb := fmt.Sprintf("doubling from %s ops/s", units.FormatRate(c.SearchStart()))
		if c.Ramp != nil {
			climb = fmt.Sprintf("climbing %s to %s ops/s by %s", units.FormatRate(c.Ramp.From), units.FormatRate(c.Ramp.To), units.FormatRate(c.Ramp.Step))
		}
		return fmt.Sprintf("search for the highest rate meeting %s, %s then bisecting, steps of %s", strings.Join(objectiveTexts(c.Objectives), " and "), climb, c.StepDuration)
	case c.Ramp != nil:
		return fmt.Sprintf("staircase %s to %s ops/s by %s, %s per step", units.FormatRate(c.Ramp.From), units.FormatRate(c.Ramp.To), units.FormatRate(c.Ramp.Step), c.Ramp.StepDuration)
	case c.Rate > 0:
		return fmt.Sprintf("%s ops/s", units.FormatRate(c.Rate))
	}
	return ""
}

func objectiveTexts(objectives []results.Objective) []string {
	var texts []string
	for _, o := range objectives {
		texts = append(texts, o.Text)
	}
	return texts
}

// newHeader builds the result header. The configuration it embeds has every
// secret removed: bench.Config never encodes passwords or key material.
func newHeader(p *runPlan, target results.Target) (*results.Header, error) {
	cfgJSON, err := json.Marshal(p.cfg)
	if err != nil {
		return nil, fmt.Errorf("encode configuration: %w", err)
	}
	specJSON, err := json.Marshal(p.spec)
	if err != nil {
		return nil, fmt.Errorf("encode workload: %w", err)
	}
	host, _ := os.Hostname()
	start := time.Now().UTC()
	label := p.out.label
	if label == "" {
		label = "embedded"
		if !p.embedded {
			label = p.cfg.Target.Host
		}
	}
	percentiles := p.out.percentiles
	if len(percentiles) == 0 {
		percentiles = results.DefaultPercentiles
	}
	mode, lateMS := results.ModeClosed, 0.0
	if p.cfg.OpenLoop() {
		mode, lateMS = results.ModeOpen, float64(p.cfg.LateThreshold)/float64(time.Millisecond)
	}
	if p.sku != nil {
		target.SKU, target.Tier = p.sku.Name, p.sku.Tier
		target.VCPUs = int(p.sku.VCPUs.Value)
		target.MemoryGB = p.sku.MemoryGB.Value
		target.MaxConnections = int(p.sku.MaxConnections.Value)
	}
	preset := ""
	if p.preset != nil {
		preset = p.preset.Name
	}
	runID := start.Format("20060102T150405Z") + "-" + safeName(label)
	if !p.cfg.Segment.IsWhole() { // segments launched together on one host get directories of their own
		runID += fmt.Sprintf("-seg%dof%d", p.cfg.Segment.Index, p.cfg.Segment.Count)
	}
	_, conns := p.cfg.SegmentConnections()
	return &results.Header{
		Tool:            runningTool(),
		RunID:           runID,
		Label:           label,
		Start:           start,
		Host:            host,
		Segment:         p.cfg.Segment.String(),
		StartAt:         p.cfg.StartAt,
		Target:          target,
		Mode:            mode,
		TargetRate:      p.cfg.SegmentRate(),
		Schedule:        describeSchedule(p.cfg),
		LateThresholdMS: lateMS,
		SLO:             objectiveTexts(p.cfg.Objectives),
		IntervalS:       p.cfg.Interval.Seconds(),
		WarmupS:         p.cfg.Warmup.Seconds(),
		Connections:     conns,
		Pipeline:        p.cfg.Pipeline,
		Percentiles:     percentiles,
		Seed:            p.spec.Seed,
		Config:          cfgJSON,
		Workload:        specJSON,
		WorkloadText:    p.spec.Describe(),
		Preset:          preset,
		KeySpace:        p.keySpace,
		// Counts are of successful operations; the verdict's error budget
		// is recorded so that any reader judges the file as the run did.
		CountExcludesErrors: true,
		MaxErrorRate:        &p.cfg.MaxErrorRate,
	}, nil
}

var unsafeNameChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// safeName makes s usable in a file name.
func safeName(s string) string {
	s = strings.Trim(unsafeNameChars.ReplaceAllString(s, "-"), "-.")
	if s == "" {
		return "run"
	}
	return s
}

// runDirectory returns the run directory, --out or
// amrbench-results/<run id>, creating it if it does not exist; created says
// it did not.
func runDirectory(out string, h *results.Header) (dir string, created bool, err error) {
	if out == "" {
		out = filepath.Join("amrbench-results", h.RunID)
	}
	if err := checkFreeRunDirectory(out); err != nil {
		return "", false, err
	}
	if _, err := os.Stat(out); errors.Is(err, fs.ErrNotExist) {
		created = true
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return "", false, usagef("--out: %w", err)
	}
	return out, created, nil
}

// checkFreeRunDirectory refuses --out when it holds a file a run would
// overwrite (rundir.CheckFree).
func checkFreeRunDirectory(out string) error {
	if err := rundir.CheckFree(out); err != nil {
		return usagef("--out %w", err)
	}
	return nil
}
