// Command comparepeer measures amrbench against a reference load generator
// on the same machine and the same redis-server: memtier_benchmark when one
// is on PATH, redis-benchmark otherwise. It starts one redis-server (with a
// TLS port beside the plain one), then runs the tools in turn (A B A B ...),
// each run on an emptied server with the same connections, pipeline, ratio,
// value size and key range, and prints the medians and the ratios of
// throughput, client CPU per operation (user + system, from the kernel's
// accounting of each child process) and peak RSS, with the machine's load
// average beside them.
//
// With no case flags it runs the cases of docs/performance.md — plain and
// TLS at pipelines 1 and 16, the same behind a 1 ms round trip with 500
// connections, and 5,000 connections — and prints one table of ratios
// (amrbench over the reference, medians of 5 alternating pairs). A round
// trip comes from scripts/delayrelay, started afresh for each run of each
// tool, whose own CPU is reported beside the results. Each case also runs
// amrbench with --transport std (Go's plain net.Conn, connections parked):
// the automatic choice must never be slower than that.
//
// With --connections, --pipeline, --tls or --rtt it compares that one
// setting instead, and with --sets N does so N times and closes with the
// median and range of the sets' ratios. With --cpus-scan it runs amrbench
// alone with --cpus 1, 2, ... up to the machine's CPUs, alternating, and
// prints ops/s for each. With --rss-only it runs amrbench alone at 1
// connection and at --connections and reports peak RSS per connection.
//
// Run it through scripts/compare-peer.sh.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
)

type options struct {
	connections, pipeline, dataSize, runs, threads int
	sets                                           int
	keys                                           int
	ratio, reference, amrbench, redisServer        string
	relay                                          string
	duration                                       time.Duration
	rssOnly, cpusScan, std                         bool
	bufferSize                                     string
	tls                                            bool
	rtt                                            time.Duration
	cases                                          string
}

func main() {
	var o options
	flag.IntVar(&o.connections, "connections", 50, "connections of each tool (one comparison)")
	flag.IntVar(&o.pipeline, "pipeline", 1, "pipeline depth (one comparison)")
	flag.BoolVar(&o.tls, "tls", false, "connect over TLS (one comparison)")
	flag.DurationVar(&o.rtt, "rtt", 0, "round trip added by scripts/delayrelay, e.g. 1ms (one comparison)")
	flag.StringVar(&o.cases, "cases", "", "comma-separated cases of the table to run (default: all of them, unless a one-comparison flag is given): "+strings.Join(caseNames(), ", "))
	flag.StringVar(&o.ratio, "ratio", "1:10", "SET:GET ratio")
	flag.IntVar(&o.dataSize, "data-size", 32, "value size in bytes")
	flag.IntVar(&o.keys, "keys", 100000, "key range: keys 1..keys (memtier's key numbers start at 1)")
	flag.DurationVar(&o.duration, "duration", 6*time.Second, "length of each run")
	flag.IntVar(&o.runs, "runs", 5, "runs of each tool per case (or per set)")
	flag.IntVar(&o.sets, "sets", 1, "one comparison: sets of runs; with more than one, the median and range of each set's ratios close the report (a shared machine drifts between sets)")
	flag.IntVar(&o.threads, "threads", max(1, runtime.NumCPU()-1), "memtier threads and amrbench --cpus, so both get the same CPUs (default: all but the one left to redis-server)")
	flag.BoolVar(&o.std, "std", true, "also run amrbench with --transport std (Go's plain net.Conn) in each pair")
	flag.StringVar(&o.reference, "reference", "auto", "reference tool: auto, memtier or redis-benchmark")
	flag.StringVar(&o.amrbench, "amrbench", "", "amrbench binary (default: build ./cmd/amrbench)")
	flag.StringVar(&o.relay, "relay", "", "delay relay binary (default: build ./scripts/delayrelay)")
	flag.StringVar(&o.redisServer, "redis-server", "redis-server", "redis-server binary")
	flag.BoolVar(&o.rssOnly, "rss-only", false, "measure amrbench's memory at --connections against 1 connection, without a reference")
	flag.BoolVar(&o.cpusScan, "cpus-scan", false, "run amrbench alone with --cpus 1, 2, ... up to this machine's CPUs, alternating, and print ops/s for each")
	flag.StringVar(&o.bufferSize, "buffer-size", "", "amrbench --buffer-size (default: amrbench's)")
	flag.Parse()
	if o.runs < 1 || o.sets < 1 {
		fmt.Fprintln(os.Stderr, "comparepeer: --runs and --sets must be at least 1")
		os.Exit(2)
	}
	cases, err := chooseCases(o, setFlags())
	if err != nil {
		fmt.Fprintln(os.Stderr, "comparepeer:", err)
		os.Exit(2)
	}
	if err := run(o, cases); err != nil {
		fmt.Fprintln(os.Stderr, "comparepeer:", err)
		os.Exit(1)
	}
}

// setFlags returns the names of the flags given on the command line.
func setFlags() map[string]bool {
	set := map[string]bool{}
	flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}

// env is what every run of a comparison shares: the binaries, the server,
// and a directory for the runs' files.
type env struct {
	o                   options
	ref                 string
	amrbench, relay     string
	srv                 *server
	dir                 string
	memtier, redisLabel string
}

func run(o options, cases []setup) error {
	tmp, err := os.MkdirTemp("", "comparepeer-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	e := &env{o: o, dir: tmp, amrbench: o.amrbench, relay: o.relay}
	if e.amrbench == "" {
		if e.amrbench, err = build(tmp, "amrbench", "./cmd/amrbench"); err != nil {
			return err
		}
	}
	maxConns := o.connections
	for _, c := range cases {
		maxConns = max(maxConns, c.connections)
		if c.rtt > 0 && e.relay == "" {
			if e.relay, err = build(tmp, "delayrelay", "./scripts/delayrelay"); err != nil {
				return err
			}
		}
	}
	if e.srv, err = startRedis(o.redisServer, tmp, maxConns); err != nil {
		return err
	}
	defer e.srv.stop()
	e.redisLabel = e.srv.version
	switch {
	case o.rssOnly:
		return rssPerConnection(e, cases[0])
	case o.cpusScan:
		return cpusScan(e, cases[0])
	}
	if e.ref, err = chooseReference(o); err != nil {
		return err
	}
	if e.ref == "memtier" {
		e.memtier = memtierVersion()
	}
	if e.ref == "redis-benchmark" && o.ratio != "0:1" {
		fmt.Fprintf(os.Stderr, "comparepeer: redis-benchmark cannot mix SETs and GETs; both tools run GETs only (--ratio 0:1)\n")
		e.o.ratio = "0:1"
	}
	fmt.Printf("amrbench vs %s: ratio %s, %d-byte values, keys 1..%d, %s per run, %d runs each, %d CPUs each, A B A B%s\n",
		e.refLabel(), e.o.ratio, o.dataSize, o.keys, o.duration, o.runs, o.threads, map[bool]string{true: " (A = amrbench, then the reference, then amrbench --transport std)", false: ""}[o.std])
	fmt.Printf("%s, %s, %s\n", time.Now().UTC().Format("2006-01-02 15:04 MST"), machine(), e.redisLabel)
	if len(cases) == 1 && o.sets > 1 {
		return compareSets(e, cases[0])
	}
	var rows []row
	for _, c := range cases {
		r, err := compareCase(e, c, filepath.Join(tmp, c.name))
		if err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
		rows = append(rows, r)
	}
	fmt.Println()
	printTable(os.Stdout, e, rows)
	return nil
}

// compareSets runs one case o.sets times and closes with the median and
// range of the sets' ratios.
func compareSets(e *env, c setup) error {
	var opsRatios, cpuRatios []float64
	for set := 1; set <= e.o.sets; set++ {
		fmt.Printf("\nset %d of %d, %s\n", set, e.o.sets, time.Now().UTC().Format("15:04 MST"))
		r, err := compareCase(e, c, filepath.Join(e.dir, fmt.Sprintf("set-%d", set)))
		if err != nil {
			return err
		}
		printTable(os.Stdout, e, []row{r})
		opsRatios, cpuRatios = append(opsRatios, r.opsRatio()), append(cpuRatios, r.cpuRatio())
	}
	fmt.Printf("\nover %d sets, each set's ratio of medians: ops/s %.3f (%.3f–%.3f), CPU per op %.3f (%.3f–%.3f)\n",
		e.o.sets, median(opsRatios), slices.Min(opsRatios), slices.Max(opsRatios),
		median(cpuRatios), slices.Min(cpuRatios), slices.Max(cpuRatios))
	return nil
}

// build compiles a package of this module into dir.
func build(dir, name, pkg string) (string, error) {
	bin := filepath.Join(dir, name)
	if out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
		return "", fmt.Errorf("build %s: %v\n%s", pkg, err, out)
	}
	return bin, nil
}

// chooseReference settles --reference auto.
func chooseReference(o options) (string, error) {
	switch o.reference {
	case "memtier", "redis-benchmark":
		return o.reference, nil
	case "auto":
		if _, err := exec.LookPath("memtier_benchmark"); err == nil {
			return "memtier", nil
		}
		return "redis-benchmark", nil
	}
	return "", fmt.Errorf("--reference %q: want auto, memtier or redis-benchmark", o.reference)
}

// refLabel names the reference tool, with its version where known.
func (e *env) refLabel() string {
	if e.ref == "memtier" && e.memtier != "" {
		return "memtier_benchmark " + e.memtier
	}
	return e.ref
}

// memtierVersion is memtier_benchmark's version line's first words.
func memtierVersion() string {
	out, err := exec.Command("memtier_benchmark", "--version").Output()
	if err != nil {
		return ""
	}
	line, _, _ := strings.Cut(string(out), "\n")
	fields := strings.Fields(line)
	if len(fields) >= 3 {
		return strings.Join(fields[1:3], " ")
	}
	return strings.TrimSpace(line)
}

// machine describes this machine: its CPUs and their model.
func machine() string {
	model := ""
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	if model == "" {
		return fmt.Sprintf("%d CPUs (%s)", runtime.NumCPU(), runtime.GOARCH)
	}
	return fmt.Sprintf("%d CPUs (%s)", runtime.NumCPU(), model)
}
