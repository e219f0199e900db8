// Package pricestest is a test fixture: an HTTP server that answers as
// Azure's Retail Prices API does, page by page, from the answer kept in
// report/prices/testdata. It is a stand-in for a public web API the tests
// cannot reach, not for Redis.
package pricestest
