// Command comparepeer measures amrbench against a reference load generator
// on the same machine and the same redis-server: memtier_benchmark when one
// is on PATH, redis-benchmark otherwise. It starts one redis-server, then
// runs the two tools in turn (A B A B ...), each run on an emptied server
// with the same connections, pipeline, ratio, value size and key range, and
// prints the medians and the ratios of throughput, client CPU per operation
// (user + system, from the kernel's accounting of each child process) and
// peak RSS. With --sets N it does so N times and closes with the median and
// the range of the sets' ratios: on a shared machine one set can drift.
//
// With --rss-only it runs amrbench alone at 1 connection and at
// --connections, and reports peak RSS and RSS per connection.
//
// Run it through scripts/compare-peer.sh.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type options struct {
	connections, pipeline, dataSize, runs, threads int
	sets                                           int
	keys                                           int
	ratio, reference, amrbench, redisServer        string
	duration                                       time.Duration
	rssOnly                                        bool
	bufferSize                                     string
}

// measurement is one run of one tool.
type measurement struct {
	ops       int64
	opsPerSec float64
	cpu       time.Duration // user + system
	maxRSSKB  int64
	// steal is the share of the machine's CPU time that its host took
	// (steal time) during the run; -1 where the kernel does not say.
	steal float64
}

func (m measurement) cpuPerMillion() float64 {
	if m.ops == 0 {
		return 0
	}
	return m.cpu.Seconds() / float64(m.ops) * 1e6
}

func main() {
	var o options
	flag.IntVar(&o.connections, "connections", 50, "connections of each tool")
	flag.IntVar(&o.pipeline, "pipeline", 1, "pipeline depth")
	flag.StringVar(&o.ratio, "ratio", "1:10", "SET:GET ratio")
	flag.IntVar(&o.dataSize, "data-size", 32, "value size in bytes")
	flag.IntVar(&o.keys, "keys", 100000, "key range: keys 1..keys (memtier's key numbers start at 1)")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "length of each run")
	flag.IntVar(&o.runs, "runs", 5, "runs of each tool per set")
	flag.IntVar(&o.sets, "sets", 1, "sets of runs: with more than one, the median and range of each set's ratios close the report (a shared machine drifts between sets)")
	flag.IntVar(&o.threads, "threads", max(1, runtime.NumCPU()-1), "memtier threads and amrbench --cpus, so both get the same CPUs (default: all but the one left to redis-server)")
	flag.StringVar(&o.reference, "reference", "auto", "reference tool: auto, memtier or redis-benchmark")
	flag.StringVar(&o.amrbench, "amrbench", "", "amrbench binary (default: build ./cmd/amrbench)")
	flag.StringVar(&o.redisServer, "redis-server", "redis-server", "redis-server binary")
	flag.BoolVar(&o.rssOnly, "rss-only", false, "measure amrbench's memory at --connections against 1 connection, without a reference")
	flag.StringVar(&o.bufferSize, "buffer-size", "", "amrbench --buffer-size (default: amrbench's)")
	flag.Parse()
	if o.runs < 1 || o.sets < 1 {
		fmt.Fprintln(os.Stderr, "comparepeer: --runs and --sets must be at least 1")
		os.Exit(2)
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "comparepeer:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	tmp, err := os.MkdirTemp("", "comparepeer-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if o.amrbench == "" {
		o.amrbench = filepath.Join(tmp, "amrbench")
		if out, err := exec.Command("go", "build", "-o", o.amrbench, "./cmd/amrbench").CombinedOutput(); err != nil {
			return fmt.Errorf("build amrbench: %v\n%s", err, out)
		}
	}
	port, stopServer, err := startRedis(o.redisServer, tmp, o.connections)
	if err != nil {
		return err
	}
	defer stopServer()
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))

	if o.rssOnly {
		return rssPerConnection(o, addr, tmp)
	}
	ref := o.reference
	if ref == "auto" {
		ref = "redis-benchmark"
		if _, err := exec.LookPath("memtier_benchmark"); err == nil {
			ref = "memtier"
		}
	}
	if ref == "redis-benchmark" && o.ratio != "0:1" {
		fmt.Fprintf(os.Stderr, "comparepeer: redis-benchmark cannot mix SETs and GETs; both tools run GETs only (--ratio 0:1)\n")
		o.ratio = "0:1"
	}
	fmt.Printf("amrbench vs %s: %d connections, pipeline %d, ratio %s, %d-byte values, keys 1..%d, %s per run, %d runs each, %d CPUs each, A B A B\n",
		ref, o.connections, o.pipeline, o.ratio, o.dataSize, o.keys, o.duration, o.runs, o.threads)
	var opsRatios, cpuRatios []float64
	for set := 1; set <= o.sets; set++ {
		if o.sets > 1 {
			fmt.Printf("\nset %d of %d, %s\n", set, o.sets, time.Now().UTC().Format("15:04 MST"))
		}
		dir := filepath.Join(tmp, fmt.Sprintf("set-%d", set))
		if err := os.Mkdir(dir, 0o755); err != nil {
			return err
		}
		opsRatio, cpuRatio, err := compareSet(o, ref, addr, port, dir)
		if err != nil {
			return err
		}
		opsRatios, cpuRatios = append(opsRatios, opsRatio), append(cpuRatios, cpuRatio)
	}
	if o.sets > 1 {
		fmt.Printf("\nover %d sets, each set's ratio of medians: ops/s %.3f (%.3f–%.3f), CPU per op %.3f (%.3f–%.3f)\n",
			o.sets, median(opsRatios), slices.Min(opsRatios), slices.Max(opsRatios),
			median(cpuRatios), slices.Min(cpuRatios), slices.Max(cpuRatios))
	}
	return nil
}

// compareSet runs the two tools in turn, o.runs times each, prints each run
// and the medians, and returns the ratios of the medians (amrbench over the
// reference) of ops/s and of CPU per operation. Its runs write under dir.
func compareSet(o options, ref, addr string, port int, dir string) (opsRatio, cpuRatio float64, err error) {
	var amr, peer []measurement
	for i := 0; i < o.runs; i++ {
		if err := flushAll(addr); err != nil {
			return 0, 0, err
		}
		m, err := runAmrbench(o, addr, filepath.Join(dir, fmt.Sprintf("amr-%d", i)), o.connections)
		if err != nil {
			return 0, 0, err
		}
		amr = append(amr, m)
		fmt.Printf("  run %d  amrbench %10.0f ops/s  %6.3f CPU s per Mops  %7d KB%s\n", i+1, m.opsPerSec, m.cpuPerMillion(), m.maxRSSKB, stealNote(m))
		if err := flushAll(addr); err != nil {
			return 0, 0, err
		}
		if ref == "memtier" {
			m, err = runMemtier(o, addr, filepath.Join(dir, fmt.Sprintf("memtier-%d.json", i)))
		} else {
			m, err = runRedisBenchmark(o, port)
		}
		if err != nil {
			return 0, 0, err
		}
		peer = append(peer, m)
		fmt.Printf("  run %d  %-8s %10.0f ops/s  %6.3f CPU s per Mops  %7d KB%s\n", i+1, ref, m.opsPerSec, m.cpuPerMillion(), m.maxRSSKB, stealNote(m))
	}
	a, p := medians(amr), medians(peer)
	opsRatio, cpuRatio = a.opsPerSec/p.opsPerSec, a.cpuPerMillion()/p.cpuPerMillion()
	fmt.Printf("\nmedians                 %14s %14s %8s %12s\n", "amrbench", ref, "ratio", "pair ratio")
	fmt.Printf("ops/s                   %14.0f %14.0f %8.3f %12.3f\n", a.opsPerSec, p.opsPerSec, opsRatio,
		pairRatio(amr, peer, func(m measurement) float64 { return m.opsPerSec }))
	fmt.Printf("CPU s per million ops   %14.3f %14.3f %8.3f %12.3f\n", a.cpuPerMillion(), p.cpuPerMillion(), cpuRatio,
		pairRatio(amr, peer, measurement.cpuPerMillion))
	fmt.Printf("peak RSS (KB)           %14d %14d %8.3f %12.3f\n", a.maxRSSKB, p.maxRSSKB, float64(a.maxRSSKB)/float64(p.maxRSSKB),
		pairRatio(amr, peer, func(m measurement) float64 { return float64(m.maxRSSKB) }))
	if all := medians(append(slices.Clone(amr), peer...)); all.steal >= 0 {
		fmt.Printf("host steal time, median of the runs: %.0f %% of the machine's CPU time (a busy host slows both tools)\n", 100*all.steal)
	}
	fmt.Println("(ops/s ratio above 1 and CPU ratio below 1 favour amrbench; the pair ratio is the median of each run's ratio")
	fmt.Println(" to the reference run right after it, which cancels slow drifts of a shared machine)")
	return opsRatio, cpuRatio, nil
}

// pairRatio is the median over runs of amrbench's figure divided by the
// reference's in the same pair of runs.
func pairRatio(amr, peer []measurement, get func(measurement) float64) float64 {
	ratios := make([]float64, len(amr))
	for i := range amr {
		ratios[i] = get(amr[i]) / get(peer[i])
	}
	return median(ratios)
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
		ops:       ops,
		opsPerSec: med(func(m measurement) float64 { return m.opsPerSec }),
		cpu:       time.Duration(cpuPerOp * ops * float64(time.Second)),
		maxRSSKB:  int64(med(func(m measurement) float64 { return float64(m.maxRSSKB) })),
		steal:     med(func(m measurement) float64 { return m.steal }),
	}
}

// runMeasured runs cmd and reads its CPU time and peak RSS from the kernel,
// and the host's steal time over the run from /proc/stat.
func runMeasured(cmd *exec.Cmd) (measurement, []byte, error) {
	before, okBefore := readCPUTimes()
	out, err := cmd.CombinedOutput()
	if err != nil {
		return measurement{}, out, fmt.Errorf("%s: %v\n%s", filepath.Base(cmd.Path), err, tail(out))
	}
	after, okAfter := readCPUTimes()
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	m := measurement{
		cpu:      time.Duration(ru.Utime.Nano() + ru.Stime.Nano()),
		maxRSSKB: ru.Maxrss,
		steal:    -1,
	}
	if okBefore && okAfter && after.total > before.total {
		m.steal = float64(after.steal-before.steal) / float64(after.total-before.total)
	}
	return m, out, nil
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

func runAmrbench(o options, addr, dir string, conns int) (measurement, error) {
	host, port, _ := net.SplitHostPort(addr)
	jsonPath := dir + ".json"
	args := []string{"run", "-s", host, "-p", port, "--connections", strconv.Itoa(conns), "--pipeline", strconv.Itoa(o.pipeline),
		"--ratio", o.ratio, "-d", strconv.Itoa(o.dataSize), "--key-minimum", "1", "--key-maximum", strconv.Itoa(o.keys),
		"--duration", o.duration.String(), "--cpus", strconv.Itoa(o.threads), "-q", "--out", dir, "--json-out-file", jsonPath}
	if o.bufferSize != "" {
		args = append(args, "--buffer-size", o.bufferSize)
	}
	if conns > 1000 {
		args = append(args, "--connect-concurrency", "32")
	}
	m, _, err := runMeasured(exec.Command(o.amrbench, args...))
	if err != nil {
		return m, err
	}
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

func runMemtier(o options, addr, jsonPath string) (measurement, error) {
	host, port, _ := net.SplitHostPort(addr)
	threads := o.threads
	clients := max(1, o.connections/threads)
	args := []string{"-s", host, "-p", port, "-t", strconv.Itoa(threads), "-c", strconv.Itoa(clients),
		"--pipeline", strconv.Itoa(o.pipeline), "--ratio", o.ratio, "-d", strconv.Itoa(o.dataSize),
		"--key-minimum", "1", "--key-maximum", strconv.Itoa(o.keys), "--key-pattern", "R:R",
		"--test-time", strconv.Itoa(int(o.duration.Seconds())), "--hide-histogram", "--distinct-client-seed",
		"--json-out-file", jsonPath}
	m, _, err := runMeasured(exec.Command("memtier_benchmark", args...))
	if err != nil {
		return m, err
	}
	m.ops, m.opsPerSec, err = readMemtierTotals(jsonPath)
	return m, err
}

// runRedisBenchmark runs GETs: redis-benchmark runs one command type per
// test and has no time limit, so it gets a request count for about the run
// length at a nominal 100,000 ops/s.
func runRedisBenchmark(o options, port int) (measurement, error) {
	n := int64(o.duration.Seconds() * 100_000)
	args := []string{"-h", "127.0.0.1", "-p", strconv.Itoa(port), "-c", strconv.Itoa(o.connections), "-P", strconv.Itoa(o.pipeline),
		"-d", strconv.Itoa(o.dataSize), "-r", strconv.Itoa(o.keys), "-t", "get", "-n", strconv.FormatInt(n, 10),
		"--threads", strconv.Itoa(o.threads), "--csv"}
	m, out, err := runMeasured(exec.Command("redis-benchmark", args...))
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

func rssPerConnection(o options, addr, tmp string) error {
	fmt.Printf("amrbench memory: 1 connection, then %d connections, %s each, pipeline %d, ratio %s\n", o.connections, o.duration, o.pipeline, o.ratio)
	one, err := runAmrbench(o, addr, filepath.Join(tmp, "one"), 1)
	if err != nil {
		return err
	}
	many, err := runAmrbench(o, addr, filepath.Join(tmp, "many"), o.connections)
	if err != nil {
		return err
	}
	fmt.Printf("1 connection:      peak RSS %8d KB, %10.0f ops/s\n", one.maxRSSKB, one.opsPerSec)
	fmt.Printf("%d connections: peak RSS %8d KB, %10.0f ops/s, %.3f CPU s per Mops\n", o.connections, many.maxRSSKB, many.opsPerSec, many.cpuPerMillion())
	fmt.Printf("RSS per connection: %.1f KB ((peak at %d - peak at 1) / %d)\n",
		float64(many.maxRSSKB-one.maxRSSKB)/float64(o.connections-1), o.connections, o.connections-1)
	return nil
}

// startRedis starts redis-server on a free loopback port with room for the
// connections, and returns a function that stops it.
func startRedis(bin, dir string, conns int) (int, func(), error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", dir, "--maxclients", strconv.Itoa(max(10000, conns+100)), "--logfile", filepath.Join(dir, "redis.log"))
	if err := cmd.Start(); err != nil {
		return 0, nil, fmt.Errorf("start %s: %w", bin, err)
	}
	stop := func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		if err := flushAll(net.JoinHostPort("127.0.0.1", strconv.Itoa(port))); err == nil {
			return port, stop, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	return 0, nil, errors.New("redis-server did not start")
}

// flushAll empties the server, so every run starts from the same state.
func flushAll(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write([]byte("FLUSHALL\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "+OK") {
		return fmt.Errorf("FLUSHALL: %s", strings.TrimSpace(line))
	}
	return nil
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
