package report

import (
	"fmt"
	"math"
	"strings"
	"time"

	"gonum.org/v1/plot/plotter"

	"github.com/amrbench/amrbench/results"
)

// maxTimelinePoints bounds the points of a time chart's series. Longer runs
// are drawn from coarser intervals made by adding neighbouring intervals
// together exactly (histograms added, never percentiles averaged), so a
// day-long run's p99 line is still made of true p99s.
const maxTimelinePoints = 600

// timeline is a run's intervals placed in time, for the time charts.
type timeline struct {
	header *results.Header
	origin time.Time // start of the measured window: x = 0
	ivs    []*results.Interval
	all    []*results.CommandStats // every command of ivs[i] added up
	// warmupFrom is where the warmup begins on the x axis (negative), or 0
	// without warmup; end is where the last interval ends.
	warmupFrom, end float64
}

func newTimeline(run *results.Run) (*timeline, error) {
	t := &timeline{header: run.Header, origin: run.MeasuredStart()}
	ivs, err := coarsen(run.Intervals, maxTimelinePoints)
	if err != nil {
		return nil, err
	}
	t.ivs = ivs
	t.all = make([]*results.CommandStats, len(ivs))
	for i, iv := range ivs {
		t.all[i] = allOf(iv)
	}
	for _, iv := range ivs {
		if !iv.Measured() {
			t.warmupFrom = math.Min(t.warmupFrom, t.seconds(iv.Start))
		}
		t.end = math.Max(t.end, t.seconds(iv.End))
	}
	return t, nil
}

// seconds places a moment on the x axis.
func (t *timeline) seconds(at time.Time) float64 { return at.Sub(t.origin).Seconds() }

// mid is an interval's place on the x axis: its middle.
func (t *timeline) mid(iv *results.Interval) float64 {
	return t.seconds(iv.Start.Add(iv.Duration() / 2))
}

// coarsen returns the intervals, or, when there are more than limit, new
// intervals each adding up k neighbours of the same phase.
func coarsen(ivs []*results.Interval, limit int) ([]*results.Interval, error) {
	if len(ivs) <= limit {
		return ivs, nil
	}
	k := (len(ivs) + limit - 1) / limit
	var out []*results.Interval
	var cur *results.Interval
	n := 0
	for _, iv := range ivs {
		if cur == nil || n == k || cur.Phase != iv.Phase {
			cur = &results.Interval{Index: iv.Index, Phase: iv.Phase, Start: iv.Start, Commands: map[string]*results.CommandStats{}}
			out = append(out, cur)
			n = 0
		}
		n++
		cur.End = iv.End
		cur.Connections = max(cur.Connections, iv.Connections)
		cur.TargetRate = iv.TargetRate
		cur.LateStarts += iv.LateStarts
		cur.Reconnects += iv.Reconnects
		for name, cs := range iv.Commands {
			if cur.Commands[name] == nil {
				cur.Commands[name] = results.NewCommandStats()
			}
			if err := cur.Commands[name].Add(cs); err != nil {
				return nil, fmt.Errorf("interval %d, %s: %w", iv.Index, name, err)
			}
		}
	}
	return out, nil
}

// perSecond returns n per second of iv.
func perSecond(n int64, iv *results.Interval) float64 {
	if s := iv.Duration().Seconds(); s > 0 {
		return float64(n) / s
	}
	return 0
}

// allOf adds up an interval's commands.
func allOf(iv *results.Interval) *results.CommandStats {
	all := results.NewCommandStats()
	for _, cs := range iv.Commands {
		_ = all.Add(cs) // the standard geometry: cannot fail
	}
	return all
}

// throughput returns operations per second over time: ALL, each command,
// and the target rate of an open loop.
func (t *timeline) throughput() []series {
	seen := map[string]bool{}
	for _, iv := range t.ivs {
		for name := range iv.Commands {
			seen[name] = true
		}
	}
	names := results.CommandNames(seen)
	var out []series
	all := series{name: "ALL", color: colorAll, width: 2}
	target := series{name: "target rate", color: palette[3], dashed: true}
	for i, iv := range t.ivs {
		x := t.mid(iv)
		all.points = append(all.points, plotter.XY{X: x, Y: perSecond(t.all[i].Count, iv)})
		if iv.TargetRate > 0 {
			target.points = append(target.points, plotter.XY{X: x, Y: iv.TargetRate})
		}
	}
	if len(names) > 1 || len(names) == 1 && names[0] != results.AllCommands {
		for i, name := range names {
			s := series{name: name, color: commandColor(name, i), width: 1.2}
			for _, iv := range t.ivs {
				var n int64
				if cs := iv.Commands[name]; cs != nil {
					n = cs.Count
				}
				s.points = append(s.points, plotter.XY{X: t.mid(iv), Y: perSecond(n, iv)})
			}
			out = append(out, s)
		}
	}
	out = append(out, all)
	if len(target.points) > 0 {
		out = append(out, target)
	}
	return out
}

// latencyPercentiles are the lines of the latency-over-time chart.
var latencyPercentiles = []float64{50, 99, 99.9}

// latency returns the p50, p99 and p99.9 of all commands over time, of the
// latency kind the run reports first.
func (t *timeline) latency(kind latencyKind) []series {
	out := make([]series, len(latencyPercentiles))
	colors := []int{0, 1, 3}
	for i, p := range latencyPercentiles {
		out[i] = series{name: "p" + percentileName(p), color: palette[colors[i]]}
	}
	for i, iv := range t.ivs {
		all := t.all[i]
		if all.Count == 0 {
			continue
		}
		h := all.Service
		if kind.key == results.LatencyResponse {
			h = all.Response
		}
		vs := h.ValueAtPercentilesSlice(latencyPercentiles)
		for i := range latencyPercentiles {
			out[i].points = append(out[i].points, plotter.XY{X: t.mid(iv), Y: float64(vs[i]) / 1000})
		}
	}
	return out
}

// redirects returns the MOVED and ASK replies per second that a cluster
// client followed to another shard, over time; nil when there were none.
func (t *timeline) redirects() []series {
	var out []series
	for _, class := range []results.ErrorClass{results.ErrMoved, results.ErrAsk} {
		s := series{name: strings.ToUpper(string(class)) + " redirects", color: errorColor(class), width: 1.5}
		if t.fillRates(&s, func(i int) int64 { return t.all[i].Redirects[class] }) {
			out = append(out, s)
		}
	}
	return out
}

// lateStartsSeries names the late starts on the errors chart.
const lateStartsSeries = "late starts"

// errors returns failed operations per second by class, and late starts
// per second, over time; nil when nothing failed and nothing was late.
func (t *timeline) errors() []series {
	var out []series
	for _, class := range results.ErrorClasses {
		s := series{name: string(class), color: errorColor(class)}
		if t.fillRates(&s, func(i int) int64 { return t.all[i].Errors[class] }) {
			out = append(out, s)
		}
	}
	late := series{name: lateStartsSeries, color: palette[8], dashed: true}
	if t.fillRates(&late, func(i int) int64 { return t.ivs[i].LateStarts }) {
		out = append(out, late)
	}
	return out
}

// fillRates gives s a point per interval: count(i), the count of interval
// i, per second. It reports whether any count was above zero, so that
// charts leave out what never happened.
func (t *timeline) fillRates(s *series, count func(i int) int64) bool {
	var total int64
	for i, iv := range t.ivs {
		n := count(i)
		total += n
		s.points = append(s.points, plotter.XY{X: t.mid(iv), Y: perSecond(n, iv)})
	}
	return total > 0
}

// eventLabels name the kinds of event in the charts' legends.
var eventLabels = map[string]string{
	results.EventReauth:       "re-AUTH",
	results.EventTokenRefresh: "token refresh",
	results.EventReconnect:    "reconnect",
	results.EventTopology:     "topology change",
	results.EventError:        "error",
	results.EventPhase:        "phase",
	results.EventWarning:      "warning",
	results.EventReplyWait:    "reply wait",
}

func eventLabel(kind string) string {
	if l, ok := eventLabels[kind]; ok {
		return l
	}
	return kind
}

// markers returns the run's events as moments on the timeline, and the
// start of each phase of a staircase when no event marks it.
func (t *timeline) markers(events []*results.Event) []marker {
	var out []marker
	phaseEvents := false
	for _, e := range events {
		phaseEvents = phaseEvents || e.Kind == results.EventPhase
		out = append(out, marker{x: t.seconds(e.Time), label: eventLabel(e.Kind), color: eventColor(e.Kind)})
	}
	if !phaseEvents {
		prev := ""
		for i, iv := range t.ivs {
			if iv.Measured() && iv.Phase != prev && (i > 0 || iv.Phase != "") {
				out = append(out, marker{x: t.seconds(iv.Start), label: eventLabel(results.EventPhase), color: eventColor(results.EventPhase)})
			}
			if iv.Measured() {
				prev = iv.Phase
			}
		}
	}
	return out
}
