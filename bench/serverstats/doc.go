// Package serverstats reads what the servers of a benchmark's target say
// about themselves while the load runs: one INFO per server at every
// interval boundary, on a connection of the sampler's own (never one the
// load uses), turned into one results.ServerInterval per interval on the
// recorder's grid (interval k covers [measured + k*interval, measured +
// (k+1)*interval)).
//
// What a server does not report stays absent; a server that refuses INFO
// (an ACL without it, a proxy such as twemproxy that closes the connection
// on it) is a warning event, and the run goes on without its statistics.
package serverstats
