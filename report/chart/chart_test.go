package chart

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"math"
	"regexp"
	"strings"
	"testing"
)

func TestLinearAxisFit(t *testing.T) {
	tests := []struct {
		name       string
		lo, hi     float64
		unit       Unit
		fromZero   bool
		wantLabels string
		wantMax    float64
	}{
		// A find-max run's throughput: ticks every 20k from zero.
		{"rates", 0, 73727, UnitRate, true, "0 20k 40k 60k 80k", 80000},
		// A value right on a tick gets half a step above it, unlabelled,
		// so a target rate there is not drawn on the edge.
		{"on a tick", 0, 80000, UnitRate, true, "0 20k 40k 60k 80k", 90000},
		// Small counts keep their decimals.
		{"errors per second", 0, 6, UnitRate, true, "0 2 4 6", 7},
		// Millions.
		{"millions", 0, 1.4e6, UnitRate, true, "0 0.5M 1M 1.5M", 1.5e6},
		// Percent.
		{"share", 0, 22.4, UnitPercent, true, "0% 5% 10% 15% 20% 25%", 25},
		// Nothing but zeros still makes an axis.
		{"zeros", 0, 0, UnitRate, true, "0 0.2 0.4 0.6 0.8 1", 1.1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := Axis{Unit: tt.unit, FromZero: tt.fromZero}
			a.fit(tt.lo, tt.hi)
			var labels []string
			for _, tk := range a.ticks() {
				if tk.Label != "" {
					labels = append(labels, tk.Label)
				}
			}
			if got := strings.Join(labels, " "); got != tt.wantLabels || a.Max != tt.wantMax || a.Min != 0 {
				t.Errorf("fit(%g, %g): %g..%g labelled %q, want 0..%g labelled %q", tt.lo, tt.hi, a.Min, a.Max, got, tt.wantMax, tt.wantLabels)
			}
		})
	}
}

func TestLogAxisFit(t *testing.T) {
	tests := []struct {
		name       string
		lo, hi     float64
		wantMin    float64
		wantMax    float64
		wantLabels string
	}{
		// Latencies from 310 µs to 43 ms: 1, 2 and 5 of each decade.
		{"two decades", 0.31, 43.1, 0.2, 50, "200 µs 500 µs 1 ms 2 ms 5 ms 10 ms 20 ms 50 ms"},
		// About a decade: 3 joins in, so the axis is not one label.
		{"a decade", 0.25, 1.9, 0.2, 2, "200 µs 300 µs 500 µs 1 ms 2 ms"},
		// Less than a decade: every whole mantissa is named.
		{"narrow", 0.45, 0.9, 0.4, 1, "400 µs 500 µs 600 µs 700 µs 800 µs 1 ms"},
		// Six decades: only the powers of ten are named.
		{"wide", 0.002, 1500, 0.002, 2000, "10 µs 100 µs 1 ms 10 ms 100 ms 1 s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := Axis{Log: true, Unit: UnitMillis}
			a.fit(tt.lo, tt.hi)
			var labels []string
			for _, tk := range a.ticks() {
				if tk.Label != "" {
					labels = append(labels, tk.Label)
				}
			}
			if math.Abs(a.Min/tt.wantMin-1) > 1e-9 || math.Abs(a.Max/tt.wantMax-1) > 1e-9 || strings.Join(labels, " ") != tt.wantLabels {
				t.Errorf("fit(%g, %g): %g..%g labelled %q, want %g..%g labelled %q", tt.lo, tt.hi, a.Min, a.Max, strings.Join(labels, " "), tt.wantMin, tt.wantMax, tt.wantLabels)
			}
			// Equal ratios are equal distances.
			if d1, d2 := a.pos(1)-a.pos(0.1), a.pos(10)-a.pos(1); math.Abs(d1-d2) > 1e-12 {
				t.Errorf("a decade is %g of the axis below 1 ms and %g above", d1, d2)
			}
		})
	}
	// A value a logarithmic axis cannot show is not a position.
	a := Axis{Log: true, Min: 0.1, Max: 10}
	if p := a.pos(0); !math.IsNaN(p) {
		t.Errorf("position of 0 on a log axis: %g", p)
	}
}

func TestTickLabels(t *testing.T) {
	tests := []struct {
		v, step, span float64
		unit          Unit
		want          string
	}{
		{0.05, 0.01, 1, UnitMillis, "50 µs"},
		{0.5, 0.1, 1, UnitMillis, "500 µs"},
		{2, 1, 1, UnitMillis, "2 ms"},
		{1500, 1000, 1, UnitMillis, "1.5 s"},
		{0, 20000, 80000, UnitRate, "0"},
		{20000, 20000, 80000, UnitRate, "20k"},
		{2500, 500, 20000, UnitRate, "2.5k"},
		{2500, 500, 5000, UnitRate, "2500"},
		{5e5, 5e5, 1.5e6, UnitRate, "0.5M"},
		{800, 200, 1000, UnitCount, "800"},
		{0.25, 0.25, 1, UnitRate, "0.25"},
		{0.5, 0.25, 1, UnitRate, "0.5"},
		{-2, 5, 32, UnitSeconds, "-2"},
		{90, 30, 600, UnitSeconds, "1:30"},
		{5400, 1800, 10000, UnitSeconds, "1:30"},
		{15, 5, 100, UnitPercent, "15%"},
	}
	for _, tt := range tests {
		if got := formatTick(tt.v, tt.step, tt.unit, tt.span); got != tt.want {
			t.Errorf("formatTick(%g, step %g, %s, span %g) = %q, want %q", tt.v, tt.step, tt.unit, tt.span, got, tt.want)
		}
	}
}

// node is an element of a rendered chart.
type node struct {
	name  string
	attrs map[string]string
}

// elements parses an SVG (it must be well-formed XML) into its elements.
func elements(t *testing.T, svg []byte) []node {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(string(svg)))
	var out []node
	for {
		tok, err := d.Token()
		if err != nil {
			if err.Error() == "EOF" {
				return out
			}
			t.Fatalf("not well-formed: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			n := node{name: se.Name.Local, attrs: map[string]string{}}
			for _, a := range se.Attr {
				n.attrs[a.Name.Local] = a.Value
			}
			out = append(out, n)
		}
	}
}

func withClass(ns []node, class string) []node {
	var out []node
	for _, n := range ns {
		for _, c := range strings.Fields(n.attrs["class"]) {
			if c == class {
				out = append(out, n)
			}
		}
	}
	return out
}

// Charts on one time axis have one plot area, whatever their y axes write.
func TestTimeChartsLineUp(t *testing.T) {
	axis := NewTimeAxis(-2, 30, "into the measured window")
	a := axis.Chart("a", "Throughput", Axis{Unit: UnitRate, FromZero: true, Title: "operations per second"})
	a.Series = []Series{{Name: "ALL", Color: "#333", Points: []Point{{X: 0.5, Y: 1.2e6}, {X: 29.5, Y: 1.4e6}}}}
	b := axis.Chart("b", "Latency", Axis{Log: true, Unit: UnitMillis})
	b.Series = []Series{{Name: "p99", Color: "#7b4fb8", Points: []Point{{X: 0.5, Y: 0.002}, {X: 29.5, Y: 1200}}}}
	var areas []map[string]string
	for _, c := range []*Chart{a, b} {
		svg, err := c.SVG()
		if err != nil {
			t.Fatal(err)
		}
		ns := elements(t, svg)
		if ns[0].attrs["data-x-min"] != "-2" || ns[0].attrs["data-x-max"] != "30" {
			t.Errorf("%s: x axis %s..%s, want -2..30", c.Title, ns[0].attrs["data-x-min"], ns[0].attrs["data-x-max"])
		}
		areas = append(areas, withClass(ns, "plot-area")[0].attrs)
	}
	if areas[0]["x"] != areas[1]["x"] || areas[0]["width"] != areas[1]["width"] || areas[0]["x"] != "74" {
		t.Errorf("plot areas at x %s width %s and x %s width %s", areas[0]["x"], areas[0]["width"], areas[1]["x"], areas[1]["width"])
	}
}

func TestGapsAndMissingSeries(t *testing.T) {
	c := NewTimeAxis(0, 10, "").Chart("c", "Throughput & <friends>", Axis{Unit: UnitRate, FromZero: true})
	c.Series = []Series{
		{Name: "ALL", Color: "#333", Points: []Point{{X: 0.5, Y: 10}, {X: 1.5, Y: 12}, Gap(2.5), {X: 3.5, Y: 11}, {X: 4.5, Y: 9}, Gap(5), {X: 5.5, Y: 2}, Gap(6)}},
		{Name: "never measured", Color: "#f00", Points: []Point{Gap(0.5), Gap(1.5)}},
		{Name: "target rate", Color: "#d62728", Hold: true, Points: []Point{{X: 0, Y: 10}, {X: 2, Y: 10}, Gap(2), {X: 3, Y: 12}, {X: 5, Y: 12}}},
	}
	svg, err := c.SVG()
	if err != nil {
		t.Fatal(err)
	}
	ns := elements(t, svg)
	paths := withClass(ns, "series")
	if len(paths) != 2 || paths[0].attrs["data-series"] != "ALL" || paths[1].attrs["data-series"] != "target rate" {
		t.Fatalf("series drawn: %v", paths)
	}
	if n := strings.Count(paths[0].attrs["d"], "M"); n != 2 {
		t.Errorf("a line with one gap is drawn in %d pieces: %s", n, paths[0].attrs["d"])
	}
	if lone := withClass(ns, "lone"); len(lone) != 1 || lone[0].attrs["data-series"] != "ALL" {
		t.Errorf("a point alone between gaps is drawn as %v, want one dot", lone)
	}
	for _, e := range withClass(ns, "legend-entry") {
		if e.attrs["data-name"] == "never measured" {
			t.Error("a series with nothing measured is in the legend")
		}
	}
	if !strings.Contains(string(svg), "Throughput &amp; &lt;friends&gt;") {
		t.Error("the title is not escaped")
	}
	var m hoverModel
	if err := json.Unmarshal([]byte(ns[0].attrs["data-hover"]), &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Series) != 2 || len(m.Series[0].Points) != 5 || m.Series[0].Reach != 0.75 {
		t.Errorf("hover model of ALL: %+v", m.Series)
	}
	want := [][3]float64{{0, 2, 10}, {3, 5, 12}}
	if got := m.Series[1].Segments; len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("target segments %v, want %v: nothing held across the gap", got, want)
	}
	empty := NewTimeAxis(0, 10, "").Chart("e", "Nothing", Axis{})
	empty.Series = []Series{{Name: "never measured", Points: []Point{Gap(1)}}}
	if _, err := empty.SVG(); !errors.Is(err, ErrNothingToDraw) || empty.Drawable() {
		t.Errorf("a chart with nothing to draw: %v, drawable %v", err, empty.Drawable())
	}
}

// The hover script is allowed by its hash and loads nothing.
func TestScript(t *testing.T) {
	if !regexp.MustCompile(`^'sha256-[A-Za-z0-9+/]{43}='$`).MatchString(ScriptHash()) {
		t.Errorf("hash source %s", ScriptHash())
	}
	for _, s := range []string{"fetch(", "XMLHttpRequest", "import(", "innerHTML", "eval(", "src", "href"} {
		if strings.Contains(Script, s) {
			t.Errorf("the script uses %s", s)
		}
	}
	for _, url := range regexp.MustCompile(`https?://[^"]*`).FindAllString(Script, -1) {
		if url != "http://www.w3.org/2000/svg" { // the SVG namespace: a name, never loaded
			t.Errorf("the script names %s", url)
		}
	}
}

// textWidth errs on the wide side of what Chromium measured with
// DejaVu Sans at 12 px, by less than a sixth.
func TestTextWidth(t *testing.T) {
	measured := map[string]float64{"10.0.0.6:6379": 84.2, "SET": 22.5, "p99.9": 34.3, "step met the objectives": 141.9, "A b20-findmax (response time)": 186.8}
	for s, w := range measured {
		if got := textWidth(s, 12); got < w || got > w*1.17 {
			t.Errorf("textWidth(%q) = %.1f, measured %.1f", s, got, w)
		}
	}
}
