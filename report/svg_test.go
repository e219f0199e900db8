package report

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// svgNode is an element of a chart's SVG, as the tests read it back.
type svgNode struct {
	Name string
	Attr map[string]string
	Text string
	Kids []*svgNode
}

// parseSVG reads one SVG document.
func parseSVG(t *testing.T, doc string) *svgNode {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(doc))
	var stack []*svgNode
	var root *svgNode
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("the chart is not well-formed SVG: %v\n%.400s", err, doc)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			n := &svgNode{Name: tok.Name.Local, Attr: map[string]string{}}
			for _, a := range tok.Attr {
				n.Attr[a.Name.Local] = a.Value
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.Kids = append(p.Kids, n)
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].Text += string(tok)
			}
		}
	}
	return root
}

// find returns the nodes under n (n included) that match.
func (n *svgNode) find(match func(*svgNode) bool) []*svgNode {
	var out []*svgNode
	var walk func(*svgNode)
	walk = func(x *svgNode) {
		if match(x) {
			out = append(out, x)
		}
		for _, k := range x.Kids {
			walk(k)
		}
	}
	walk(n)
	return out
}

// hasClass reports whether the node's class list holds c.
func (n *svgNode) hasClass(c string) bool {
	for _, f := range strings.Fields(n.Attr["class"]) {
		if f == c {
			return true
		}
	}
	return false
}

func byClass(c string) func(*svgNode) bool { return func(n *svgNode) bool { return n.hasClass(c) } }

// number reads a numeric attribute.
func (n *svgNode) number(t *testing.T, attr string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(n.Attr[attr], 64)
	if err != nil {
		t.Fatalf("<%s class=%q>: attribute %s=%q is not a number", n.Name, n.Attr["class"], attr, n.Attr[attr])
	}
	return v
}

var figureSVG = regexp.MustCompile(`(?s)<figure class="chart" id="([^"]+)">\s*(<svg.*?</svg>)`)

// pageCharts returns a page's charts by id, parsed, in page order.
func pageCharts(t *testing.T, page []byte) (map[string]*svgNode, []string) {
	t.Helper()
	charts := map[string]*svgNode{}
	var order []string
	for _, m := range figureSVG.FindAllSubmatch(page, -1) {
		id := string(m[1])
		charts[id] = parseSVG(t, string(m[2]))
		order = append(order, id)
	}
	return charts, order
}

// hoverModel is a chart's data-hover, as the page's script reads it.
type testHoverModel struct {
	X, Y struct {
		A, B, O, L float64
		Log        bool
		U          string
	}
	S []struct {
		N string
		U string
		R float64
		P [][2]float64
		G [][3]float64
	}
}

func hoverOf(t *testing.T, svg *svgNode) testHoverModel {
	t.Helper()
	var m testHoverModel
	if err := json.Unmarshal([]byte(svg.Attr["data-hover"]), &m); err != nil {
		t.Fatalf("chart %q: data-hover: %v", svg.Attr["aria-label"], err)
	}
	return m
}

// series returns the chart's hover series by name.
func (m testHoverModel) series(name string) (int, bool) {
	for i, s := range m.S {
		if s.N == name {
			return i, true
		}
	}
	return 0, false
}

// logFit reports how far the ticks' pixel positions are from a straight
// line in log10 of their values (logarithmic) and in their values (linear),
// as the largest relative deviation of the pixels per unit between pairs of
// neighbouring ticks.
func logFit(ticks [][2]float64) (logDev, linDev float64) {
	dev := func(f func(float64) float64) float64 {
		var rates []float64
		for i := 1; i < len(ticks); i++ {
			rates = append(rates, (ticks[i][1]-ticks[i-1][1])/(f(ticks[i][0])-f(ticks[i-1][0])))
		}
		worst := 0.0
		for _, r := range rates {
			worst = math.Max(worst, math.Abs(r/rates[0]-1))
		}
		return worst
	}
	return dev(math.Log10), dev(func(v float64) float64 { return v })
}
