package capacity

import (
	"fmt"
	"math"
	"strings"

	"github.com/amrbench/amrbench/internal/units"
	"github.com/amrbench/amrbench/report/catalog"
)

// This file estimates the capacity of a size that was not measured from
// the nearest one of its tier that was.

// nearest returns the measured SKU closest to s in vCPUs (on a log scale),
// preferring the larger on a tie.
func nearest(s *catalog.SKU, refs []*catalog.SKU) *catalog.SKU {
	var best *catalog.SKU
	bestDist := math.Inf(1)
	for _, r := range refs {
		if !r.VCPUs.Known() || !s.VCPUs.Known() {
			continue
		}
		d := math.Abs(math.Log(s.VCPUs.Value / r.VCPUs.Value))
		if d < bestDist-1e-9 || (math.Abs(d-bestDist) <= 1e-9 && r.MemoryGB.Value > best.MemoryGB.Value) {
			best, bestDist = r, d
		}
	}
	return best
}

// pivot returns the SKU of tier whose published GET throughput is nearest
// s in vCPUs, for extrapolating past the sizes Microsoft measured; nil when
// s has its own published figure or none of the tier has one.
func pivot(s *catalog.SKU, tier []*catalog.SKU) *catalog.SKU {
	if s.GetRPS.Known() || !s.VCPUs.Known() {
		return nil
	}
	var best *catalog.SKU
	for _, t := range tier {
		if !t.GetRPS.Known() || !t.VCPUs.Known() {
			continue
		}
		if best == nil || math.Abs(math.Log(s.VCPUs.Value/t.VCPUs.Value)) < math.Abs(math.Log(s.VCPUs.Value/best.VCPUs.Value)) {
			best = t
		}
	}
	return best
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// extrapolate estimates the capacity of s from rate measured on ref: the
// lowest of Microsoft's published GET scaling between the two sizes (where
// both are published; where only ref is, up to pivot, the published size
// nearest s, and linearly per vCPU and per shard from there), linear scaling
// per vCPU and linear scaling per primary shard. Taking the lowest keeps the
// estimate conservative: throughput grows less than linearly with size in
// Microsoft's own figures.
func extrapolate(ref *catalog.SKU, rate float64, s *catalog.SKU, pivot *catalog.SKU) (float64, string) {
	type method struct {
		name  string
		value float64
		text  string
	}
	var ms []method
	if ref.GetRPS.Known() && s.GetRPS.Known() {
		v := rate * s.GetRPS.Value / ref.GetRPS.Value
		ms = append(ms, method{"Microsoft's GET scaling", v, fmt.Sprintf("%s × %s / %s", units.FormatWhole(rate), units.FormatWhole(s.GetRPS.Value), units.FormatWhole(ref.GetRPS.Value))})
	}
	if ref.GetRPS.Known() && pivot != nil && pivot != ref && s.VCPUs.Known() && pivot.VCPUs.Known() {
		atPivot := rate * pivot.GetRPS.Value / ref.GetRPS.Value
		v := atPivot / pivot.VCPUs.Value * s.VCPUs.Value
		text := fmt.Sprintf("%s × %s / %s / %s × %s", units.FormatWhole(rate), units.FormatWhole(pivot.GetRPS.Value), units.FormatWhole(ref.GetRPS.Value),
			units.FormatWhole(pivot.VCPUs.Value), units.FormatWhole(s.VCPUs.Value))
		if pivot.PrimaryShards.Known() && s.PrimaryShards.Known() {
			if vs := atPivot / pivot.PrimaryShards.Value * s.PrimaryShards.Value; vs < v {
				v = vs
				text = fmt.Sprintf("%s × %s / %s / %s × %s", units.FormatWhole(rate), units.FormatWhole(pivot.GetRPS.Value), units.FormatWhole(ref.GetRPS.Value),
					units.FormatWhole(pivot.PrimaryShards.Value), units.FormatWhole(s.PrimaryShards.Value))
			}
		}
		ms = append(ms, method{"Microsoft's GET scaling to " + pivot.Name + ", then linear", v, text})
	}
	if ref.VCPUs.Known() && s.VCPUs.Known() {
		v := rate / ref.VCPUs.Value * s.VCPUs.Value
		ms = append(ms, method{"per vCPU", v, fmt.Sprintf("%s / %s × %s", units.FormatWhole(rate), units.FormatWhole(ref.VCPUs.Value), units.FormatWhole(s.VCPUs.Value))})
	}
	if ref.PrimaryShards.Known() && s.PrimaryShards.Known() {
		v := rate / ref.PrimaryShards.Value * s.PrimaryShards.Value
		ms = append(ms, method{"per shard", v, fmt.Sprintf("%s / %s × %s", units.FormatWhole(rate), units.FormatWhole(ref.PrimaryShards.Value), units.FormatWhole(s.PrimaryShards.Value))})
	}
	if len(ms) == 0 {
		return 0, ""
	}
	low := ms[0]
	var parts []string
	for _, m := range ms {
		if m.value < low.value {
			low = m
		}
		parts = append(parts, fmt.Sprintf("%s %s = %s", m.name, m.text, units.FormatWhole(m.value)))
	}
	return low.value, "lowest of: " + strings.Join(parts, "; ")
}
