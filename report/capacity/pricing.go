package capacity

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/amrbench/amrbench/report/catalog"
	"github.com/amrbench/amrbench/report/prices"
)

// Pricing is what a plan says about the monthly price of the sizes it
// recommends: the prices, where they came from, or why there are none.
type Pricing struct {
	Region string `json:"region,omitempty"`
	// Source says where the prices were read (the API, a cached or saved
	// answer); Note why there are none, or what else to know of them.
	Source string                  `json:"source,omitempty"`
	Note   string                  `json:"note,omitempty"`
	Prices map[string]prices.Price `json:"prices,omitempty"`
	// Missing lists recommended sizes the prices do not cover.
	Missing []string `json:"missing,omitempty"`
}

// RecommendedSKUs returns the catalog SKUs the plan recommends, one per
// tier that has a recommendation: the sizes whose prices it shows.
func (p *Plan) RecommendedSKUs(c *catalog.Catalog) []*catalog.SKU {
	var out []*catalog.SKU
	for _, t := range p.Tiers {
		if t.Recommended == "" {
			continue
		}
		if s, err := c.Lookup(t.Recommended); err == nil {
			out = append(out, s)
		}
	}
	return out
}

// SetPricing attaches prices to the plan: table (nil when there are none)
// and a note that says why not, or what else to know.
func (p *Plan) SetPricing(region string, table *prices.Table, note string) {
	p.Pricing = &Pricing{Region: region, Note: note}
	if table == nil {
		return
	}
	p.Pricing.Source, p.Pricing.Prices = table.Source, table.Prices
	for _, t := range p.Tiers {
		if t.Recommended == "" {
			continue
		}
		if pr, ok := table.Prices[t.Recommended]; ok {
			t.Price = &pr
		} else {
			p.Pricing.Missing = append(p.Pricing.Missing, t.Recommended)
		}
	}
}

// monthly writes a price per month: "USD 505.16/month".
func monthly(pr *prices.Price) string {
	return fmt.Sprintf("%s %s/month", pr.Currency, strconv.FormatFloat(pr.Monthly, 'f', 2, 64))
}

// priceLine is a recommended size's price with its arithmetic.
func priceLine(pr *prices.Price) string {
	return fmt.Sprintf("Price: %s %s/hour (meter %q of %s in %s, pay as you go) × %d hours = %s",
		pr.Currency, strconv.FormatFloat(pr.Hourly, 'f', -1, 64), pr.Meter, pr.Product, pr.Region, prices.HoursPerMonth, monthly(pr))
}

// pricingText is the plan's closing word on prices.
func (p *Plan) pricingText() string {
	pc := p.Pricing
	if pc == nil {
		return ""
	}
	var b strings.Builder
	if pc.Source != "" {
		fmt.Fprintf(&b, "Prices in %s: %s. Monthly = hourly × %d hours, as Azure's calculator counts a month. Each is the retail pay-as-you-go price of one meter as the Retail Prices API lists it, before taxes, reservations or discounts; check the Azure pricing calculator for your configuration (high availability, reservations).",
			pc.Region, pc.Source, prices.HoursPerMonth)
		if len(pc.Missing) > 0 {
			fmt.Fprintf(&b, " No price for %s: the answer has no pay-as-you-go meter for %s.", strings.Join(pc.Missing, ", "), map[bool]string{true: "it", false: "them"}[len(pc.Missing) == 1])
		}
	}
	if pc.Note != "" {
		if b.Len() > 0 {
			b.WriteString(" ")
		}
		b.WriteString(pc.Note)
	}
	return b.String()
}

// cheapest names the recommendation with the lowest monthly price, when
// more than one tier has a price.
func (p *Plan) cheapest() string {
	var best *TierPlan
	n := 0
	for _, t := range p.Tiers {
		if t.Price == nil {
			continue
		}
		n++
		if best == nil || t.Price.Monthly < best.Price.Monthly {
			best = t
		}
	}
	if n < 2 {
		return ""
	}
	return fmt.Sprintf("The lowest monthly price of the recommendations: %s %s, %s.", best.Tier, best.Recommended, monthly(best.Price))
}
