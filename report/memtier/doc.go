// Package memtier writes amrbench's results in memtier_benchmark's layouts.
//
// Its --json-out-file layout, so that scripts written for memtier read
// amrbench's results unchanged: "configuration" and "run
// information", then "ALL STATS" for one run, or "BEST RUN RESULTS", "WORST
// RUN RESULTS" and "AGGREGATED AVERAGE RESULTS (N runs)" for several
// (--run-count), each with "Runtime", a section per command ("Sets", "Gets",
// "Waits" for the SET/GET mix; "Hsets" for HSET, as memtier names arbitrary
// commands), "Totals", and the latency distribution per command ("SET":
// [{"<=msec", "percent"}, ...]). Field names, their order and the number
// formats are memtier's (run_stats.cpp, JSON_handler.cpp). Latencies are in
// milliseconds and are amrbench's response times: in a closed loop what
// memtier measures; in an open loop counted from each operation's due time.
//
// And its best, worst and aggregated runs of a repeated test (--run-count)
// as a table (RunsTable, WriteRuns), drawn with package report's Table.
package memtier
