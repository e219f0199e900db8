//go:build unix && !linux

package bench

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time the process has used, user and system;
// this platform does not tell how long its threads waited for a CPU.
func processCPU() (used, waited time.Duration, ok bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), 0, true
}
