package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"github.com/amrbench/amrbench/internal/units"
	"github.com/amrbench/amrbench/report/capacity"
	"github.com/amrbench/amrbench/report/catalog"
	"github.com/amrbench/amrbench/report/prices"
)

// pricesTimeout bounds the questions to the Retail Prices API.
const pricesTimeout = 20 * time.Second

// priceOptions are plan's price flags.
type priceOptions struct {
	region, file, url, currency, cacheDir string
}

// regionPattern is what an Azure region's name looks like (westeurope,
// eastus2): checked before it goes into a question.
var regionPattern = regexp.MustCompile(`^[a-z][a-z0-9]{2,40}$`)

// check validates the price flags.
func (o priceOptions) check() error {
	switch {
	case o.region == "" && o.file != "":
		return usagef("--prices-file needs --region: the region whose prices the file holds")
	case o.region != "" && !regionPattern.MatchString(o.region):
		return usagef("--region %q: an Azure region's name, such as westeurope or eastus2", o.region)
	case o.currency != "" && !regexp.MustCompile(`^[A-Z]{3}$`).MatchString(o.currency):
		return usagef("--currency %q: a currency code such as USD or EUR", o.currency)
	}
	return nil
}

// attachPrices gives the plan the monthly prices of the sizes it
// recommends: from --prices-file, or from the Retail Prices API (whose
// answer is cached for the next time offline), or from that cache when the
// API cannot be reached. Without --region, or without any answer, the plan
// says why it has no prices; it never fails for them.
func attachPrices(ctx context.Context, env *environment, c *catalog.Catalog, p *capacity.Plan, o priceOptions) {
	if o.region == "" {
		p.SetPricing("", nil, "Prices: not looked up; give --region (for example westeurope) for each recommended size's monthly price from Azure's Retail Prices API.")
		return
	}
	skus := p.RecommendedSKUs(c)
	if len(skus) == 0 {
		p.SetPricing(o.region, nil, "Prices: none looked up, as no size is recommended.")
		return
	}
	if o.file != "" {
		page, err := readPricesFile(o.file)
		if err != nil {
			p.SetPricing(o.region, nil, fmt.Sprintf("Prices unavailable: --prices-file %s: %v.", o.file, err))
			return
		}
		p.SetPricing(o.region, prices.Build(o.region, "the saved answer "+o.file, skus, page.Items), "")
		return
	}
	cache := cacheFile(env, o)
	client := &prices.Client{HTTP: &http.Client{Timeout: pricesTimeout}, URL: o.url, Currency: o.currency}
	page, err := client.Fetch(ctx, o.region, skus)
	if err == nil {
		source := fmt.Sprintf("Azure's Retail Prices API (%s), asked %s", orDefault(o.url, prices.DefaultURL), time.Now().UTC().Format("2006-01-02"))
		note := ""
		if cache != "" {
			if werr := saveCache(cache, page); werr != nil {
				note = fmt.Sprintf("(The answer could not be cached for offline use: %v.)", werr)
			}
		}
		p.SetPricing(o.region, prices.Build(o.region, source, skus, page.Items), note)
		return
	}
	reason := units.OneLine(err)
	if cache == "" {
		p.SetPricing(o.region, nil, fmt.Sprintf("Prices unavailable: the Retail Prices API could not be reached (%s), and there is no cache directory ($XDG_CACHE_HOME or $HOME).", reason))
		return
	}
	cached, when, cerr := readCache(cache)
	if cerr != nil {
		p.SetPricing(o.region, nil, fmt.Sprintf("Prices unavailable: the Retail Prices API could not be reached (%s), and no cached answer for %s could be read (%v).", reason, o.region, cerr))
		return
	}
	source := fmt.Sprintf("the cached answer of %s (%s) from Azure's Retail Prices API, which could not be reached now (%s)", when.UTC().Format("2006-01-02"), cache, reason)
	p.SetPricing(o.region, prices.Build(o.region, source, skus, cached.Items), "")
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// readPricesFile reads a saved answer of the API, bounded.
func readPricesFile(path string) (*prices.Page, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return prices.DecodePage(f, prices.MaxPageBytes)
}

// cacheFile is where the answers for o's region and currency are kept:
// --prices-cache, or amrbench/ under $XDG_CACHE_HOME or $HOME/.cache; empty
// when there is none.
func cacheFile(env *environment, o priceOptions) string {
	dir := o.cacheDir
	if dir == "" {
		switch {
		case env.getenv("XDG_CACHE_HOME") != "":
			dir = filepath.Join(env.getenv("XDG_CACHE_HOME"), "amrbench")
		case env.getenv("HOME") != "":
			dir = filepath.Join(env.getenv("HOME"), ".cache", "amrbench")
		default:
			return ""
		}
	}
	return filepath.Join(dir, "prices-"+o.region+"-"+orDefault(o.currency, "USD")+".json")
}

// saveCache keeps an answer for offline use, beside what the cache already
// holds for other sizes: an item replaces the cached items of its meter.
func saveCache(path string, page *prices.Page) error {
	merged := &prices.Page{BillingCurrency: page.BillingCurrency, Items: page.Items}
	if old, _, err := readCache(path); err == nil {
		asked := map[string]bool{}
		for _, it := range page.Items {
			asked[it.ProductName+"\x00"+it.MeterName] = true
		}
		for _, it := range old.Items {
			if !asked[it.ProductName+"\x00"+it.MeterName] {
				merged.Items = append(merged.Items, it)
			}
		}
	}
	merged.Count = len(merged.Items)
	data, err := json.MarshalIndent(merged, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// readCache reads a cached answer and when it was written.
func readCache(path string) (*prices.Page, time.Time, error) {
	st, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, time.Time{}, errors.New("none cached yet")
		}
		return nil, time.Time{}, err
	}
	page, err := readPricesFile(path)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("%s: %w", path, err)
	}
	return page, st.ModTime(), nil
}

// priceFlagsHelp is the part of plan's synopsis about prices.
const priceFlagsHelp = `With --region, each recommended size's monthly price comes from Azure's public Retail Prices API
(` + prices.DefaultURL + `): its pay-as-you-go meter per hour × 730 hours. The answer is cached
(--prices-cache, default $XDG_CACHE_HOME/amrbench or ~/.cache/amrbench) and used when the API cannot be
reached; --prices-file FILE reads a saved answer instead. Without prices the plan still plans, and
says why it shows none.`
