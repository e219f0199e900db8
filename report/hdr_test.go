package report

import (
	"bytes"
	"sort"
	"testing"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/amrbench/amrbench/results"
)

// TestIntervalLogReadsBack reads the .hlog of a fixed run with
// hdrhistogram-go's own log reader (the format HdrHistogram's tools read):
// one histogram per measured interval and command, then ALL, each with the
// run's counts, percentiles and maximum, in either kind of latency.
func TestIntervalLogReadsBack(t *testing.T) {
	// The find-max fixture is an open loop: its response and service times
	// differ.
	run := findMaxFixture()
	for _, latency := range []string{results.LatencyResponse, results.LatencyService} {
		t.Run(latency, func(t *testing.T) {
			var log bytes.Buffer
			if err := WriteIntervalLog(&log, run, latency); err != nil {
				t.Fatal(err)
			}
			reader := hdrhistogram.NewHistogramLogReader(&log)
			lines := 0
			for _, iv := range run.Intervals {
				if !iv.Measured() {
					continue
				}
				names := make([]string, 0, len(iv.Commands))
				for name := range iv.Commands {
					names = append(names, name)
				}
				sort.Strings(names)
				all := results.NewHistogram()
				for _, name := range append(names, results.AllCommands) {
					var want *results.Histogram
					if name == results.AllCommands {
						want = all
					} else {
						want = iv.Commands[name].Response
						if latency == results.LatencyService {
							want = iv.Commands[name].Service
						}
						if err := all.Add(want); err != nil {
							t.Fatal(err)
						}
					}
					got, err := reader.NextIntervalHistogram()
					if err != nil || got == nil {
						t.Fatalf("interval %d, %s: no histogram read back (%v)", iv.Index, name, err)
					}
					lines++
					if got.Tag() != name {
						t.Errorf("interval %d: tag %q, want %q", iv.Index, got.Tag(), name)
					}
					if got.TotalCount() != want.TotalCount() || got.Max() != want.Max() {
						t.Errorf("interval %d, %s: count %d max %d, want %d and %d", iv.Index, name, got.TotalCount(), got.Max(), want.TotalCount(), want.Max())
					}
					for _, q := range []float64{50, 99, 99.9} {
						if g, w := got.ValueAtQuantile(q), want.ValueAtPercentile(q); g != w {
							t.Errorf("interval %d, %s: p%v %d µs, want %d", iv.Index, name, q, g, w)
						}
					}
				}
			}
			if lines == 0 {
				t.Fatal("the fixture has no measured interval")
			}
			if !timesDiffer(run) {
				t.Fatal("the fixture's response and service times are the same: the test could not tell them apart")
			}
			if extra, _ := reader.NextIntervalHistogram(); extra != nil {
				t.Errorf("more histograms in the log than the run's %d", lines)
			}
		})
	}
}

// timesDiffer reports whether some measured interval's response and service
// times differ.
func timesDiffer(run *results.Run) bool {
	for _, iv := range run.Intervals {
		for _, c := range iv.Commands {
			if iv.Measured() && !c.Response.Equals(c.Service) {
				return true
			}
		}
	}
	return false
}
