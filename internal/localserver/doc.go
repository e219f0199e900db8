// Package localserver starts Redis servers on this machine: a redis-server
// process on a free loopback port, or, where there is no redis-server, an
// in-process Redis-compatible server. amrbench uses it for the embedded
// default target of a run with no server named, and its tests use it for the
// real servers they run against.
package localserver
