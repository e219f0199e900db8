package report

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/amrbench/amrbench/results"
)

// describeKeySpace returns the "Key space" and "Hits" lines of a summary:
// how much memory the key space takes against the SKU's RAM, how many GETs
// the values that fit in RAM are expected to serve (the point of a
// Flash-shaped workload), and the measured GET hit ratio. It returns "" for
// runs that named neither a SKU nor a preset.
func describeKeySpace(h *results.Header, s *results.Summary) string {
	ks := h.KeySpace
	if ks == nil {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Key space %s keys × (%s B + %s B per key) = %s", formatWhole(float64(ks.Keys)),
		formatWhole(ks.MeanValueBytes), formatWhole(ks.PerKeyOverheadBytes), formatBytes(ks.Bytes))
	switch {
	case ks.SKU == "":
		b.WriteString(" (no --sku: not compared with a SKU's memory)\n")
	case ks.RAMBytes == 0:
		fmt.Fprintf(&b, " (%s's RAM is not published: not compared)\n", ks.SKU)
	case ks.Flash:
		fmt.Fprintf(&b, ": %s of %s's RAM (%s)\n", formatPercent(ks.Bytes/ks.RAMBytes), ks.SKU, ks.RAMNote)
		if ks.KeysInRAM >= ks.Keys {
			b.WriteString("          all of it fits in RAM: every GET is served from RAM, none from NVMe\n")
		} else if ks.GetShareInRAM > 0 {
			fmt.Fprintf(&b, "          the %s hottest values fit in RAM: an estimated %s of GETs (%s keys) read from RAM, the rest from NVMe\n",
				formatWhole(float64(ks.KeysInRAM)), formatPercent(ks.GetShareInRAM), ks.Distribution)
		}
	default:
		capacity, what := ks.RAMBytes, "memory"
		if ks.UsableBytes > 0 {
			capacity, what = ks.UsableBytes, "usable memory"
		}
		fmt.Fprintf(&b, ": %s of %s's %s %s (%s)\n", formatPercent(ks.Bytes/capacity), ks.SKU, formatBytes(capacity), what, ks.RAMNote)
		if ks.Bytes > capacity {
			b.WriteString("          more than fits: SETs will fail with OOM errors, or evict keys that have a TTL (volatile-lru, AMR's default)\n")
		}
	}
	if get := s.Commands["GET"]; get != nil && get.Hits+get.Misses > 0 {
		fmt.Fprintf(&b, "Hits      %s %% of GETs found their key (%s hits, %s misses; measured)\n",
			strconv.FormatFloat(100*float64(get.Hits)/float64(get.Hits+get.Misses), 'f', 2, 64), formatWhole(float64(get.Hits)), formatWhole(float64(get.Misses)))
	}
	return b.String()
}

// formatPercent formats a fraction as a percentage with three significant
// digits at least: 93.2 %, 0.482 %, 375 %.
func formatPercent(x float64) string {
	p := 100 * x
	switch {
	case p >= 100:
		return strconv.FormatFloat(p, 'f', 0, 64) + " %"
	case p >= 10:
		return strconv.FormatFloat(p, 'f', 1, 64) + " %"
	case p >= 1:
		return strconv.FormatFloat(p, 'f', 2, 64) + " %"
	default:
		return strconv.FormatFloat(p, 'g', 3, 64) + " %"
	}
}

// formatBytes formats a byte count in decimal units, as Azure sizes are
// given: 1.32 GB, 176 GB, 2.7 TB.
func formatBytes(n float64) string {
	units := []string{"B", "kB", "MB", "GB", "TB", "PB"}
	i := 0
	for n >= 1000 && i < len(units)-1 {
		n /= 1000
		i++
	}
	prec := 0
	switch {
	case i == 0 || n >= 100:
	case n >= 10:
		prec = 1
	default:
		prec = 2
	}
	return strconv.FormatFloat(n, 'f', prec, 64) + " " + units[i]
}
