package report

import (
	"fmt"
	"io"
	"sort"
	"strings"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/amrbench/amrbench/results"
)

// Percentile files (.hgrm) are written in milliseconds, as HdrHistogram's
// own tools and plotters expect; the histograms hold microseconds.
const (
	hgrmValueScale       = 1000
	hgrmTicksPerHalfDist = 5
)

// WritePercentiles writes h in HdrHistogram's percentile distribution format
// (.hgrm), values in milliseconds.
func WritePercentiles(w io.Writer, h *results.Histogram) error {
	if h == nil || h.PackedHistogram == nil {
		h = results.NewHistogram()
	}
	_, err := h.Dense().PercentilesPrint(w, hgrmTicksPerHalfDist, hgrmValueScale)
	return err
}

// WriteIntervalLog writes the run's intervals as an HdrHistogram interval
// log (.hlog, format 1.3): one line per interval and command, tagged with the
// command's name (and "ALL"). Histogram values are microseconds; the
// Interval_Max column is in milliseconds. Warmup intervals are left out.
func WriteIntervalLog(w io.Writer, run *results.Run, latency string) error {
	h := run.Header
	base := h.Start
	if len(run.Intervals) > 0 {
		base = run.Intervals[0].Start
	}
	baseSec := float64(base.UnixMilli()) / 1000
	var b strings.Builder
	fmt.Fprintf(&b, "#[amrbench %s run %s: %s time, values in microseconds, Interval_Max in milliseconds]\n", h.Tool.Version, h.RunID, latency)
	fmt.Fprintf(&b, "#[Histogram log format version %s]\n", hdrhistogram.HISTOGRAM_LOG_FORMAT_VERSION)
	fmt.Fprintf(&b, "#[StartTime: %.3f (seconds since epoch), %s]\n", baseSec, base.UTC().Format("2006-01-02T15:04:05.000Z"))
	fmt.Fprintf(&b, "#[BaseTime: %.3f (seconds since epoch)]\n", baseSec)
	b.WriteString("\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n")
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	for _, iv := range run.Intervals {
		if !iv.Measured() {
			continue
		}
		all := results.NewHistogram()
		names := make([]string, 0, len(iv.Commands))
		for name := range iv.Commands {
			names = append(names, name)
		}
		sort.Strings(names)
		start := iv.Start.Sub(base).Seconds()
		length := iv.Duration().Seconds()
		for _, name := range names {
			hist := pickLatency(iv.Commands[name], latency)
			if err := all.Add(hist); err != nil {
				return err
			}
			if err := writeLogLine(w, name, start, length, hist); err != nil {
				return err
			}
		}
		if err := writeLogLine(w, results.AllCommands, start, length, all); err != nil {
			return err
		}
	}
	return nil
}

func pickLatency(c *results.CommandStats, latency string) *results.Histogram {
	if latency == results.LatencyService {
		return c.Service
	}
	return c.Response
}

func writeLogLine(w io.Writer, tag string, start, length float64, h *results.Histogram) error {
	if h == nil || h.PackedHistogram == nil {
		h = results.NewHistogram()
	}
	enc, err := h.Encode()
	if err != nil {
		return fmt.Errorf("encode %s histogram: %w", tag, err)
	}
	_, err = fmt.Fprintf(w, "Tag=%s,%.3f,%.3f,%.3f,%s\n", tag, start, length, float64(h.Max())/1000, enc)
	return err
}
