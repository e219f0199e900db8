package prices

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/amrbench/amrbench/internal/pricestest"
)

// TestLookupCachesAndFallsBack asks the API, which answers and is cached;
// then, the API out of reach, reads the cache, and says so; without a
// cache, says why there are no prices.
func TestLookupCachesAndFallsBack(t *testing.T) {
	t.Parallel()
	srv := pricestest.Start(t, "testdata")
	cache := CacheFile(t.TempDir(), "westeurope", "")
	if filepath.Base(cache) != "prices-westeurope-USD.json" {
		t.Fatalf("cache file %s", cache)
	}
	want := skus(t, "B20", "X10")
	l := Lookup{Region: "westeurope", URL: srv.URL, CacheFile: cache}
	table, note := l.Prices(context.Background(), want)
	if table == nil || note != "" || table.Prices["B20"].Hourly != 0.1533 || !strings.HasPrefix(table.Source, "Azure's Retail Prices API ("+srv.URL+"), asked ") {
		t.Fatalf("from the API: %+v, note %q", table, note)
	}
	if _, err := os.Stat(cache); err != nil {
		t.Fatalf("not cached: %v", err)
	}
	srv.Close()
	table, note = l.Prices(context.Background(), want)
	if table == nil || note != "" || table.Prices["X10"].Hourly != 0.13 || !strings.Contains(table.Source, "the cached answer of ") || !strings.Contains(table.Source, "which could not be reached now") {
		t.Fatalf("from the cache: %+v, note %q", table, note)
	}
	l.CacheFile = ""
	if table, note = l.Prices(context.Background(), want); table != nil || !strings.Contains(note, "and there is no cache directory") {
		t.Fatalf("without a cache: %+v, note %q", table, note)
	}
	l.CacheFile = filepath.Join(t.TempDir(), "none.json")
	if table, note = l.Prices(context.Background(), want); table != nil || !strings.Contains(note, "no cached answer for westeurope could be read (none cached yet)") {
		t.Fatalf("with an empty cache: %+v, note %q", table, note)
	}
	l.File = filepath.Join("testdata", "westeurope-1.json")
	if table, note = l.Prices(context.Background(), want); table == nil || table.Source != "the saved answer "+l.File || table.Prices["B20"].Monthly == 0 {
		t.Fatalf("from a file: %+v, note %q", table, note)
	}
}

// TestSaveCacheKeepsOtherMeters caches a second answer beside the first:
// an item replaces the cached items of its meter only.
func TestSaveCacheKeepsOtherMeters(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sub", "prices.json")
	first := &Page{BillingCurrency: "USD", Items: []Item{
		{ProductName: "P", MeterName: "A", RetailPrice: 1},
		{ProductName: "P", MeterName: "B", RetailPrice: 2},
	}}
	second := &Page{BillingCurrency: "USD", Items: []Item{{ProductName: "P", MeterName: "B", RetailPrice: 3}}}
	for _, p := range []*Page{first, second} {
		if err := saveCache(path, p); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var got Page
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	prices := map[string]float64{}
	for _, it := range got.Items {
		prices[it.MeterName] = it.RetailPrice
	}
	if got.Count != 2 || len(prices) != 2 || prices["A"] != 1 || prices["B"] != 3 {
		t.Fatalf("cache %+v, want A at 1 and B at 3", got)
	}
}
