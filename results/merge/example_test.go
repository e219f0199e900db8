package merge_test

import (
	"fmt"
	"log"
	"time"

	"github.com/amrbench/amrbench/results"
	"github.com/amrbench/amrbench/results/merge"
)

// Runs measured on several machines at once (each a segment of the key
// space) merge into one run whose histograms are their exact sum.
func ExampleRuns() {
	start := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	machine := func(host, segment string, latencyUS int64) results.NamedRun {
		get := results.NewCommandStats()
		get.Count = 1
		_ = get.Response.RecordValue(latencyUS)
		_ = get.Service.RecordValue(latencyUS)
		run := &results.Run{
			Header: &results.Header{RunID: "r-" + host, Host: host, Segment: segment, Start: start, Mode: results.ModeClosed, IntervalS: 1, Connections: 1, Pipeline: 1},
			Intervals: []*results.Interval{{Start: start, End: start.Add(time.Second), Connections: 1,
				Commands: map[string]*results.CommandStats{"GET": get}}},
		}
		var err error
		if run.Summary, err = run.Summarize(); err != nil { // a finished run ends with its summary
			log.Fatal(err)
		}
		return results.NamedRun{Name: host + ".jsonl", Run: run}
	}
	merged, warnings, err := merge.Runs([]results.NamedRun{machine("a", "0/2", 100), machine("b", "1/2", 900)})
	if err != nil {
		log.Fatal(err)
	}
	get := merged.Intervals[0].Commands["GET"]
	fmt.Println(len(merged.Header.Sources), "sources,", get.Count, "GETs, max", get.Response.Max(), "µs")
	for _, w := range warnings {
		fmt.Println("warning:", w)
	}
	// Output:
	// 2 sources, 2 GETs, max 900 µs
}
