package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/amrbench/amrbench/internal/preamble"
	"github.com/amrbench/amrbench/internal/rundir"
	"github.com/amrbench/amrbench/results"
)

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
		Schedule:        preamble.Schedule(p.cfg),
		LateThresholdMS: lateMS,
		SLO:             preamble.Objectives(p.cfg.Objectives),
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
