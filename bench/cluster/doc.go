// Package cluster is what amrbench knows of OSS clusters: the clustering
// Policy of an endpoint and its detection from the answer to CLUSTER SLOTS
// (Detect); the slot map, kept fresh over a connection of its own and
// described as it changes (Topology); and the numbering of the shards a run
// meets (Registry), with the go-redis Hook that tells each operation which
// shard answered it and which redirected it (Route), through the small
// Routed interface a command implements.
//
// It imports nothing of amrbench; the run (package bench) builds the
// cluster client, its sessions and its events on top of it.
package cluster
