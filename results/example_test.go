package results_test

import (
	"bytes"
	"fmt"
	"log"
	"time"

	"github.com/amrbench/amrbench/results"
)

// A run writes its result file record by record; a report reads it back
// and summarises it from the intervals alone.
func Example() {
	var file bytes.Buffer
	w := results.NewWriter(&file)
	start := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	if err := w.WriteHeader(&results.Header{RunID: "example", Start: start, Mode: results.ModeClosed, IntervalS: 1, Connections: 2, Pipeline: 1}); err != nil {
		log.Fatal(err)
	}
	for i := range 2 {
		get := results.NewCommandStats()
		for _, us := range []int64{200, 300, 400, 5000} {
			get.Count++
			get.Hits++
			_ = get.Response.RecordValue(us) // a value within 1 µs..7 days cannot fail
			_ = get.Service.RecordValue(us / 2)
		}
		iv := &results.Interval{
			Index: int64(i), Start: start.Add(time.Duration(i) * time.Second), End: start.Add(time.Duration(i+1) * time.Second),
			Connections: 2, Commands: map[string]*results.CommandStats{"GET": get},
		}
		if err := w.WriteInterval(iv); err != nil {
			log.Fatal(err)
		}
	}

	run, err := results.Read(&file)
	if err != nil {
		log.Fatal(err)
	}
	s, err := run.Summarize()
	if err != nil {
		log.Fatal(err)
	}
	get := s.Commands["GET"]
	p50, _ := get.Response.At(50)
	fmt.Printf("%d intervals, cut: %v\n", len(run.Intervals), run.Truncated)
	fmt.Printf("GET: %d operations, %.0f ops/s, p50 %d µs, max %d µs\n", get.Count, get.OpsPerSec, p50, get.Response.MaxMicros)
	// Output:
	// 2 intervals, cut: false
	// GET: 8 operations, 4 ops/s, p50 300 µs, max 5003 µs
}

// A file that is not a result file is refused with the line at fault.
func ExampleRead_notAResultFile() {
	_, err := results.Read(bytes.NewReader([]byte("hello\n")))
	fmt.Println(err)
	_, err = results.Read(bytes.NewReader([]byte(`{"type":"header","schema":"amrbench.result/v1"}` + "\n" +
		`{"type":"interval","commands":{"GET":{"count":-5}}}` + "\n")))
	fmt.Println(err)
	// Output:
	// line 1: not an amrbench result file (invalid character 'h' looking for beginning of value)
	// line 2: interval record: GET count is -5: a count cannot be negative
}

// Latency objectives are written the same way for run --slo and plan
// --slo; each has a canonical form.
func ExampleParseObjective() {
	o, err := results.ParseObjective("service:GET:p99.9<=0.5ms")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(o, o.Latency, o.Command, o.Percentile, o.Limit)
	fmt.Println(o.MetBy(500), o.MetBy(501))
	_, err = results.ParseObjective("p99>2ms")
	fmt.Println(err)
	// Output:
	// service:GET:p99.9<=500us service GET 99.9 500µs
	// true false
	// "p99>2ms" is not pPERCENTILE<LIMIT: a latency objective is an upper bound, use < or <=
}
