package report

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/amrbench/amrbench/internal/reporttest"
	"github.com/amrbench/amrbench/results"
)

// browserPages are the pages the browser test opens, and the names of
// their screenshots (scripts/screenshots.sh copies them into docs/).
func browserPages(t *testing.T) []struct {
	name   string
	html   []byte
	charts int
} {
	return []struct {
		name   string
		html   []byte
		charts int
	}{
		{"run", renderRun(t, "cluster.jsonl"), 15},
		{"find-max", renderRun(t, "findmax.jsonl"), 7},
		{"staircase", renderRun(t, "enterprise.jsonl"), 7},
		{"compare", renderCompare(t, "findmax.jsonl", "enterprise.jsonl"), 4},
	}
}

// TestHTMLInBrowser opens the pages of a cluster run, a find-max run, a
// staircase and a comparison in headless Chromium: nothing may reach the
// console, every chart must be drawn, the time charts must lie at the same
// pixels, the tables must fit or scroll, and hovering must show the values
// under the pointer. The screenshots are left in build/screenshots (or
// AMRBENCH_SCREENSHOTS).
func TestHTMLInBrowser(t *testing.T) {
	browser := reporttest.Start(t)
	dir := reporttest.ScreenshotDir("..")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	// The check can fail: a chart with nothing drawn in it is seen as blank.
	blank := filepath.Join(t.TempDir(), "blank.html")
	if err := os.WriteFile(blank, []byte(`<!DOCTYPE html><html><head><link rel="icon" href="data:,"></head><body><figure class="chart" id="blank"><svg width="600" height="200" xmlns="http://www.w3.org/2000/svg"></svg></figure></body></html>`), 0o644); err != nil {
		t.Fatal(err)
	}
	bp, err := browser.Open(ctx, blank, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if ink, coloured := bp.Ink(bp.Charts[0]); ink > 0.001 || coloured > 0 {
		t.Fatalf("a blank chart measures ink %.4f, %d coloured pixels", ink, coloured)
	}

	// And it hears the console: a page that breaks its own rules is caught,
	// a script the policy does not name included.
	bad := filepath.Join(t.TempDir(), "bad.html")
	if err := os.WriteFile(bad, []byte(`<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; script-src 'sha256-AAAA'"><link rel="icon" href="data:,"></head><body><img src="http://127.0.0.1:9/chart.png"><script>console.log("ran")</script></body></html>`), 0o644); err != nil {
		t.Fatal(err)
	}
	badPage, err := browser.Open(ctx, bad, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if joined := strings.Join(badPage.Console, "\n"); strings.Count(joined, "Content Security Policy") < 2 {
		t.Fatalf("a page that loads from elsewhere and runs a script it does not allow: the console shows %q", badPage.Console)
	}

	for _, p := range browserPages(t) {
		path := filepath.Join(dir, p.name+".html")
		if err := os.WriteFile(path, p.html, 0o644); err != nil {
			t.Fatal(err)
		}
		tab, err := browser.OpenTab(ctx, path, 1200)
		if err != nil {
			t.Fatalf("%s: %v", p.name, err)
		}
		page, err := tab.Capture(ctx)
		if err != nil {
			t.Fatalf("%s: %v", p.name, err)
		}
		if err := page.WriteArtifacts(dir, p.name); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: screenshot %s", p.name, filepath.Join(dir, p.name+".png"))
		if len(page.Console) > 0 {
			t.Errorf("%s: the console shows:\n%s", p.name, strings.Join(page.Console, "\n"))
		}
		if len(page.Charts) != p.charts {
			t.Fatalf("%s: %d charts on the page, want %d", p.name, len(page.Charts), p.charts)
		}
		for _, c := range page.Charts {
			ink, coloured := page.Ink(c)
			if c.W < 600 || c.H < 60 || ink < 0.02 || coloured < 100 {
				t.Errorf("%s: chart %s (%.0fx%.0f px) looks blank: %.1f%% of it inked, %d pixels in colour", p.name, c.ID, c.W, c.H, 100*ink, coloured)
			}
		}
		if p.name == "run" {
			// The servers' own statistics and Azure Monitor's series are
			// drawn, on the time axis the alignment check below holds them to.
			drawn := map[string]bool{}
			for _, c := range page.Charts {
				drawn[c.ID] = true
			}
			for _, id := range []string{"chart-server-cpu", "chart-server-memory", "chart-server-clients", "chart-azure-load", "chart-azure-memory", "chart-azure-ops", "chart-azure-clients"} {
				if !drawn[id] {
					t.Errorf("run: chart %s is not on the page", id)
				}
			}
		}
		checkAlignedInBrowser(ctx, t, tab, p.name)
		checkTablesFit(ctx, t, tab, p.name, true)
		if p.name == "find-max" {
			checkHover(ctx, t, tab, dir)
		}
		tab.Close()

		narrow, err := browser.OpenTab(ctx, path, 700)
		if err != nil {
			t.Fatal(err)
		}
		checkTablesFit(ctx, t, narrow, p.name+" at 700 px", false)
		narrow.Close()
	}
}

// checkAlignedInBrowser checks that the time charts' plot areas begin and
// end at the same pixels as the browser lays them out.
func checkAlignedInBrowser(ctx context.Context, t *testing.T, tab *reporttest.Tab, name string) {
	t.Helper()
	var areas []struct {
		ID          string
		Left, Width float64
	}
	if err := tab.Eval(ctx, `Array.from(document.querySelectorAll('svg.chart[data-kind="time"]')).map(s => {
		const r = s.querySelector('.plot-area').getBoundingClientRect();
		return {ID: s.closest('figure').id, Left: r.left, Width: r.width};
	})`, &areas); err != nil {
		t.Fatal(err)
	}
	if len(areas) < 2 {
		t.Fatalf("%s: %d time charts", name, len(areas))
	}
	for _, a := range areas[1:] {
		if d := a.Left - areas[0].Left; d > 0.5 || d < -0.5 {
			t.Errorf("%s: %s's plot area begins at %.1f px, %s's at %.1f px", name, a.ID, a.Left, areas[0].ID, areas[0].Left)
		}
		if d := a.Width - areas[0].Width; d > 0.5 || d < -0.5 {
			t.Errorf("%s: %s's plot area is %.1f px wide, %s's %.1f px", name, a.ID, a.Width, areas[0].ID, areas[0].Width)
		}
	}
}

// checkTablesFit checks that the page never runs wider than the window,
// that every table can be scrolled to its last column (none is cut), and,
// when wide, that every table fits without scrolling.
func checkTablesFit(ctx context.Context, t *testing.T, tab *reporttest.Tab, name string, wide bool) {
	t.Helper()
	var got struct {
		Page, Window float64
		Tables       []struct {
			Caption                string
			Client, Scroll, Hidden float64
			Overflow               string
		}
	}
	if err := tab.Eval(ctx, `({
		Page: document.documentElement.scrollWidth, Window: window.innerWidth,
		Tables: Array.from(document.querySelectorAll('.table-wrap')).map(w => {
			w.scrollLeft = 1e6;
			const last = w.querySelector('tr:first-child > :last-child').getBoundingClientRect();
			const box = w.getBoundingClientRect();
			const out = {Caption: (w.querySelector('caption') || {}).textContent || 'events',
				Client: w.clientWidth, Scroll: w.scrollWidth, Hidden: last.right - box.right, Overflow: getComputedStyle(w).overflowX};
			w.scrollLeft = 0;
			return out;
		})})`, &got); err != nil {
		t.Fatal(err)
	}
	if got.Page > got.Window+0.5 {
		t.Errorf("%s: the page is %.0f px wide in a %.0f px window", name, got.Page, got.Window)
	}
	for _, tb := range got.Tables {
		if tb.Hidden > 1 {
			t.Errorf("%s: table %.40q: its last column ends %.0f px past what can be scrolled to (overflow %s)", name, tb.Caption, tb.Hidden, tb.Overflow)
		}
		if wide && tb.Scroll > tb.Client+1 {
			t.Errorf("%s: table %.40q needs %.0f px, has %.0f", name, tb.Caption, tb.Scroll, tb.Client)
		}
	}
}

// checkHover points at the response-time chart of the find-max page in the
// middle of an interval of its failed 80k step, and at that step in the
// steps lane, as a person would, and reads what the page shows.
func checkHover(ctx context.Context, t *testing.T, tab *reporttest.Tab, dir string) {
	t.Helper()
	run, _ := readFixture(t, "findmax.jsonl")
	var iv *results.Interval
	for _, x := range run.Intervals {
		if x.Phase == "step 4: 80k ops/s" && x.TargetRate > 0 {
			iv = x // the step's last interval that offered load
		}
	}
	at := iv.Start.Add(iv.Duration() / 2).Sub(run.MeasuredStart()).Seconds()
	p99 := float64(allOf(iv).Response.ValueAtPercentile(99)) / 1000
	want := "p99" + strconv.FormatFloat(p99, 'f', 2, 64) + " ms"
	if p99 < 10 {
		want = "p99" + strconv.FormatFloat(p99, 'f', 3, 64) + " ms"
	}
	var pt struct{ X, Y, Top, Bottom float64 }
	if err := tab.Eval(ctx, fmt.Sprintf(`(() => {
		const svg = document.querySelector('#chart-latency svg');
		document.getElementById('chart-throughput').scrollIntoView({block: 'start'});
		const m = JSON.parse(svg.getAttribute('data-hover'));
		const r = svg.getBoundingClientRect(), k = r.width / svg.viewBox.baseVal.width;
		const f = document.getElementById('chart-throughput').getBoundingClientRect();
		return {X: r.left + k * (m.x.o + m.x.l * (%g - m.x.a) / (m.x.b - m.x.a)), Y: r.top + k * (m.y.o + m.y.l / 2),
			Top: Math.min(r.top, f.top) + scrollY, Bottom: r.bottom + scrollY};
	})()`, at), &pt); err != nil {
		t.Fatal(err)
	}
	if err := tab.MouseMove(ctx, pt.X, pt.Y); err != nil {
		t.Fatal(err)
	}
	var shown struct {
		Hidden           bool
		Text             string
		Crosshairs       []string
		CrosshairVisible []bool
	}
	read := `({Hidden: document.querySelector('.chart-tip').hidden, Text: document.querySelector('.chart-tip').innerText.replace(/\s+/g, ''),
		Crosshairs: Array.from(document.querySelectorAll('svg[data-kind="time"] .xhair')).map(l => l.getAttribute('x1')),
		CrosshairVisible: Array.from(document.querySelectorAll('svg[data-kind="time"] .xhair')).map(l => l.getAttribute('visibility') === 'visible')})`
	if err := tab.Eval(ctx, read, &shown); err != nil {
		t.Fatal(err)
	}
	if shown.Hidden || !strings.Contains(shown.Text, strings.ReplaceAll(want, " ", "")) {
		t.Errorf("hovering the response-time chart at %.1f s shows %q (hidden %v), want %q, the interval's p99", at, shown.Text, shown.Hidden, want)
	}
	if len(shown.Crosshairs) < 4 {
		t.Fatalf("%d crosshairs", len(shown.Crosshairs))
	}
	for i, x := range shown.Crosshairs {
		if !shown.CrosshairVisible[i] || x != shown.Crosshairs[0] {
			t.Errorf("time chart %d: crosshair at %s (visible %v), the hovered chart's at %s", i, x, shown.CrosshairVisible[i], shown.Crosshairs[0])
		}
	}
	shot, err := tab.ScreenshotVisible(ctx, reporttest.Box{X: 40, Y: pt.Top - 8, W: 1080, H: pt.Bottom - pt.Top + 16})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "hover.png"), shot, 0o644); err != nil {
		t.Fatal(err)
	}

	// A step in the steps lane explains itself.
	if err := tab.Eval(ctx, `(() => {
		const band = Array.from(document.querySelectorAll('#chart-timeline .band')).find(b => (b.getAttribute('data-tip') || '').startsWith('step 4:'));
		band.scrollIntoView({block: 'center'});
		const r = band.getBoundingClientRect();
		return {X: r.left + r.width / 2, Y: r.top + r.height / 2};
	})()`, &pt); err != nil {
		t.Fatal(err)
	}
	if err := tab.MouseMove(ctx, pt.X, pt.Y); err != nil {
		t.Fatal(err)
	}
	if err := tab.Eval(ctx, read, &shown); err != nil {
		t.Fatal(err)
	}
	if shown.Hidden || !strings.Contains(shown.Text, "step4:80kops/s") || !strings.Contains(shown.Text, "failedtheobjectives") {
		t.Errorf("hovering the 80k step shows %q (hidden %v)", shown.Text, shown.Hidden)
	}
	if c := tab.Console(); len(c) > 0 {
		t.Errorf("hovering: the console shows:\n%s", strings.Join(c, "\n"))
	}
}
