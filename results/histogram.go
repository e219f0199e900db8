package results

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Histogram geometry shared by every histogram amrbench writes, so that any
// two can be merged exactly: microseconds, 1 µs to 7 days, 3 significant
// digits. The range is far beyond any plausible latency: an open-loop run
// that falls hours behind still records the truth. A value beyond it is
// recorded at 7 days and reported in a warning event, never dropped
// silently.
const (
	HistogramLowest  = 1
	HistogramHighest = int64(7 * 24 * time.Hour / time.Microsecond)
	HistogramDigits  = 3
)

// NewHDR returns an empty dense histogram with the standard geometry.
func NewHDR() *hdrhistogram.Histogram {
	return hdrhistogram.New(HistogramLowest, HistogramHighest, HistogramDigits)
}

// NewPackedHDR returns an empty sparse histogram with the standard geometry.
// Its memory grows with the number of distinct buckets recorded, which keeps
// per-connection histograms small when there are thousands of connections.
func NewPackedHDR() *hdrhistogram.PackedHistogram {
	return hdrhistogram.NewPacked(HistogramLowest, HistogramHighest, HistogramDigits)
}

// Histogram is an HdrHistogram that encodes to JSON as HdrHistogram's V2
// compressed base64 string, the form the Java and C implementations read.
// It is sparse (hdrhistogram-go's PackedHistogram): its memory grows with
// the buckets it holds, a few KB for an interval's latencies, where a dense
// histogram of this geometry takes about 250 KB whatever it holds — a run
// of an hour, read back for its report, would take gigabytes. Its
// percentiles, mean and merges are the dense histogram's, bucket for bucket.
type Histogram struct {
	*hdrhistogram.PackedHistogram
}

// NewHistogram returns an empty Histogram with the standard geometry.
func NewHistogram() *Histogram { return &Histogram{NewPackedHDR()} }

// Empty reports whether h holds nothing: nil, never decoded, or no values.
func (h *Histogram) Empty() bool {
	return h == nil || h.PackedHistogram == nil || h.TotalCount() == 0
}

// MarshalJSON encodes the histogram as a V2 compressed base64 string.
func (h *Histogram) MarshalJSON() ([]byte, error) {
	if h == nil || h.PackedHistogram == nil {
		return []byte("null"), nil
	}
	enc, err := h.Encode()
	if err != nil {
		return nil, fmt.Errorf("encode histogram: %w", err)
	}
	return json.Marshal(string(enc))
}

// UnmarshalJSON decodes a V2 compressed base64 string.
func (h *Histogram) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("histogram: %w", err)
	}
	dec, err := hdrhistogram.DecodePacked([]byte(s))
	if err != nil {
		return fmt.Errorf("decode histogram: %w", err)
	}
	h.PackedHistogram = dec
	return nil
}

// Add merges other into h exactly (HdrHistogram addition). A nil other is
// ignored. It returns an error if other holds values h cannot represent, which
// cannot happen for histograms with the standard geometry.
func (h *Histogram) Add(other *Histogram) error {
	if other == nil || other.PackedHistogram == nil {
		return nil
	}
	return h.AddPacked(other.PackedHistogram)
}

// AddPacked merges a packed histogram of the standard geometry into h
// exactly: how a run's workers hand their latencies over.
func (h *Histogram) AddPacked(p *hdrhistogram.PackedHistogram) error {
	if dropped := h.Merge(p); dropped != 0 {
		return fmt.Errorf("merge histograms: %d values beyond %d µs were dropped", dropped, h.HighestTrackableValue())
	}
	return nil
}

// Dense returns a dense copy of h, for what only the dense histogram does
// (HdrHistogram's percentile distribution print). It takes about 250 KB:
// make one, use it, let it go.
func (h *Histogram) Dense() *hdrhistogram.Histogram {
	d := NewHDR()
	if h != nil && h.PackedHistogram != nil {
		h.MergeInto(d)
	}
	return d
}

// Equals reports whether h and other hold the same counts in the same
// buckets (and the same total, minimum and maximum).
func (h *Histogram) Equals(other *Histogram) bool {
	if h.Empty() || other.Empty() {
		return h.Empty() && other.Empty()
	}
	if h.TotalCount() != other.TotalCount() || h.Max() != other.Max() || h.Min() != other.Min() || h.Populated() != other.Populated() {
		return false
	}
	type bucket struct{ value, count int64 }
	var mine []bucket
	h.ForEachBucket(func(v, c int64) bool { mine = append(mine, bucket{v, c}); return true })
	i, same := 0, true
	other.ForEachBucket(func(v, c int64) bool {
		if i >= len(mine) || mine[i] != (bucket{v, c}) {
			same = false
			return false
		}
		i++
		return true
	})
	return same && i == len(mine)
}

// geometry is an empty dense histogram of the standard geometry, made once,
// that answers questions about the buckets alone.
var geometry = sync.OnceValue(NewHDR)

// ValuesAreEquivalent reports whether a and b fall in the same bucket, so a
// histogram cannot tell them apart.
func (h *Histogram) ValuesAreEquivalent(a, b int64) bool {
	return geometry().ValuesAreEquivalent(a, b)
}
