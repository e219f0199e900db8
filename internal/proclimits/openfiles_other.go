//go:build !unix

package proclimits

// openFileLimit reports that the open-file limit is unknown here.
func openFileLimit() (uint64, bool) { return 0, false }
