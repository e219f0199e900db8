package report

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/amrbench/amrbench/report/chart"
	"github.com/amrbench/amrbench/results"
)

// OverlayRun is one run drawn on the shared axes of OverlayCharts.
type OverlayRun struct {
	// Letter is the run's short name ("A", "B", ...) and the key of its
	// series; Name its label.
	Letter, Name string
	// Source is the file or directory the run was read from, named in
	// errors.
	Source string
	// Header says which latency the run reports first.
	Header *results.Header
	// Run is the run itself.
	Run *results.Run
}

// OverlayCharts draws runs on shared axes: their percentile spectra, their
// steps' p99 against achieved rate when any ran a staircase or search, and
// their throughput and p99 over time, each run from the start of its
// measured window. command limits the charts to one command; empty or ALL:
// all commands. The charts go into a Page (WritePage).
func OverlayCharts(runs []OverlayRun, command string) ([]PageChart, error) {
	what := "all commands"
	if command != "" && command != results.AllCommands {
		what = command
	}
	var spectra, tput, p99, stepSeries []chart.Series
	var rates []float64
	var objectives []string
	end := 0.0
	for i, r := range runs {
		name := r.Letter + " " + r.Name
		color := palette[i%len(palette)]
		kind := latencyKinds(r.Header)[0]
		run := onlyCommand(r.Run, command)
		totals, _, err := results.Totals(run.Intervals)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", r.Source, err)
		}
		hist := totals[results.AllCommands].Service
		if kind.key == results.LatencyResponse {
			hist = totals[results.AllCommands].Response
		}
		spectra = append(spectra, chart.Series{Name: name + " (" + kind.key + " time)", Key: r.Letter, Points: spectrumPoints(hist), Color: color, Width: 2})
		tl, err := newTimeline(run)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", r.Source, err)
		}
		end = max(end, tl.end)
		for _, s := range tl.throughput() {
			if s.Name == results.AllCommands {
				tput = append(tput, chart.Series{Name: name, Key: r.Letter, Points: measuredOnly(s.Points), Color: color, Width: 1.75})
			}
		}
		p99 = append(p99, chart.Series{Name: name + " (" + kind.key + " time)", Key: r.Letter, Points: measuredOnly(tl.latency(kind.key)[1].Points), Color: color, Width: 1.75})
		sum, err := run.Summarize()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", r.Source, err)
		}
		points, res, err := stepPoints(run, sum)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", r.Source, err)
		}
		if points != nil {
			s := chart.Series{Name: name + " p99", Key: r.Letter, Color: color, Width: 1.75, Dots: true, Unit: chart.UnitMillis}
			slices.SortStableFunc(points, func(a, b stepPoint) int { return cmp.Compare(a.step.AchievedRate, b.step.AchievedRate) })
			for _, p := range points {
				rates = append(rates, p.step.AchievedRate)
				if p.measured {
					s.Points = append(s.Points, chart.Point{X: p.step.AchievedRate, Y: float64(p.latency[1]) / 1000, Hollow: p.judged && !p.step.Met, Tip: r.Letter + " " + stepPointTip(p, 99)})
				}
			}
			stepSeries = append(stepSeries, s)
			for _, o := range res.Objectives {
				if !slices.Contains(objectives, o) {
					objectives = append(objectives, o)
				}
			}
		}
	}
	var page chartList
	title := "Latency by percentile"
	if err := page.add("chart-percentiles", title, captionSpectrum+" Each run's curve is of "+what+", in the latency it reports first (response time for an open loop).", spectrumChart("chart-percentiles", title, spectra)); err != nil {
		return nil, err
	}
	if len(stepSeries) > 0 {
		var rules []chart.Rule
		parsed, _ := results.ParseObjectives(objectives)
		for _, o := range parsed {
			rules = append(rules, chart.Rule{Y: float64(o.Limit) / 1e6, Label: "SLO " + o.String(), Color: colorObjective, Key: "slo"})
		}
		rc := &chart.Chart{
			ID: "chart-rate-latency", Title: "p99 against achieved rate", Kind: "rate-latency",
			X:      rateAxis(rates),
			Y:      latencyAxis("p99 response time (logarithmic)"),
			Series: stepSeries, Rules: rules,
			Legend: []chart.LegendEntry{{Name: "met", Color: "#666", Dot: true}, {Name: "failed", Color: "#666", Hollow: true}},
		}
		if err := page.add("chart-rate-latency", rc.Title, "Each step of the runs that ran a staircase or search: its achieved rate against the p99 of all its operations' response time. Filled points met every objective of their run, rings failed one.", rc); err != nil {
			return nil, err
		}
	}
	axis := chart.NewTimeAxis(0, end, "into each run's measured window")
	tc := &timeCharts{axis: axis}
	tchart := tc.chart("chart-throughput", "Throughput", chart.Axis{Title: "operations per second", Unit: chart.UnitRate, FromZero: true}, tput)
	if err := page.add("chart-throughput", "Throughput over time", "Operations per second of "+what+" in each interval, each run from the start of its measured window.", tchart); err != nil {
		return nil, err
	}
	lchart := tc.chart("chart-latency", "p99 over time", latencyAxis("latency (logarithmic)"), p99)
	if err := page.add("chart-latency", "p99 over time", "The 99th percentile of "+what+" in each interval, each from the interval's histogram, on a logarithmic axis.", lchart); err != nil {
		return nil, err
	}
	return page.charts, nil
}

// measuredOnly drops the warmup (x < 0) from a series: runs compare on their
// measured windows.
func measuredOnly(pts []chart.Point) []chart.Point {
	var out []chart.Point
	for _, p := range pts {
		if p.X >= 0 {
			out = append(out, p)
		}
	}
	return out
}
