// Package record turns what the workers measured into interval records.
//
// Each worker records every operation into its own Log (counts by command
// and by shard, errors by class, HdrHistograms of response and service
// time, late starts, re-AUTHs), with no lock and no allocation per
// operation: the Log's fields are written directly on the hot path. When
// the clock passes the end of the log's interval the worker hands the log
// to the Recorder (Rotate) and gets an empty one; that is the only
// hand-off, once per worker per interval.
//
// The Recorder merges the logs of one interval into one results.Interval
// (the merge of same-geometry histograms is exact), adds the client's own
// load (bench/clientload) and the re-AUTHs no worker owns (SharedReauth),
// writes the interval to its Observer once every worker has certified it,
// or once a stuck worker has held it longer than any command can take,
// and writes the events an interval tells beyond its counts: reconnects,
// error samples with secrets taken out, and warnings.
//
// It imports nothing of bench: bench builds the Recorder, sets its fields
// before the workers start, and runs it.
package record
