package record

import (
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/amrbench/amrbench/results"
)

// ClassIndex numbers the error classes for per-worker counter arrays, in
// the order of results.ErrorClasses.
var ClassIndex = func() map[results.ErrorClass]int {
	m := make(map[results.ErrorClass]int, len(results.ErrorClasses))
	for i, c := range results.ErrorClasses {
		m[c] = i
	}
	return m
}()

// NumClasses is the number of error classes: len(results.ErrorClasses),
// checked in a test.
const NumClasses = 10

// Record records n latencies of us microseconds in h. A value above the
// histograms' range (results.HistogramHighest, 7 days) is recorded at its
// top instead and reported with true, for the caller to count: never dropped
// silently, and never recorded lower than a smaller value out of range.
func Record(h *hdrhistogram.PackedHistogram, us, n int64) (outOfRange bool) {
	if us > results.HistogramHighest {
		us, outOfRange = results.HistogramHighest, true
	}
	_ = h.RecordValues(us, n) // within the range, it cannot fail
	return outOfRange
}

// Micros converts a duration to whole microseconds, rounding to nearest.
func Micros(d time.Duration) int64 {
	if d < 0 {
		return 0
	}
	return int64((d + 500*time.Nanosecond) / time.Microsecond)
}
