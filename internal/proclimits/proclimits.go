package proclimits

import (
	"fmt"
	"runtime"
)

// CPUs returns how many CPUs Go may use in a run (0: all) and a note saying
// why, when it is not what was asked (asked: --cpus, 0 when not given): a
// server on this machine (embedded, or a loopback host) is left a CPU, and
// a stand-in server inside this process (standIn) shares them all.
func CPUs(asked int, embedded, standIn, loopback bool) (cpus int, note string) {
	cpus = asked
	switch {
	case cpus > 0 || runtime.NumCPU() == 1:
	case standIn:
		// The stand-in server runs in this process: it needs the CPUs
		// the client would leave it.
		note = fmt.Sprintf("the stand-in server runs inside amrbench: the two share this machine's %d CPUs", runtime.NumCPU())
	case embedded || loopback:
		// The server shares this machine: a client using every CPU takes the
		// server's, and Go's idle threads spin for work on them.
		cpus = runtime.NumCPU() - 1
		note = fmt.Sprintf("the server runs on this machine: amrbench uses %d of its %d CPUs and leaves the rest to the server (--cpus to change)", cpus, runtime.NumCPU())
	}
	return cpus, note
}

// manyConnections is where a run's connections hold enough memory that the
// garbage collector's default headroom (as much again as is live, stacks
// included) would dominate the process's size, and manyConnectionsGCPercent
// the headroom it gets instead. The hot path allocates nothing, so the
// collector runs rarely whatever its target: ten thousand connections then
// take about 210 MB rather than 330 MB.
const (
	manyConnections          = 1000
	manyConnectionsGCPercent = 25
)

// GCPercent returns the garbage collector's target for a run of conns
// connections, and false when the default stands: few connections, or
// GOGC set by the user.
func GCPercent(conns int, gogc string) (int, bool) {
	if conns < manyConnections || gogc != "" {
		return 0, false
	}
	return manyConnectionsGCPercent, true
}

// filesBesideConnections is what amrbench keeps open besides its connections:
// result files, the embedded server's pipes, the runtime's own descriptors.
const filesBesideConnections = 64

// CheckOpenFiles refuses a run whose connections would not fit in the files
// this process may open (files of them: one per connection, two when the
// server is in this process too), before any of them opens: past the limit
// every dial fails, and the run would measure the failures. It is this
// machine's limit, not a wrong flag: exit status 1.
func CheckOpenFiles(files int) error {
	limit, ok := openFileLimit()
	if !ok || uint64(files)+filesBesideConnections <= limit {
		return nil
	}
	need := uint64(files) + filesBesideConnections
	return fmt.Errorf("--connections: the run needs %d file descriptors for its connections plus %d spare, but this process may open only %d: raise ulimit -n to %d or lower --connections", files, filesBesideConnections, limit, need)
}
