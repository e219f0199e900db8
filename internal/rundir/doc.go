// Package rundir is a run's output directory: it refuses a directory that
// holds a file a run would overwrite, writes result.jsonl as the run goes
// (remembering the first write that failed), removes a result file that
// holds nothing measured, and at the end renders every other file of the
// directory from result.jsonl alone — summary.txt, report.html, a
// percentile distribution per command (.hgrm), intervals.hlog — plus
// memtier's --hdr-file-prefix and --json-out-file files; and a repeated
// test's runs side by side (--run-count: runs.txt). A file it creates
// is never one that was there: a run overwrites no file it did not write.
package rundir
