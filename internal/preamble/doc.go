// Package preamble is what a run says before it measures: the line it
// begins with (target, connections, the load and its bound, the run
// directory), how many connections an OSS cluster takes against a cache's
// limit, and the warnings — a cluster policy that does not match, too many
// connections for the SKU, a host clock off the server's in a split run —
// each printed and written to the result file as a warning event. The
// result header's schedule and objectives are written in its words too.
package preamble
