// Package bench runs one benchmark: it opens a Target (the client library
// configured and verified, the clustering policy settled, credentials and
// re-AUTH started), opens one connection per worker before the measured
// window, and drives the workload through the workers on a closed or an
// open loop, recording every operation per worker and merging the workers'
// logs into one interval record per interval (bench/record), handed to an
// Observer as each is final.
//
// Config is the whole run's configuration. Its errors (Validate, and the
// failures of Open that a setting would fix) are FieldErrors, which name
// the configuration's fields by their JSON paths; the command line renames
// them to its flags. Its methods hold the arithmetic that the run and its
// callers share: a segment's connections, requests and rate
// (SegmentConnections, SegmentRequests, SegmentRate, ConnRequests).
//
// The rooms around it, each a package of its own that imports nothing of
// bench: transport (how bytes move: the dialer chain, reply waits, TLS),
// cluster (OSS clusters: policy detection, slot map, shard hook), openloop
// (when operations are due: steps, ramps, the find-max search, the timer
// waiter), entra (Entra ID tokens and their re-AUTH policy), reauth (a
// run's side of Entra ID: the provider started, its events, the go-redis
// hook), record (the workers' per-interval logs and the recorder that
// merges them into interval records), clientload (how hard the client
// itself works), pipeline (the workers' pipeline calls: operations into
// go-redis commands, replies into outcomes) and failure (error classes).
//
// A worker's pipeline position is a call (pipeline.Call), never a slot,
// which in a cluster is a hash slot. A call sends the workload's
// GETs and SETs, or its arbitrary commands (memtier's --command), each
// recorded under its name (workloads.Op.Stat indexes the names). A pipeline of P commands has
// one intended start, its first operation's; each command records the
// batch's response time, and the count is P.
package bench
