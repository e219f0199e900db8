// Package live is what a run shows while it runs: it writes every record to
// the result file as the engine finalizes it, and tells the user how the run
// goes on standard error — a live line per interval, the events people
// should see at once, progress of the long stages before the measured
// window, and on a terminal a bar of the measured window's progress. Off a
// terminal every line is plain, with no carriage returns or escape codes.
package live
