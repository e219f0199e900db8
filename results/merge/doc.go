// Package merge makes one run of the runs of one test split between several
// machines (run --segment i/n, best started together with --start-at), as if
// one machine had run it: intervals aligned on one wall-clock grid, counts
// summed and HdrHistograms added exactly (results.Interval.Add), server and
// Azure Monitor records kept once each, and a warning for every way the runs
// fall short of one whole test.
//
// It imports results and nothing else of the project; only the command line
// (amrbench merge) imports it.
package merge
