package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/amrbench/amrbench/internal/pricestest"
)

// TestPlanPrices asks plan for the prices of its recommendations: from a
// server that answers as the Retail Prices API, then, with the API out of
// reach, from the answer it cached, and from a saved file; and without
// --region or any answer it still plans and says why there are no prices.
func TestPlanPrices(t *testing.T) {
	t.Parallel()
	fixtures := filepath.Join("..", "..", "report", "capacity", "testdata", "plan")
	plan := []string{"plan", "--target-ops", "500k", "--slo", "p99<2ms", "--dataset", "5GB", filepath.Join(fixtures, "b10-search.jsonl"), filepath.Join(fixtures, "x10-search.jsonl")}
	cache := t.TempDir()
	env := map[string]string{"XDG_CACHE_HOME": cache}
	srv := pricestest.Start(t, filepath.Join("..", "..", "report", "prices", "testdata"), "B20 Cache Instance")
	requests := &srv.Requests

	res := cli(t, env, append(plan, "--region", "westeurope", "--prices-url", srv.URL)...)
	// B20's latest pay-as-you-go price in the answer is 0.1533 an hour; X10's 0.13.
	for _, want := range []string{
		`B20 Price: USD 0.1533/hour (meter "B20 Cache Instance" of Azure Managed Redis - Balanced in westeurope, pay as you go) × 730 hours = USD 111.91/month`,
		`X10 Price: USD 0.13/hour (meter "X10 Cache Instance" of Azure Managed Redis - Compute Optimized in westeurope, pay as you go) × 730 hours = USD 94.90/month`,
		"The lowest monthly price of the recommendations: Compute Optimized X10, USD 94.90/month.",
		"Prices in westeurope: Azure's Retail Prices API (" + srv.URL + "), asked ",
	} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("prices from the API: lacks %q (exit %d, %s):\n%s", want, res.code, res.stderr, res.stdout)
		}
	}
	if res.code != 0 || requests.Load() != 2 {
		t.Errorf("exit %d, %d requests, want 0 and 2 (two pages)", res.code, requests.Load())
	}
	cached := filepath.Join(cache, "amrbench", "prices-westeurope-USD.json")
	if _, err := os.Stat(cached); err != nil {
		t.Fatalf("the answer was not cached: %v", err)
	}

	// The API out of reach: the cached answer, said to be one.
	srv.Close()
	res = cli(t, env, append(plan, "--region", "westeurope", "--prices-url", srv.URL)...)
	if !strings.Contains(res.stdout, "USD 111.91/month") || !strings.Contains(res.stdout, "Prices in westeurope: the cached answer of ") || !strings.Contains(res.stdout, "which could not be reached now") {
		t.Errorf("prices from the cache:\n%s", res.stdout)
	}

	// A saved answer, read without asking anyone.
	res = cli(t, nil, append(plan, "--region", "westeurope", "--prices-file", filepath.Join("..", "..", "report", "prices", "testdata", "westeurope-1.json"))...)
	if !strings.Contains(res.stdout, "USD 111.91/month") || !strings.Contains(res.stdout, "Prices in westeurope: the saved answer ") {
		t.Errorf("prices from a file:\n%s", res.stdout)
	}

	// No prices, and the plan goes on: each time it says why.
	for _, tt := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{nil, nil, "Prices: not looked up; give --region"},
		{[]string{"--region", "westeurope", "--prices-url", srv.URL}, map[string]string{"XDG_CACHE_HOME": t.TempDir()}, "Prices unavailable: the Retail Prices API could not be reached"},
		{[]string{"--region", "westeurope", "--prices-file", filepath.Join(cache, "nothing.json")}, nil, "Prices unavailable: --prices-file"},
	} {
		res := cli(t, tt.env, append(plan, tt.args...)...)
		if res.code != 0 || !strings.Contains(res.stdout, tt.want) || !strings.Contains(res.stdout, "Smallest size per tier: Balanced B20") {
			t.Errorf("%v: exit %d, want the plan and %q:\n%s%s", tt.args, res.code, tt.want, res.stdout, res.stderr)
		}
	}

	// Nothing recommended: nothing to price, and the API is not asked.
	before := requests.Load()
	res = cli(t, env, "plan", "--target-ops", "100k", "--slo", "p99<2ms", "--region", "westeurope", "--prices-url", srv.URL, filepath.Join(fixtures, "b20-missed.jsonl"))
	if res.code != 1 || !strings.Contains(res.stdout, "Prices: none looked up, as no size is recommended.") || requests.Load() != before {
		t.Errorf("no recommendation: exit %d, %d more requests:\n%s", res.code, requests.Load()-before, res.stdout)
	}

	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"--prices-file", cached}, "--prices-file needs --region"},
		{[]string{"--region", "West Europe"}, `--region "West Europe": an Azure region's name`},
		{[]string{"--region", "westeurope", "--currency", "euro"}, `--currency "euro"`},
	} {
		res := cli(t, nil, append(plan, bad.args...)...)
		if res.code != exitUsage || !strings.Contains(res.stderr, bad.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", bad.args, res.code, res.stderr, exitUsage, bad.want)
		}
	}
}
