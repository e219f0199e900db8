package report

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/amrbench/amrbench/internal/units"
	"github.com/amrbench/amrbench/results"
)

// Charts are drawn by gonum/plot into SVG, which the HTML page carries
// inline: no script, no network, nothing to load.

// Chart sizes, in points (1/72 in); the page scales them to its width.
const (
	chartWidth  = 720
	chartHeight = 270
)

// palette is Tableau 10: distinct hues that stay apart for colour-blind
// readers and in print.
var palette = []color.RGBA{
	{0x1f, 0x77, 0xb4, 0xff}, // blue
	{0xff, 0x7f, 0x0e, 0xff}, // orange
	{0x2c, 0xa0, 0x2c, 0xff}, // green
	{0xd6, 0x27, 0x28, 0xff}, // red
	{0x94, 0x67, 0xbd, 0xff}, // purple
	{0x8c, 0x56, 0x4b, 0xff}, // brown
	{0xe3, 0x77, 0xc2, 0xff}, // pink
	{0x7f, 0x7f, 0x7f, 0xff}, // grey
	{0xbc, 0xbd, 0x22, 0xff}, // olive
	{0x17, 0xbe, 0xcf, 0xff}, // cyan
}

var (
	colorAll    = color.RGBA{0x33, 0x33, 0x33, 0xff}
	colorWarmup = color.RGBA{0xee, 0xee, 0xee, 0xff}
	colorGrid   = color.RGBA{0xe4, 0xe4, 0xe4, 0xff}
)

// commandColor gives each command the same colour on every chart: SET
// orange, GET blue, ALL dark grey, others from the rest of the palette.
func commandColor(name string, i int) color.Color {
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

// eventColor gives each kind of event its colour on the timelines.
func eventColor(kind string) color.Color {
	switch kind {
	case results.EventReauth, results.EventTokenRefresh:
		return palette[2]
	case results.EventReconnect, results.EventError:
		return palette[3]
	case results.EventTopology:
		return palette[4]
	case results.EventPhase:
		return palette[9]
	}
	return palette[5]
}

// errorColor gives each error class its colour.
func errorColor(c results.ErrorClass) color.Color {
	for i, class := range results.ErrorClasses {
		if class == c {
			return palette[(i+3)%len(palette)]
		}
	}
	return palette[7]
}

// series is one line of a chart.
type series struct {
	name   string
	points plotter.XYs
	color  color.Color
	width  vg.Length
	dashed bool
}

// marker is a moment on a timeline: an event, or the start of a phase.
type marker struct {
	x     float64
	label string // the legend's name for its kind
	color color.Color
}

// newPlot returns a plot in the report's style: sans-serif text, light
// grid, legend at the top left.
func newPlot(title, xLabel, yLabel string) *plot.Plot {
	p := plot.New()
	sans := func(size vg.Length) font.Font {
		return font.Font{Typeface: "Liberation", Variant: "Sans", Size: size}
	}
	p.Title.Text = title
	p.Title.TextStyle.Font = sans(12)
	p.Title.Padding = 6
	for _, ax := range []*plot.Axis{&p.X, &p.Y} {
		ax.Label.TextStyle.Font = sans(10)
		ax.Tick.Label.Font = sans(9)
		ax.Color = colorAll
		ax.Tick.Color = colorAll
	}
	p.X.Label.Text, p.Y.Label.Text = xLabel, yLabel
	p.X.Tick.Marker, p.Y.Tick.Marker = niceTicks{}, niceTicks{}
	p.Legend.TextStyle.Font = sans(9)
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.XOffs, p.Legend.YOffs = 8, -4
	p.Legend.ThumbnailWidth = 18
	grid := plotter.NewGrid()
	grid.Vertical.Color, grid.Horizontal.Color = colorGrid, colorGrid
	p.Add(grid)
	return p
}

// addSeries draws each series as a line and names it in the legend.
func addSeries(p *plot.Plot, ss []series) error {
	for _, s := range ss {
		if len(s.points) == 0 {
			continue
		}
		l, err := plotter.NewLine(s.points)
		if err != nil {
			return fmt.Errorf("chart %q, %s: %w", p.Title.Text, s.name, err)
		}
		l.Color = s.color
		l.Width = s.width
		if l.Width == 0 {
			l.Width = 1.5
		}
		if s.dashed {
			l.Dashes = []vg.Length{5, 3}
		}
		p.Add(l)
		if s.name != "" {
			p.Legend.Add(s.name, l)
		}
	}
	return nil
}

// svgOf renders p as an SVG document for inline use: without the XML
// prolog, and with fonts that fall back to the metric-compatible Arial and
// Helvetica, then any sans-serif, when Liberation Sans is not installed.
func svgOf(p *plot.Plot, w, h vg.Length) ([]byte, error) {
	c := vgsvg.New(w, h)
	p.Draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("chart %q: %w", p.Title.Text, err)
	}
	out := buf.String()
	if i := strings.Index(out, "<svg"); i > 0 {
		out = out[i:]
	}
	out = strings.ReplaceAll(out, "font-family:Liberation Sans;", "font-family:'Liberation Sans',Arial,Helvetica,sans-serif;")
	return []byte(out), nil
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
func spectrumPoints(h *results.Histogram) plotter.XYs {
	if h == nil || h.Histogram == nil || h.TotalCount() == 0 {
		return nil
	}
	xs := make([]float64, spectrumSteps+1)
	ps := make([]float64, spectrumSteps+1)
	for i := range xs {
		xs[i] = spectrumMax * float64(i) / spectrumSteps
		ps[i] = 100 * (1 - math.Pow(10, -xs[i]))
	}
	vs := h.ValueAtPercentilesSlice(ps)
	pts := make(plotter.XYs, len(xs))
	for i := range xs {
		pts[i] = plotter.XY{X: xs[i], Y: float64(vs[i]) / 1000}
	}
	return pts
}

// spectrumTicks label the nines.
var spectrumTicks = func() plot.ConstantTicks {
	ticks := plot.ConstantTicks{{Value: 0, Label: "0%"}}
	for _, p := range []float64{50, 90, 99, 99.9, 99.99, 99.999} {
		ticks = append(ticks, plot.Tick{Value: spectrumX(p), Label: percentileName(p) + "%"})
	}
	for _, p := range []float64{75, 95, 99.5, 99.95, 99.995} {
		ticks = append(ticks, plot.Tick{Value: spectrumX(p)})
	}
	return ticks
}()

// spectrumChart draws latency against percentile, HdrHistogram's
// percentile spectrum, with a logarithmic percentile axis out to 99.999 %
// and a logarithmic latency axis, so that the median and a tail a hundred
// times slower can both be read.
func spectrumChart(title string, curves []series) ([]byte, error) {
	p := newPlot(title, "percentile", "latency (ms, logarithmic)")
	p.X.Tick.Marker = spectrumTicks
	lo, hi := math.Inf(1), 0.0
	for _, c := range curves {
		for _, pt := range c.points {
			lo, hi = math.Min(lo, pt.Y), math.Max(hi, pt.Y)
		}
	}
	if hi <= 0 { // nothing was measured: an empty chart with an axis
		lo, hi = 0.1, 1
	}
	lo = math.Max(lo, 0.001) // 1 µs, the histograms' lowest value
	if err := addSeries(p, curves); err != nil {
		return nil, err
	}
	p.X.Min, p.X.Max = 0, spectrumMax
	p.Y.Scale, p.Y.Tick.Marker = plot.LogScale{}, logTicks{}
	// Leave the top of the chart to the legend: the data takes the lower
	// part of the axis's decades.
	share := 1 - 0.06*float64(min(len(curves), 8)) - 0.04
	decades := math.Max(math.Log10(hi/lo), 0.5)
	p.Y.Min = lo / math.Pow(10, 0.05*decades)
	p.Y.Max = lo * math.Pow(10, decades/share)
	return svgOf(p, chartWidth, chartHeight)
}

// logTicks marks 1, 2 and 5 of every decade on a logarithmic axis, with
// unlabelled ticks between them (only 1 is labelled across many decades).
type logTicks struct{}

var _ plot.Ticker = logTicks{}

// Ticks returns the ticks between lo and hi (both above zero).
func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(lo > 0 && hi > lo) {
		return nil
	}
	first, last := int(math.Floor(math.Log10(lo))), int(math.Ceil(math.Log10(hi)))
	labelled := map[int]bool{1: true, 2: true, 5: true}
	if last-first > 4 {
		labelled = map[int]bool{1: true}
	}
	var ticks []plot.Tick
	for e := first; e <= last; e++ {
		mag := math.Pow(10, float64(e))
		for m := 1; m <= 9; m++ {
			v := float64(m) * mag
			if v < lo || v > hi {
				continue
			}
			t := plot.Tick{Value: v}
			if labelled[m] {
				t.Label = strconv.FormatFloat(v, 'f', max(0, -e), 64)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// headroom raises a chart's top so the legend's entries sit above the data.
func headroom(top float64, entries int) float64 {
	if top <= 0 || math.IsInf(top, 0) {
		return 1
	}
	return top * (1.12 + 0.07*float64(min(entries, 8)))
}

// timeChart draws series against seconds from the start of the measured
// window, with warmup shaded and markers (events, phases) drawn as vertical
// lines named in the legend by kind.
func timeChart(title, yLabel string, ss []series, markers []marker, warmupFrom, end float64) ([]byte, error) {
	p := newPlot(title, "seconds into the measured window", yLabel)
	p.Y.Min = 0
	var lines []series
	for _, s := range ss {
		if len(s.points) > 0 {
			lines = append(lines, s)
		}
	}
	if len(lines) == 0 {
		return nil, nil
	}
	// Measure the data first: the markers and the warmup span its height.
	xmin, xmax, ymax := math.Inf(1), math.Inf(-1), 0.0
	for _, s := range lines {
		for _, pt := range s.points {
			xmin, xmax, ymax = math.Min(xmin, pt.X), math.Max(xmax, pt.X), math.Max(ymax, pt.Y)
		}
	}
	named := map[string]bool{}
	for _, s := range lines {
		named[s.name] = true
	}
	legendEntries := len(lines)
	for _, m := range markers {
		if !named[m.label] {
			named[m.label] = true
			legendEntries++
		}
	}
	top := headroom(ymax, legendEntries)
	if warmupFrom < 0 {
		poly, err := plotter.NewPolygon(plotter.XYs{{X: warmupFrom, Y: 0}, {X: 0, Y: 0}, {X: 0, Y: top}, {X: warmupFrom, Y: top}})
		if err != nil {
			return nil, err
		}
		poly.Color, poly.LineStyle.Width = colorWarmup, 0
		p.Add(poly)
		p.Legend.Add("warmup", poly)
		xmin = math.Min(xmin, warmupFrom)
	}
	if err := addSeries(p, lines); err != nil {
		return nil, err
	}
	inLegend := map[string]bool{}
	for _, m := range markers {
		l, err := plotter.NewLine(plotter.XYs{{X: m.x, Y: 0}, {X: m.x, Y: top}})
		if err != nil {
			return nil, err
		}
		l.Color, l.Width, l.Dashes = m.color, 1.2, []vg.Length{3, 2}
		p.Add(l)
		if !inLegend[m.label] {
			inLegend[m.label] = true
			p.Legend.Add(m.label, l)
		}
	}
	p.X.Min, p.X.Max = math.Min(xmin, 0), math.Max(math.Max(xmax, end), xmin+1)
	p.Y.Min, p.Y.Max = 0, top
	return svgOf(p, chartWidth, chartHeight)
}

// bar is one group of bars: a value per name.
type bar struct {
	name   string
	values []float64
	color  color.Color
}

// barChart draws groups of bars side by side, one group per category.
func barChart(title, yLabel string, categories []string, bars []bar) ([]byte, error) {
	p := newPlot(title, "", yLabel)
	width := vg.Length(math.Min(48, 480/float64(max(len(categories)*len(bars), 1))))
	ymax := 0.0
	for i, b := range bars {
		chart, err := plotter.NewBarChart(plotter.Values(b.values), width)
		if err != nil {
			return nil, fmt.Errorf("chart %q, %s: %w", title, b.name, err)
		}
		chart.Color = b.color
		chart.LineStyle.Width = 0
		chart.Offset = width * (vg.Length(i) - vg.Length(len(bars)-1)/2)
		p.Add(chart)
		if len(bars) > 1 {
			p.Legend.Add(b.name, chart)
		}
		for _, v := range b.values {
			ymax = math.Max(ymax, v)
		}
	}
	p.NominalX(categories...)
	p.Y.Min = 0
	p.Y.Max = headroom(ymax, len(bars))
	return svgOf(p, chartWidth, chartHeight)
}

// niceTicks puts five or so labelled ticks on an axis at steps of 1, 2 or 5
// times a power of ten, with unlabelled ticks between them, and writes
// large numbers with thousands separators.
type niceTicks struct{}

var _ plot.Ticker = niceTicks{}

// Ticks returns the ticks between min and max.
func (niceTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) || math.IsInf(hi-lo, 0) {
		return []plot.Tick{{Value: lo, Label: tickLabel(lo, 1)}}
	}
	raw := (hi - lo) / 5
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	minor := step / 5
	if s := step / mag; s == 2 || s == 20 {
		minor = step / 4
	}
	var ticks []plot.Tick
	for i := math.Ceil(lo / minor); i*minor <= hi+minor*1e-9; i++ {
		v := i * minor
		if math.Abs(v) < minor*1e-9 {
			v = 0
		}
		major := math.Abs(math.Remainder(v, step)) < minor*1e-6
		t := plot.Tick{Value: v}
		if major {
			t.Label = tickLabel(v, step)
		}
		ticks = append(ticks, t)
	}
	return ticks
}

// tickLabel writes v with as many decimals as step needs.
func tickLabel(v, step float64) string {
	decimals := 0
	if step < 1 {
		decimals = int(math.Ceil(-math.Log10(step) - 1e-9))
	}
	if decimals == 0 && math.Abs(v) >= 10000 {
		return units.FormatThroughput(v)
	}
	return strconv.FormatFloat(v, 'f', decimals, 64)
}
