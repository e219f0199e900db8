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
// against the server's clock), when their measured windows do not line up
// (a segment began late or ended early), when segments are missing or given
// twice, or when a run is given twice (the same run id and host), whatever
// the number of segments. Each warning is also an event of the merged run,
// so its files keep them. A Partial warning means the merged run is not one
// whole test.
//
// The merged intervals span what their runs' intervals span: the merged
// window ends when the last run's last operation did, not at a nominal end.
func Merge(runs []NamedRun) (*Run, []MergeWarning, error) {
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
	m.checkEnds()
	out, err := m.intervals()
	if err != nil {
		return nil, m.warnings, err
	}
	merged := &Run{Header: m.header(), Intervals: out, Events: m.events(), Server: m.mergeServer(), Azure: m.mergeAzure()}
	for _, nr := range runs {
		if nr.Run.Truncated || nr.Run.Summary == nil {
			m.partialf("%s ends early (its run was killed or is still going): the merge covers its whole intervals only", nr.Name)
			merged.Truncated = merged.Truncated || nr.Run.Truncated
		}
	}
	// The warnings are data: they come first among the merged run's events.
	var notes []*Event
	for _, w := range m.warnings {
		notes = append(notes, &Event{Type: TypeEvent, Time: m.base, Kind: EventWarning, Detail: w.Text, Source: "merge"})
	}
	merged.Events = append(notes, merged.Events...)
	return merged, m.warnings, nil
}

// MergeWarning is a warning of Merge.
type MergeWarning struct {
	Text string
	// Partial is set when what it warns of makes the merged run less than
	// one whole test: a segment missing, given twice or of another split,
	// runs of differing configurations or start times, a segment that began
	// late or ended early, a run killed before its end.
	Partial bool
}

// String returns the warning's text.
func (w MergeWarning) String() string { return w.Text }

// PartialWarnings returns the warnings that make a merge less than one test.
func PartialWarnings(ws []MergeWarning) []MergeWarning {
	var out []MergeWarning
	for _, w := range ws {
		if w.Partial {
			out = append(out, w)
		}
	}
	return out
}

type merger struct {
	runs     []NamedRun
	first    *Header
	interval time.Duration
	// anchors[i] is where run i's measured window starts by its own clock.
	anchors  []time.Time
	base     time.Time
	segment  string
	warnings []MergeWarning
}

// warnf adds a warning about the merge's quality.
func (m *merger) warnf(format string, args ...any) {
	m.warnings = append(m.warnings, MergeWarning{Text: fmt.Sprintf(format, args...)})
}

// partialf adds a warning that the merged run is not one whole test.
func (m *merger) partialf(format string, args ...any) {
	m.warnings = append(m.warnings, MergeWarning{Text: fmt.Sprintf(format, args...), Partial: true})
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
			m.partialf("%s and %s are the same run (%s on %s): its operations are counted twice", other, nr.Name, h.RunID, h.Host)
			continue // one warning for the pair, not another for its segment
		}
		runs[key] = nr.Name
		seg, err := ParseSegment(h.Segment)
		if h.Segment == "" {
			seg, err = WholeSegment, nil
		}
		if err != nil {
			m.partialf("%s: %v", nr.Name, err)
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
		m.partialf("the runs come from different splits (%s): their shares of the load do not add up to one test", strings.Join(list, ", "))
	}
	seen := map[Segment]string{}
	var strs []string
	for _, p := range parts {
		if other, dup := seen[p.seg]; dup {
			if p.seg.Count == 1 {
				m.partialf("%s and %s both ran the whole test (segment %s): its load is counted twice", other, p.name, p.seg)
			} else {
				m.partialf("%s and %s both ran segment %s: that share of the load is counted twice", other, p.name, p.seg)
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
				m.partialf("segment %s is missing: the merged run carries %d of %d shares of the load", strings.Join(missing, ", "), n-len(missing), n)
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
			m.partialf("the configurations differ: %s", strings.Join(diffs, "; "))
		}
	}
	for _, nr := range m.runs[1:] {
		if !nr.Run.Header.StartAt.Equal(m.first.StartAt) {
			m.partialf("the runs were given different start times (--start-at %s in %s, %s in %s)",
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
				m.partialf("%s began its measured window %.1f s after --start-at (opening its connections took longer): its first intervals are missing", nr.Name, late.Seconds())
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
			m.partialf("%s began its measured window %.1f s %s %s: the merged intervals at either end carry only part of the load (start the runs together with --start-at)",
				nr.Name, skew.Seconds(), map[bool]string{true: "after", false: "before"}[m.anchors[i+1].After(m.anchors[0])], m.runs[0].Name)
		}
	}
}

// checkEnds warns about runs whose measured window was shorter than the
// others' by more than half an interval: stopped (an eviction's SIGTERM, a
// Ctrl-C) or killed, their share of the load is missing from the merged
// intervals after that. Each window is measured from its run's own start
// (--start-at, or its first interval), so a run that merely began later
// (warned of by anchor) does not count as ending early.
func (m *merger) checkEnds() {
	lengths := make([]time.Duration, len(m.runs))
	ends := make([]time.Time, len(m.runs))
	var longest time.Duration
	for i, nr := range m.runs {
		for _, iv := range nr.Run.Intervals {
			if iv.Measured() && iv.End.After(ends[i]) {
				ends[i] = iv.End
			}
		}
		if !ends[i].IsZero() {
			lengths[i] = ends[i].Sub(m.anchors[i])
			longest = max(longest, lengths[i])
		}
	}
	for _, nr := range m.runs {
		if gaps := missingIntervals(nr.Run.Intervals); len(gaps) > 0 {
			m.partialf("%s lacks measured intervals %s (they never reached its file): the merged intervals there lack its share of the load", nr.Name, strings.Join(gaps, ", "))
		}
	}
	for i, nr := range m.runs {
		short := longest - lengths[i]
		if ends[i].IsZero() || short <= m.interval/2 {
			continue
		}
		why := ""
		for _, e := range nr.Run.Events {
			if e.Kind == EventWarning && e.Code == WarnStoppedEarly {
				why = " (" + e.Detail + ")"
			}
		}
		m.partialf("%s ended its measured window %.1f s before the others%s: the merged intervals after %s lack its share of the load",
			nr.Name, short.Seconds(), why, ends[i].UTC().Format(time.RFC3339Nano))
	}
}

// missingIntervals returns the ranges of indexes missing between a run's
// first and last measured intervals ("5-7", "9"): records that never reached
// the file it was read from (a blob that storage refused for a while).
func missingIntervals(ivs []*Interval) []string {
	seen := map[int64]bool{}
	first, last := int64(math.MaxInt64), int64(math.MinInt64)
	for _, iv := range ivs {
		if !iv.Measured() {
			continue
		}
		seen[iv.Index] = true
		first, last = min(first, iv.Index), max(last, iv.Index)
	}
	var out []string
	for i := first + 1; i < last; i++ {
		if seen[i] {
			continue
		}
		j := i
		for j+1 < last && !seen[j+1] {
			j++
		}
		if j > i {
			out = append(out, fmt.Sprintf("%d-%d", i, j))
		} else {
			out = append(out, strconv.FormatInt(i, 10))
		}
		i = j
	}
	return out
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
		out = append(out, iv)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Index != out[j].Index {
			return out[i].Index < out[j].Index
		}
		return out[i].Phase == PhaseWarmup && out[j].Phase != PhaseWarmup
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
