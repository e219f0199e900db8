// Package segment is one machine's share of a test split between several:
// "i/n", which every machine computes on its own, with no coordinator, so
// that the shares of one whole are disjoint and together make it exactly.
// A result file's header names its segment; merging reads it back.
package segment
