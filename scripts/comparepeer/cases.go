package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// setup is one comparison: what both tools run.
type setup struct {
	name                  string
	connections, pipeline int
	tls                   bool
	rtt                   time.Duration
}

// tableCases are the rows of docs/performance.md, in order.
var tableCases = []setup{
	{name: "plain-p1", connections: 50, pipeline: 1},
	{name: "plain-p16", connections: 50, pipeline: 16},
	{name: "tls-p1", connections: 50, pipeline: 1, tls: true},
	{name: "tls-p16", connections: 50, pipeline: 16, tls: true},
	{name: "rtt1ms-p1", connections: 500, pipeline: 1, rtt: time.Millisecond},
	{name: "rtt1ms-p16", connections: 500, pipeline: 16, rtt: time.Millisecond},
	{name: "rtt1ms-tls-p1", connections: 500, pipeline: 1, tls: true, rtt: time.Millisecond},
	{name: "rtt1ms-tls-p16", connections: 500, pipeline: 16, tls: true, rtt: time.Millisecond},
	{name: "conns5k-p1", connections: 5000, pipeline: 1},
}

func caseNames() []string {
	names := make([]string, len(tableCases))
	for i, c := range tableCases {
		names[i] = c.name
	}
	return names
}

// oneComparisonFlags are the flags that make a comparison of their own
// instead of the table.
var oneComparisonFlags = []string{"connections", "pipeline", "tls", "rtt"}

// chooseCases returns what to run: the cases named by --cases, one case
// from the one-comparison flags, or every case of the table. set holds the
// flags given.
func chooseCases(o options, set map[string]bool) ([]setup, error) {
	custom := false
	for _, f := range oneComparisonFlags {
		custom = custom || set[f]
	}
	switch {
	case custom && o.cases != "":
		return nil, fmt.Errorf("give --cases or one comparison's --connections, --pipeline, --tls and --rtt, not both")
	case o.connections < 1 || o.pipeline < 1 || o.rtt < 0:
		return nil, fmt.Errorf("--connections and --pipeline must be at least 1, --rtt 0 or more")
	case custom || o.rssOnly || o.cpusScan:
		name := fmt.Sprintf("c%d-p%d", o.connections, o.pipeline)
		if o.tls {
			name += "-tls"
		}
		if o.rtt > 0 {
			name += "-rtt" + o.rtt.String()
		}
		return []setup{{name: name, connections: o.connections, pipeline: o.pipeline, tls: o.tls, rtt: o.rtt}}, nil
	case o.cases == "" || o.cases == "all":
		return tableCases, nil
	}
	var out []setup
	for _, name := range strings.Split(o.cases, ",") {
		i := slices.IndexFunc(tableCases, func(c setup) bool { return c.name == strings.TrimSpace(name) })
		if i < 0 {
			return nil, fmt.Errorf("--cases: no case %q; the cases are %s", name, strings.Join(caseNames(), ", "))
		}
		out = append(out, tableCases[i])
	}
	return out, nil
}

// row is a case's runs: amrbench's (auto), the reference's, and amrbench's
// with --transport std (empty without --std).
type row struct {
	setup
	amr, peer, std []measurement
}

func (r row) opsRatio() float64 {
	return medians(r.amr).opsPerSec / medians(r.peer).opsPerSec
}

func (r row) cpuRatio() float64 {
	return medians(r.amr).cpuPerMillion() / medians(r.peer).cpuPerMillion()
}

// compareCase runs the tools in turn, o.runs times each, prints each run,
// and returns them. Its runs write under dir.
func compareCase(e *env, c setup, dir string) (row, error) {
	fmt.Printf("\n%s: %d connections, pipeline %d%s%s\n", c.name, c.connections, c.pipeline,
		map[bool]string{true: ", TLS", false: ""}[c.tls], map[bool]string{true: fmt.Sprintf(", %s round trip", c.rtt), false: ""}[c.rtt > 0])
	r := row{setup: c}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return r, err
	}
	tools := []struct {
		name string
		dst  *[]measurement
		run  func(i int) (measurement, error)
	}{
		{"amrbench", &r.amr, func(i int) (measurement, error) {
			return runAmrbench(e, c, filepath.Join(dir, fmt.Sprintf("amr-%d", i)))
		}},
		{e.ref, &r.peer, func(i int) (measurement, error) {
			if e.ref == "memtier" {
				return runMemtier(e, c, filepath.Join(dir, fmt.Sprintf("memtier-%d.json", i)))
			}
			return runRedisBenchmark(e, c)
		}},
	}
	if e.o.std {
		tools = append(tools, struct {
			name string
			dst  *[]measurement
			run  func(i int) (measurement, error)
		}{"amr std", &r.std, func(i int) (measurement, error) {
			return runAmrbench(e, c, filepath.Join(dir, fmt.Sprintf("std-%d", i)), "--transport", "std")
		}})
	}
	for i := 0; i < e.o.runs; i++ {
		for _, tool := range tools {
			if err := e.srv.flushAll(); err != nil {
				return r, err
			}
			m, err := tool.run(i)
			if err != nil {
				return r, err
			}
			*tool.dst = append(*tool.dst, m)
			fmt.Printf("  run %d  %-15s %10.0f ops/s  %6.3f CPU s per Mops  %7d KB  load %5.2f%s%s%s\n",
				i+1, tool.name, m.opsPerSec, m.cpuPerMillion(), m.maxRSSKB, m.load, serverNote(m), stealNote(m), relayNote(m))
		}
	}
	return r, nil
}

// printTable prints the rows as one Markdown table: each figure the median
// of its runs, each ratio amrbench's median over the reference's, with the
// range of the pairs' ratios (each run against the reference's run right
// after it), then amrbench's automatic choice over --transport std.
func printTable(w io.Writer, e *env, rows []row) {
	ref := map[string]string{"memtier": "memtier"}[e.ref]
	if ref == "" {
		ref = e.ref
	}
	fmt.Fprintf(w, "| case | conns | pipeline | amrbench ops/s | %s ops/s | ops/s ratio (pairs) | CPU/op ratio (pairs) | RSS ratio | auto/std ops/s | auto/std CPU/op | server busy (amr/%s) | relay CPU | load |\n", ref, ref)
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, r := range rows {
		a, p := medians(r.amr), medians(r.peer)
		ops := func(m measurement) float64 { return m.opsPerSec }
		stdOps, stdCPU := "–", "–"
		if len(r.std) > 0 {
			s := medians(r.std)
			stdOps = fmt.Sprintf("%.2f %s", a.opsPerSec/s.opsPerSec, pairRange(r.amr, r.std, ops))
			stdCPU = fmt.Sprintf("%.2f %s", a.cpuPerMillion()/s.cpuPerMillion(), pairRange(r.amr, r.std, measurement.cpuPerMillion))
		}
		relay := "–"
		if r.rtt > 0 {
			relay = fmt.Sprintf("%.0f %%", 100*medians(append(slices.Clone(r.amr), r.peer...)).relayShare)
		}
		all := medians(append(append(slices.Clone(r.amr), r.peer...), r.std...))
		fmt.Fprintf(w, "| %s | %d | %d | %.0f | %.0f | %.2f %s | %.2f %s | %.2f | %s | %s | %.0f/%.0f %% | %s | %.1f |\n",
			r.name, r.connections, r.pipeline, a.opsPerSec, p.opsPerSec,
			a.opsPerSec/p.opsPerSec, pairRange(r.amr, r.peer, ops),
			a.cpuPerMillion()/p.cpuPerMillion(), pairRange(r.amr, r.peer, measurement.cpuPerMillion),
			float64(a.maxRSSKB)/float64(p.maxRSSKB), stdOps, stdCPU, 100*a.serverShare, 100*p.serverShare, relay, all.load)
	}
	fmt.Fprintln(w, "\nRatios are amrbench's median over the other's, with the range of the pairs' ratios (each run")
	fmt.Fprintln(w, "against the other's run right after it); ops/s above 1 and CPU/op below 1 favour amrbench. auto/std")
	fmt.Fprintln(w, "is amrbench's default over --transport std (Go's plain net.Conn). server busy is redis-server's")
	fmt.Fprintln(w, "CPU over each tool's runs (100 % is its one thread's limit), relay CPU the delay relay's, each as a")
	fmt.Fprintln(w, "share of one CPU; load the machine's 1-minute load average at the runs' starts (medians).")
}

// pairRange is the range of the pairs' ratios, "(0.91–1.12)".
func pairRange(a, b []measurement, get func(measurement) float64) string {
	n := min(len(a), len(b))
	if n == 0 {
		return ""
	}
	ratios := make([]float64, n)
	for i := range n {
		ratios[i] = get(a[i]) / get(b[i])
	}
	return fmt.Sprintf("(%.2f–%.2f)", slices.Min(ratios), slices.Max(ratios))
}
