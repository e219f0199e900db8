package report

import (
	"cmp"
	"fmt"
	"html/template"
	"math"
	"slices"
	"strings"

	"github.com/amrbench/amrbench/internal/units"
	"github.com/amrbench/amrbench/report/chart"
	"github.com/amrbench/amrbench/results"
)

// Charts are inline SVG drawn by the chart package: no library, nothing to
// load, and the page's small hover script reads the values they carry.
// gonum/plot drew them before; it places each plot area by the width of its
// tick labels (so stacked time charts began at different x), writes no data
// a script could read back for hovering, and brought a font and PDF stack
// the page never used.

// palette is Tableau 10: distinct hues that stay apart for colour-blind
// readers and in print.
var palette = []string{
	"#1f77b4", // blue
	"#ff7f0e", // orange
	"#2ca02c", // green
	"#d62728", // red
	"#9467bd", // purple
	"#8c564b", // brown
	"#e377c2", // pink
	"#7f7f7f", // grey
	"#bcbd22", // olive
	"#17becf", // cyan
}

// The report's colours that mean one thing on every chart.
const (
	colorAll        = "#333333" // all commands together
	colorTarget     = "#d62728" // an open loop's target rate
	colorLate       = "#b8860b" // late starts
	colorWarmup     = "#ececec"
	colorStepShade  = "#f3f6fa" // every other step, behind the data
	colorStepPlain  = "#dfe6ef" // a step in the steps lane, not judged
	colorStepMet    = "#cde8c9"
	colorStepFailed = "#f5cdca"
	colorChosen     = "#1a7f37" // the highest rate that met the objectives
	colorObjective  = "#444444" // an objective on a percentile not drawn
)

// commandColor gives each command the same colour on every chart: GET
// blue, SET orange, ALL dark grey, others from the rest of the palette.
func commandColor(name string, i int) string {
	switch name {
	case "GET":
		return palette[0]
	case "SET":
		return palette[1]
	case results.AllCommands:
		return colorAll
	}
	return palette[4+i%6]
}

// percentileColors give each percentile its colour on every latency chart:
// apart from the commands' blue and orange, darker as the tail goes out.
var percentileColors = map[float64]string{
	50:     "#2a9d8f", // teal
	90:     "#8ab17d",
	99:     "#7b4fb8", // purple
	99.9:   "#c2185b", // crimson
	99.99:  "#6d1a36",
	99.999: "#111111",
}

// percentileColor returns a percentile's colour.
func percentileColor(p float64) string {
	if c, ok := percentileColors[p]; ok {
		return c
	}
	return colorObjective
}

// eventColor gives each kind of event its colour on the timelines.
func eventColor(kind string) string {
	switch kind {
	case results.EventReauth:
		return palette[2]
	case results.EventTokenRefresh:
		return palette[9]
	case results.EventReconnect, results.EventError:
		return palette[3]
	case results.EventTopology:
		return palette[4]
	case results.EventWarning:
		return "#e6a100"
	}
	return palette[5]
}

// errorColor gives each error class its colour.
func errorColor(c results.ErrorClass) string {
	for i, class := range results.ErrorClasses {
		if class == c {
			return palette[(i+3)%len(palette)]
		}
	}
	return palette[7]
}

// latencyAxis is the axis of every latency: logarithmic, so that p50 and a
// p99.9 a hundred times slower can both be read.
func latencyAxis(title string) chart.Axis {
	return chart.Axis{Log: true, Title: title, Unit: chart.UnitMillis}
}

// spectrumX maps a percentile to the spectrum's horizontal axis,
// -log10(1 - p/100): 90 % is 1, 99 % is 2, 99.999 % is 5, so that every
// added nine gets as much room as the one before it.
func spectrumX(percentile float64) float64 { return -math.Log10(1 - percentile/100) }

// spectrumMax is the right end of the spectrum's axis: 99.999 %.
const spectrumMax = 5

// spectrumSteps is the number of points per spectrum curve.
const spectrumSteps = 100

// spectrumPoints returns h's latency (ms) at percentiles spread evenly on
// the spectrum's axis from 0 % to 99.999 %.
func spectrumPoints(h *results.Histogram) []chart.Point {
	if h.Empty() {
		return nil
	}
	xs := make([]float64, spectrumSteps+1)
	ps := make([]float64, spectrumSteps+1)
	for i := range xs {
		xs[i] = spectrumMax * float64(i) / spectrumSteps
		ps[i] = 100 * (1 - math.Pow(10, -xs[i]))
	}
	vs := h.ValueAtPercentilesSlice(ps)
	pts := make([]chart.Point, len(xs))
	for i := range xs {
		pts[i] = chart.Point{X: xs[i], Y: float64(vs[i]) / 1000}
	}
	return pts
}

// spectrumTicks label the nines.
var spectrumTicks = func() []chart.Tick {
	ticks := []chart.Tick{{Value: 0, Label: "0%"}}
	for _, p := range []float64{50, 90, 99, 99.9, 99.99, 99.999} {
		ticks = append(ticks, chart.Tick{Value: spectrumX(p), Label: percentileName(p) + "%"})
	}
	for _, p := range []float64{75, 95, 99.5, 99.95, 99.995} {
		ticks = append(ticks, chart.Tick{Value: spectrumX(p)})
	}
	slices.SortFunc(ticks, func(a, b chart.Tick) int { return cmp.Compare(a.Value, b.Value) })
	return ticks
}()

// spectrumChart draws latency against percentile, HdrHistogram's
// percentile spectrum, with a logarithmic percentile axis out to 99.999 %
// and a logarithmic latency axis, so that the median and a tail a hundred
// times slower can both be read.
func spectrumChart(id, title string, curves []chart.Series) *chart.Chart {
	return &chart.Chart{
		ID: id, Title: title, Kind: "spectrum", Series: curves, HoverValues: true,
		X: chart.Axis{Min: 0, Max: spectrumMax, Title: "percentile (logarithmic in 1/(1−p))", Unit: chart.UnitPercentile, Ticks: spectrumTicks},
		Y: latencyAxis("latency (logarithmic)"),
	}
}

// Chart captions say how to read each chart.
const (
	captionSpectrum   = "The latency below which each share of the operations of the measured window completed, read from one HdrHistogram per command holding every operation. The percentile axis is logarithmic in 1/(1−p): 90 %, 99 %, 99.9 %, … each get the same room, so the tail is as visible as the median."
	captionTimeline   = "on the time axis of the charts below. Hover over one for what it was; the charts below mark the same moments."
	captionThroughput = "Operations completed per second in each interval."
	captionLatency    = "Percentiles of all commands in each interval, each from the interval's histogram, on a logarithmic axis."
	captionErrors     = "Failed operations per second in each interval, by class; only the classes that occurred."
	captionLate       = "The share of each interval's operations that were sent later than the late-start threshold after their due time: the client was waiting for replies or short of CPU. Their response times include the wait, so a high share means the response times describe the client as much as the server."
	captionShards     = "Each shard's part of the measured window, from the per-shard counts and histograms, busiest first."
	captionRedirects  = "MOVED and ASK replies per second that the cluster client followed to another shard while slots moved: not failures, but each such operation's latency includes the detour."
	captionRate       = "Each step of the staircase or search as a point: its achieved rate against the percentiles of its response time (logarithmic). Filled points met every objective, rings failed one; dashed lines are the objectives."
)

// timeCaption says what the time charts share.
func timeCaption(text string, tc *timeCharts) string {
	parts := []string{text}
	for _, b := range tc.bands {
		if b.Key == "warmup" {
			parts = append(parts, "Grey: warmup, left out of the statistics.")
			break
		}
	}
	for _, b := range tc.bands {
		if b.Key == "step" {
			parts = append(parts, "Light bands: every other step.")
			break
		}
	}
	if tc.apart {
		parts = append(parts, "Points apart from the lines: an interval after a step that only finished the step's late operations.")
	}
	if len(tc.marks) > 0 {
		parts = append(parts, "Dashed vertical lines: the run's events, named in the events lane above.")
	}
	return strings.Join(parts, " ")
}

// chartList collects a page's charts.
type chartList struct {
	charts []PageChart
}

// svgChart is a chart of package chart: a Chart or Rows.
type svgChart interface{ SVG() ([]byte, error) }

// add renders c and adds it to the page under id, with its title and
// caption; a chart with nothing to draw is left out.
func (l *chartList) add(id, title, caption string, c svgChart) error {
	if d, ok := c.(interface{ Drawable() bool }); ok && !d.Drawable() {
		return nil
	}
	svg, err := c.SVG()
	if err != nil {
		return err
	}
	// The chart package escapes every text it writes into the SVG.
	l.charts = append(l.charts, PageChart{ID: id, Title: title, Caption: caption, SVG: template.HTML(svg)})
	return nil
}

// objectiveRules returns the objectives on the given latency as lines on a
// latency chart, coloured as the percentile they bound.
func objectiveRules(objectives []string, latency string) []chart.Rule {
	parsed, err := results.ParseObjectives(objectives)
	if err != nil {
		return nil
	}
	var out []chart.Rule
	for _, o := range parsed {
		if o.Latency != latency {
			continue
		}
		out = append(out, chart.Rule{Y: float64(o.Limit) / 1e6, Label: "SLO " + o.String(), Color: objectiveColor(o), Key: "slo"})
	}
	return out
}

// objectiveColor is an objective's percentile's colour when the charts draw
// that percentile of all commands, else a neutral dark grey.
func objectiveColor(o results.Objective) string {
	if o.Command == "" && slices.Contains(latencyPercentiles, o.Percentile) {
		return percentileColor(o.Percentile)
	}
	return colorObjective
}

// runCharts draws a run's charts.
func runCharts(run *results.Run, s *results.Summary) ([]PageChart, error) {
	h := run.Header
	kind := latencyKinds(h)[0]
	var page chartList
	totals, _, err := results.Totals(run.Intervals)
	if err != nil {
		return nil, err
	}
	var curves []chart.Series
	for i, name := range results.CommandNames(totals) {
		hist := totals[name].Service
		if kind.key == results.LatencyResponse {
			hist = totals[name].Response
		}
		width := 1.75
		if name == results.AllCommands {
			width = 2.5
		}
		curves = append(curves, chart.Series{Name: name, Points: spectrumPoints(hist), Color: commandColor(name, i), Width: width})
	}
	if h.Mode == results.ModeOpen {
		curves = append(curves, chart.Series{Name: "ALL service time", Key: "ALL-service", Points: spectrumPoints(totals[results.AllCommands].Service), Color: colorAll, Dashed: true, Width: 1.5})
	}
	title := strings.SplitN(kind.title, ",", 2)[0] + " by percentile"
	if err := page.add("chart-percentiles", title, captionSpectrum, spectrumChart("chart-percentiles", title, curves)); err != nil {
		return nil, err
	}
	if err := addRateLatency(&page, run, s); err != nil {
		return nil, err
	}

	tl, err := newTimeline(run)
	if err != nil {
		return nil, err
	}
	var slo *results.SLOResult
	if s != nil {
		slo = s.SLO
	}
	tc := newTimeCharts(tl, run.Events, slo)
	if c := tc.lanesChart(); c != nil {
		if err := page.add("chart-timeline", c.Title, "The run's "+strings.ToLower(c.Title)+" "+captionTimeline, c); err != nil {
			return nil, err
		}
	}
	rate := chart.Axis{Title: "operations per second", Unit: chart.UnitRate, FromZero: true}
	tput := tc.chart("chart-throughput", "Throughput", rate, tl.throughput())
	caption := captionThroughput
	if tl.target().Points != nil {
		caption += " Dashed: the target rate, drawn while load was offered."
	}
	if err := page.add("chart-throughput", "Throughput over time", timeCaption(caption, tc), tput); err != nil {
		return nil, err
	}
	// Response and service time share their axis, so they can be read side
	// by side.
	main := tl.latency(kind.key)
	y := latencyAxis("latency (logarithmic)")
	var service []chart.Series
	if h.Mode == results.ModeOpen {
		service = tl.latency(results.LatencyService)
		y.Min, y.Max = chart.FitY(y, main, service, rulesAsSeries(objectiveRules(h.SLO, results.LatencyResponse)), rulesAsSeries(objectiveRules(h.SLO, results.LatencyService)))
	}
	ltitle := strings.SplitN(kind.title, ",", 2)[0] + " over time"
	lat := tc.chart("chart-latency", ltitle, y, main, objectiveRules(h.SLO, kind.key)...)
	lcaption := captionLatency
	if len(h.SLO) > 0 {
		lcaption += " Dashed: the objectives on this latency."
	}
	if err := page.add("chart-latency", ltitle, timeCaption(lcaption, tc), lat); err != nil {
		return nil, err
	}
	if service != nil {
		svc := tc.chart("chart-service", "Service time over time", y, service, objectiveRules(h.SLO, results.LatencyService)...)
		if err := page.add("chart-service", "Service time over time", timeCaption("Service time, from each operation's actual send to its reply: the server and the network, without the wait for the schedule. On the same axis as the response time above.", tc), svc); err != nil {
			return nil, err
		}
	}
	if errs := tl.errors(); len(errs) > 0 {
		c := tc.chart("chart-errors", "Errors", chart.Axis{Title: "failed operations per second", Unit: chart.UnitRate, FromZero: true}, errs)
		if err := page.add("chart-errors", "Errors over time", timeCaption(captionErrors, tc), c); err != nil {
			return nil, err
		}
	}
	if late, any := tl.lateShare(); any {
		c := tc.chart("chart-late", "Late starts", chart.Axis{Title: "% of operations sent late", Unit: chart.UnitPercent, FromZero: true}, []chart.Series{late})
		if err := page.add("chart-late", "Late starts over time", timeCaption(captionLate, tc), c); err != nil {
			return nil, err
		}
	}
	if reds := tl.redirects(); len(reds) > 0 {
		c := tc.chart("chart-redirects", "Redirects", chart.Axis{Title: "redirects per second", Unit: chart.UnitRate, FromZero: true}, reds)
		if err := page.add("chart-redirects", "Redirects over time", timeCaption(captionRedirects, tc), c); err != nil {
			return nil, err
		}
	}
	if err := addServerCharts(&page, tc, tl, run); err != nil {
		return nil, err
	}
	if s != nil && len(s.Shards) > 0 {
		if err := addShardCharts(&page, run, s); err != nil {
			return nil, err
		}
	}
	return page.charts, nil
}

// rulesAsSeries turns reference lines into points, so that an axis fitted
// to series also holds them.
func rulesAsSeries(rules []chart.Rule) []chart.Series {
	var out []chart.Series
	for _, r := range rules {
		out = append(out, chart.Series{Points: []chart.Point{{X: 0, Y: r.Y}}})
	}
	return out
}

// stepPoint is one step of a staircase, for the rate-latency chart.
type stepPoint struct {
	step     results.SLOStep
	judged   bool
	latency  []int64 // µs at latencyPercentiles, response time of all commands
	measured bool
}

// stepPoints returns the steps of a staircase or search with their response
// times, in the order run; nil for a run of fewer than two steps.
func stepPoints(run *results.Run, s *results.Summary) ([]stepPoint, *results.SLOResult, error) {
	var res *results.SLOResult
	if s != nil {
		res = s.SLO
	}
	if res == nil {
		var err error
		if res, err = results.EvaluateSteps(nil, run.Intervals); err != nil {
			return nil, nil, err
		}
	}
	if len(res.Steps) < 2 {
		return nil, res, nil
	}
	byPhase := map[string][]*results.Interval{}
	for _, iv := range run.Intervals {
		byPhase[iv.Phase] = append(byPhase[iv.Phase], iv)
	}
	var out []stepPoint
	for _, st := range res.Steps {
		totals, _, err := results.Totals(byPhase[st.Phase])
		if err != nil {
			return nil, nil, err
		}
		p := stepPoint{step: st, judged: len(res.Objectives) > 0}
		if all := totals[results.AllCommands]; all.Count > 0 {
			p.latency = all.Response.ValueAtPercentilesSlice(latencyPercentiles)
			p.measured = true
		}
		out = append(out, p)
	}
	return out, res, nil
}

// addRateLatency adds the chart of a staircase's or search's steps: achieved
// rate against p50, p99 and p99.9, the objectives, and the highest rate that
// met them.
func addRateLatency(page *chartList, run *results.Run, s *results.Summary) error {
	points, res, err := stepPoints(run, s)
	if err != nil || points == nil {
		return err
	}
	order := make([]int, len(points))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(points[a].step.AchievedRate, points[b].step.AchievedRate) })
	var series []chart.Series
	for k, p := range latencyPercentiles {
		s := chart.Series{Name: "p" + percentileName(p), Color: percentileColor(p), Width: 1.5, Dots: true, Unit: chart.UnitMillis}
		for _, i := range order {
			pt := points[i]
			if !pt.measured {
				continue
			}
			s.Points = append(s.Points, chart.Point{X: pt.step.AchievedRate, Y: float64(pt.latency[k]) / 1000, Hollow: pt.judged && !pt.step.Met, Tip: stepPointTip(pt, p)})
		}
		series = append(series, s)
	}
	// An objective on something other than these percentiles of all
	// commands' response time gets its own measured series.
	objectives, _ := results.ParseObjectives(res.Objectives)
	var rules []chart.Rule
	for _, o := range objectives {
		rules = append(rules, chart.Rule{Y: float64(o.Limit) / 1e6, Label: "SLO " + o.String(), Color: objectiveColor(o), Key: "slo"})
		if o.Command == "" && o.Latency == results.LatencyResponse && slices.Contains(latencyPercentiles, o.Percentile) {
			continue
		}
		s := chart.Series{Name: o.String() + " (measured)", Key: "objective-" + o.String(), Color: colorObjective, Dashed: true, Width: 1.5, Dots: true, Unit: chart.UnitMillis}
		for _, i := range order {
			pt := points[i]
			if us, ok := pt.step.Measured[o.Text]; ok && us > 0 {
				s.Points = append(s.Points, chart.Point{X: pt.step.AchievedRate, Y: float64(us) / 1000, Hollow: !pt.step.Met, Tip: stepPointTip(pt, -1)})
			}
		}
		series = append(series, s)
	}
	var rates []float64
	for _, p := range points {
		rates = append(rates, p.step.AchievedRate)
	}
	c := &chart.Chart{
		ID: "chart-rate-latency", Title: "Response time against achieved rate", Kind: "rate-latency",
		X:      rateAxis(rates),
		Y:      latencyAxis("response time (logarithmic)"),
		Series: series, Rules: rules,
	}
	caption := captionRate
	if res.MaxRate > 0 {
		for _, p := range points {
			if p.step.Met && p.step.TargetRate == res.MaxRate {
				c.Marks = append(c.Marks, chart.Mark{X: p.step.AchievedRate, Color: colorChosen, Key: "chosen",
					Label: "highest rate meeting " + strings.Join(res.Objectives, " and ") + ": " + units.FormatThroughput(res.MaxRate) + " ops/s"})
				break
			}
		}
		caption += " The green line marks the highest rate that met every objective."
	} else if len(res.Objectives) > 0 {
		caption += " No step met every objective."
	}
	if len(res.Objectives) > 0 {
		c.Legend = append(c.Legend, chart.LegendEntry{Name: "met", Color: "#666", Dot: true}, chart.LegendEntry{Name: "failed", Color: "#666", Hollow: true})
	}
	return page.add("chart-rate-latency", "Response time against achieved rate", caption, c)
}

// rateAxis is the axis of the steps' achieved rates: linear from zero, or
// logarithmic when the rates span more than a factor of 20 (a search that
// halved its way down, or doubled its way up from far below), so the low
// steps are not crowded at the left.
func rateAxis(rates []float64) chart.Axis {
	lo, hi := math.Inf(1), 0.0
	for _, r := range rates {
		if r > 0 {
			lo, hi = math.Min(lo, r), math.Max(hi, r)
		}
	}
	if hi > 0 && hi/lo >= 20 {
		return chart.Axis{Title: "achieved operations per second (each step, logarithmic)", Unit: chart.UnitRate, Log: true}
	}
	return chart.Axis{Title: "achieved operations per second (each step)", Unit: chart.UnitRate, FromZero: true}
}

// stepPointTip says what a point of the rate-latency chart is.
func stepPointTip(p stepPoint, percentile float64) string {
	st := p.step
	name := st.Phase
	if name == "" {
		name = "the run"
	}
	tip := name + "\n"
	if st.TargetRate > 0 {
		tip += "target " + units.FormatThroughput(st.TargetRate) + " ops/s, "
	}
	tip += "achieved " + units.FormatThroughput(st.AchievedRate) + " ops/s"
	if p.measured {
		var parts []string
		for k, q := range latencyPercentiles {
			part := fmt.Sprintf("p%s %s ms", percentileName(q), units.FormatMillis(float64(p.latency[k])))
			if q == percentile {
				part = "▸ " + part
			}
			parts = append(parts, part)
		}
		tip += "\n" + strings.Join(parts, " · ")
	}
	if p.judged {
		if st.Met {
			tip += "\nmet every objective"
		} else {
			tip += "\nfailed"
			for _, o := range sortedKeys(st.Measured) {
				tip += fmt.Sprintf(" · %s measured %s ms", o, units.FormatMillis(float64(st.Measured[o])))
			}
			if st.Errors > 0 {
				tip += " · " + units.Plural(st.Errors, "error")
			}
			if st.TargetRate > 0 && st.AchievedRate < st.TargetRate*(1-results.RateTolerance) {
				tip += " · below its target rate"
			}
		}
	}
	return tip
}

// addShardCharts adds a cluster run's shards: throughput as bars, response
// time percentiles as dots on a logarithmic axis, busiest first.
func addShardCharts(page *chartList, run *results.Run, s *results.Summary) error {
	names := shardNames(s.Shards)
	if len(names) == 0 {
		return nil
	}
	var total int64
	for _, sh := range s.Shards {
		total += sh.Count
	}
	ops := &chart.Rows{ID: "chart-shard-throughput", Title: "Throughput by shard", Labels: names, BarColor: palette[0],
		X: chart.Axis{Title: "operations per second", Unit: chart.UnitRate, FromZero: true}}
	lat := &chart.Rows{ID: "chart-shard-latency", Title: "Response time by shard", Labels: names,
		X: latencyAxis("response time (logarithmic)")}
	dots := make([]chart.Series, len(latencyPercentiles))
	for i, p := range latencyPercentiles {
		dots[i] = chart.Series{Name: "p" + percentileName(p), Color: percentileColor(p)}
	}
	for _, name := range names {
		sh := s.Shards[name]
		share := 100 * float64(sh.Count) / float64(max(total, 1))
		ops.Bars = append(ops.Bars, sh.OpsPerSec)
		ops.BarText = append(ops.BarText, fmt.Sprintf("%s/s · %.1f%%", units.FormatThroughput(sh.OpsPerSec), share))
		ops.Tips = append(ops.Tips, fmt.Sprintf("%s\n%s ops/s, %.1f%% of the operations\n%s", name, units.FormatThroughput(sh.OpsPerSec), share, units.Plural(sh.ErrorCount(), "error")))
		vs := shardHistogram(run, name).ValueAtPercentilesSlice(latencyPercentiles)
		var parts []string
		for i, p := range latencyPercentiles {
			dots[i].Points = append(dots[i].Points, chart.Point{X: float64(vs[i]) / 1000})
			parts = append(parts, fmt.Sprintf("p%s %s ms", percentileName(p), units.FormatMillis(float64(vs[i]))))
		}
		lat.Tips = append(lat.Tips, name+"\n"+strings.Join(parts, " · "))
	}
	lat.Dots = dots
	if err := page.add("chart-shard-throughput", "Throughput by shard", captionShards, ops); err != nil {
		return err
	}
	return page.add("chart-shard-latency", "Response time by shard", captionShards+" Each row runs from p50 to p99.9 on a logarithmic axis.", lat)
}

// shardHistogram returns the response-time histogram of one shard over the
// measured window.
func shardHistogram(run *results.Run, addr string) *results.Histogram {
	h := results.NewHistogram()
	for _, iv := range run.Intervals {
		if ss := iv.Shards[addr]; iv.Measured() && ss != nil {
			_ = h.Add(ss.Response) // the standard geometry: cannot fail
		}
	}
	return h
}
