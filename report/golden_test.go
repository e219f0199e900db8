package report

import (
	"bytes"
	"encoding/csv"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/amrbench/amrbench/internal/reporttest"
	"github.com/amrbench/amrbench/results"
)

var update = flag.Bool("update", false, "rewrite the fixed result files and the golden renderings under testdata")

// checkGolden compares got with testdata/name, or writes it there with
// -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	reporttest.CheckGolden(t, filepath.Join("testdata", name), got, *update, "./report")
}

func TestGoldenRenderings(t *testing.T) {
	formats := []struct {
		ext    string
		render func(io.Writer, *results.Run, *results.Summary, []float64) error
	}{
		{"txt", WriteSummary},
		{"md", WriteSummaryMarkdown},
		{"csv", WriteSummaryCSV},
	}
	for _, fixture := range []string{"cluster", "enterprise", "findmax"} {
		run, sum := readFixture(t, fixture+".jsonl")
		for _, f := range formats {
			t.Run(fixture+"."+f.ext, func(t *testing.T) {
				var buf bytes.Buffer
				if err := f.render(&buf, run, sum, nil); err != nil {
					t.Fatal(err)
				}
				checkGolden(t, fixture+".summary."+f.ext, buf.Bytes())
			})
		}
	}
}

// The renderings agree with the summary's numbers, whatever the golden
// files say.
func TestRenderingsAgreeWithTheSummary(t *testing.T) {
	run, sum := readFixture(t, "cluster.jsonl")
	all := sum.Commands[results.AllCommands]
	if all.Count != run.Summary.Commands[results.AllCommands].Count {
		t.Fatalf("summary of the intervals %d, summary record %d", all.Count, run.Summary.Commands[results.AllCommands].Count)
	}
	var csvOut bytes.Buffer
	if err := WriteSummaryCSV(&csvOut, run, sum, nil); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&csvOut).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, k := range recs[0] {
		col[k] = i
	}
	found := false
	for _, rec := range recs[1:] {
		if rec[col["latency"]] == "service" && rec[col["command"]] == "ALL" {
			found = true
			p99, _ := all.Service.At(99)
			if rec[col["count"]] != itoa(all.Count) || rec[col["p99_us"]] != itoa(p99) || rec[col["errors_moved"]] != itoa(all.Errors[results.ErrMoved]) {
				t.Fatalf("CSV ALL row %v; summary count %d p99 %d moved %d", rec, all.Count, p99, all.Errors[results.ErrMoved])
			}
		}
	}
	if !found || len(recs) != 1+2*3 {
		t.Fatalf("CSV has %d rows, want a header and 6 (2 latencies x SET, GET, ALL)", len(recs))
	}
	var md bytes.Buffer
	if err := WriteSummaryMarkdown(&md, run, sum, []float64{50, 99.999}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "| P99.999 |") || strings.Contains(md.String(), "| P90 |") {
		t.Fatalf("Markdown does not take the percentile columns it is given:\n%s", md.String())
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestTruncatedFileRenders(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "cluster.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	// Cut the file in the middle of its 21st line, as a killed run leaves it.
	lines := bytes.SplitAfter(data, []byte("\n"))
	cut := bytes.Join(lines[:20], nil)
	cut = append(cut, lines[20][:len(lines[20])/2]...)
	run, err := results.Read(bytes.NewReader(cut))
	if err != nil {
		t.Fatal(err)
	}
	if !run.Truncated || run.Summary != nil {
		t.Fatalf("truncated %v, summary %v", run.Truncated, run.Summary != nil)
	}
	sum, err := run.Summarize()
	if err != nil {
		t.Fatal(err)
	}
	var text, page bytes.Buffer
	if err := WriteSummary(&text, run, sum, nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "the result file ends early") {
		t.Fatalf("no note of the early end:\n%s", text.String())
	}
	if err := WriteHTML(&page, run, sum, HTMLOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(page.String(), "the result file ends early") || !strings.Contains(page.String(), `id="chart-throughput"`) {
		t.Fatal("the HTML page of a truncated file lacks its note or its charts")
	}
}

// TestNothingMeasured checks that a file in which nothing was measured is an
// error, and that a measured window in which no operation completed shows no
// latency rather than zeros.
func TestNothingMeasured(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "cluster.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	first := 1
	for !bytes.Contains(lines[first], []byte(`"type":"interval"`)) {
		first++
	}
	// Cut inside the first interval: everything before it, half of it.
	cut := append(bytes.Join(lines[:first], nil), lines[first][:len(lines[first])/2]...)
	run, err := results.Read(bytes.NewReader(cut))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := run.Summarize(); !errors.Is(err, results.ErrNoIntervals) {
		t.Fatalf("summary of a file cut in its first interval: error %v, want ErrNoIntervals", err)
	}

	run.Intervals = []*results.Interval{{
		Index: 0, Start: run.Header.Start, End: run.Header.Start.Add(time.Second), Connections: 4,
		Commands: map[string]*results.CommandStats{"GET": results.NewCommandStats(), "SET": results.NewCommandStats()},
	}}
	sum, err := run.Summarize()
	if err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	if err := WriteSummary(&text, run, sum, nil); err != nil {
		t.Fatal(err)
	}
	var all []string
	for _, l := range strings.Split(text.String(), "\n") {
		if f := strings.Fields(l); len(f) > 0 && f[0] == results.AllCommands {
			all = f
			break
		}
	}
	// ALL, ops/s, hits/s, misses/s, mean, 5 percentiles, max, KB/s, errors.
	want := []string{"ALL", "0.0", "-", "-", "-", "-", "-", "-", "-", "-", "-", "0.0", "0"}
	if strings.Join(all, " ") != strings.Join(want, " ") {
		t.Fatalf("ALL row of an idle window: %q, want %q\n%s", all, want, text.String())
	}
}
