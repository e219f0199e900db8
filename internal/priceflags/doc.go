// Package priceflags is plan's price flags: --region, --prices-file,
// --prices-url, --currency and --prices-cache, their checks, where the
// answers are cached ($XDG_CACHE_HOME/amrbench or ~/.cache/amrbench), and
// attaching the recommended sizes' monthly prices to a capacity plan, from
// report/prices. A plan never fails for its prices: without them it says
// why it shows none.
package priceflags
