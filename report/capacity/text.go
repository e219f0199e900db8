package capacity

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/amrbench/amrbench/internal/units"
)

// WriteJSON writes the plan as indented JSON: the input, the runs read, and
// per tier the candidates with their arithmetic and the verdict.
func (p *Plan) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(p)
}

// WriteText writes the plan as text for a terminal. It shows every figure's
// arithmetic and says which capacities were measured and which
// extrapolated.
func (p *Plan) WriteText(w io.Writer) error {
	if _, err := io.WriteString(w, p.headline()+"\nMeasured\n"); err != nil {
		return err
	}
	if err := p.writeRuns(w); err != nil {
		return err
	}
	for _, t := range p.Tiers {
		if err := p.writeTier(w, t); err != nil {
			return err
		}
	}
	tail := p.Answer + "\n"
	if c := p.cheapest(); c != "" {
		tail += c + "\n"
	}
	if pt := p.pricingText(); pt != "" {
		tail += pt + "\n"
	}
	_, err := fmt.Fprintf(w, "\n%s%s\n", tail, "Measured capacities come from runs on that SKU; extrapolated ones are estimates from the nearest "+
		"measured size of the same tier, never across tiers. Catalog figures: amrbench tiers.")
	return err
}

// headline says what the plan was asked and what each size must do.
func (p *Plan) headline() string {
	in := p.Input
	var b strings.Builder
	fmt.Fprintf(&b, "Capacity plan: %s ops/s at %s", units.FormatWhole(in.TargetOps), p.objectivesText())
	if in.DatasetBytes > 0 {
		fmt.Fprintf(&b, ", %s of data", units.FormatBytes(in.DatasetBytes))
	}
	if in.Connections > 0 {
		fmt.Fprintf(&b, ", %s connections", units.FormatWhole(float64(in.Connections)))
	}
	b.WriteString("\n")
	switch {
	case in.Keys > 0:
		source := "Microsoft's prefill rule"
		if in.PerKeyOverheadBytes != DefaultPerKeyOverheadBytes {
			source = "as given"
		}
		fmt.Fprintf(&b, "Data: %s keys × (%s B value + %s B per key, %s) = %s\n",
			units.FormatWhole(in.Keys), units.FormatWhole(in.ValueBytes), units.FormatWhole(in.PerKeyOverheadBytes), source, units.FormatBytes(in.DatasetBytes))
	case in.DatasetBytes > 0:
		fmt.Fprintf(&b, "Data: %s as given, no per-key overhead added (give --keys and --value-size to have the plan add %d B per key)\n",
			units.FormatBytes(in.DatasetBytes), DefaultPerKeyOverheadBytes)
	}
	fmt.Fprintf(&b, "Each size must sustain %s / (1 − %s throughput headroom) = %s ops/s while meeting %s",
		units.FormatWhole(in.TargetOps), units.FormatPercent(in.ThroughputHeadroom), units.FormatWhole(p.NeededOps), p.objectivesText())
	if in.DatasetBytes > 0 {
		fmt.Fprintf(&b, ",\nand hold %s in its usable memory × (1 − %s memory headroom)", units.FormatBytes(in.DatasetBytes), units.FormatPercent(in.MemoryHeadroom))
	} else {
		b.WriteString(";\nmemory not checked (no --dataset)")
	}
	if in.Connections > 0 {
		fmt.Fprintf(&b, ", with %s connections under its limit.\n", units.FormatWhole(float64(in.Connections)))
	} else {
		b.WriteString("; connections not checked (no --connections).\n")
	}
	return b.String()
}

// writeRuns writes the table of the runs read, how each was read, and the
// warnings about them.
func (p *Plan) writeRuns(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  RUN\tSKU\tVCPUS\tSHARDS\tOPS/S MEETING SLO\tPER VCPU\tPER SHARD\tEVIDENCE")
	for _, r := range p.Runs {
		rate, perV, perS := "-", "-", "-"
		if r.Rate > 0 {
			rate = units.FormatWhole(r.Rate)
			if r.Evidence == EvidenceLowerBound {
				rate = "≥ " + rate
				if r.LowerBound != "" {
					rate += " (" + r.LowerBound + ")"
				}
			}
			if r.PerVCPU > 0 {
				perV = units.FormatWhole(r.PerVCPU)
			}
			if r.PerShard > 0 {
				perS = units.FormatWhole(r.PerShard)
			}
		}
		sku := r.SKU
		if sku == "" {
			sku = "-"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Name, sku, wholeOrDash(r.VCPUs), wholeOrDash(r.Shards), rate, perV, perS, r.Evidence)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var b strings.Builder
	for _, r := range p.Runs {
		fmt.Fprintf(&b, "  %s: %s\n", r.Name, r.How)
	}
	if len(p.Runs) == 0 {
		b.WriteString("  no runs given\n")
	}
	for _, warn := range p.Warnings {
		fmt.Fprintf(&b, "  Warning: %s\n", warn)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeTier writes one tier's verdict, its candidates and the arithmetic of
// their extrapolations.
func (p *Plan) writeTier(w io.Writer, t *TierPlan) error {
	text := fmt.Sprintf("\n%s: %s\n", t.Tier, t.Verdict)
	if t.Price != nil {
		text += "  " + t.Recommended + " " + priceLine(t.Price) + "\n"
	}
	if t.TooSmall != "" {
		text += fmt.Sprintf("  %s\n", t.TooSmall)
	}
	if _, err := io.WriteString(w, text); err != nil {
		return err
	}
	if len(t.Candidates) == 0 {
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  SKU\tDATA LIMIT\tCONNECTIONS\tOPS/S MEETING SLO\t")
	for _, c := range t.Candidates {
		mem, conns, capText := p.candidateCells(c)
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t\n", c.SKU, mem, conns, capText)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var b strings.Builder
	for _, c := range t.Candidates {
		if c.Arithmetic != "" {
			fmt.Fprintf(&b, "  %s ≈ %s: %s\n", c.SKU, units.FormatWhole(c.Capacity), c.Arithmetic)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// candidateCells returns a candidate's data limit, connection limit and
// capacity cells, each with ✓ or ✗ where the plan checked it.
func (p *Plan) candidateCells(c *Candidate) (mem, conns, capText string) {
	in := p.Input
	mem = "-"
	if in.DatasetBytes > 0 {
		mem = fmt.Sprintf("%s × %s = %s %s", units.FormatGB(c.DataCapacityGB), units.FormatWhole(100*(1-in.MemoryHeadroom))+" %", units.FormatGB(c.DataLimitGB), mark(c.FitsMemory))
	}
	conns = "not published"
	if c.MaxConnections > 0 {
		conns = "limit " + units.FormatWhole(c.MaxConnections)
		if in.Connections > 0 {
			conns += " " + mark(c.FitsConns)
		}
	}
	capText = "no estimate"
	switch c.Basis {
	case BasisMeasured:
		capText = units.FormatWhole(c.Capacity) + " measured"
		if c.AtLeast {
			capText = "≥ " + capText
		}
		if c.Capacity == 0 {
			capText = "never met (measured)"
		}
	case BasisExtrapolated:
		capText = "≈ " + units.FormatWhole(c.Capacity) + " extrapolated from " + c.From
		if c.AtLeast {
			capText = "≥ " + capText
		}
	}
	switch {
	case c.Undecided:
		// A lower bound short of the need says nothing against the size.
		capText += " ? (a lower bound"
		if c.LowerBound != "" {
			capText += ": " + c.LowerBound
		}
		capText += "; run --find-max)"
	case c.Basis != BasisNone:
		capText += " " + mark(c.Meets)
	}
	return mem, conns, capText
}

func mark(ok bool) string {
	if ok {
		return "✓"
	}
	return "✗"
}

func wholeOrDash(v float64) string {
	if v <= 0 {
		return "-"
	}
	return units.FormatWhole(v)
}
