// Package openmetrics serves a run's records live as Prometheus/OpenMetrics
// metrics: per-command operations, errors by class, latency, rates, late
// starts, connections and the servers' own statistics, each series labelled
// with the run's id, label and segment.
//
// It is one more rendering of the result records, as the text summary and
// the HTML report are: it is fed the same finished results.Interval and
// results.ServerInterval records the result file is written from, never
// anything from inside the load, so a scrape can never slow a worker. Its
// counters count the measured intervals (warmup left out), the same
// operations the summary counts, so a Prometheus total at the end of a run
// equals result.jsonl's.
package openmetrics
