// Package results owns WHAT was measured: the versioned result file that every
// run writes and every report reads.
//
// A result file is JSON Lines. The first record is a Header describing the run
// (tool, target, configuration with secrets redacted, workload). Then come
// Interval records, one per --interval, each holding per-command counts and two
// HdrHistograms (response time from the intended start and service time from
// the actual send, in microseconds) in HdrHistogram's V2 compressed base64
// encoding; and Event records (re-AUTH, reconnects, topology changes, phases).
// A Summary record comes last. Everything in the summary can be recomputed
// from the records before it, so a file whose writer was killed is complete up
// to its last whole interval: Read returns every whole record and reports the
// cut.
//
// The package depends only on the standard library and hdrhistogram-go.
package results
