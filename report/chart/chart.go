package chart

import (
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Width is the width of every chart in CSS pixels (its viewBox); pages show
// charts at this size or scale them down to the screen.
const Width = 960

// The plot area of every chart with a value axis begins PlotLeft pixels from
// the left and ends PlotRight pixels from the right: time charts line up.
const (
	PlotLeft  = 74
	PlotRight = 24
)

// DefaultPlotHeight is the height of a chart's plot area when it sets none.
const DefaultPlotHeight = 200

// Point is one value of a series. A point whose Y is NaN breaks the line: a
// gap, where nothing was measured, is not drawn as a zero.
type Point struct {
	X, Y float64
	// Tip is what hovering the point shows, on a series drawn with Dots.
	Tip string
	// Hollow draws the point's dot as a ring (for example a failed step).
	Hollow bool
}

// Gap returns a point that breaks a line at x.
func Gap(x float64) Point { return Point{X: x, Y: math.NaN()} }

// Series is one line of a chart.
type Series struct {
	// Name is the series' name in the legend and the hover box.
	Name string
	// Key identifies the series in the SVG (data-series); Name when empty.
	Key    string
	Color  string
	Points []Point
	Dashed bool
	// Width is the line's width in pixels; 0 is 1.75.
	Width float64
	// Hold says each value lasts from its point to the next (a step line
	// such as a target rate given at the start and end of each step): the
	// hover box reads the segment under the pointer.
	Hold bool
	// Dots marks each point with a dot that hovering explains (Point.Tip).
	Dots bool
	// NoLine draws the dots alone.
	NoLine bool
	// Unit writes the series' values in the hover box; the y axis's unit when
	// empty.
	Unit Unit
}

func (s *Series) key() string {
	if s.Key != "" {
		return s.Key
	}
	return s.Name
}

// drawable reports whether the series has a point to draw on y.
func (s *Series) drawable(y *Axis) bool {
	for _, p := range s.Points {
		if !math.IsNaN(p.Y) && !math.IsInf(p.Y, 0) && (!y.Log || p.Y > 0) {
			return true
		}
	}
	return false
}

// Band shades a span of the x axis: the warmup, a step of a staircase.
type Band struct {
	From, To float64
	// Label is written in the band when it fits.
	Label string
	Fill  string
	// Key identifies the band in the SVG (data-band).
	Key string
	// Tip is what hovering the band shows (in a lane).
	Tip string
}

// Mark is a moment on the x axis: an event, drawn as a vertical line (or,
// in a lane, a small diamond).
type Mark struct {
	X     float64
	Color string
	// Key identifies the mark in the SVG (data-mark).
	Key string
	// Label is written beside the line's top.
	Label  string
	Tip    string
	Dashed bool
}

// Rule is a value on the y axis drawn across the chart: an objective. Its
// label is its legend entry.
type Rule struct {
	Y     float64
	Label string
	Color string
	// Key identifies the rule in the SVG (data-rule).
	Key string
}

// Lane is a row of a chart without a value axis: bands and marks in one
// strip, named at its left (the steps of a run, its events).
type Lane struct {
	Name  string
	Bands []Band
	Marks []Mark
}

// LegendEntry is a legend entry that is not a series.
type LegendEntry struct {
	Name   string
	Color  string
	Dashed bool
	// Dot draws the entry as a dot; Hollow as a ring; Box as a filled square.
	Dot, Hollow, Box bool
}

// Chart is one chart: series on two axes, with shaded bands, marked
// moments, reference lines, or lanes instead of a value axis.
type Chart struct {
	// ID prefixes the ids of the chart's elements (its clip path); unique
	// on a page.
	ID    string
	Title string
	X, Y  Axis
	// Kind names the chart in the SVG (data-kind): "time" for charts on a
	// page's shared time axis.
	Kind   string
	Series []Series
	Bands  []Band
	Marks  []Mark
	Rules  []Rule
	Lanes  []Lane
	// Legend holds entries after the series'.
	Legend []LegendEntry
	// Group makes the hover's crosshair move on every chart of the group
	// at once: the time charts of a page.
	Group string
	// PlotHeight is the plot area's height; DefaultPlotHeight when 0.
	PlotHeight float64
	// HoverValues makes hovering show every series' value at the pointer's
	// x; otherwise only dots and lane items explain themselves.
	HoverValues bool
}

// fittedAxes returns the chart's axes, each fitted to what it will show
// unless it was given its range: the series' points and the marks on x, the
// series and the rules on y (a rate or a count from zero when its data is
// not far from it).
func (c *Chart) fittedAxes(series []Series) (x, y Axis) {
	x, y = c.X, c.Y
	if !x.fitted() {
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, s := range series {
			for _, p := range s.Points {
				if !math.IsNaN(p.Y) && (!x.Log || p.X > 0) {
					lo, hi = math.Min(lo, p.X), math.Max(hi, p.X)
				}
			}
		}
		for _, m := range c.Marks {
			lo, hi = math.Min(lo, m.X), math.Max(hi, m.X)
		}
		x.fit(lo, hi)
	}
	if !y.fitted() && len(c.Lanes) == 0 {
		lo, hi := dataRange(series, &y)
		for _, r := range c.Rules {
			lo, hi = math.Min(lo, r.Y), math.Max(hi, r.Y)
		}
		if !y.Log && lo > 0 && lo < hi/3 {
			lo = 0 // a rate or a count: from zero when the data is not far from it
		}
		y.fit(lo, hi)
	}
	return x, y
}

// laneHeight is the height of a lane.
const laneHeight = 24

// SVG renders the chart. Series with nothing to draw are left out, legend
// and all; a chart with no series, no lanes and no bands is an error.
func (c *Chart) SVG() ([]byte, error) {
	var series []Series
	for _, s := range c.Series {
		if s.drawable(&c.Y) {
			series = append(series, s)
		}
	}
	if len(series) == 0 && len(c.Lanes) == 0 {
		return nil, fmt.Errorf("chart %q: %w", c.Title, ErrNothingToDraw)
	}
	x, y := c.fittedAxes(series)
	w := &svgWriter{}
	legend := c.legendEntries(series)
	rows := layoutLegend(legend)
	top := 30.0
	if len(rows) > 0 {
		top = 26 + 18*float64(len(rows)) + 6
	}
	ph := c.PlotHeight
	if ph == 0 {
		ph = DefaultPlotHeight
	}
	if len(c.Lanes) > 0 {
		ph = laneHeight * float64(len(c.Lanes))
	}
	p := plotArea{left: PlotLeft, top: top, width: Width - PlotLeft - PlotRight, height: ph, x: &x, y: &y}
	height := p.top + p.height + 40
	if x.Title == "" {
		height -= 16
	}
	scale := "linear"
	if y.Log {
		scale = "log"
	}
	w.printf(`<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 %d %s" width="%d" height="%s" role="img" aria-label="%s" data-kind="%s" data-group="%s" data-x-min="%s" data-x-max="%s" data-y-scale="%s" data-y-min="%s" data-y-max="%s" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, 'Liberation Sans', Arial, sans-serif" font-size="12"`,
		Width, num(height), Width, num(height), esc(c.Title), esc(c.Kind), esc(c.Group), val(x.Min), val(x.Max), scale, val(y.Min), val(y.Max))
	if c.HoverValues {
		data, err := c.hoverData(&p, series)
		if err != nil {
			return nil, err
		}
		w.printf(` data-hover="%s"`, esc(string(data)))
	}
	w.printf(">\n")
	w.printf(`<text class="title" x="12" y="19" font-size="14" font-weight="600" fill="#222">%s</text>`+"\n", esc(c.Title))
	drawLegend(w, rows)
	clip := c.ID + "-clip"
	w.printf(`<clipPath id="%s"><rect x="%s" y="%s" width="%s" height="%s"/></clipPath>`+"\n", esc(clip), num(p.left), num(p.top-1), num(p.width), num(p.height+2))
	w.printf(`<rect class="plot-area" x="%s" y="%s" width="%s" height="%s" fill="#fff"/>`+"\n", num(p.left), num(p.top), num(p.width), num(p.height))
	w.printf(`<g clip-path="url(#%s)">`+"\n", esc(clip))
	for _, b := range c.Bands {
		p.drawBand(w, b, p.top, p.height, false)
	}
	if len(c.Lanes) == 0 {
		p.drawGrid(w)
	}
	for i, l := range c.Lanes {
		lt := p.top + float64(i)*laneHeight
		if i > 0 {
			w.printf(`<line x1="%s" x2="%s" y1="%s" y2="%s" stroke="#e6e6e6"/>`+"\n", num(p.left), num(p.left+p.width), num(lt), num(lt))
		}
		for _, b := range l.Bands {
			p.drawBand(w, b, lt+3, laneHeight-6, true)
		}
	}
	for _, m := range c.Marks {
		p.drawMarkLine(w, m)
	}
	for _, r := range c.Rules {
		p.drawRule(w, r)
	}
	for _, s := range series {
		p.drawSeries(w, s)
	}
	w.printf("</g>\n")
	for i, l := range c.Lanes {
		lt := p.top + float64(i)*laneHeight
		for _, m := range l.Marks {
			p.drawLaneMark(w, m, lt+laneHeight/2)
		}
	}
	for _, s := range series {
		if s.Dots {
			p.drawDots(w, s)
		}
	}
	for _, m := range c.Marks {
		p.drawMarkLabel(w, m)
	}
	p.drawAxes(w, c.Lanes, len(c.Lanes) == 0)
	if c.HoverValues {
		w.printf(`<line class="xhair" x1="0" x2="0" y1="%s" y2="%s" stroke="#555" stroke-width="1" visibility="hidden" pointer-events="none"/>`+"\n", num(p.top), num(p.top+p.height))
		w.printf(`<g class="hover-dots" pointer-events="none"></g>` + "\n")
	}
	w.printf("</svg>")
	return []byte(w.String()), w.err
}

// ErrNothingToDraw is returned for a chart without a series to draw.
var ErrNothingToDraw = errors.New("nothing to draw")

// Drawable reports whether the chart would draw anything: a series with a
// value its y axis can show, or a lane.
func (c *Chart) Drawable() bool {
	if len(c.Lanes) > 0 {
		return true
	}
	for i := range c.Series {
		if c.Series[i].drawable(&c.Y) {
			return true
		}
	}
	return false
}

// dataRange returns the lowest and highest y of the series that the axis can
// show.
func dataRange(series []Series, y *Axis) (float64, float64) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range series {
		for _, p := range s.Points {
			if math.IsNaN(p.Y) || math.IsInf(p.Y, 0) || (y.Log && p.Y <= 0) {
				continue
			}
			lo, hi = math.Min(lo, p.Y), math.Max(hi, p.Y)
		}
	}
	return lo, hi
}

// FitY returns the range the y axis of charts with these series would get,
// so that charts meant to be read side by side can share it.
func FitY(y Axis, series ...[]Series) (lo, hi float64) {
	var all []Series
	for _, ss := range series {
		all = append(all, ss...)
	}
	lo, hi = dataRange(all, &y)
	y.fit(lo, hi)
	return y.Min, y.Max
}

// legendEntries names the series, then the reference lines (named in the
// legend rather than on the line, where a label would cover data), then the
// chart's own entries.
func (c *Chart) legendEntries(series []Series) []LegendEntry {
	var out []LegendEntry
	for _, s := range series {
		if s.Name == "" {
			continue
		}
		out = append(out, LegendEntry{Name: s.Name, Color: s.Color, Dashed: s.Dashed, Dot: s.NoLine})
	}
	for _, r := range c.Rules {
		if r.Label != "" {
			out = append(out, LegendEntry{Name: r.Label, Color: r.Color, Dashed: true})
		}
	}
	return append(out, c.Legend...)
}

// legendItem is a laid-out legend entry.
type legendItem struct {
	LegendEntry
	x, y float64
}

// layoutLegend places the entries in rows under the title, left to right.
func layoutLegend(entries []LegendEntry) [][]legendItem {
	var rows [][]legendItem
	var row []legendItem
	x := float64(PlotLeft)
	for _, e := range entries {
		w := 26 + textWidth(e.Name, 12) + 18
		if len(row) > 0 && x+w > Width-PlotRight {
			rows = append(rows, row)
			row, x = nil, PlotLeft
		}
		row = append(row, legendItem{LegendEntry: e, x: x})
		x += w
	}
	if len(row) > 0 {
		rows = append(rows, row)
	}
	for i := range rows {
		for j := range rows[i] {
			rows[i][j].y = 40 + 18*float64(i)
		}
	}
	return rows
}

func drawLegend(w *svgWriter, rows [][]legendItem) {
	if len(rows) == 0 {
		return
	}
	w.printf(`<g class="legend">` + "\n")
	for _, row := range rows {
		for _, it := range row {
			cy := it.y - 4
			w.printf(`<g class="legend-entry" data-name="%s">`, esc(it.Name))
			switch {
			case it.Box:
				w.printf(`<rect x="%s" y="%s" width="18" height="10" fill="%s" stroke="#bbb" stroke-width="0.5"/>`, num(it.x), num(cy-5), esc(it.Color))
			case it.Dot || it.Hollow:
				fill := esc(it.Color)
				if it.Hollow {
					fill = "#fff"
				}
				w.printf(`<circle cx="%s" cy="%s" r="4" fill="%s" stroke="%s" stroke-width="1.5"/>`, num(it.x+9), num(cy), fill, esc(it.Color))
			default:
				w.printf(`<line x1="%s" x2="%s" y1="%s" y2="%s" stroke="%s" stroke-width="2.5"%s/>`, num(it.x), num(it.x+20), num(cy), num(cy), esc(it.Color), dashAttr(it.Dashed))
			}
			w.printf(`<text x="%s" y="%s" fill="#333">%s</text></g>`+"\n", num(it.x+26), num(it.y), esc(it.Name))
		}
	}
	w.printf("</g>\n")
}

func dashAttr(dashed bool) string {
	if dashed {
		return ` stroke-dasharray="6 4"`
	}
	return ""
}

// hoverAxis is an axis as the hover script reads it: its range, where it
// lies in pixels, whether it is logarithmic, its unit.
type hoverAxis struct {
	Min    float64 `json:"a"`
	Max    float64 `json:"b"`
	Origin float64 `json:"o"`
	Length float64 `json:"l"`
	Log    bool    `json:"log,omitempty"`
	Unit   Unit    `json:"u"`
}

type hoverSeries struct {
	Name  string `json:"n"`
	Color string `json:"c"`
	Unit  Unit   `json:"u"`
	// Reach is how far from a point, in x, the pointer may be and still
	// read it.
	Reach  float64      `json:"r,omitempty"`
	Points [][2]float64 `json:"p,omitempty"`
	// Segments of a held series: from x0 to x1 the value is y.
	Segments [][3]float64 `json:"g,omitempty"`
}

type hoverModel struct {
	X      hoverAxis     `json:"x"`
	Y      hoverAxis     `json:"y"`
	Series []hoverSeries `json:"s"`
}

// hoverData is the chart's model for the hover script: the axes and each
// named series' points, gaps left out (nothing is read there), or a held
// series' segments.
func (c *Chart) hoverData(p *plotArea, series []Series) ([]byte, error) {
	m := hoverModel{
		X:      hoverAxis{Min: p.x.Min, Max: p.x.Max, Origin: p.left, Length: p.width, Log: p.x.Log, Unit: p.x.Unit},
		Y:      hoverAxis{Min: p.y.Min, Max: p.y.Max, Origin: p.top + p.height, Length: -p.height, Log: p.y.Log, Unit: p.y.Unit},
		Series: []hoverSeries{},
	}
	for _, s := range series {
		if s.Name == "" {
			continue
		}
		hs := hoverSeries{Name: s.Name, Color: s.Color, Unit: s.Unit}
		if hs.Unit == "" {
			hs.Unit = p.y.Unit
		}
		if s.Hold {
			for i := 0; i+1 < len(s.Points); i++ {
				a, b := s.Points[i], s.Points[i+1]
				if !math.IsNaN(a.Y) && !math.IsNaN(b.Y) && b.X > a.X {
					hs.Segments = append(hs.Segments, [3]float64{round(a.X, 6), round(b.X, 6), round(a.Y, 5)})
				}
			}
			m.Series = append(m.Series, hs)
			continue
		}
		var xs []float64
		for _, pt := range s.Points {
			if math.IsNaN(pt.Y) || math.IsInf(pt.Y, 0) || (p.y.Log && pt.Y <= 0) {
				continue
			}
			hs.Points = append(hs.Points, [2]float64{round(pt.X, 6), round(pt.Y, 5)})
			xs = append(xs, pt.X)
		}
		hs.Reach = reach(xs)
		m.Series = append(m.Series, hs)
	}
	data, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("chart %q: hover data: %w", c.Title, err)
	}
	return data, nil
}

// reach returns how far from a point, in x, the pointer still reads it: a
// little more than half the usual spacing of the points; 0 for no limit.
func reach(xs []float64) float64 {
	if len(xs) < 2 {
		return 0 // one point: read it anywhere
	}
	d := make([]float64, 0, len(xs)-1)
	for i := 1; i < len(xs); i++ {
		d = append(d, xs[i]-xs[i-1])
	}
	slices.Sort(d)
	return round(0.75*d[len(d)/2], 4)
}

// round keeps digits significant digits of v.
func round(v float64, digits int) float64 {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	f, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', digits, 64), 64)
	return f
}

// textWidth estimates the width of s in pixels at the given font size, by
// the widths of DejaVu Sans (what system-ui becomes on a Linux without
// other fonts; most sans-serif fonts are narrower): the legend and labels
// are laid out with it, so it errs on the wide side.
func textWidth(s string, size float64) float64 {
	w := 0.0
	for _, r := range s {
		switch {
		case strings.ContainsRune("iljtf.,:;|!' ()[]", r):
			w += 0.36
		case strings.ContainsRune("mwMW%@", r):
			w += 0.92
		case r >= 'A' && r <= 'Z':
			w += 0.70
		case r >= '0' && r <= '9':
			w += 0.64
		default:
			w += 0.60
		}
	}
	return w * size
}

// num writes a coordinate in pixels, to a hundredth.
func num(v float64) string {
	return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
}

// val writes a value of the data (a data- attribute) to six significant
// digits.
func val(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }

// esc escapes text and attribute values for XML and HTML alike.
func esc(s string) string { return html.EscapeString(s) }

// svgWriter builds an SVG document.
type svgWriter struct {
	strings.Builder
	err error
}

func (w *svgWriter) printf(format string, args ...any) {
	if w.err == nil {
		_, w.err = fmt.Fprintf(w, format, args...)
	}
}
