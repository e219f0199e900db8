package capacity

import (
	"fmt"
	"slices"
	"strings"

	"github.com/amrbench/amrbench/internal/units"
	"github.com/amrbench/amrbench/report/catalog"
)

// This file writes a tier's verdict once its sizes are walked: the
// recommendation and what it rests on, or why there is none. A size whose
// figure is only a lower bound below the need is neither recommended nor
// ruled out: the verdict says so and how to find out.

// tierVerdict writes tp.Verdict from the sizes that hold the data
// (fitting, smallest first, up to the recommendation if any), the measured
// capacities of the tier and the measured sizes with a rate (refs).
func (p *Plan) tierVerdict(tp *TierPlan, skus []*catalog.SKU, fitting []*Candidate, caps map[string]*skuCapacity, refs []*catalog.SKU) {
	tier := tp.Tier
	measured := len(caps) > 0
	tierRuns := 0
	for _, r := range p.Runs {
		if r.Tier == tier {
			tierRuns++
		}
	}
	switch {
	case len(fitting) == 0:
		largest := skus[len(skus)-1]
		cap, usable := largest.DataCapacity()
		what := "usable"
		if !usable {
			what = "total (usable not published)"
		}
		tp.Verdict = fmt.Sprintf("%s does not fit any %s size: the largest, %s, has %s %s, of which the plan lets data take %s",
			units.FormatBytes(p.Input.DatasetBytes), tier, largest.Name, units.FormatGB(cap.Value), what, units.FormatGB(cap.Value*(1-p.Input.MemoryHeadroom)))
	case tp.Recommended != "":
		cand := fitting[len(fitting)-1]
		tp.Verdict = fmt.Sprintf("%s: %s", tp.Recommended, describeBasis(cand))
		if len(tp.NotRuledOut) > 0 {
			tp.Verdict += "; " + p.notRuledOut(tp, fitting)
		}
	case !measured && tierRuns > 0:
		tp.Verdict = fmt.Sprintf("the %d run(s) of this tier give no rate that meets %s (see Measured); not guessed", tierRuns, p.objectivesText())
		tp.Candidates = nil
	case !measured && !anyConns(fitting):
		tp.Verdict = fmt.Sprintf("no measurement of this tier, and no %s size that holds the data accepts %s connections", tier, units.FormatWhole(float64(p.Input.Connections)))
		tp.Candidates = nil
	case !measured:
		first, what := fitting[0], "holds the data"
		for _, cand := range fitting {
			if cand.FitsConns {
				first = cand
				break
			}
		}
		if first != fitting[0] {
			what = fmt.Sprintf("holds the data and accepts %s connections", units.FormatWhole(float64(p.Input.Connections)))
		}
		tp.Verdict = fmt.Sprintf("no measurement of this tier: not guessed. The smallest size that %s is %s; measure it: amrbench run --sku %s ... --slo '%s' --find-max",
			what, first.SKU, first.SKU, strings.Join(p.Objectives, ","))
		tp.Candidates = nil
	case len(refs) == 0:
		tp.Verdict = fmt.Sprintf("%s was never met on the measured size(s) of this tier, even at the lowest rate tried: more shards add throughput, not lower latency at low load, so no %s size is recommended",
			p.objectivesText(), tier)
	case !anyConns(fitting):
		tp.Verdict = fmt.Sprintf("no %s size that holds the data accepts %s connections", tier, units.FormatWhole(float64(p.Input.Connections)))
	case len(tp.NotRuledOut) > 0:
		tp.Verdict = fmt.Sprintf("no %s size is known to reach %s ops/s at %s: %s", tier, units.FormatWhole(p.NeededOps), p.objectivesText(), p.notRuledOut(tp, fitting))
	default:
		best := fitting[len(fitting)-1]
		for _, cand := range fitting {
			if cand.Capacity > best.Capacity {
				best = cand
			}
		}
		tp.Verdict = fmt.Sprintf("no %s size reaches %s ops/s at %s: the highest estimate is %s, %s ops/s (%s)", tier,
			units.FormatWhole(p.NeededOps), p.objectivesText(), best.SKU, units.FormatWhole(best.Capacity), best.Basis)
	}
}

// notRuledOut says which sizes the plan could neither recommend nor rule
// out, why, and which search would tell: "B0 to B20 are not ruled out: B20
// ≥ 21,618 ops/s (measured) is a lower bound (client-bound) below the
// 31,250 ops/s needed, not a capacity; run --find-max on B0 ...".
func (p *Plan) notRuledOut(tp *TierPlan, fitting []*Candidate) string {
	names, verb := sizeRange(tp.NotRuledOut), "is"
	if len(tp.NotRuledOut) > 1 {
		verb = "are"
	}
	// The measured sizes' figures, or else the smallest size's estimate.
	var shown []*Candidate
	for _, c := range fitting {
		if c.Undecided && c.Basis == BasisMeasured {
			shown = append(shown, c)
		}
	}
	if len(shown) == 0 {
		for _, c := range fitting {
			if c.Undecided {
				shown = append(shown, c)
				break
			}
		}
	}
	var figures, why []string
	for _, c := range shown {
		what := "measured"
		if c.Basis == BasisExtrapolated {
			what = "extrapolated from " + c.From
		}
		figures = append(figures, fmt.Sprintf("%s ≥ %s ops/s (%s)", c.SKU, units.FormatWhole(c.Capacity), what))
		if c.LowerBound != "" && !slices.Contains(why, c.LowerBound) {
			why = append(why, c.LowerBound)
		}
	}
	bound := "is a lower bound"
	if len(figures) > 1 {
		bound = "are lower bounds"
	}
	if len(why) > 0 {
		bound += " (" + strings.Join(why, ", ") + ")"
	}
	// The search that tells most: on the largest size measured (it is at
	// hand, and if it falls short so do the smaller ones), or else on the
	// smallest size left open.
	search := tp.NotRuledOut[0]
	for _, c := range shown {
		if c.Basis == BasisMeasured {
			search = c.SKU
		}
	}
	return fmt.Sprintf("%s %s not ruled out: %s %s below the %s ops/s needed, not a capacity; run --find-max on %s (amrbench run --sku %s ... --slo '%s' --find-max) to know whether it is enough",
		names, verb, strings.Join(figures, ", "), bound, units.FormatWhole(p.NeededOps), search, search, strings.Join(p.Objectives, ","))
}

// sizeRange names consecutive sizes: "B20", "B0 to B20".
func sizeRange(names []string) string {
	if len(names) > 1 {
		return names[0] + " to " + names[len(names)-1]
	}
	return names[0]
}
