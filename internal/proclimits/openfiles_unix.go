//go:build unix

package proclimits

import "syscall"

// openFileLimit returns how many files this process may open: Go raised
// the soft limit to the hard one as the process started.
func openFileLimit() (uint64, bool) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, false
	}
	return lim.Cur, true
}
