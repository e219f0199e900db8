package chart

import (
	"math"
	"strings"
)

// plotArea maps values to pixels.
type plotArea struct {
	left, top, width, height float64
	x, y                     *Axis
}

func (p *plotArea) px(v float64) float64 { return p.left + p.width*p.x.pos(v) }
func (p *plotArea) py(v float64) float64 { return p.top + p.height*(1-p.y.pos(v)) }

func (p *plotArea) drawGrid(w *svgWriter) {
	w.printf(`<g class="grid" stroke="#ececec" stroke-width="1">` + "\n")
	for _, t := range p.y.ticks() {
		if t.Label == "" {
			continue
		}
		y := p.py(t.Value)
		w.printf(`<line x1="%s" x2="%s" y1="%s" y2="%s"/>`+"\n", num(p.left), num(p.left+p.width), num(y), num(y))
	}
	for _, t := range p.x.ticks() {
		if t.Label == "" {
			continue
		}
		x := p.px(t.Value)
		w.printf(`<line x1="%s" x2="%s" y1="%s" y2="%s"/>`+"\n", num(x), num(x), num(p.top), num(p.top+p.height))
	}
	w.printf("</g>\n")
}

// drawAxes draws the x axis, and the y axis (withY) or the lanes' names.
func (p *plotArea) drawAxes(w *svgWriter, lanes []Lane, withY bool) {
	bottom := p.top + p.height
	w.printf(`<g class="axis x" fill="#555" font-size="11" text-anchor="middle">` + "\n")
	w.printf(`<line x1="%s" x2="%s" y1="%s" y2="%s" stroke="#999"/>`+"\n", num(p.left), num(p.left+p.width), num(bottom), num(bottom))
	for _, t := range p.x.ticks() {
		x := p.px(t.Value)
		size := 3.0
		if t.Label != "" {
			size = 5
		}
		w.printf(`<g class="tick" data-value="%s"><line x1="%s" x2="%s" y1="%s" y2="%s" stroke="#999"/>`, val(t.Value), num(x), num(x), num(bottom), num(bottom+size))
		if t.Label != "" {
			w.printf(`<text x="%s" y="%s">%s</text>`, num(x), num(bottom+17), esc(t.Label))
		}
		w.printf("</g>\n")
	}
	if p.x.Title != "" {
		w.printf(`<text class="axis-title" x="%s" y="%s" fill="#666">%s</text>`+"\n", num(p.left+p.width/2), num(bottom+33), esc(p.x.Title))
	}
	w.printf("</g>\n")
	if len(lanes) > 0 {
		w.printf(`<g class="lanes" fill="#444" font-size="11.5" text-anchor="end">` + "\n")
		for i, l := range lanes {
			w.printf(`<text x="%s" y="%s">%s</text>`+"\n", num(p.left-8), num(p.top+float64(i)*laneHeight+laneHeight/2+4), esc(l.Name))
		}
		w.printf("</g>\n")
	}
	if !withY {
		return
	}
	w.printf(`<g class="axis y" fill="#555" font-size="11" text-anchor="end">` + "\n")
	w.printf(`<line x1="%s" x2="%s" y1="%s" y2="%s" stroke="#999"/>`+"\n", num(p.left), num(p.left), num(p.top), num(bottom))
	for _, t := range p.y.ticks() {
		y := p.py(t.Value)
		size := 3.0
		if t.Label != "" {
			size = 5
		}
		w.printf(`<g class="tick" data-value="%s"><line x1="%s" x2="%s" y1="%s" y2="%s" stroke="#999"/>`, val(t.Value), num(p.left-size), num(p.left), num(y), num(y))
		if t.Label != "" {
			w.printf(`<text x="%s" y="%s">%s</text>`, num(p.left-8), num(y+4), esc(t.Label))
		}
		w.printf("</g>\n")
	}
	if p.y.Title != "" {
		cy := p.top + p.height/2
		w.printf(`<text class="axis-title" x="14" y="%s" transform="rotate(-90 14 %s)" text-anchor="middle" fill="#666">%s</text>`+"\n", num(cy), num(cy), esc(p.y.Title))
	}
	w.printf("</g>\n")
}

// clampX keeps a pixel in the plot area.
func (p *plotArea) clampX(x float64) float64 {
	return math.Max(p.left, math.Min(p.left+p.width, x))
}

func (p *plotArea) drawBand(w *svgWriter, b Band, top, height float64, inLane bool) {
	x0, x1 := p.clampX(p.px(b.From)), p.clampX(p.px(b.To))
	if !(x1 > x0) {
		return
	}
	fill := b.Fill
	if fill == "" {
		fill = "#f2f2f2"
	}
	w.printf(`<rect class="band" data-band="%s" x="%s" y="%s" width="%s" height="%s" fill="%s"`, esc(b.Key), num(x0), num(top), num(x1-x0), num(height), esc(fill))
	if inLane {
		w.printf(` stroke="#fff" stroke-width="1"`)
	}
	if b.Tip != "" {
		w.printf(` data-tip="%s"`, esc(b.Tip))
	}
	w.printf("/>\n")
	if b.Label == "" || textWidth(b.Label, 11)+6 > x1-x0 {
		return
	}
	if inLane {
		w.printf(`<text x="%s" y="%s" font-size="11" text-anchor="middle" fill="#222" pointer-events="none">%s</text>`+"\n", num((x0+x1)/2), num(top+height/2+4), esc(b.Label))
		return
	}
	w.printf(`<text x="%s" y="%s" font-size="11" fill="#888">%s</text>`+"\n", num(x0+4), num(top+13), esc(b.Label))
}

func (p *plotArea) drawMarkLine(w *svgWriter, m Mark) {
	x := p.px(m.X)
	if x < p.left-0.5 || x > p.left+p.width+0.5 {
		return
	}
	dash := ` stroke-dasharray="4 3"`
	if !m.Dashed && m.Label != "" {
		dash = ""
	}
	w.printf(`<line class="mark" data-mark="%s" x1="%s" x2="%s" y1="%s" y2="%s" stroke="%s" stroke-width="1.2" opacity="0.8"%s/>`+"\n",
		esc(m.Key), num(x), num(x), num(p.top), num(p.top+p.height), esc(m.Color), dash)
}

func (p *plotArea) drawMarkLabel(w *svgWriter, m Mark) {
	if m.Label == "" {
		return
	}
	x := p.px(m.X)
	anchor, dx := "start", 5.0
	if x+textWidth(m.Label, 11.5)+8 > p.left+p.width {
		anchor, dx = "end", -5
	}
	w.printf(`<text class="mark-label" x="%s" y="%s" font-size="11.5" fill="%s" text-anchor="%s" stroke="#fff" stroke-width="3" paint-order="stroke">%s</text>`+"\n",
		num(x+dx), num(p.top+14), esc(m.Color), anchor, esc(m.Label))
}

func (p *plotArea) drawLaneMark(w *svgWriter, m Mark, cy float64) {
	x := p.px(m.X)
	if x < p.left-0.5 || x > p.left+p.width+0.5 {
		return
	}
	w.printf(`<path class="lane-mark" data-mark="%s" d="M%s %sl6 6l-6 6l-6 -6z" fill="%s" stroke="#fff" stroke-width="1"`, esc(m.Key), num(x), num(cy-6), esc(m.Color))
	if m.Tip != "" {
		w.printf(` data-tip="%s"`, esc(m.Tip))
	}
	w.printf("/>\n")
}

func (p *plotArea) drawRule(w *svgWriter, r Rule) {
	y := p.py(r.Y)
	if math.IsNaN(y) || y < p.top-0.5 || y > p.top+p.height+0.5 {
		return
	}
	w.printf(`<g class="rule" data-rule="%s" data-value="%s" data-label="%s"><line x1="%s" x2="%s" y1="%s" y2="%s" stroke="%s" stroke-width="1.5" stroke-dasharray="6 4"/></g>`+"\n",
		esc(r.Key), val(r.Y), esc(r.Label), num(p.left), num(p.left+p.width), num(y), num(y), esc(r.Color))
}

// drawSeries draws a series as a line broken at its gaps; a point alone
// between two gaps is a dot, so that it shows.
func (p *plotArea) drawSeries(w *svgWriter, s Series) {
	if s.NoLine {
		return
	}
	var pieces [][][2]float64
	var cur [][2]float64
	for _, pt := range s.Points {
		x, y := p.px(pt.X), p.py(pt.Y)
		if math.IsNaN(x+y) || math.IsInf(x+y, 0) {
			if len(cur) > 0 {
				pieces = append(pieces, cur)
			}
			cur = nil
			continue
		}
		cur = append(cur, [2]float64{x, y})
	}
	if len(cur) > 0 {
		pieces = append(pieces, cur)
	}
	width := s.Width
	if width == 0 {
		width = 1.75
	}
	var d strings.Builder
	var lone [][2]float64
	for _, piece := range pieces {
		if len(piece) == 1 {
			lone = append(lone, piece[0])
			continue
		}
		for i, xy := range piece {
			if i == 0 {
				d.WriteString("M")
			} else {
				d.WriteString("L")
			}
			d.WriteString(num(xy[0]) + " " + num(xy[1]))
		}
	}
	if d.Len() > 0 {
		w.printf(`<path class="series" data-series="%s" d="%s" fill="none" stroke="%s" stroke-width="%s" stroke-linejoin="round" stroke-linecap="round"%s/>`+"\n",
			esc(s.key()), d.String(), esc(s.Color), num(width), dashAttr(s.Dashed))
	}
	for _, xy := range lone {
		w.printf(`<circle class="lone" data-series="%s" cx="%s" cy="%s" r="%s" fill="%s"/>`+"\n", esc(s.key()), num(xy[0]), num(xy[1]), num(width+1), esc(s.Color))
	}
}

func (p *plotArea) drawDots(w *svgWriter, s Series) {
	for _, pt := range s.Points {
		x, y := p.px(pt.X), p.py(pt.Y)
		if math.IsNaN(x+y) || math.IsInf(x+y, 0) {
			continue
		}
		fill := esc(s.Color)
		if pt.Hollow {
			fill = "#fff"
		}
		w.printf(`<circle class="point" data-series="%s" data-x="%s" data-y="%s" cx="%s" cy="%s" r="4.5" fill="%s" stroke="%s" stroke-width="2"`,
			esc(s.key()), val(pt.X), val(pt.Y), num(x), num(y), fill, esc(s.Color))
		if pt.Tip != "" {
			w.printf(` data-tip="%s"`, esc(pt.Tip))
		}
		w.printf("/>\n")
	}
}
