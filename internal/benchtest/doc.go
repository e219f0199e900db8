// Package benchtest holds the fixtures amrbench's tests run against: real
// redis-server processes started on free loopback ports, with TLS
// certificates generated for the test and ACL users; Redis Clusters; and
// twemproxy (nutcracker) in front of redis-servers as an Enterprise-policy
// endpoint, one proxy routing every key to its shard. Nothing here fakes
// Redis.
//
// redis-server and nutcracker must be on PATH; the CI script installs them.
// Tests fail, rather than skip, when one is missing, so a missing server
// never passes silently.
package benchtest
