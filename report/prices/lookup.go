package prices

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/amrbench/amrbench/internal/units"
	"github.com/amrbench/amrbench/report/catalog"
)

// Timeout bounds the questions a Lookup asks the Retail Prices API.
const Timeout = 20 * time.Second

// Lookup says where the prices of a plan come from: a saved answer, or the
// Retail Prices API, whose answer is cached for the next time offline, or
// that cache when the API cannot be reached.
type Lookup struct {
	// Region and Currency are what is asked for (Currency "": USD).
	Region, Currency string
	// File is a saved answer of the API to read instead of asking it.
	File string
	// URL is the API's address; DefaultURL when empty.
	URL string
	// CacheFile keeps the API's answers (CacheFile names it); empty: no
	// cache.
	CacheFile string
}

// CacheFile names the file under dir that keeps the answers for region in
// currency ("": USD).
func CacheFile(dir, region, currency string) string {
	return filepath.Join(dir, "prices-"+region+"-"+orDefault(currency, "USD")+".json")
}

// Prices returns the prices of skus and a note for the plan; without any
// answer, the table is nil and the note says why. It never fails.
func (l Lookup) Prices(ctx context.Context, skus []*catalog.SKU) (*Table, string) {
	if l.File != "" {
		page, err := readPageFile(l.File)
		if err != nil {
			return nil, fmt.Sprintf("Prices unavailable: --prices-file %s: %v.", l.File, err)
		}
		return Build(l.Region, "the saved answer "+l.File, skus, page.Items), ""
	}
	client := &Client{HTTP: &http.Client{Timeout: Timeout}, URL: l.URL, Currency: l.Currency}
	page, err := client.Fetch(ctx, l.Region, skus)
	if err == nil {
		source := fmt.Sprintf("Azure's Retail Prices API (%s), asked %s", orDefault(l.URL, DefaultURL), time.Now().UTC().Format("2006-01-02"))
		note := ""
		if l.CacheFile != "" {
			if werr := saveCache(l.CacheFile, page); werr != nil {
				note = fmt.Sprintf("(The answer could not be cached for offline use: %v.)", werr)
			}
		}
		return Build(l.Region, source, skus, page.Items), note
	}
	reason := units.OneLine(err)
	if l.CacheFile == "" {
		return nil, fmt.Sprintf("Prices unavailable: the Retail Prices API could not be reached (%s), and there is no cache directory ($XDG_CACHE_HOME or $HOME).", reason)
	}
	cached, when, cerr := readCache(l.CacheFile)
	if cerr != nil {
		return nil, fmt.Sprintf("Prices unavailable: the Retail Prices API could not be reached (%s), and no cached answer for %s could be read (%v).", reason, l.Region, cerr)
	}
	source := fmt.Sprintf("the cached answer of %s (%s) from Azure's Retail Prices API, which could not be reached now (%s)", when.UTC().Format("2006-01-02"), l.CacheFile, reason)
	return Build(l.Region, source, skus, cached.Items), ""
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// readPageFile reads a saved answer of the API, bounded.
func readPageFile(path string) (*Page, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return DecodePage(f, MaxPageBytes)
}

// saveCache keeps an answer for offline use, beside what the cache already
// holds for other sizes: an item replaces the cached items of its meter.
func saveCache(path string, page *Page) error {
	merged := &Page{BillingCurrency: page.BillingCurrency, Items: page.Items}
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
func readCache(path string) (*Page, time.Time, error) {
	st, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, time.Time{}, errors.New("none cached yet")
		}
		return nil, time.Time{}, err
	}
	page, err := readPageFile(path)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("%s: %w", path, err)
	}
	return page, st.ModTime(), nil
}
