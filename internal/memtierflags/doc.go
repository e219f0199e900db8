// Package memtierflags is memtier_benchmark's flag vocabulary where its
// meaning or form differs from amrbench's own: the arbitrary commands
// (--command with its --command-ratio and --command-key-pattern), -n per
// connection or allkeys, -P as a pipeline depth or memtier's protocol, and
// the protocol names amrbench speaks. Each is a pflag.Value the command line
// registers; the command line parses.
package memtierflags
