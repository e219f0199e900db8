package clientload

import (
	"bytes"
	"os"
	"strconv"
	"time"
)

// processCPU returns the CPU time the process has used, user and system,
// and the time its threads have spent runnable but waiting for a CPU (the
// kernel's run-queue wait, summed over /proc/self/task/*/schedstat): a
// client short of CPU because the machine's other processes hold it waits
// there.
func processCPU() (used, waited time.Duration, ok bool) {
	if used, ok = rusageCPU(); !ok {
		return 0, 0, false
	}
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return used, 0, true
	}
	for _, t := range tasks {
		b, err := os.ReadFile("/proc/self/task/" + t.Name() + "/schedstat")
		if err != nil {
			continue // the thread exited
		}
		// "<time on a CPU> <time waiting on a run queue> <time slices>", ns.
		fields := bytes.Fields(b)
		if len(fields) < 2 {
			continue
		}
		if ns, err := strconv.ParseInt(string(fields[1]), 10, 64); err == nil {
			waited += time.Duration(ns)
		}
	}
	return used, waited, true
}
