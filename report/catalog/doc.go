// Package catalog holds what amrbench knows about Azure's Redis offerings,
// as data rather than in renderers or the run: the SKU catalog (every size
// of Azure Managed Redis and Azure Cache for Redis with its memory, usable
// memory, vCPUs, primary shards, connection limit and Microsoft's published
// GET throughput, each figure citing its source), the defaults a host name
// implies (port and TLS of *.redis.azure.net and the classic host names),
// which SKUs a service sells, and Microsoft's prefill rule.
//
// The figures live in skus.csv and sources.csv beside this file, embedded
// in the binary: a change to a figure is a one-line diff that names its
// source. A figure is published (copied from Microsoft's documentation),
// derived (computed from published ones) or unknown; the catalog never
// guesses.
//
// The catalog imports nothing of amrbench but internal/units, so the run,
// the renderers and the capacity planner can all use it.
package catalog
