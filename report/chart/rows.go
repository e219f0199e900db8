package chart

import (
	"fmt"
	"math"
)

// Rows is a chart of one row per category (the shards of a cluster): a bar
// from zero for each row, or dots on a shared value axis joined by a thin
// line (a row's percentiles, on a logarithmic axis where a bar from zero
// would be meaningless).
type Rows struct {
	ID, Title string
	Labels    []string
	X         Axis
	// Bars gives row i a bar of length Bars[i], coloured BarColor, with
	// BarText[i] written after it.
	Bars     []float64
	BarColor string
	BarText  []string
	// Dots are series whose Points[i].X is row i's value (Y is unused).
	Dots []Series
	// Tips say what hovering each row shows.
	Tips []string
}

// rowHeight is the height of a row.
const rowHeight = 30

// SVG renders the chart.
func (r *Rows) SVG() ([]byte, error) {
	if len(r.Labels) == 0 {
		return nil, fmt.Errorf("chart %q: %w", r.Title, ErrNothingToDraw)
	}
	x := r.X
	if !x.fitted() {
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, v := range r.Bars {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
		for _, s := range r.Dots {
			for _, p := range s.Points {
				if !math.IsNaN(p.X) && (!x.Log || p.X > 0) {
					lo, hi = math.Min(lo, p.X), math.Max(hi, p.X)
				}
			}
		}
		if len(r.Bars) > 0 && !x.Log {
			lo = 0
			hi *= 1.18 // room for the text after the longest bar
		}
		x.fit(lo, hi)
	}
	labelWidth := 0.0
	for _, l := range r.Labels {
		labelWidth = math.Max(labelWidth, textWidth(l, 12))
	}
	var legend []LegendEntry
	for _, s := range r.Dots {
		legend = append(legend, LegendEntry{Name: s.Name, Color: s.Color, Dot: true})
	}
	rows := layoutLegend(legend)
	top := 30.0
	if len(rows) > 0 {
		top = 26 + 18*float64(len(rows)) + 6
	}
	left := math.Max(PlotLeft, labelWidth+20)
	y := Axis{Min: 0, Max: 1}
	p := plotArea{left: left, top: top, width: Width - left - PlotRight, height: rowHeight * float64(len(r.Labels)), x: &x, y: &y}
	height := p.top + p.height + 40
	scale := "linear"
	if x.Log {
		scale = "log"
	}
	w := &svgWriter{}
	w.printf(`<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 %d %s" width="%d" height="%s" role="img" aria-label="%s" data-kind="rows" data-x-min="%s" data-x-max="%s" data-x-scale="%s" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, 'Liberation Sans', Arial, sans-serif" font-size="12">`+"\n",
		Width, num(height), Width, num(height), esc(r.Title), val(x.Min), val(x.Max), scale)
	w.printf(`<text class="title" x="12" y="19" font-size="14" font-weight="600" fill="#222">%s</text>`+"\n", esc(r.Title))
	drawLegend(w, rows)
	w.printf(`<rect class="plot-area" x="%s" y="%s" width="%s" height="%s" fill="#fff"/>`+"\n", num(p.left), num(p.top), num(p.width), num(p.height))
	w.printf(`<g class="grid" stroke="#ececec" stroke-width="1">` + "\n")
	for _, t := range x.ticks() {
		if t.Label != "" {
			px := p.px(t.Value)
			w.printf(`<line x1="%s" x2="%s" y1="%s" y2="%s"/>`+"\n", num(px), num(px), num(p.top), num(p.top+p.height))
		}
	}
	w.printf("</g>\n")
	for i, label := range r.Labels {
		cy := p.top + rowHeight*(float64(i)+0.5)
		if i%2 == 1 {
			w.printf(`<rect x="%s" y="%s" width="%s" height="%d" fill="#f7f7f7" opacity="0.6"/>`+"\n", num(p.left), num(cy-rowHeight/2), num(p.width), rowHeight)
		}
		w.printf(`<text class="row-label" x="%s" y="%s" text-anchor="end" fill="#333">%s</text>`+"\n", num(p.left-10), num(cy+4), esc(label))
		if i < len(r.Bars) {
			x1 := p.px(r.Bars[i])
			w.printf(`<rect class="bar" data-row="%d" data-value="%s" x="%s" y="%s" width="%s" height="18" fill="%s"/>`+"\n",
				i, val(r.Bars[i]), num(p.left), num(cy-9), num(math.Max(0, x1-p.left)), esc(r.BarColor))
			if i < len(r.BarText) {
				w.printf(`<text x="%s" y="%s" font-size="11.5" fill="#333">%s</text>`+"\n", num(x1+6), num(cy+4), esc(r.BarText[i]))
			}
		}
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, s := range r.Dots {
			if i < len(s.Points) {
				if px := p.px(s.Points[i].X); !math.IsNaN(px) {
					lo, hi = math.Min(lo, px), math.Max(hi, px)
				}
			}
		}
		if hi > lo {
			w.printf(`<line x1="%s" x2="%s" y1="%s" y2="%s" stroke="#bbb" stroke-width="2"/>`+"\n", num(lo), num(hi), num(cy), num(cy))
		}
		for _, s := range r.Dots {
			if i >= len(s.Points) {
				continue
			}
			px := p.px(s.Points[i].X)
			if math.IsNaN(px) {
				continue
			}
			w.printf(`<circle class="point" data-series="%s" data-row="%d" data-x="%s" cx="%s" cy="%s" r="5.5" fill="%s" stroke="#fff" stroke-width="1"/>`+"\n",
				esc(s.key()), i, val(s.Points[i].X), num(px), num(cy), esc(s.Color))
		}
		if i < len(r.Tips) && r.Tips[i] != "" {
			w.printf(`<rect class="row-hit" x="%s" y="%s" width="%s" height="%d" fill="transparent" data-tip="%s"/>`+"\n",
				num(p.left), num(cy-rowHeight/2), num(p.width), rowHeight, esc(r.Tips[i]))
		}
	}
	p.drawAxes(w, nil, false)
	w.printf("</svg>")
	return []byte(w.String()), w.err
}
