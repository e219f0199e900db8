package report

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/amrbench/amrbench/internal/units"
	"github.com/amrbench/amrbench/report/chart"
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
	// warmupFrom and warmupTo are where the warmup begins and ends on the x
	// axis (its last interval may lie past 0 when it finishes the warmup's
	// late operations), both 0 without warmup; end is where the last
	// interval ends.
	warmupFrom, warmupTo, end float64
	// offers is set when the intervals say which offered load (an open
	// loop's target rates): an interval that did not only finished late
	// operations.
	offers bool
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
			t.warmupTo = math.Max(t.warmupTo, t.seconds(iv.End))
		}
		t.end = math.Max(t.end, t.seconds(iv.End))
		t.offers = t.offers || iv.TargetRate > 0
	}
	if t.warmupFrom == 0 {
		t.warmupTo = 0
	}
	return t, nil
}

// placement says how an interval is drawn on the charts over time.
type placement int

const (
	// onLine: a point of the line.
	onLine placement = iota
	// apart: a point of its own, the line broken on both sides: an
	// interval of an open loop that offered no load but finished a step's
	// late operations. Its rate is not the step's, so no line runs from the
	// step down to it, but what it did stays visible.
	apart
	// gap: nothing: a pause between the steps of a search.
	gap
)

func (t *timeline) placement(iv *results.Interval) placement {
	switch {
	case idle(iv):
		return gap
	case t.offers && iv.TargetRate <= 0:
		return apart
	}
	return onLine
}

// place appends a value at x to s as the interval's placement says.
func place(s *chart.Series, p placement, x, y float64) {
	switch p {
	case gap:
		s.Points = append(s.Points, chart.Gap(x))
	case apart:
		s.Points = append(s.Points, chart.Gap(x), chart.Point{X: x, Y: y}, chart.Gap(x))
	default:
		s.Points = append(s.Points, chart.Point{X: x, Y: y})
	}
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

// idle reports whether no load was offered in iv: the pause between two
// steps of a search. Its rates are not zeros but gaps.
func idle(iv *results.Interval) bool { return iv.Phase == results.PhaseIdle }

// rates returns a series of count(i) per second, interval by interval,
// placed as each interval's placement says, and whether any count was above
// zero.
func (t *timeline) rates(s chart.Series, count func(i int) int64) (chart.Series, bool) {
	var total int64
	for i, iv := range t.ivs {
		p := t.placement(iv)
		if p == gap {
			place(&s, p, t.mid(iv), 0)
			continue
		}
		n := count(i)
		total += n
		place(&s, p, t.mid(iv), perSecond(n, iv))
	}
	return s, total > 0
}

// throughput returns operations per second over time: each command when
// there are several, ALL, and the target rate of an open loop.
func (t *timeline) throughput() []chart.Series {
	seen := map[string]bool{}
	for _, iv := range t.ivs {
		for name := range iv.Commands {
			seen[name] = true
		}
	}
	var out []chart.Series
	// One command is all commands: a line of its own would hide under ALL.
	if names := results.CommandNames(seen); len(names) > 1 {
		for i, name := range names {
			s, _ := t.rates(chart.Series{Name: name, Color: commandColor(name, i), Width: 1.5}, func(k int) int64 {
				if cs := t.ivs[k].Commands[name]; cs != nil {
					return cs.Count
				}
				return 0
			})
			out = append(out, s)
		}
	}
	all, _ := t.rates(chart.Series{Name: results.AllCommands, Color: colorAll, Width: 2.25}, func(k int) int64 { return t.all[k].Count })
	out = append(out, all)
	if target := t.target(); len(target.Points) > 0 {
		out = append(out, target)
	}
	return out
}

// target returns the open loop's target rate as a step line: flat over each
// interval that offered load, broken where none was offered (between the
// steps of a search, while a step's late operations drain), so no line runs
// through a pause.
func (t *timeline) target() chart.Series {
	s := chart.Series{Name: "target rate", Key: "target", Color: colorTarget, Dashed: true, Width: 1.75, Hold: true, Unit: chart.UnitRate}
	last := math.NaN()
	for _, iv := range t.ivs {
		from, to := t.seconds(iv.Start), t.seconds(iv.End)
		if iv.TargetRate <= 0 {
			if !math.IsNaN(last) {
				s.Points = append(s.Points, chart.Gap(from))
			}
			last = math.NaN()
			continue
		}
		if iv.TargetRate != last {
			if !math.IsNaN(last) { // a step up or down: a vertical riser
				s.Points = append(s.Points, chart.Point{X: from, Y: last})
			}
			s.Points = append(s.Points, chart.Point{X: from, Y: iv.TargetRate})
		}
		s.Points = append(s.Points, chart.Point{X: to, Y: iv.TargetRate})
		last = iv.TargetRate
	}
	return s
}

// latencyPercentiles are the lines of the latency-over-time chart.
var latencyPercentiles = []float64{50, 99, 99.9}

// latency returns the p50, p99 and p99.9 of all commands over time, of the
// given latency (results.LatencyResponse or LatencyService); an interval in
// which nothing completed is a gap.
func (t *timeline) latency(latency string) []chart.Series {
	out := make([]chart.Series, len(latencyPercentiles))
	for i, p := range latencyPercentiles {
		out[i] = chart.Series{Name: "p" + percentileName(p), Color: percentileColor(p), Width: 1.75}
	}
	for i, iv := range t.ivs {
		all := t.all[i]
		p := t.placement(iv)
		if all.Count == 0 {
			p = gap
		}
		if p == gap {
			for k := range out {
				place(&out[k], gap, t.mid(iv), 0)
			}
			continue
		}
		h := all.Service
		if latency == results.LatencyResponse {
			h = all.Response
		}
		vs := h.ValueAtPercentilesSlice(latencyPercentiles)
		for k := range latencyPercentiles {
			place(&out[k], p, t.mid(iv), float64(vs[k])/1000)
		}
	}
	return out
}

// redirects returns the MOVED and ASK replies per second that a cluster
// client followed to another shard, over time; nil when there were none.
func (t *timeline) redirects() []chart.Series {
	var out []chart.Series
	for _, class := range []results.ErrorClass{results.ErrMoved, results.ErrAsk} {
		s, any := t.rates(chart.Series{Name: strings.ToUpper(string(class)) + " redirects", Color: errorColor(class)}, func(i int) int64 { return t.all[i].Redirects[class] })
		if any {
			out = append(out, s)
		}
	}
	return out
}

// errors returns failed operations per second by class, over time: only the
// classes that occurred; nil when nothing failed.
func (t *timeline) errors() []chart.Series {
	var out []chart.Series
	for _, class := range results.ErrorClasses {
		s, any := t.rates(chart.Series{Name: string(class), Color: errorColor(class)}, func(i int) int64 { return t.all[i].Errors[class] })
		if any {
			out = append(out, s)
		}
	}
	return out
}

// lateShare returns the share of the operations sent in each interval that
// were sent late (open loop), in percent; false when none was.
func (t *timeline) lateShare() (chart.Series, bool) {
	s := chart.Series{Name: "sent late", Key: "late-starts", Color: colorLate, Width: 1.75}
	var late int64
	for i, iv := range t.ivs {
		sent := t.all[i].Count + t.all[i].ErrorCount()
		p := t.placement(iv)
		if sent == 0 {
			p = gap
		}
		if p == gap {
			place(&s, gap, t.mid(iv), 0)
			continue
		}
		late += iv.LateStarts
		place(&s, p, t.mid(iv), 100*math.Min(1, float64(iv.LateStarts)/float64(sent)))
	}
	return s, late > 0
}

// stepSpan is one step of a staircase or search on the timeline.
type stepSpan struct {
	phase    string
	from, to float64
	target   float64
	verdict  *results.SLOStep // nil without objectives
}

// steps returns the run's steps in the order run: the spans of its named
// phases (idle and warmup left out), each with its verdict when the run was
// judged against objectives.
func (t *timeline) steps(slo *results.SLOResult) []stepSpan {
	var out []stepSpan
	for _, iv := range t.ivs {
		if iv.Phase == "" || !iv.Measured() || idle(iv) {
			continue
		}
		if n := len(out); n > 0 && out[n-1].phase == iv.Phase {
			out[n-1].to = t.seconds(iv.End)
			if out[n-1].target == 0 {
				out[n-1].target = iv.TargetRate
			}
			continue
		}
		out = append(out, stepSpan{phase: iv.Phase, from: t.seconds(iv.Start), to: t.seconds(iv.End), target: iv.TargetRate})
	}
	if slo != nil && len(slo.Objectives) > 0 {
		for i := range out {
			for k := range slo.Steps {
				if slo.Steps[k].Phase == out[i].phase {
					out[i].verdict = &slo.Steps[k]
				}
			}
		}
	}
	return out
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
	results.EventConnect:      "connections opened",
}

func eventLabel(kind string) string {
	if l, ok := eventLabels[kind]; ok {
		return l
	}
	return kind
}

// momentary reports whether an event of the kind happens at a moment worth
// marking on the timeline. Phases are drawn as steps; reply-wait is an
// account of the whole run written at its end, connect one of the opening
// before the load.
func momentary(kind string) bool {
	return kind != results.EventPhase && kind != results.EventReplyWait && kind != results.EventConnect
}

// acrossCharts reports whether an event of the kind is also drawn as a line
// across every time chart: what changes the measurements (a reconnect, a
// topology change, re-AUTH on the open connections), not warnings or a new
// token being fetched, which the events lane holds.
func acrossCharts(kind string) bool {
	return momentary(kind) && kind != results.EventWarning && kind != results.EventTokenRefresh
}

// timeAxis returns the page's shared time axis: from the warmup's start (or
// an earlier event) to the last interval's end.
func (t *timeline) timeAxis(events []*results.Event) chart.TimeAxis {
	from, to := math.Min(t.warmupFrom, 0), t.end
	for _, e := range events {
		if momentary(e.Kind) {
			x := t.seconds(e.Time)
			from, to = math.Min(from, x), math.Max(to, x)
		}
	}
	return chart.NewTimeAxis(math.Floor(from*10)/10, to, "into the measured window")
}

// timeCharts draws a page's charts over time, all on one time axis, each
// with the run's warmup and steps shaded and its events marked. Adding a
// chart of another quantity over time (server CPU per shard, memory,
// Azure Monitor series) is one call to chart with series whose points are
// at t.seconds(sample time), then chartList.add; its samples may come at
// their own grain (a minute for Azure Monitor). TestTimeChartsShareOneAxis
// checks every chart of kind "time" on a page.
type timeCharts struct {
	axis  chart.TimeAxis
	bands []chart.Band
	marks []chart.Mark
	lanes []chart.Lane
	// legend explains the lanes' colours.
	legend []chart.LegendEntry
	// apart is set when some interval is drawn apart from the lines.
	apart bool
}

// newTimeCharts prepares the charts over time of a run.
func newTimeCharts(t *timeline, events []*results.Event, slo *results.SLOResult) *timeCharts {
	tc := &timeCharts{axis: t.timeAxis(events)}
	for _, iv := range t.ivs {
		tc.apart = tc.apart || t.placement(iv) == apart
	}
	var stepLane chart.Lane
	if t.warmupFrom < 0 {
		tc.bands = append(tc.bands, chart.Band{From: t.warmupFrom, To: t.warmupTo, Label: "warmup", Fill: colorWarmup, Key: "warmup"})
	}
	steps := t.steps(slo)
	judged := false
	for i, st := range steps {
		if i%2 == 0 {
			tc.bands = append(tc.bands, chart.Band{From: st.from, To: st.to, Fill: colorStepShade, Key: "step"})
		}
		fill, label := colorStepPlain, ""
		if st.target > 0 {
			label = units.FormatRate(st.target)
		}
		if st.verdict != nil {
			judged = true
			if st.verdict.Met {
				fill, label = colorStepMet, label+" ✓"
			} else {
				fill, label = colorStepFailed, label+" ✗"
			}
		}
		stepLane.Bands = append(stepLane.Bands, chart.Band{From: st.from, To: st.to, Label: strings.TrimSpace(label), Fill: fill, Key: "step", Tip: stepTip(st)})
	}
	if len(steps) > 0 {
		stepLane.Name = "steps"
		if t.warmupFrom < 0 {
			stepLane.Bands = append([]chart.Band{{From: t.warmupFrom, To: t.warmupTo, Label: "warmup", Fill: colorWarmup, Key: "warmup", Tip: "warmup: left out of the statistics"}}, stepLane.Bands...)
		}
		tc.lanes = append(tc.lanes, stepLane)
		if judged {
			tc.legend = append(tc.legend, chart.LegendEntry{Name: "step met the objectives", Color: colorStepMet, Box: true},
				chart.LegendEntry{Name: "step failed", Color: colorStepFailed, Box: true})
		}
	}
	eventLane := chart.Lane{Name: "events"}
	kinds := map[string]bool{}
	for _, e := range events {
		if !momentary(e.Kind) {
			continue
		}
		x := t.seconds(e.Time)
		tip := fmt.Sprintf("%s at %s s\n%s", eventLabel(e.Kind), formatSeconds(x), e.Detail)
		if e.Source != "" {
			tip += "\nfrom " + e.Source
		}
		eventLane.Marks = append(eventLane.Marks, chart.Mark{X: x, Color: eventColor(e.Kind), Key: e.Kind, Tip: tip})
		if acrossCharts(e.Kind) {
			tc.marks = append(tc.marks, chart.Mark{X: x, Color: eventColor(e.Kind), Key: e.Kind, Dashed: true})
		}
		if !kinds[e.Kind] {
			kinds[e.Kind] = true
			tc.legend = append(tc.legend, chart.LegendEntry{Name: eventLabel(e.Kind), Color: eventColor(e.Kind), Dot: true})
		}
	}
	if len(eventLane.Marks) > 0 {
		tc.lanes = append(tc.lanes, eventLane)
	}
	return tc
}

// stepTip says what a step was and how it did.
func stepTip(st stepSpan) string {
	tip := fmt.Sprintf("%s\n%s s to %s s", st.phase, formatSeconds(st.from), formatSeconds(st.to))
	if st.target > 0 {
		tip += ", target " + units.FormatThroughput(st.target) + " ops/s"
	}
	if v := st.verdict; v != nil {
		word := "failed"
		if v.Met {
			word = "met"
		}
		tip += fmt.Sprintf("\nachieved %s ops/s; %s the objectives", units.FormatThroughput(v.AchievedRate), word)
		for _, o := range sortedKeys(v.Measured) {
			tip += fmt.Sprintf("\n%s: measured %s ms", o, units.FormatMillis(float64(v.Measured[o])))
		}
		if v.Errors > 0 {
			tip += "\n" + units.Plural(v.Errors, "error")
		}
		if v.LateStarts > 0 {
			tip += fmt.Sprintf("\n%s late starts", units.FormatThroughput(float64(v.LateStarts)))
		}
	}
	return tip
}

func formatSeconds(s float64) string { return fmt.Sprintf("%.1f", s) }

// lanesChart returns the chart of the run's steps and events, nil when it
// has neither.
func (tc *timeCharts) lanesChart() *chart.Chart {
	if len(tc.lanes) == 0 {
		return nil
	}
	var names []string
	for _, l := range tc.lanes {
		names = append(names, upperFirst(l.Name))
	}
	c := tc.axis.Chart("chart-timeline", strings.Join(names, " and "), chart.Axis{})
	c.Lanes, c.Legend = tc.lanes, tc.legend
	c.Bands = nil
	return c
}

// chart returns a chart of series over time on the page's axis, with the
// warmup and the steps shaded and the events marked.
func (tc *timeCharts) chart(id, title string, y chart.Axis, series []chart.Series, rules ...chart.Rule) *chart.Chart {
	c := tc.axis.Chart(id, title, y)
	c.Series, c.Rules = series, rules
	c.Bands, c.Marks = tc.bands, tc.marks
	return c
}
