package merge

// This file holds the checks that warn when the runs given are not one whole
// test, or not one test cut cleanly: segments, configurations, clocks,
// starts and ends.

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/amrbench/amrbench/results"
	"github.com/amrbench/amrbench/results/segment"
)

// checkSegments warns about runs given twice, segments that are missing,
// given twice, or from different splits, and sets the merged run's segment.
func (m *merger) checkSegments() {
	type part struct {
		seg  segment.Segment
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
		seg, err := segment.Parse(h.Segment)
		if h.Segment == "" {
			seg, err = segment.Whole, nil
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
	seen := map[segment.Segment]string{}
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
				if _, ok := seen[segment.Segment{Index: i, Count: n}]; !ok {
					missing = append(missing, segment.Segment{Index: i, Count: n}.String())
				}
			}
			if len(missing) > 0 && n > 1 {
				m.partialf("segment %s is missing: the merged run carries %d of %d shares of the load", strings.Join(missing, ", "), n-len(missing), n)
			}
			if len(missing) == 0 {
				m.segment = segment.Whole.String()
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
	describe := func(h *results.Header) map[string]string {
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
		m.anchors[i] = nr.Run.MeasuredStart()
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
		if d := nr.Run.Header.IntervalDuration(); d != m.interval {
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
			if e.Kind == results.EventWarning && e.Code == results.WarnStoppedEarly {
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
func missingIntervals(ivs []*results.Interval) []string {
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
