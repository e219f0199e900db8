package report

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/amrbench/amrbench/internal/units"
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
	fmt.Fprintf(&b, "Key space %s keys × (%s B + %s B per key) = %s", units.FormatWhole(float64(ks.Keys)),
		units.FormatWhole(ks.MeanValueBytes), units.FormatWhole(ks.PerKeyOverheadBytes), units.FormatBytes(ks.Bytes))
	switch {
	case ks.SKU == "":
		b.WriteString(" (no --sku: not compared with a SKU's memory)\n")
	case ks.RAMBytes == 0:
		fmt.Fprintf(&b, " (%s's RAM is not published: not compared)\n", ks.SKU)
	case ks.Flash:
		fmt.Fprintf(&b, ": %s of %s's RAM (%s)\n", units.FormatPercent(ks.Bytes/ks.RAMBytes), ks.SKU, ks.RAMNote)
		if ks.KeysInRAM >= ks.Keys {
			b.WriteString("          all of it fits in RAM: every GET is served from RAM, none from NVMe\n")
		} else if ks.GetShareInRAM > 0 {
			fmt.Fprintf(&b, "          the %s hottest values fit in RAM: an estimated %s of GETs (%s keys) read from RAM, the rest from NVMe\n",
				units.FormatWhole(float64(ks.KeysInRAM)), units.FormatPercent(ks.GetShareInRAM), ks.Distribution)
		}
	default:
		capacity, what := ks.RAMBytes, "memory"
		if ks.UsableBytes > 0 {
			capacity, what = ks.UsableBytes, "usable memory"
		}
		fmt.Fprintf(&b, ": %s of %s's %s %s (%s)\n", units.FormatPercent(ks.Bytes/capacity), ks.SKU, units.FormatBytes(capacity), what, ks.RAMNote)
		if ks.Bytes > capacity {
			b.WriteString("          more than fits: SETs will fail with OOM errors, or evict keys that have a TTL (volatile-lru, AMR's default)\n")
		}
	}
	if get := s.Commands["GET"]; get != nil && get.Hits+get.Misses > 0 {
		fmt.Fprintf(&b, "Hits      %s %% of GETs found their key (%s hits, %s misses; measured)\n",
			strconv.FormatFloat(100*float64(get.Hits)/float64(get.Hits+get.Misses), 'f', 2, 64), units.FormatWhole(float64(get.Hits)), units.FormatWhole(float64(get.Misses)))
	}
	return b.String()
}
