package prices

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/amrbench/amrbench/report/catalog"
)

// DefaultURL is Azure's Retail Prices API.
const DefaultURL = "https://prices.azure.com/api/retail/prices"

// HoursPerMonth turns an hourly price into a monthly one, as Azure's
// pricing calculator does (365 × 24 / 12 = 730).
const HoursPerMonth = 730

// ServiceName is the API's service name for every Azure Redis offering.
const ServiceName = "Redis Cache"

// Limits of what the reader accepts.
const (
	// MaxPageBytes bounds one page of the API's answer (a page of 100 items
	// is some 60 KB).
	MaxPageBytes = 4 << 20
	// MaxPages bounds the pages followed for one question.
	MaxPages = 20
)

// Meter names the product and meter an Azure Redis SKU is billed under.
type Meter struct {
	Product string `json:"product"`
	Meter   string `json:"meter"`
}

// products are the API's product names by catalog tier, and the suffix of
// the meter that prices one cache of a size: Azure Managed Redis bills a
// "<SKU> Cache Instance", the classic tiers a "<SKU> Cache" (for Standard
// and Premium the whole cache, both nodes; their "Cache Instance" meter is
// one node). Basic/Standard is one tier in the catalog and two products in
// the price list, so it has none.
var products = map[string]struct{ product, suffix string }{
	"Balanced":          {"Azure Managed Redis - Balanced", " Cache Instance"},
	"Memory Optimized":  {"Azure Managed Redis - Memory Optimized", " Cache Instance"},
	"Compute Optimized": {"Azure Managed Redis - Compute Optimized", " Cache Instance"},
	"Flash Optimized":   {"Azure Managed Redis - Flash Optimized", " Cache Instance"},
	"Premium":           {"Azure Redis Cache Premium", " Cache"},
	"Enterprise":        {"Azure Redis Cache Enterprise", " Cache"},
	"Enterprise Flash":  {"Azure Redis Cache Enterprise Flash", " Cache"},
}

// MeterFor returns the meter a SKU is billed under, and false for a tier
// whose price list the catalog cannot tell apart (Basic/Standard).
func MeterFor(s *catalog.SKU) (Meter, bool) {
	p, ok := products[s.Tier]
	if !ok {
		return Meter{}, false
	}
	return Meter{Product: p.product, Meter: s.Name + p.suffix}, true
}

// Filter returns the OData $filter that asks for the pay-as-you-go meters
// of skus in region: serviceName, armRegionName and priceType, and each
// SKU's product and meter name. It quotes what it is given, doubling any
// quote, so that a region cannot change the question.
func Filter(region string, skus []*catalog.SKU) string {
	var meters []string
	for _, s := range skus {
		if m, ok := MeterFor(s); ok {
			meters = append(meters, fmt.Sprintf("(productName eq %s and meterName eq %s)", quote(m.Product), quote(m.Meter)))
		}
	}
	f := fmt.Sprintf("serviceName eq %s and armRegionName eq %s and priceType eq 'Consumption'", quote(ServiceName), quote(region))
	if len(meters) > 0 {
		f += " and (" + strings.Join(meters, " or ") + ")"
	}
	return f
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// Item is one price of the API's answer: the fields a price is read from.
type Item struct {
	CurrencyCode       string    `json:"currencyCode"`
	RetailPrice        float64   `json:"retailPrice"`
	UnitPrice          float64   `json:"unitPrice"`
	ArmRegionName      string    `json:"armRegionName"`
	Location           string    `json:"location"`
	EffectiveStartDate time.Time `json:"effectiveStartDate"`
	MeterID            string    `json:"meterId"`
	MeterName          string    `json:"meterName"`
	ProductName        string    `json:"productName"`
	SKUName            string    `json:"skuName"`
	ServiceName        string    `json:"serviceName"`
	UnitOfMeasure      string    `json:"unitOfMeasure"`
	Type               string    `json:"type"`
	ReservationTerm    string    `json:"reservationTerm,omitempty"`
}

// Page is one page of the API's answer; a saved answer (or the CLI's cache
// of one) is a page with every item and no NextPageLink.
type Page struct {
	BillingCurrency string `json:"BillingCurrency"`
	Items           []Item `json:"Items"`
	NextPageLink    string `json:"NextPageLink"`
	Count           int    `json:"Count"`
}

// ErrTooLarge is returned for a page larger than the reader accepts.
var ErrTooLarge = errors.New("larger than the Retail Prices API's pages are")

// DecodePage reads one page of at most maxBytes: the API's answer, or a
// saved one.
func DecodePage(r io.Reader, maxBytes int64) (*Page, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxBytes+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > maxBytes {
		return nil, fmt.Errorf("%w (more than %d bytes)", ErrTooLarge, maxBytes)
	}
	var p Page
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("not a Retail Prices API answer: %w", err)
	}
	if p.Items == nil {
		return nil, errors.New("not a Retail Prices API answer: no Items")
	}
	return &p, nil
}

// Price is what one SKU costs in one region.
type Price struct {
	SKU     string `json:"sku"`
	Region  string `json:"region"`
	Product string `json:"product"`
	Meter   string `json:"meter"`
	// Currency is the API's currency code ("USD").
	Currency string `json:"currency"`
	// Hourly is the meter's retail price per hour, pay as you go; Monthly
	// is Hourly × HoursPerMonth.
	Hourly    float64   `json:"hourly"`
	Monthly   float64   `json:"monthly"`
	Effective time.Time `json:"effective,omitzero"`
}

// Table is the prices of some SKUs in one region, and where they came from.
type Table struct {
	Region string `json:"region"`
	// Source says where the prices were read: the API's URL, a file.
	Source string `json:"source"`
	// Prices maps SKU names to their prices; Missing lists the SKUs asked
	// for that the answer had no pay-as-you-go hourly meter for.
	Prices  map[string]Price `json:"prices"`
	Missing []string         `json:"missing,omitempty"`
}

// Build reads the prices of skus in region from the API's items: for each
// SKU, its product's pay-as-you-go meter ("Consumption") priced per hour.
// Items of other regions, products, price types or units are left out,
// whatever the API was asked: a saved answer may hold more.
func Build(region, source string, skus []*catalog.SKU, items []Item) *Table {
	t := &Table{Region: region, Source: source, Prices: map[string]Price{}}
	for _, s := range skus {
		m, ok := MeterFor(s)
		if !ok {
			t.Missing = append(t.Missing, s.Name)
			continue
		}
		var best *Item
		for i := range items {
			it := &items[i]
			if !strings.EqualFold(it.ArmRegionName, region) || it.ServiceName != ServiceName || it.ProductName != m.Product ||
				it.MeterName != m.Meter || it.Type != "Consumption" || it.UnitOfMeasure != "1 Hour" || it.RetailPrice <= 0 {
				continue
			}
			// Several versions of a price: the latest in effect.
			if best == nil || it.EffectiveStartDate.After(best.EffectiveStartDate) {
				best = it
			}
		}
		if best == nil {
			t.Missing = append(t.Missing, s.Name)
			continue
		}
		t.Prices[s.Name] = Price{SKU: s.Name, Region: best.ArmRegionName, Product: m.Product, Meter: m.Meter, Currency: best.CurrencyCode,
			Hourly: best.RetailPrice, Monthly: best.RetailPrice * HoursPerMonth, Effective: best.EffectiveStartDate}
	}
	sort.Strings(t.Missing)
	return t
}
