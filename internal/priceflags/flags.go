package priceflags

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"

	"github.com/spf13/pflag"

	"github.com/amrbench/amrbench/report/capacity"
	"github.com/amrbench/amrbench/report/catalog"
	"github.com/amrbench/amrbench/report/prices"
)

// Flags are plan's price flags.
type Flags struct {
	region, file, url, currency, cacheDir string
}

// Register registers the price flags in fs.
func (o *Flags) Register(fs *pflag.FlagSet) {
	fs.StringVar(&o.region, "region", "", "Azure region for the recommended sizes' monthly prices: westeurope, eastus2, ...")
	fs.StringVar(&o.file, "prices-file", "", "read the prices from a saved answer of the Retail Prices API instead of asking it")
	fs.StringVar(&o.url, "prices-url", "", "the Retail Prices API's address (default "+prices.DefaultURL+")")
	fs.StringVar(&o.currency, "currency", "", "currency of the prices: USD (the default), EUR, GBP, ...")
	fs.StringVar(&o.cacheDir, "prices-cache", "", "directory of cached price answers (default $XDG_CACHE_HOME/amrbench or ~/.cache/amrbench)")
}

// regionPattern is what an Azure region's name looks like (westeurope,
// eastus2): checked before it goes into a question.
var regionPattern = regexp.MustCompile(`^[a-z][a-z0-9]{2,40}$`)

// Check validates the price flags; its errors are mistakes in the command
// line.
func (o *Flags) Check() error {
	switch {
	case o.region == "" && o.file != "":
		return fmt.Errorf("--prices-file needs --region: the region whose prices the file holds")
	case o.region != "" && !regionPattern.MatchString(o.region):
		return fmt.Errorf("--region %q: an Azure region's name, such as westeurope or eastus2", o.region)
	case o.currency != "" && !regexp.MustCompile(`^[A-Z]{3}$`).MatchString(o.currency):
		return fmt.Errorf("--currency %q: a currency code such as USD or EUR", o.currency)
	}
	return nil
}

// Attach gives the plan the monthly prices of the sizes it
// recommends: from --prices-file, or from the Retail Prices API (whose
// answer is cached for the next time offline), or from that cache when the
// API cannot be reached. Without --region, or without any answer, the plan
// says why it has no prices; it never fails for them.
func (o *Flags) Attach(ctx context.Context, getenv func(string) string, c *catalog.Catalog, p *capacity.Plan) {
	if o.region == "" {
		p.SetPricing("", nil, "Prices: not looked up; give --region (for example westeurope) for each recommended size's monthly price from Azure's Retail Prices API.")
		return
	}
	skus := p.RecommendedSKUs(c)
	if len(skus) == 0 {
		p.SetPricing(o.region, nil, "Prices: none looked up, as no size is recommended.")
		return
	}
	lookup := prices.Lookup{Region: o.region, Currency: o.currency, File: o.file, URL: o.url}
	if o.file == "" {
		lookup.CacheFile = o.cacheFile(getenv)
	}
	table, note := lookup.Prices(ctx, skus)
	p.SetPricing(o.region, table, note)
}

// cacheFile is where the answers for o's region and currency are kept:
// --prices-cache, or amrbench/ under $XDG_CACHE_HOME or $HOME/.cache; empty
// when there is none.
func (o *Flags) cacheFile(getenv func(string) string) string {
	dir := o.cacheDir
	if dir == "" {
		switch {
		case getenv("XDG_CACHE_HOME") != "":
			dir = filepath.Join(getenv("XDG_CACHE_HOME"), "amrbench")
		case getenv("HOME") != "":
			dir = filepath.Join(getenv("HOME"), ".cache", "amrbench")
		default:
			return ""
		}
	}
	return prices.CacheFile(dir, o.region, o.currency)
}

// Help is the part of plan's synopsis about prices.
const Help = `With --region, each recommended size's monthly price comes from Azure's public Retail Prices API
(` + prices.DefaultURL + `): its pay-as-you-go meter per hour × 730 hours. The answer is cached
(--prices-cache, default $XDG_CACHE_HOME/amrbench or ~/.cache/amrbench) and used when the API cannot be
reached; --prices-file FILE reads a saved answer instead. Without prices the plan still plans, and
says why it shows none.`
