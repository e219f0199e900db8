package prices

import (
	"bytes"
	"context"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/amrbench/amrbench/internal/pricestest"
	"github.com/amrbench/amrbench/report/catalog"
)

func skus(t *testing.T, names ...string) []*catalog.SKU {
	t.Helper()
	c, err := catalog.DefaultCatalog()
	if err != nil {
		t.Fatal(err)
	}
	var out []*catalog.SKU
	for _, n := range names {
		s, err := c.Lookup(n)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func TestFilter(t *testing.T) {
	t.Parallel()
	got := Filter("westeurope", skus(t, "B20", "M10", "P1", "C1"))
	want := "serviceName eq 'Redis Cache' and armRegionName eq 'westeurope' and priceType eq 'Consumption' and (" +
		"(productName eq 'Azure Managed Redis - Balanced' and meterName eq 'B20 Cache Instance') or " +
		"(productName eq 'Azure Managed Redis - Memory Optimized' and meterName eq 'M10 Cache Instance') or " +
		"(productName eq 'Azure Redis Cache Premium' and meterName eq 'P1 Cache'))"
	if got != want {
		t.Fatalf("filter\n%s\nwant\n%s", got, want)
	}
	// A region cannot end its quote and ask something else.
	if got := Filter("x' or serviceName eq 'y", nil); !strings.Contains(got, "armRegionName eq 'x'' or serviceName eq ''y'") {
		t.Fatalf("quoting: %s", got)
	}
}

// TestFetchAndBuild asks a server that answers with the testdata pages
// for the prices of the sizes a plan recommends, and checks each price
// against the answer: the latest pay-as-you-go hourly meter of the SKU's
// product in the region, × 730 hours.
func TestFetchAndBuild(t *testing.T) {
	t.Parallel()
	srv := pricestest.Start(t, "testdata")
	requests := &srv.Requests
	want := skus(t, "B20", "M50", "X10", "A500", "P1", "C1", "E10")
	c := &Client{HTTP: srv.Client(), URL: srv.URL}
	page, err := c.Fetch(context.Background(), "westeurope", want)
	if err != nil {
		t.Fatal(err)
	}
	// Both pages, the second asked of the test server although its link
	// names prices.azure.com.
	if requests.Load() != 2 || len(page.Items) != 48 || page.NextPageLink != "" {
		t.Fatalf("%d requests, %d items, next %q", requests.Load(), len(page.Items), page.NextPageLink)
	}
	table := Build("westeurope", srv.URL, want, page.Items)
	tests := []struct {
		sku, meter string
		hourly     float64
	}{
		// The page's item for each: B20's 2025 price, not its 2024 one, its
		// reservation or its price in North Europe.
		{"B20", "B20 Cache Instance", 0.1533},
		{"M50", "M50 Cache Instance", 0.265},
		{"X10", "X10 Cache Instance", 0.13},
		{"A500", "A500 Cache Instance", 1},
		// Premium: the cache's meter, not one node's.
		{"P1", "P1 Cache", 0.554},
	}
	for _, tt := range tests {
		p, ok := table.Prices[tt.sku]
		if !ok {
			t.Errorf("%s: no price (missing %v)", tt.sku, table.Missing)
			continue
		}
		if p.Meter != tt.meter || p.Hourly != tt.hourly || math.Abs(p.Monthly-tt.hourly*730) > 1e-9 || p.Currency != "USD" || p.Region != "westeurope" {
			t.Errorf("%s: %+v; want meter %q at %v/hour, %v/month", tt.sku, p, tt.meter, tt.hourly, tt.hourly*730)
		}
	}
	if strings.Join(table.Missing, ",") != "C1,E10" {
		t.Errorf("missing %v, want C1 (Basic or Standard) and E10 (not in the answer)", table.Missing)
	}
}

func TestFetchErrors(t *testing.T) {
	t.Parallel()
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "busy", http.StatusServiceUnavailable)
	}))
	defer failing.Close()
	endless := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"Items":[],"NextPageLink":"https://prices.azure.com/api/retail/prices?$skip=100","Count":0}`))
	}))
	defer endless.Close()
	tests := []struct {
		name, url, want string
	}{
		{"an HTTP error", failing.URL, "page 1: HTTP 503 Service Unavailable"},
		{"pages without end", endless.URL, "more than 20 pages"},
		{"no server", "http://127.0.0.1:1/api", "connection refused"},
	}
	for _, tt := range tests {
		c := &Client{URL: tt.url}
		if _, err := c.Fetch(context.Background(), "westeurope", skus(t, "B20")); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestDecodePage(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("testdata", "westeurope-2.json"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := DecodePage(bytes.NewReader(data), MaxPageBytes)
	if err != nil || len(p.Items) != 24 || p.BillingCurrency != "USD" {
		t.Fatalf("page: %v, %+v", err, p)
	}
	if _, err := DecodePage(bytes.NewReader(data), 1000); !errors.Is(err, ErrTooLarge) {
		t.Errorf("a page over the bound: %v", err)
	}
	for _, bad := range []string{"<html>", `{"value":[]}`, ""} {
		if _, err := DecodePage(strings.NewReader(bad), MaxPageBytes); err == nil || !strings.Contains(err.Error(), "not a Retail Prices API answer") {
			t.Errorf("%q: error %v", bad, err)
		}
	}
}
