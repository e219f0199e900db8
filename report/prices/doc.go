// Package prices reads what Azure charges for a cache size from Azure's
// public Retail Prices API (https://prices.azure.com/api/retail/prices):
// the meter each SKU is billed under, the OData filter that asks for those
// meters in one region, a bounded reader of the API's pages, and the
// monthly price of each SKU from its hourly pay-as-you-go meter.
//
// The API answers JSON pages of at most 100 price items, each naming its
// service ("Redis Cache"), product ("Azure Managed Redis - Balanced"),
// SKU ("B20"), meter ("B20 Cache Instance"), region ("westeurope"), price
// type ("Consumption" for pay as you go, "Reservation" for one or three
// years) and unit ("1 Hour"), with NextPageLink naming the next page. A
// price per hour becomes a monthly one as Azure's calculator makes it:
// × 730 hours.
//
// Lookup says where a plan's prices come from: a saved answer (a file), the
// API, whose answer it caches in a file for the next time offline, or that
// cache when the API cannot be reached. The CLI chooses the URL and the
// cache's directory.
package prices
