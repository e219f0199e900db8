package results

import (
	"bytes"
	"encoding/json"
	"fmt"
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
type Histogram struct {
	*hdrhistogram.Histogram
}

// NewHistogram returns an empty Histogram with the standard geometry.
func NewHistogram() *Histogram { return &Histogram{NewHDR()} }

// MarshalJSON encodes the histogram as a V2 compressed base64 string.
func (h *Histogram) MarshalJSON() ([]byte, error) {
	if h == nil || h.Histogram == nil {
		return []byte("null"), nil
	}
	enc, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
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
	dec, err := hdrhistogram.Decode([]byte(s))
	if err != nil {
		return fmt.Errorf("decode histogram: %w", err)
	}
	h.Histogram = dec
	return nil
}

// Add merges other into h exactly (HdrHistogram addition). A nil other is
// ignored. It returns an error if other holds values h cannot represent, which
// cannot happen for histograms with the standard geometry.
func (h *Histogram) Add(other *Histogram) error {
	if other == nil || other.Histogram == nil {
		return nil
	}
	if dropped := h.Merge(other.Histogram); dropped != 0 {
		return fmt.Errorf("merge histograms: %d values beyond %d µs were dropped", dropped, h.HighestTrackableValue())
	}
	return nil
}
