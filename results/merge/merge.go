package merge

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/amrbench/amrbench/results"
	"github.com/amrbench/amrbench/results/segment"
)

// ErrNoRuns is returned by Runs when it is given no runs.
var ErrNoRuns = errors.New("no runs to merge")

// Runs combines runs of one test made at the same time by several machines
// (or processes), typically one per --segment, into one run as if one
// machine had made it.
//
// Intervals are aligned by wall-clock time: the first run's interval length
// sets a grid anchored at the earliest measured-window start, and every
// interval of every run goes whole into the slot of the grid that holds its
// midpoint. Runs started together with --start-at share the grid exactly, so
// interval k of each run lands in slot k. Counts are summed and histograms
// added (HdrHistogram addition): nothing is averaged, so every percentile of
// the merged run is that of one histogram holding every operation, and the
// merged totals are exactly the sums of the runs' totals. Intervals of
// different phases (warmup and measured) are never mixed.
//
// Server records are not added up: each keeps one sample per server and
// slot, and each Azure resource one Azure Monitor record (mergeServer,
// mergeAzure), since every segment reads the same servers.
//
// Runs does not refuse runs that disagree; it returns warnings, one line
// each, when their configurations differ, when their clocks disagree (read
// against the server's clock), when their measured windows do not line up
// (a segment began late or ended early), when segments are missing or given
// twice, or when a run is given twice (the same run id and host), whatever
// the number of segments. Each warning is also an event of the merged run,
// so its files keep them. A Partial warning means the merged run is not one
// whole test.
//
// The merged intervals span what their runs' intervals span: the merged
// window ends when the last run's last operation did, not at a nominal end.
func Runs(runs []results.NamedRun) (*results.Run, []Warning, error) {
	if len(runs) == 0 {
		return nil, nil, ErrNoRuns
	}
	for _, nr := range runs {
		if nr.Run == nil || nr.Run.Header == nil {
			return nil, nil, fmt.Errorf("%s: %w", nr.Name, results.ErrNotResultFile)
		}
	}
	m := &merger{runs: runs, first: runs[0].Run.Header}
	m.interval = m.first.IntervalDuration()
	if m.interval <= 0 {
		return nil, nil, fmt.Errorf("%s: interval_s %g is not above zero", runs[0].Name, m.first.IntervalS)
	}
	m.checkSegments()
	m.checkConfigs()
	m.checkClocks()
	m.anchor()
	m.checkEnds()
	out, err := m.intervals()
	if err != nil {
		return nil, m.warnings, err
	}
	merged := &results.Run{Header: m.header(), Intervals: out, Events: m.events(), Server: m.mergeServer(), Azure: m.mergeAzure()}
	for _, nr := range runs {
		if nr.Run.Truncated || nr.Run.Summary == nil {
			m.partialf("%s ends early (its run was killed or is still going): the merge covers its whole intervals only", nr.Name)
			merged.Truncated = merged.Truncated || nr.Run.Truncated
		}
	}
	// The warnings are data: they come first among the merged run's events.
	var notes []*results.Event
	for _, w := range m.warnings {
		e := &results.Event{Type: results.TypeEvent, Time: m.base, Kind: results.EventWarning, Detail: w.Text, Source: "merge"}
		if w.Partial {
			e.Code = results.WarnPartialMerge // the merged verdict reads it
		}
		notes = append(notes, e)
	}
	merged.Events = append(notes, merged.Events...)
	return merged, m.warnings, nil
}

// Warning is a warning of Runs.
type Warning struct {
	Text string
	// Partial is set when what it warns of makes the merged run less than
	// one whole test: a segment missing, given twice or of another split,
	// runs of differing configurations or start times, a segment that began
	// late or ended early, a run killed before its end.
	Partial bool
}

// String returns the warning's text.
func (w Warning) String() string { return w.Text }

// PartialWarnings returns the warnings that make a merge less than one test.
func PartialWarnings(ws []Warning) []Warning {
	var out []Warning
	for _, w := range ws {
		if w.Partial {
			out = append(out, w)
		}
	}
	return out
}

type merger struct {
	runs     []results.NamedRun
	first    *results.Header
	interval time.Duration
	// anchors[i] is where run i's measured window starts by its own clock.
	anchors  []time.Time
	base     time.Time
	segment  string
	warnings []Warning
}

// warnf adds a warning about the merge's quality.
func (m *merger) warnf(format string, args ...any) {
	m.warnings = append(m.warnings, Warning{Text: fmt.Sprintf(format, args...)})
}

// partialf adds a warning that the merged run is not one whole test.
func (m *merger) partialf(format string, args ...any) {
	m.warnings = append(m.warnings, Warning{Text: fmt.Sprintf(format, args...), Partial: true})
}

type slotKey struct {
	slot  int64
	phase string
}

// intervals puts every interval of every run into its slot.
func (m *merger) intervals() ([]*results.Interval, error) {
	slots := map[slotKey]*results.Interval{}
	for _, nr := range m.runs {
		for _, iv := range nr.Run.Intervals {
			mid := iv.Start.Add(iv.End.Sub(iv.Start) / 2)
			d := mid.Sub(m.base)
			slot := int64(d / m.interval)
			if d < 0 && d%m.interval != 0 {
				slot--
			}
			key := slotKey{slot, iv.Phase}
			out := slots[key]
			if out == nil {
				lo := m.base.Add(time.Duration(slot) * m.interval)
				out = &results.Interval{
					Type: results.TypeInterval, Index: slot, Phase: iv.Phase,
					Start: lo.Add(m.interval), End: lo, // narrowed below
					Commands: map[string]*results.CommandStats{},
				}
				slots[key] = out
			}
			if err := out.Add(iv); err != nil {
				return nil, fmt.Errorf("%s interval %d: %w", nr.Name, iv.Index, err)
			}
		}
	}
	out := make([]*results.Interval, 0, len(slots))
	for _, iv := range slots {
		out = append(out, iv)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Index != out[j].Index {
			return out[i].Index < out[j].Index
		}
		return out[i].Phase == results.PhaseWarmup && out[j].Phase != results.PhaseWarmup
	})
	// A merged interval spans what its intervals span, so the merged window
	// begins when the first run's load did and ends when the last run's last
	// reply arrived; only where neighbours would overlap (hosts' clocks or
	// starts apart) is the boundary the slots'.
	for i, iv := range out {
		lo := m.base.Add(time.Duration(iv.Index) * m.interval)
		if i > 0 && out[i-1].End.After(iv.Start) {
			boundary := lo
			if out[i-1].Index == iv.Index { // warmup and measured share the slot
				boundary = later(iv.Start, out[i-1].Start)
			}
			out[i-1].End, iv.Start = boundary, boundary
		}
	}
	return out, nil
}

// later returns the later of a and b.
func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// events returns every run's events in time order, each naming its run.
func (m *merger) events() []*results.Event {
	var out []*results.Event
	for _, nr := range m.runs {
		h := nr.Run.Header
		source := h.Host
		if h.Segment != "" && h.Segment != segment.Whole.String() {
			source += " " + h.Segment
		}
		for _, e := range nr.Run.Events {
			c := *e
			if c.Source == "" {
				c.Source = source
			}
			out = append(out, &c)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out
}

// header returns the merged run's header: the first run's, with what the
// runs add up to, and the list of its sources.
func (m *merger) header() *results.Header {
	h := *m.first
	h.CountExcludesErrors = true // Read has normalised older files
	h.Segment = m.segment
	h.Connections, h.TargetRate = 0, 0
	h.Clock = nil
	h.Sources = nil
	var hosts, labels []string
	var percentiles []float64
	for _, nr := range m.runs {
		rh := nr.Run.Header
		h.Connections += rh.Connections
		h.TargetRate += rh.TargetRate
		h.Target.TLSUnverified = h.Target.TLSUnverified || rh.Target.TLSUnverified
		if rh.Start.Before(h.Start) {
			h.Start = rh.Start
		}
		if !slices.Contains(hosts, rh.Host) {
			hosts = append(hosts, rh.Host)
		}
		if rh.Label != "" && !slices.Contains(labels, rh.Label) {
			labels = append(labels, rh.Label)
		}
		percentiles = append(percentiles, rh.Percentiles...)
		if len(rh.Sources) > 0 { // a merge of merges keeps the measured runs
			h.Sources = append(h.Sources, rh.Sources...)
			continue
		}
		h.Sources = append(h.Sources, results.Source{
			File: nr.Name, RunID: rh.RunID, Host: rh.Host, Segment: rh.Segment,
			Start: rh.Start, Connections: rh.Connections,
		})
	}
	slices.Sort(percentiles)
	h.Percentiles = slices.Compact(percentiles)
	h.Host = strings.Join(hosts, ",")
	h.Label = strings.Join(labels, "+")
	h.RunID = m.base.UTC().Format("20060102T150405Z") + "-merged"
	if h.Label != "" {
		h.RunID += "-" + strings.Join(strings.Fields(h.Label), "-")
	}
	return &h
}
