// Package proclimits is what a run asks of its own process: how many CPUs
// Go may use (one left to a server on this machine), the garbage
// collector's headroom when many connections hold memory, and whether the
// connections fit in the files the process may open, checked before any
// opens.
package proclimits
