// Package pipeline turns a worker's operations into go-redis commands and
// their replies into outcomes: a Call per pipeline position points reusable
// commands at the operation's bytes without copying them (a fresh command
// per operation against an OSS cluster, routed by the cluster client and
// told its shard by cluster.Hook), counts the request's bytes exactly, and
// reads the reply as a hit, a miss, a success or a failure with its error
// class (bench/failure), its size and whether the connection broke. GET
// values are read either raw, counted and drained through a buffer, or
// whole into it, as the worker chooses (SetReadInto).
//
// It is the hot path: Prepare and Result allocate nothing against one
// endpoint. It imports nothing of bench: the worker draws the operations,
// sends the commands over its session and records the outcomes.
package pipeline
