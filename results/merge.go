package results

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ErrNothingToMerge is returned by Merge when it is given no runs.
var ErrNothingToMerge = errors.New("no runs to merge")

// Merge combines runs of one test made at the same time by several machines
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
// Merge does not refuse runs that disagree; it returns warnings, one line
// each, when their configurations differ, when their clocks disagree (read
// against the server's clock), when their measured windows do not line up,
// when segments are missing or given twice, or when a run is given twice
// (the same run id and host), whatever the number of segments.
func Merge(runs []NamedRun) (*Run, []string, error) {
	if len(runs) == 0 {
		return nil, nil, ErrNothingToMerge
	}
	for _, nr := range runs {
		if nr.Run == nil || nr.Run.Header == nil {
			return nil, nil, fmt.Errorf("%s: %w", nr.Name, ErrNotResultFile)
		}
	}
	m := &merger{runs: runs, first: runs[0].Run.Header}
	m.interval = secondsDuration(m.first.IntervalS)
	if m.interval <= 0 {
		return nil, nil, fmt.Errorf("%s: interval_s %g is not above zero", runs[0].Name, m.first.IntervalS)
	}
	m.checkSegments()
	m.checkConfigs()
	m.checkClocks()
	m.anchor()
	out, err := m.intervals()
	if err != nil {
		return nil, m.warnings, err
	}
	merged := &Run{Header: m.header(), Intervals: out, Events: m.events(), Server: m.mergeServer(), Azure: m.mergeAzure()}
	for _, nr := range runs {
		if nr.Run.Truncated || nr.Run.Summary == nil {
			m.warnf("%s ends early (its run was killed or is still going): the merge covers its whole intervals only", nr.Name)
			merged.Truncated = merged.Truncated || nr.Run.Truncated
		}
	}
	return merged, m.warnings, nil
}

type merger struct {
	runs     []NamedRun
	first    *Header
	interval time.Duration
	// anchors[i] is where run i's measured window starts by its own clock.
	anchors  []time.Time
	base     time.Time
	segment  string
	warnings []string
}

func (m *merger) warnf(format string, args ...any) {
	m.warnings = append(m.warnings, fmt.Sprintf(format, args...))
}

func secondsDuration(s float64) time.Duration {
	return time.Duration(math.Round(s * float64(time.Second)))
}

// checkSegments warns about runs given twice, segments that are missing,
// given twice, or from different splits, and sets the merged run's segment.
func (m *merger) checkSegments() {
	type part struct {
		seg  Segment
		name string
	}
	var parts []part
	counts := map[int]bool{}
	// A run is known by its id and host: the id names its start, label and
	// segment, which runs on two machines may share.
	type runKey struct{ id, host string }
	runs := map[runKey]string{}
	for _, nr := range m.runs {
		h := nr.Run.Header
		key := runKey{h.RunID, h.Host}
		if other, dup := runs[key]; dup && h.RunID != "" {
			m.warnf("%s and %s are the same run (%s on %s): its operations are counted twice", other, nr.Name, h.RunID, h.Host)
			continue // one warning for the pair, not another for its segment
		}
		runs[key] = nr.Name
		seg, err := ParseSegment(h.Segment)
		if h.Segment == "" {
			seg, err = WholeSegment, nil
		}
		if err != nil {
			m.warnf("%s: %v", nr.Name, err)
			continue
		}
		parts = append(parts, part{seg, nr.Name})
		counts[seg.Count] = true
	}
	if len(counts) > 1 {
		var list []string
		for _, p := range parts {
			list = append(list, p.name+" is "+p.seg.String())
		}
		m.warnf("the runs come from different splits (%s): their shares of the load do not add up to one test", strings.Join(list, ", "))
	}
	seen := map[Segment]string{}
	var strs []string
	for _, p := range parts {
		if other, dup := seen[p.seg]; dup {
			if p.seg.Count == 1 {
				m.warnf("%s and %s both ran the whole test (segment %s): its load is counted twice", other, p.name, p.seg)
			} else {
				m.warnf("%s and %s both ran segment %s: that share of the load is counted twice", other, p.name, p.seg)
			}
		}
		seen[p.seg] = p.name
		strs = append(strs, p.seg.String())
	}
	if len(counts) == 1 {
		for n := range counts {
			var missing []string
			for i := range n {
				if _, ok := seen[Segment{Index: i, Count: n}]; !ok {
					missing = append(missing, Segment{Index: i, Count: n}.String())
				}
			}
			if len(missing) > 0 && n > 1 {
				m.warnf("segment %s is missing: the merged run carries %d of %d shares of the load", strings.Join(missing, ", "), n-len(missing), n)
			}
			if len(missing) == 0 {
				m.segment = WholeSegment.String()
				return
			}
		}
	}
	slices.Sort(strs)
	m.segment = strings.Join(slices.Compact(strs), ",")
}

// configIgnored are the configuration keys that differ between the segments
// of one test by design.
var configIgnored = map[string]bool{"segment": true, "start_at": true, "seed": true}

// checkConfigs warns when a run's configuration differs from the first
// run's.
func (m *merger) checkConfigs() {
	describe := func(h *Header) map[string]string {
		out := map[string]string{
			"mode":                  h.Mode,
			"target.endpoint":       h.Target.Endpoint,
			"target.cluster_policy": h.Target.ClusterPolicy,
			"tool.version":          h.Tool.Version,
		}
		if len(h.Config) == 0 { // else the configuration says these, and more
			out["pipeline"] = strconv.Itoa(h.Pipeline)
			out["interval_s"] = strconv.FormatFloat(h.IntervalS, 'f', -1, 64)
			out["warmup_s"] = strconv.FormatFloat(h.WarmupS, 'f', -1, 64)
			out["target.tls"] = strconv.FormatBool(h.Target.TLS)
			out["target.auth"] = h.Target.Auth
		}
		flattenJSON(h.Config, "config", out)
		flattenJSON(h.Workload, "workload", out)
		return out
	}
	ref := describe(m.first)
	for _, nr := range m.runs[1:] {
		cur := describe(nr.Run.Header)
		var diffs []string
		for _, k := range unionKeys(ref, cur) {
			if ref[k] != cur[k] {
				diffs = append(diffs, fmt.Sprintf("%s is %s in %s but %s in %s", k, orNone(ref[k]), m.runs[0].Name, orNone(cur[k]), nr.Name))
			}
		}
		if len(diffs) > 4 {
			diffs = append(diffs[:4], fmt.Sprintf("and %d more", len(diffs)-4))
		}
		if len(diffs) > 0 {
			m.warnf("the configurations differ: %s", strings.Join(diffs, "; "))
		}
	}
	for _, nr := range m.runs[1:] {
		if !nr.Run.Header.StartAt.Equal(m.first.StartAt) {
			m.warnf("the runs were given different start times (--start-at %s in %s, %s in %s)",
				formatStartAt(m.first.StartAt), m.runs[0].Name, formatStartAt(nr.Run.Header.StartAt), nr.Name)
		}
	}
}

func formatStartAt(t time.Time) string {
	if t.IsZero() {
		return "none"
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func orNone(s string) string {
	if s == "" {
		return "unset"
	}
	return s
}

func unionKeys(a, b map[string]string) []string {
	keys := make([]string, 0, len(a))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// flattenJSON adds every leaf of the JSON document raw to out under its
// dotted path, except the keys of configIgnored.
func flattenJSON(raw json.RawMessage, prefix string, out map[string]string) {
	if len(raw) == 0 {
		return
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		out[prefix] = string(raw)
		return
	}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		if obj, ok := v.(map[string]any); ok {
			for k, child := range obj {
				if !configIgnored[k] {
					walk(path+"."+k, child)
				}
			}
			return
		}
		b, _ := json.Marshal(v)
		out[path] = string(b)
	}
	walk(prefix, v)
}

// clockTolerance is how far two hosts' clocks may disagree before a merge
// warns: a tenth of an interval, at most 50 ms.
func clockTolerance(interval time.Duration) time.Duration {
	return min(interval/10, 50*time.Millisecond)
}

// checkClocks warns when two hosts' clocks, each read against the server's,
// disagree by more than the tolerance beyond the reading's uncertainty.
func (m *merger) checkClocks() {
	ref, refName := -1, ""
	for i, nr := range m.runs {
		if nr.Run.Header.Clock != nil {
			ref, refName = i, nr.Name
			break
		}
	}
	if ref < 0 {
		return
	}
	rc := m.runs[ref].Run.Header.Clock
	tol := clockTolerance(m.interval)
	for _, nr := range m.runs[ref+1:] {
		c := nr.Run.Header.Clock
		if c == nil {
			continue
		}
		diff := math.Abs(c.OffsetMS - rc.OffsetMS)
		slack := c.UncertaintyMS + rc.UncertaintyMS
		if diff-slack > float64(tol)/float64(time.Millisecond) {
			m.warnf("the clocks of %s (%s) and %s (%s) disagree by %.0f ms (±%.1f ms, each read against the server's clock): intervals were cut by each host's own clock, so the merged intervals mix moments up to %.0f ms apart; synchronise the clocks (NTP) before a split run",
				refName, m.runs[ref].Run.Header.Host, nr.Name, nr.Run.Header.Host, diff, slack, diff)
		}
	}
}

// anchor finds where each run's measured window starts by its own clock, and
// the grid's base: the earliest of them.
func (m *merger) anchor() {
	m.anchors = make([]time.Time, len(m.runs))
	for i, nr := range m.runs {
		m.anchors[i] = measuredStart(nr.Run, secondsDuration(nr.Run.Header.IntervalS))
		if m.base.IsZero() || m.anchors[i].Before(m.base) {
			m.base = m.anchors[i]
		}
	}
	for _, nr := range m.runs {
		if nr.Run.Header.StartAt.IsZero() {
			continue
		}
		for _, iv := range nr.Run.Intervals {
			if !iv.Measured() {
				continue
			}
			if late := iv.Start.Sub(nr.Run.Header.StartAt); late > m.interval/2 {
				m.warnf("%s began its measured window %.1f s after --start-at (opening its connections took longer): its first intervals are missing", nr.Name, late.Seconds())
			}
			break
		}
	}
	for i, nr := range m.runs[1:] {
		if d := secondsDuration(nr.Run.Header.IntervalS); d != m.interval {
			m.warnf("%s has %s intervals, %s has %s: its intervals were put into the slots of %s's by their midpoints",
				nr.Name, d, m.runs[0].Name, m.interval, m.runs[0].Name)
		}
		if skew := m.anchors[i+1].Sub(m.anchors[0]).Abs(); skew > m.interval/2 {
			m.warnf("%s began its measured window %.1f s %s %s: the merged intervals at either end carry only part of the load (start the runs together with --start-at)",
				nr.Name, skew.Seconds(), map[bool]string{true: "after", false: "before"}[m.anchors[i+1].After(m.anchors[0])], m.runs[0].Name)
		}
	}
}

// measuredStart returns the start of the run's measured window: interval k
// of a run covers [start + k*interval, start + (k+1)*interval), except that
// the first begins no earlier than the load did and the last ends when the
// last reply arrived.
func measuredStart(run *Run, interval time.Duration) time.Time {
	if !run.Header.StartAt.IsZero() {
		return run.Header.StartAt
	}
	ivs := run.Intervals
	switch {
	case len(ivs) == 0:
		return run.Header.Start
	case len(ivs) == 1 || interval <= 0:
		return ivs[0].Start.Add(-time.Duration(ivs[0].Index) * interval)
	default: // the first interval's end is on the grid even when its start is not
		return ivs[0].End.Add(-time.Duration(ivs[0].Index+1) * interval)
	}
}

type slotKey struct {
	slot  int64
	phase string
}

// intervals puts every interval of every run into its slot.
func (m *merger) intervals() ([]*Interval, error) {
	slots := map[slotKey]*Interval{}
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
				out = &Interval{
					Type: TypeInterval, Index: slot, Phase: iv.Phase,
					Start: lo.Add(m.interval), End: lo, // narrowed below
					Commands: map[string]*CommandStats{},
				}
				slots[key] = out
			}
			if err := addInterval(out, iv); err != nil {
				return nil, fmt.Errorf("%s interval %d: %w", nr.Name, iv.Index, err)
			}
		}
	}
	out := make([]*Interval, 0, len(slots))
	for _, iv := range slots {
		// The merged interval spans what its intervals span, within its slot.
		lo := m.base.Add(time.Duration(iv.Index) * m.interval)
		hi := lo.Add(m.interval)
		if iv.Start.Before(lo) {
			iv.Start = lo
		}
		if iv.End.After(hi) {
			iv.End = hi
		}
		out = append(out, iv)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Index != out[j].Index {
			return out[i].Index < out[j].Index
		}
		return out[i].Phase == PhaseWarmup && out[j].Phase != PhaseWarmup
	})
	return out, nil
}

// addInterval adds iv's counts and histograms to out, and widens out's span
// to cover iv's.
func addInterval(out, iv *Interval) error {
	if iv.Start.Before(out.Start) {
		out.Start = iv.Start
	}
	if iv.End.After(out.End) {
		out.End = iv.End
	}
	out.Connections += iv.Connections
	out.TargetRate += iv.TargetRate
	var sum countSum
	sum.add(&out.LateStarts, iv.LateStarts)
	sum.add(&out.Reconnects, iv.Reconnects)
	sum.add(&out.Dropped, iv.Dropped)
	if err := sum.err(); err != nil {
		return fmt.Errorf("late starts, reconnects or dropped operations: %w", err)
	}
	out.BackoffS += iv.BackoffS
	out.Client = mergeClient(out.Client, iv.Client)
	for name, cs := range iv.Commands {
		t := out.Commands[name]
		if t == nil {
			t = NewCommandStats()
			out.Commands[name] = t
		}
		if err := t.Add(cs); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	if iv.Reauth != nil {
		if out.Reauth == nil {
			out.Reauth = NewReauthStats()
		}
		if err := out.Reauth.Add(iv.Reauth); err != nil {
			return fmt.Errorf("reauth: %w", err)
		}
	}
	for addr, ss := range iv.Shards {
		if out.Shards == nil {
			out.Shards = map[string]*ShardStats{}
		}
		t := out.Shards[addr]
		if t == nil {
			t = NewShardStats()
			out.Shards[addr] = t
		}
		if err := t.Add(ss); err != nil {
			return fmt.Errorf("shard %s: %w", addr, err)
		}
	}
	return nil
}

// mergeClient merges the client statistics of one machine's interval into
// those of a merged interval: the busiest machine's CPU, the longest GC
// pause, the worst late share, and bound if any machine was.
func mergeClient(out, c *ClientStats) *ClientStats {
	if c == nil {
		return out
	}
	if out == nil {
		cp := *c
		return &cp
	}
	if c.CPUBudget > 0 && (out.CPUBudget == 0 || (c.CPUPct+c.CPUWaitPct)/float64(c.CPUBudget) > (out.CPUPct+out.CPUWaitPct)/float64(out.CPUBudget)) {
		out.CPUPct, out.CPUWaitPct, out.CPUBudget = c.CPUPct, c.CPUWaitPct, c.CPUBudget
	}
	out.GCPauseMicros = max(out.GCPauseMicros, c.GCPauseMicros)
	out.LateShare = max(out.LateShare, c.LateShare)
	out.ClientLateShare = max(out.ClientLateShare, c.ClientLateShare)
	out.Bound = out.Bound || c.Bound
	return out
}

// events returns every run's events in time order, each naming its run.
func (m *merger) events() []*Event {
	var out []*Event
	for _, nr := range m.runs {
		h := nr.Run.Header
		source := h.Host
		if h.Segment != "" && h.Segment != WholeSegment.String() {
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
func (m *merger) header() *Header {
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
		h.Sources = append(h.Sources, Source{
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

// MeasuredStart returns where the run's measured window starts by its
// host's clock: --start-at if it was given, else the start of interval 0 as
// the intervals place it. Warmup intervals lie before it.
func (run *Run) MeasuredStart() time.Time {
	return measuredStart(run, secondsDuration(run.Header.IntervalS))
}
