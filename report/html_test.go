package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"html"
	"math"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/amrbench/amrbench/results"
)

// externalRef finds anything a page would load from elsewhere: a src or
// href that is not a data: URI or a fragment, or a url() in a style that is
// not a fragment (a chart's clip path).
var externalRef = regexp.MustCompile(`(?i)(src|href)\s*=\s*"(?:[a-z][a-z0-9+.-]*:|//)[^"]*"|url\([^#]`)

func renderRun(t *testing.T, fixture string) []byte {
	t.Helper()
	run, sum := readFixture(t, fixture)
	var buf bytes.Buffer
	if err := WriteHTML(&buf, run, sum, HTMLOptions{}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func renderCompare(t *testing.T, fixtures ...string) []byte {
	t.Helper()
	var runs []results.NamedRun
	for _, f := range fixtures {
		run, _ := readFixture(t, f)
		runs = append(runs, results.NamedRun{Name: filepath.Join("testdata", f), Run: run})
	}
	var buf bytes.Buffer
	if err := renderComparison(&buf, runs, "html"); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func chartIDs(page string) []string {
	var ids []string
	for _, m := range regexp.MustCompile(`<figure class="chart" id="([^"]+)">`).FindAllStringSubmatch(page, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

// scriptBody finds the page's inline scripts.
var scriptBody = regexp.MustCompile(`(?s)<script>(.*?)</script>`)

func TestHTMLIsSelfContained(t *testing.T) {
	page := string(renderRun(t, "cluster.jsonl"))
	for _, ref := range externalRef.FindAllString(page, -1) {
		if !strings.HasPrefix(ref, `href="data:`) {
			t.Errorf("the page refers to something outside itself: %s", ref)
		}
	}
	// One inline script, the hover script, allowed by its hash and by
	// nothing else: no other script could run.
	scripts := scriptBody.FindAllStringSubmatch(page, -1)
	if len(scripts) != 1 || strings.Count(strings.ToLower(page), "<script") != 1 {
		t.Fatalf("%d scripts on the page, want the hover script alone", strings.Count(strings.ToLower(page), "<script"))
	}
	sum := sha256.Sum256([]byte(scripts[0][1]))
	hash := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	csp := regexp.MustCompile(`http-equiv="Content-Security-Policy" content="([^"]+)"`).FindStringSubmatch(page)
	if csp == nil {
		t.Fatal("the page has no Content-Security-Policy")
	}
	policy := html.UnescapeString(csp[1])
	if !strings.HasPrefix(policy, "default-src 'none';") || !strings.Contains(policy, "script-src "+hash) ||
		strings.Contains(policy, "unsafe-inline'; img") && strings.Contains(policy, "script-src 'unsafe-inline'") {
		t.Errorf("the policy %q does not forbid loading and allow only the script of hash %s", policy, hash)
	}
	if strings.Contains(scripts[0][1], "fetch(") || strings.Contains(scripts[0][1], "XMLHttpRequest") || strings.Contains(scripts[0][1], "import(") {
		t.Error("the hover script reaches for the network")
	}
	want := []string{"chart-percentiles", "chart-timeline", "chart-throughput", "chart-latency", "chart-errors", "chart-redirects",
		"chart-server-cpu", "chart-server-memory", "chart-server-clients", "chart-azure-load", "chart-azure-memory", "chart-azure-ops", "chart-azure-clients",
		"chart-shard-throughput", "chart-shard-latency"}
	if got := chartIDs(page); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("charts %v, want %v", got, want)
	}
	// The summary's own numbers, the events and the configuration are on it.
	for _, s := range []string{"50,638", "18.031", "10.0.0.6:6379", "topology change", "re-AUTH", "reconnect",
		"slots 10923-16383 moved", "mycache.westeurope.redis.azure.net:10000", "&#34;connections&#34;: 50",
		"MOVED redirects", "Redirects: 552 MOVED and 37 ASK", "Hot shard: the busiest, 10.0.0.6:6379"} {
		if !strings.Contains(page, s) {
			t.Errorf("the page lacks %q", s)
		}
	}
	// An open-loop staircase without a cluster has no shard charts; it has
	// its steps' rate against latency, service time, and late starts in a
	// chart of their own.
	open := string(renderRun(t, "enterprise.jsonl"))
	if got := chartIDs(open); strings.Join(got, ",") != "chart-percentiles,chart-rate-latency,chart-timeline,chart-throughput,chart-latency,chart-service,chart-late" {
		t.Errorf("open-loop charts %v", got)
	}
	if !strings.Contains(open, "Response time by percentile") || !strings.Contains(open, "Late starts") {
		t.Error("the open-loop page does not lead with response time or lacks the late starts")
	}
	// A comparison draws from the comparison's own model: its columns, its
	// noise test, its notes.
	cmp := string(renderCompare(t, "cluster.jsonl", "enterprise.jsonl"))
	if got := chartIDs(cmp); strings.Join(got, ",") != "chart-percentiles,chart-rate-latency,chart-throughput,chart-latency" {
		t.Errorf("comparison charts %v", got)
	}
	for _, s := range []string{"B vs A", "Welch", "A b10-oss", "B b10-enterprise", "50,638"} {
		if !strings.Contains(cmp, s) {
			t.Errorf("the comparison page lacks %q", s)
		}
	}
}

// Every chart over time of a page has the same x range and the same plot
// area, to the pixel: one moment is at one place on all of them.
func TestTimeChartsShareOneAxis(t *testing.T) {
	pages := map[string][]byte{
		"cluster":    renderRun(t, "cluster.jsonl"),
		"enterprise": renderRun(t, "enterprise.jsonl"),
		"findmax":    renderRun(t, "findmax.jsonl"),
		"compare":    renderCompare(t, "findmax.jsonl", "enterprise.jsonl"),
	}
	// The cluster run's server charts (CPU, memory, clients) and Azure
	// Monitor's (load and CPU, memory, operations, clients) share the axis.
	wantTime := map[string]int{"cluster": 12, "enterprise": 5, "findmax": 5, "compare": 2}
	for name, page := range pages {
		charts, order := pageCharts(t, page)
		var first *svgNode
		n := 0
		for _, id := range order {
			c := charts[id]
			if c.Attr["data-kind"] != "time" {
				continue
			}
			n++
			area := c.find(byClass("plot-area"))
			if len(area) != 1 {
				t.Fatalf("%s %s: %d plot areas", name, id, len(area))
			}
			if first == nil {
				first = c
				continue
			}
			a0 := first.find(byClass("plot-area"))[0]
			for _, attr := range []string{"data-x-min", "data-x-max"} {
				if c.Attr[attr] != first.Attr[attr] {
					t.Errorf("%s %s: %s %s, the first time chart's %s", name, id, attr, c.Attr[attr], first.Attr[attr])
				}
			}
			for _, attr := range []string{"x", "width"} {
				if area[0].Attr[attr] != a0.Attr[attr] {
					t.Errorf("%s %s: plot area %s %s px, the first time chart's %s px", name, id, attr, area[0].Attr[attr], a0.Attr[attr])
				}
			}
		}
		if n != wantTime[name] {
			t.Errorf("%s: %d time charts, want %d", name, n, wantTime[name])
		}
	}
	// The axis holds the whole run: the warmup and the last interval.
	run, _ := readFixture(t, "findmax.jsonl")
	charts, _ := pageCharts(t, pages["findmax"])
	last := run.Intervals[len(run.Intervals)-1].End.Sub(run.MeasuredStart()).Seconds()
	tp := charts["chart-throughput"]
	if lo, hi := tp.number(t, "data-x-min"), tp.number(t, "data-x-max"); lo > -2 || hi < last {
		t.Errorf("find-max time axis %g..%g s, the run spans -2..%g s", lo, hi, last)
	}
}

// Latency axes are logarithmic: their ticks lie evenly on log10 of their
// values, not on the values.
func TestLatencyAxesAreLogarithmic(t *testing.T) {
	pages := map[string][]byte{
		"cluster": renderRun(t, "cluster.jsonl"),
		"findmax": renderRun(t, "findmax.jsonl"),
		"compare": renderCompare(t, "findmax.jsonl", "enterprise.jsonl"),
	}
	latency := map[string][]string{
		"cluster": {"chart-percentiles", "chart-latency", "chart-shard-latency"},
		"findmax": {"chart-percentiles", "chart-latency", "chart-service", "chart-rate-latency"},
		"compare": {"chart-percentiles", "chart-latency", "chart-rate-latency"},
	}
	for name, page := range pages {
		charts, _ := pageCharts(t, page)
		for _, id := range latency[name] {
			c := charts[id]
			if c == nil {
				t.Fatalf("%s: no %s", name, id)
			}
			axis, coord := "y", "y1"
			if id == "chart-shard-latency" {
				axis, coord = "x", "x1"
			}
			var ticks [][2]float64
			for _, g := range c.find(func(n *svgNode) bool { return n.hasClass("axis") && n.hasClass(axis) }) {
				for _, tick := range g.find(byClass("tick")) {
					if len(tick.find(func(n *svgNode) bool { return n.Name == "text" })) == 0 {
						continue // unlabelled
					}
					line := tick.find(func(n *svgNode) bool { return n.Name == "line" })[0]
					ticks = append(ticks, [2]float64{tick.number(t, "data-value"), line.number(t, coord)})
				}
			}
			if len(ticks) < 3 {
				t.Fatalf("%s %s: %d labelled ticks", name, id, len(ticks))
			}
			logDev, linDev := logFit(ticks)
			if logDev > 0.01 || linDev < 0.2 {
				t.Errorf("%s %s: ticks %v are not logarithmic (%.3f off a log scale, %.3f off a linear one)", name, id, ticks, logDev, linDev)
			}
		}
	}
	// The check tells the scales apart: throughput is linear.
	charts, _ := pageCharts(t, pages["cluster"])
	var ticks [][2]float64
	for _, g := range charts["chart-throughput"].find(func(n *svgNode) bool { return n.hasClass("axis") && n.hasClass("y") }) {
		for _, tick := range g.find(byClass("tick")) {
			if v := tick.number(t, "data-value"); v > 0 {
				ticks = append(ticks, [2]float64{v, tick.find(func(n *svgNode) bool { return n.Name == "line" })[0].number(t, "y1")})
			}
		}
	}
	if logDev, linDev := logFit(ticks); linDev > 0.01 || logDev < 0.2 {
		t.Errorf("throughput ticks %v read as logarithmic (%.3f off a log scale, %.3f off a linear one)", ticks, logDev, linDev)
	}
}

// stepExpectation is what a step of a fixture measured, computed here from
// its intervals.
type stepExpectation struct {
	phase          string
	achieved       float64
	p50, p99, p999 float64 // ms
}

func fixtureSteps(t *testing.T, run *results.Run) []stepExpectation {
	t.Helper()
	var out []stepExpectation
	index := map[string]int{}
	var groups [][]*results.Interval
	for _, iv := range run.Intervals {
		if iv.Phase == "" || iv.Phase == results.PhaseWarmup || iv.Phase == results.PhaseIdle {
			continue
		}
		i, ok := index[iv.Phase]
		if !ok {
			i = len(groups)
			index[iv.Phase] = i
			groups = append(groups, nil)
			out = append(out, stepExpectation{phase: iv.Phase})
		}
		groups[i] = append(groups[i], iv)
	}
	for i, ivs := range groups {
		h := results.NewHistogram()
		var count int64
		var offered float64
		for _, iv := range ivs {
			for _, cs := range iv.Commands {
				count += cs.Count
				if err := h.Add(cs.Response); err != nil {
					t.Fatal(err)
				}
			}
			if iv.TargetRate > 0 {
				offered += iv.Duration().Seconds()
			}
		}
		out[i].achieved = float64(count) / offered
		out[i].p50 = float64(h.ValueAtPercentile(50)) / 1000
		out[i].p99 = float64(h.ValueAtPercentile(99)) / 1000
		out[i].p999 = float64(h.ValueAtPercentile(99.9)) / 1000
	}
	return out
}

// For a find-max run the page has the chart a capacity test is for: each
// step's achieved rate against its p50, p99 and p99.9, one point per step,
// failed steps hollow, the objective drawn, and the highest rate that met it
// marked.
func TestFindMaxRateLatencyChart(t *testing.T) {
	run, sum := readFixture(t, "findmax.jsonl")
	charts, _ := pageCharts(t, renderRun(t, "findmax.jsonl"))
	c := charts["chart-rate-latency"]
	if c == nil {
		t.Fatal("the find-max page has no rate-latency chart")
	}
	steps := fixtureSteps(t, run)
	if len(steps) != 7 {
		t.Fatalf("the fixture has %d steps, want 7", len(steps))
	}
	failed := map[string]bool{"step 4: 80k ops/s": true, "step 6: 70k ops/s": true}
	for _, series := range []struct {
		key  string
		want func(stepExpectation) float64
	}{{"p50", func(s stepExpectation) float64 { return s.p50 }}, {"p99", func(s stepExpectation) float64 { return s.p99 }}, {"p99.9", func(s stepExpectation) float64 { return s.p999 }}} {
		points := c.find(func(n *svgNode) bool { return n.hasClass("point") && n.Attr["data-series"] == series.key })
		if len(points) != len(steps) {
			t.Fatalf("%s: %d points, want one per step (%d)", series.key, len(points), len(steps))
		}
		for _, st := range steps {
			found := false
			for _, p := range points {
				if !strings.HasPrefix(p.Attr["data-tip"], st.phase+"\n") {
					continue
				}
				found = true
				if x := p.number(t, "data-x"); math.Abs(x-st.achieved) > st.achieved*1e-5 {
					t.Errorf("%s %s: at %g ops/s, the step achieved %g", series.key, st.phase, x, st.achieved)
				}
				if y := p.number(t, "data-y"); math.Abs(y-series.want(st)) > 1e-6 {
					t.Errorf("%s %s: at %g ms, the step's %s is %g ms", series.key, st.phase, y, series.key, series.want(st))
				}
				if hollow := p.Attr["fill"] == "#fff"; hollow != failed[st.phase] {
					t.Errorf("%s %s: hollow %v, failed %v", series.key, st.phase, hollow, failed[st.phase])
				}
			}
			if !found {
				t.Errorf("%s: no point for %s", series.key, st.phase)
			}
		}
	}
	rules := c.find(func(n *svgNode) bool { return n.hasClass("rule") && n.Attr["data-rule"] == "slo" })
	if len(rules) != 1 || rules[0].number(t, "data-value") != 2 || rules[0].Attr["data-label"] != "SLO p99<2ms" {
		t.Fatalf("the objective p99<2ms is not drawn at 2 ms: %d rules", len(rules))
	}
	if len(c.find(func(n *svgNode) bool { return n.hasClass("legend-entry") && n.Attr["data-name"] == "SLO p99<2ms" })) != 1 {
		t.Error("the objective is not in the legend")
	}
	// The rule lies where the axis puts 2 ms.
	area := c.find(byClass("plot-area"))[0]
	lo, hi := c.number(t, "data-y-min"), c.number(t, "data-y-max")
	wantY := area.number(t, "y") + area.number(t, "height")*(1-math.Log10(2/lo)/math.Log10(hi/lo))
	if y := rules[0].find(func(n *svgNode) bool { return n.Name == "line" })[0].number(t, "y1"); math.Abs(y-wantY) > 0.02 {
		t.Errorf("the objective is drawn at y %g px, 2 ms is at %g px", y, wantY)
	}
	// The highest rate that met p99<2ms: 65k ops/s, at the step's achieved rate.
	if sum.SLO.MaxRate != 65000 {
		t.Fatalf("the fixture's highest met rate is %g", sum.SLO.MaxRate)
	}
	chosen := c.find(func(n *svgNode) bool { return n.hasClass("mark") && n.Attr["data-mark"] == "chosen" })
	labels := c.find(byClass("mark-label"))
	if len(chosen) != 1 || len(labels) != 1 || !strings.Contains(labels[0].Text, "65,000 ops/s") {
		t.Fatalf("the chosen rate is not marked: %d marks, %d labels", len(chosen), len(labels))
	}
	var achieved float64
	for _, st := range steps {
		if st.phase == "step 7: 65k ops/s" {
			achieved = st.achieved
		}
	}
	xlo, xhi := c.number(t, "data-x-min"), c.number(t, "data-x-max")
	wantX := area.number(t, "x") + area.number(t, "width")*(achieved-xlo)/(xhi-xlo)
	if x := chosen[0].number(t, "x1"); math.Abs(x-wantX) > 0.02 {
		t.Errorf("the chosen rate is marked at x %g px, its achieved rate is at %g px", x, wantX)
	}
	// The response-time chart over time carries the objective too; the
	// service-time chart does not (p99<2ms is on response time).
	if n := len(charts["chart-latency"].find(func(n *svgNode) bool { return n.hasClass("rule") })); n != 1 {
		t.Errorf("response time over time: %d objective lines, want 1", n)
	}
	if n := len(charts["chart-service"].find(func(n *svgNode) bool { return n.hasClass("rule") })); n != 0 {
		t.Errorf("service time over time: %d objective lines, want 0", n)
	}
}

// The steps are bands named by their rates and verdicts in one lane, not
// unlabelled lines; the pauses between the steps of a search are gaps in
// the throughput, never zeros, and the target rate is drawn only while a
// step offers load.
func TestStepsAreLabelledAndPausesAreGaps(t *testing.T) {
	run, _ := readFixture(t, "findmax.jsonl")
	charts, _ := pageCharts(t, renderRun(t, "findmax.jsonl"))
	lane := charts["chart-timeline"]
	bands := lane.find(func(n *svgNode) bool { return n.hasClass("band") && n.Attr["data-band"] == "step" })
	wantLabels := []string{"10k ✓", "20k ✓", "40k ✓", "80k ✗", "60k ✓", "70k ✗", "65k ✓"}
	if len(bands) != len(wantLabels) {
		t.Fatalf("%d step bands, want %d", len(bands), len(wantLabels))
	}
	texts := lane.find(func(n *svgNode) bool { return n.Name == "text" })
	for i, want := range wantLabels {
		found := false
		for _, tx := range texts {
			found = found || tx.Text == want
		}
		if !found {
			t.Errorf("no step labelled %q", want)
		}
		if !strings.HasPrefix(bands[i].Attr["data-tip"], fmt.Sprintf("step %d: ", i+1)) {
			t.Errorf("band %d explains itself as %q", i, bands[i].Attr["data-tip"])
		}
	}
	for id, c := range charts {
		if n := len(c.find(func(n *svgNode) bool { return n.hasClass("mark") && n.Attr["data-mark"] == results.EventPhase })); n > 0 {
			t.Errorf("%s: %d phase lines", id, n)
		}
	}
	origin := run.MeasuredStart()
	type span struct{ from, to, target float64 }
	var idleSpans, offered []span
	stretches, apart := 0, 0 // runs of intervals that offered load; intervals that only finished late operations
	prevOffered := false
	for _, iv := range run.Intervals {
		s := span{iv.Start.Sub(origin).Seconds(), iv.End.Sub(origin).Seconds(), iv.TargetRate}
		if iv.Phase == results.PhaseIdle {
			idleSpans = append(idleSpans, s)
		} else if iv.TargetRate == 0 {
			apart++
		}
		if iv.TargetRate > 0 {
			offered = append(offered, s)
			if !prevOffered {
				stretches++
			}
		}
		prevOffered = iv.TargetRate > 0
	}
	if apart == 0 {
		t.Fatal("the fixture has no interval that only finishes a step's late operations")
	}
	tp := charts["chart-throughput"]
	m := hoverOf(t, tp)
	all, ok := m.series("ALL")
	target, tok := m.series("target rate")
	if !ok || !tok {
		t.Fatalf("throughput series %v", m.S)
	}
	for _, p := range m.S[all].P {
		for _, s := range idleSpans {
			if p[0] > s.from && p[0] < s.to {
				t.Errorf("throughput drawn at %g s, in a pause (%g..%g s): %g", p[0], s.from, s.to, p[1])
			}
		}
	}
	path := tp.find(func(n *svgNode) bool { return n.hasClass("series") && n.Attr["data-series"] == "ALL" })[0]
	if got := strings.Count(path.Attr["d"], "M"); got != stretches {
		t.Errorf("the throughput line has %d pieces, the run %d stretches of offered load", got, stretches)
	}
	// What a step's late operations did after it is a point apart, not a
	// line from the step's rate down to it.
	if got := len(tp.find(func(n *svgNode) bool { return n.hasClass("lone") && n.Attr["data-series"] == "ALL" })); got != apart {
		t.Errorf("%d throughput points apart, the run has %d intervals that finished late operations", got, apart)
	}
	if len(m.S[target].G) == 0 {
		t.Fatal("no target rate segments")
	}
	for _, g := range m.S[target].G {
		inside := false
		for _, s := range offered {
			if g[0] >= s.from-1e-6 && g[1] <= s.to+1e-6 && g[2] == s.target {
				inside = true
			}
		}
		if !inside {
			t.Errorf("target rate %g drawn from %g to %g s, not an interval that offered it", g[2], g[0], g[1])
		}
	}
	// Late starts are a chart of their own, not among the errors.
	if charts["chart-errors"] != nil {
		t.Error("the find-max run has no errors, but an errors chart")
	}
	late := charts["chart-late"]
	if late == nil || len(late.find(func(n *svgNode) bool { return n.hasClass("series") && n.Attr["data-series"] == "late-starts" })) != 1 {
		t.Fatal("no late-starts chart")
	}
}

func TestRateAxis(t *testing.T) {
	tests := []struct {
		rates []float64
		log   bool
	}{
		{[]float64{10000, 20000, 40000, 73727, 60000}, false}, // doubling then bisecting near the top
		{[]float64{2000, 1000, 500, 250, 125, 63, 32}, true},  // halving from a start far above
		{[]float64{0, 1000, 1500}, false},                     // a step that achieved nothing is not a range
	}
	for _, tt := range tests {
		if a := rateAxis(tt.rates); a.Log != tt.log || (!a.Log && !a.FromZero) {
			t.Errorf("rates %v: logarithmic %v, want %v", tt.rates, a.Log, tt.log)
		}
	}
}

// A chart draws the series the run has and nothing else.
func TestChartsDrawOnlyWhatTheRunHas(t *testing.T) {
	run, sum := readFixture(t, "cluster.jsonl")
	// A closed-loop run ends with its reply-wait account, and may warn.
	end := run.Intervals[len(run.Intervals)-1].End
	run.Events = append(run.Events,
		&results.Event{Time: end.Add(-5 * time.Second), Kind: results.EventWarning, Detail: "the client used 97% of its CPU budget"},
		&results.Event{Time: end, Kind: results.EventReplyWait, Detail: "connections polled for their replies 99.2% of the time"})
	var buf bytes.Buffer
	if err := WriteHTML(&buf, run, sum, HTMLOptions{}); err != nil {
		t.Fatal(err)
	}
	charts, order := pageCharts(t, buf.Bytes())
	seriesOf := func(id string) []string {
		var out []string
		for _, p := range charts[id].find(byClass("series")) {
			out = append(out, p.Attr["data-series"])
		}
		return out
	}
	for _, id := range []string{"chart-service", "chart-late", "chart-rate-latency"} {
		if charts[id] != nil {
			t.Errorf("a closed-loop run without steps has %s", id)
		}
	}
	if got := strings.Join(seriesOf("chart-throughput"), ","); got != "SET,GET,ALL" {
		t.Errorf("throughput series %s, want SET,GET,ALL (no target rate in a closed loop)", got)
	}
	if got := strings.Join(seriesOf("chart-percentiles"), ","); got != "SET,GET,ALL" {
		t.Errorf("spectrum series %s, want SET,GET,ALL", got)
	}
	var classes []string
	for _, class := range results.ErrorClasses {
		for _, iv := range run.Intervals {
			if allOf(iv).Errors[class] > 0 {
				classes = append(classes, string(class))
				break
			}
		}
	}
	if got := strings.Join(seriesOf("chart-errors"), ","); got != strings.Join(classes, ",") {
		t.Errorf("errors chart series %s, want the classes that occurred: %s", got, strings.Join(classes, ","))
	}
	for _, id := range order {
		for _, m := range charts[id].find(func(n *svgNode) bool { return n.hasClass("mark") }) {
			switch m.Attr["data-mark"] {
			case results.EventReplyWait, results.EventWarning, results.EventPhase:
				t.Errorf("%s: a line for a %s event", id, m.Attr["data-mark"])
			}
		}
		for _, e := range charts[id].find(byClass("legend-entry")) {
			if e.Attr["data-name"] == "reply wait" || e.Attr["data-name"] == "late starts" {
				t.Errorf("%s: legend entry %q", id, e.Attr["data-name"])
			}
		}
	}
	// The warning is in the events lane, explained.
	var warned bool
	for _, m := range charts["chart-timeline"].find(byClass("lane-mark")) {
		warned = warned || m.Attr["data-mark"] == results.EventWarning && strings.Contains(m.Attr["data-tip"], "97% of its CPU budget")
		if m.Attr["data-mark"] == results.EventReplyWait {
			t.Error("the reply-wait account is drawn as a moment")
		}
	}
	if !warned {
		t.Error("the warning is not in the events lane")
	}
}
