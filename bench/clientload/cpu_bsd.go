//go:build unix && !linux

package clientload

import "time"

// processCPU returns the CPU time the process has used; this platform does
// not tell how long its threads waited for a CPU.
func processCPU() (used, waited time.Duration, ok bool) {
	used, ok = rusageCPU()
	return used, 0, ok
}
