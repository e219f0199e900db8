package report

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/amrbench/amrbench/internal/reporttest"
	"github.com/amrbench/amrbench/results"
)

// externalRef finds anything a page would load from elsewhere: a src or
// href that is not a data: URI or a fragment, or a url() in a style.
var externalRef = regexp.MustCompile(`(?i)(src|href)\s*=\s*"(?:[a-z][a-z0-9+.-]*:|//)[^"]*"|url\(`)

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
	c, err := Compare(runs, CompareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := ComparisonWriters["html"](&buf, c); err != nil {
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

func TestHTMLIsSelfContained(t *testing.T) {
	page := string(renderRun(t, "cluster.jsonl"))
	for _, ref := range externalRef.FindAllString(page, -1) {
		if !strings.HasPrefix(ref, `href="data:`) {
			t.Errorf("the page refers to something outside itself: %s", ref)
		}
	}
	if strings.Contains(strings.ToLower(page), "<script") {
		t.Error("the page has a script")
	}
	if !strings.Contains(page, `http-equiv="Content-Security-Policy" content="default-src 'none';`) {
		t.Error("the page does not forbid loading")
	}
	want := []string{"chart-percentiles", "chart-throughput", "chart-latency", "chart-errors", "chart-redirects", "chart-shard-throughput", "chart-shard-latency"}
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
	// An open-loop run without a cluster has no shard charts, and its
	// errors chart shows the late starts.
	open := string(renderRun(t, "enterprise.jsonl"))
	if got := chartIDs(open); strings.Join(got, ",") != "chart-percentiles,chart-throughput,chart-latency,chart-errors" {
		t.Errorf("open-loop charts %v", got)
	}
	if !strings.Contains(open, "Response time by percentile") || !strings.Contains(open, "late starts") {
		t.Error("the open-loop page does not lead with response time or lacks the late starts")
	}
	// A comparison draws from the comparison's own model: its columns, its
	// noise test, its notes.
	cmp := string(renderCompare(t, "cluster.jsonl", "enterprise.jsonl"))
	if got := chartIDs(cmp); strings.Join(got, ",") != "chart-percentiles,chart-throughput,chart-latency" {
		t.Errorf("comparison charts %v", got)
	}
	for _, s := range []string{"B vs A", "Welch", "A b10-oss", "B b10-enterprise", "50,638"} {
		if !strings.Contains(cmp, s) {
			t.Errorf("the comparison page lacks %q", s)
		}
	}
}

// TestHTMLInBrowser opens a run's page and a comparison's in headless
// Chromium: nothing may reach the console, and every chart must be drawn.
// The screenshots are left in build/screenshots (or AMRBENCH_SCREENSHOTS).
func TestHTMLInBrowser(t *testing.T) {
	browser := reporttest.Start(t)
	dir := reporttest.ScreenshotDir("..")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
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

	// And it hears the console: a page that breaks its own rules is caught.
	bad := filepath.Join(t.TempDir(), "bad.html")
	if err := os.WriteFile(bad, []byte(`<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; script-src 'unsafe-inline'"><link rel="icon" href="data:,"></head><body><img src="http://127.0.0.1:9/chart.png"><script>console.error("broken")</script></body></html>`), 0o644); err != nil {
		t.Fatal(err)
	}
	badPage, err := browser.Open(ctx, bad, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if joined := strings.Join(badPage.Console, "\n"); !strings.Contains(joined, "Content Security Policy") || !strings.Contains(joined, "console.error: broken") {
		t.Fatalf("a page that loads from elsewhere and runs a script: the console shows %q", badPage.Console)
	}

	pages := []struct {
		name   string
		html   []byte
		charts int
	}{
		{"run", renderRun(t, "cluster.jsonl"), 7},
		{"compare", renderCompare(t, "cluster.jsonl", "enterprise.jsonl"), 3},
	}
	for _, p := range pages {
		path := filepath.Join(dir, p.name+".html")
		if err := os.WriteFile(path, p.html, 0o644); err != nil {
			t.Fatal(err)
		}
		page, err := browser.Open(ctx, path, 1200)
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
			if c.W < 600 || c.H < 200 || ink < 0.02 || coloured < 400 {
				t.Errorf("%s: chart %s (%.0fx%.0f px) looks blank: %.1f%% of it inked, %d pixels in colour", p.name, c.ID, c.W, c.H, 100*ink, coloured)
			}
		}
	}
}
