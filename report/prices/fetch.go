package prices

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/amrbench/amrbench/report/catalog"
)

// Client asks the Retail Prices API.
type Client struct {
	// HTTP is the client requests go through; http.DefaultClient when nil.
	// Give it a timeout.
	HTTP *http.Client
	// URL is the API's address; DefaultURL when empty.
	URL string
	// Currency is the currency code to ask for ("EUR"); the API's own, USD,
	// when empty.
	Currency string
}

// Fetch asks for the pay-as-you-go meters of skus in region and returns
// every page's items, as one page (the form a saved answer takes). It
// follows the API's NextPageLink on the client's own URL, so that pages
// never come from elsewhere, at most MaxPages times, each page at most
// MaxPageBytes.
func (c *Client) Fetch(ctx context.Context, region string, skus []*catalog.SKU) (*Page, error) {
	base := c.URL
	if base == "" {
		base = DefaultURL
	}
	u, err := url.Parse(base)
	if err != nil {
		return nil, fmt.Errorf("the prices URL %q: %w", base, err)
	}
	q := u.Query()
	q.Set("$filter", Filter(region, skus))
	if c.Currency != "" {
		q.Set("currencyCode", "'"+c.Currency+"'")
	}
	u.RawQuery = q.Encode()
	all := &Page{Items: []Item{}}
	for page := 1; ; page++ {
		p, err := c.get(ctx, u.String())
		if err != nil {
			return nil, fmt.Errorf("%s: page %d: %w", base, page, err)
		}
		all.BillingCurrency = p.BillingCurrency
		all.Items = append(all.Items, p.Items...)
		if p.NextPageLink == "" {
			break
		}
		if page == MaxPages {
			return nil, fmt.Errorf("%s: more than %d pages of prices for %d sizes: the answer is not the one asked for", base, MaxPages, len(skus))
		}
		next, err := url.Parse(p.NextPageLink)
		if err != nil {
			return nil, fmt.Errorf("%s: page %d: its next page %q: %w", base, page, p.NextPageLink, err)
		}
		// The same question, on our URL: only the paging ($skip and the
		// like) is taken from the link.
		nq := u.Query()
		for k, v := range next.Query() {
			if k != "$filter" && k != "currencyCode" {
				nq[k] = v
			}
		}
		u.RawQuery = nq.Encode()
	}
	all.Count = len(all.Items)
	return all, nil
}

func (c *Client) get(ctx context.Context, target string) (*Page, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // the URL is said by the caller
		}
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %s", resp.Status)
	}
	return DecodePage(resp.Body, MaxPageBytes)
}
