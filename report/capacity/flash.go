package capacity

import (
	"fmt"

	"github.com/amrbench/amrbench/internal/units"
	"github.com/amrbench/amrbench/report/catalog"
)

// A Flash Optimized size keeps the hottest data in RAM and the rest on
// NVMe, and its rate depends on how much of the reads RAM serves. A rate
// measured with a key space that fit in RAM does not carry over to a plan
// whose data the recommended size's RAM holds a smaller share of.

// checkFlashRAM warns, for each Flash tier's recommendation, about the runs
// its rate rests on that kept a larger share of their key space in RAM than
// the recommended size will keep of the plan's data.
func (p *Plan) checkFlashRAM() {
	if p.Input.DatasetBytes <= 0 {
		return
	}
	for _, tp := range p.Tiers {
		var rec *Candidate
		for _, c := range tp.Candidates {
			if c.SKU == tp.Recommended {
				rec = c
			}
		}
		if rec == nil || rec.sku == nil || !rec.sku.IsFlash() || !rec.sku.RAM().Known() {
			continue
		}
		ram := rec.sku.RAM().Value * catalog.BytesPerGB
		planShare := min(1, ram/p.Input.DatasetBytes)
		for _, r := range p.Runs {
			ks := r.keySpace
			if r.Tier != tp.Tier || r.Rate <= 0 || ks == nil || ks.RAMBytes <= 0 || ks.Bytes <= 0 {
				continue
			}
			runShare := min(1, ks.RAMBytes/ks.Bytes)
			if planShare >= runShare {
				continue
			}
			p.Warnings = append(p.Warnings, fmt.Sprintf("%s measured %s with %s of its key space (%s) in RAM, but %s's %s of RAM holds %s of the plan's %s: more reads come from NVMe than were measured, and %s may not reach the rate the plan gives it; measure with a key space the size of the data (--preload-fill)",
				r.Name, r.SKU, units.FormatPercent(runShare), units.FormatBytes(ks.Bytes), rec.SKU, units.FormatGB(rec.sku.RAM().Value),
				units.FormatPercent(planShare), units.FormatBytes(p.Input.DatasetBytes), rec.SKU))
		}
	}
}
