package main

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// measurement is one run of one tool.
type measurement struct {
	ops       int64
	opsPerSec float64
	cpu       time.Duration // user + system
	maxRSSKB  int64
	// steal is the share of the machine's CPU time that its host took
	// (steal time) during the run; -1 where the kernel does not say.
	steal float64
	// load is the machine's 1-minute load average as the run started.
	load float64
	// relayShare is the delay relay's CPU over the run, as a share of one
	// CPU; 0 without a relay.
	relayShare float64
	// serverShare is redis-server's CPU over the run, as a share of one
	// CPU (its one thread's limit is 1); -1 where /proc does not say.
	serverShare float64
}

func (m measurement) cpuPerMillion() float64 {
	if m.ops == 0 {
		return 0
	}
	return m.cpu.Seconds() / float64(m.ops) * 1e6
}

// median sorts v and returns its median.
func median(v []float64) float64 {
	sort.Float64s(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// medians takes the median of each figure separately.
func medians(ms []measurement) measurement {
	med := func(get func(measurement) float64) float64 {
		v := make([]float64, len(ms))
		for i, m := range ms {
			v[i] = get(m)
		}
		return median(v)
	}
	cpuPerOp := med(func(m measurement) float64 { return m.cpu.Seconds() / float64(m.ops) })
	const ops = 1e9 // express the median CPU per operation over a nominal count
	return measurement{
		ops:         ops,
		opsPerSec:   med(func(m measurement) float64 { return m.opsPerSec }),
		cpu:         time.Duration(cpuPerOp * ops * float64(time.Second)),
		maxRSSKB:    int64(med(func(m measurement) float64 { return float64(m.maxRSSKB) })),
		steal:       med(func(m measurement) float64 { return m.steal }),
		load:        med(func(m measurement) float64 { return m.load }),
		relayShare:  med(func(m measurement) float64 { return m.relayShare }),
		serverShare: med(func(m measurement) float64 { return m.serverShare }),
	}
}

// runMeasured runs cmd and reads its CPU time and peak RSS from the kernel,
// the host's steal time over the run from /proc/stat, the load average as
// it starts, and srv's CPU over the run.
func runMeasured(cmd *exec.Cmd, srv *server) (measurement, []byte, error) {
	load := loadAverage()
	before, okBefore := readCPUTimes()
	srvBefore, okSrvBefore := srv.cpuTime()
	start := time.Now()
	out, err := cmd.CombinedOutput()
	wall := time.Since(start)
	srvAfter, okSrvAfter := srv.cpuTime()
	if err != nil {
		return measurement{}, out, fmt.Errorf("%s: %v\n%s", filepath.Base(cmd.Path), err, tail(out))
	}
	after, okAfter := readCPUTimes()
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	m := measurement{
		cpu:         time.Duration(ru.Utime.Nano() + ru.Stime.Nano()),
		maxRSSKB:    ru.Maxrss,
		steal:       -1,
		load:        load,
		serverShare: -1,
	}
	if okSrvBefore && okSrvAfter {
		m.serverShare = (srvAfter - srvBefore).Seconds() / wall.Seconds()
	}
	if okBefore && okAfter && after.total > before.total {
		m.steal = float64(after.steal-before.steal) / float64(after.total-before.total)
	}
	return m, out, nil
}

// loadAverage is the machine's 1-minute load average, or -1.
func loadAverage() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	fields := strings.Fields(string(b))
	if len(fields) == 0 {
		return -1
	}
	v, err := strconv.ParseFloat(fields[0], 64)
	if err != nil {
		return -1
	}
	return v
}

// cpuTimes are the machine's CPU times since boot, in clock ticks: all of
// them, and the time its hypervisor ran something else (steal).
type cpuTimes struct{ total, steal uint64 }

// readCPUTimes reads the machine's CPU times from /proc/stat.
func readCPUTimes() (cpuTimes, bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return cpuTimes{}, false
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return parseCPUTimes(line)
}

// parseCPUTimes reads the "cpu" line of /proc/stat: user, nice, system,
// idle, iowait, irq, softirq, steal, then guest times (already counted in
// user and nice).
func parseCPUTimes(line string) (cpuTimes, bool) {
	fields := strings.Fields(line)
	if len(fields) < 9 || fields[0] != "cpu" {
		return cpuTimes{}, false
	}
	var t cpuTimes
	for i, f := range fields[1:9] {
		v, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			return cpuTimes{}, false
		}
		t.total += v
		if i == 7 {
			t.steal = v
		}
	}
	return t, true
}

// stealNote says how much CPU time the host took during a run.
func stealNote(m measurement) string {
	if m.steal < 0 {
		return ""
	}
	return fmt.Sprintf("  host steal %3.0f %%", 100*m.steal)
}

// serverNote says how busy the server was during a run.
func serverNote(m measurement) string {
	if m.serverShare < 0 {
		return ""
	}
	return fmt.Sprintf("  server %3.0f %% (%.2f µs/op)", 100*m.serverShare, 1e6*m.serverShare/m.opsPerSec)
}

// relayNote says how much CPU the delay relay took during a run.
func relayNote(m measurement) string {
	if m.relayShare == 0 {
		return ""
	}
	return fmt.Sprintf("  relay %3.0f %% of a CPU", 100*m.relayShare)
}

// target is where a tool of case c connects: the server, or a delay relay
// in front of it; stop ends the relay and returns its CPU share over the
// run.
func target(e *env, c setup) (host string, port int, stop func() (float64, error), err error) {
	port = e.srv.port
	if c.tls {
		port = e.srv.tlsPort
	}
	if c.rtt == 0 {
		return "127.0.0.1", port, func() (float64, error) { return 0, nil }, nil
	}
	r, err := startRelay(e.relay, net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), c.rtt)
	if err != nil {
		return "", 0, nil, err
	}
	return "127.0.0.1", r.port, r.stop, nil
}

// runAmrbench runs amrbench for case c, with extra flags.
func runAmrbench(e *env, c setup, dir string, extra ...string) (measurement, error) {
	host, port, stopRelay, err := target(e, c)
	if err != nil {
		return measurement{}, err
	}
	jsonPath := dir + ".json"
	args := []string{"run", "-s", host, "-p", strconv.Itoa(port), "--connections", strconv.Itoa(c.connections), "--pipeline", strconv.Itoa(c.pipeline),
		"--ratio", e.o.ratio, "-d", strconv.Itoa(e.o.dataSize), "--key-minimum", "1", "--key-maximum", strconv.Itoa(e.o.keys),
		// memtier's own key names: both tools read and write the same keys,
		// so their GETs hit as often and the server does the same work per
		// operation for each (with keys of their own, the tool whose keys
		// were written more often would be answered with more values).
		"--key-prefix", "memtier-",
		"--duration", e.o.duration.String(), "--cpus", strconv.Itoa(e.o.threads), "-q", "--out", dir, "--json-out-file", jsonPath}
	if c.tls {
		args = append(args, "--tls", "--cacert", e.srv.caFile)
	}
	if e.o.bufferSize != "" {
		args = append(args, "--buffer-size", e.o.bufferSize)
	}
	if c.connections >= 500 {
		args = append(args, "--connect-concurrency", "32") // memtier opens all its connections at once
	}
	args = append(args, extra...)
	return measureRun(e, exec.Command(e.amrbench, args...), stopRelay, jsonPath)
}

// runMemtier runs memtier_benchmark for case c.
func runMemtier(e *env, c setup, jsonPath string) (measurement, error) {
	host, port, stopRelay, err := target(e, c)
	if err != nil {
		return measurement{}, err
	}
	threads := e.o.threads
	clients := max(1, c.connections/threads)
	args := []string{"-s", host, "-p", strconv.Itoa(port), "-t", strconv.Itoa(threads), "-c", strconv.Itoa(clients),
		"--pipeline", strconv.Itoa(c.pipeline), "--ratio", e.o.ratio, "-d", strconv.Itoa(e.o.dataSize),
		"--key-minimum", "1", "--key-maximum", strconv.Itoa(e.o.keys), "--key-pattern", "R:R",
		"--test-time", strconv.Itoa(int(e.o.duration.Seconds())), "--hide-histogram", "--distinct-client-seed",
		"--json-out-file", jsonPath}
	if c.tls {
		args = append(args, "--tls", "--cacert", e.srv.caFile)
	}
	return measureRun(e, exec.Command("memtier_benchmark", args...), stopRelay, jsonPath)
}

// measureRun runs one tool's command, stops the relay it went through
// (stopRelay, which reports the relay's share of a CPU), and reads the
// operations and their rate from the --json-out-file at jsonPath.
func measureRun(e *env, cmd *exec.Cmd, stopRelay func() (float64, error), jsonPath string) (measurement, error) {
	m, _, err := runMeasured(cmd, e.srv)
	share, relayErr := stopRelay()
	if err != nil {
		return m, err
	}
	if relayErr != nil {
		return m, relayErr
	}
	m.relayShare = share
	m.ops, m.opsPerSec, err = readMemtierTotals(jsonPath)
	return m, err
}

// readMemtierTotals reads the operations and their rate from a
// --json-out-file in memtier's layout, which both tools write.
func readMemtierTotals(path string) (ops int64, opsPerSec float64, err error) {
	var doc struct {
		All struct {
			Totals struct {
				Count     int64   `json:"Count"`
				OpsPerSec float64 `json:"Ops/sec"`
			} `json:"Totals"`
		} `json:"ALL STATS"`
	}
	if err := readJSON(path, &doc); err != nil {
		return 0, 0, err
	}
	return doc.All.Totals.Count, doc.All.Totals.OpsPerSec, nil
}

// runRedisBenchmark runs GETs: redis-benchmark runs one command type per
// test and has no time limit, so it gets a request count for about the run
// length at a nominal 100,000 ops/s. It has no round trip or TLS of ours.
func runRedisBenchmark(e *env, c setup) (measurement, error) {
	if c.tls || c.rtt > 0 {
		return measurement{}, fmt.Errorf("the redis-benchmark reference runs plain cases only; put memtier_benchmark on PATH")
	}
	n := int64(e.o.duration.Seconds() * 100_000)
	args := []string{"-h", "127.0.0.1", "-p", strconv.Itoa(e.srv.port), "-c", strconv.Itoa(c.connections), "-P", strconv.Itoa(c.pipeline),
		"-d", strconv.Itoa(e.o.dataSize), "-r", strconv.Itoa(e.o.keys), "-t", "get", "-n", strconv.FormatInt(n, 10),
		"--threads", strconv.Itoa(e.o.threads), "--csv"}
	m, out, err := runMeasured(exec.Command("redis-benchmark", args...), e.srv)
	if err != nil {
		return m, err
	}
	for _, line := range strings.Split(string(out), "\n") {
		fields := strings.Split(line, ",")
		if len(fields) >= 2 && strings.Trim(fields[0], `"`) == "GET" {
			m.opsPerSec, err = strconv.ParseFloat(strings.Trim(fields[1], `"`), 64)
			m.ops = n
			return m, err
		}
	}
	return m, fmt.Errorf("redis-benchmark printed no GET line:\n%s", tail(out))
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func tail(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 8 {
		lines = lines[len(lines)-8:]
	}
	return strings.Join(lines, "\n")
}
