package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
)

// cpusScan runs amrbench alone for case c with --cpus 1, 2, ... up to this
// machine's CPUs, the settings alternating (1 2 1 2 ...), and prints the
// median ops/s and CPU per operation of each.
func cpusScan(e *env, c setup) error {
	n := runtime.NumCPU()
	fmt.Printf("amrbench alone, --cpus 1 to %d: %d connections, pipeline %d, ratio %s, %d-byte values, %s per run, %d runs each, alternating\n",
		n, c.connections, c.pipeline, e.o.ratio, e.o.dataSize, e.o.duration, e.o.runs)
	fmt.Printf("%s, %s\n", machine(), e.redisLabel)
	runs := make([][]measurement, n+1)
	for i := 0; i < e.o.runs; i++ {
		for cpus := 1; cpus <= n; cpus++ {
			if err := e.srv.flushAll(); err != nil {
				return err
			}
			o := *e
			o.o.threads = cpus
			m, err := runAmrbench(&o, c, filepath.Join(e.dir, "cpus-"+strconv.Itoa(cpus)+"-"+strconv.Itoa(i)))
			if err != nil {
				return err
			}
			runs[cpus] = append(runs[cpus], m)
			fmt.Printf("  run %d  --cpus %d  %10.0f ops/s  %6.3f CPU s per Mops  load %5.2f\n", i+1, cpus, m.opsPerSec, m.cpuPerMillion(), m.load)
		}
	}
	fmt.Println("\n| --cpus | ops/s | vs --cpus 1 | CPU s per million ops | load |")
	fmt.Println("|---:|---:|---:|---:|---:|")
	one := medians(runs[1]).opsPerSec
	for cpus := 1; cpus <= n; cpus++ {
		m := medians(runs[cpus])
		fmt.Printf("| %d | %.0f | %.2f | %.3f | %.1f |\n", cpus, m.opsPerSec, m.opsPerSec/one, m.cpuPerMillion(), m.load)
	}
	fmt.Println("\n(medians of the runs; the server shares the machine, so the last CPU is one it takes from the server)")
	return nil
}

// rssPerConnection runs amrbench alone at 1 connection and at c's, and
// reports peak RSS per connection.
func rssPerConnection(e *env, c setup) error {
	fmt.Printf("amrbench memory: 1 connection, then %d connections, %s each, pipeline %d, ratio %s\n", c.connections, e.o.duration, c.pipeline, e.o.ratio)
	oneConn := c
	oneConn.connections = 1
	one, err := runAmrbench(e, oneConn, filepath.Join(e.dir, "one"))
	if err != nil {
		return err
	}
	many, err := runAmrbench(e, c, filepath.Join(e.dir, "many"))
	if err != nil {
		return err
	}
	fmt.Printf("1 connection:      peak RSS %8d KB, %10.0f ops/s\n", one.maxRSSKB, one.opsPerSec)
	fmt.Printf("%d connections: peak RSS %8d KB, %10.0f ops/s, %.3f CPU s per Mops\n", c.connections, many.maxRSSKB, many.opsPerSec, many.cpuPerMillion())
	fmt.Printf("RSS per connection: %.1f KB ((peak at %d - peak at 1) / %d)\n",
		float64(many.maxRSSKB-one.maxRSSKB)/float64(c.connections-1), c.connections, c.connections-1)
	opened, err := connectDetail(filepath.Join(e.dir, "many", "result.jsonl"))
	if err != nil {
		return err
	}
	fmt.Printf("opening: %s\n", opened)
	return nil
}

// connectDetail is the detail of the connect event in a result file: how
// long opening the connections took, and at what pace.
func connectDetail(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		var ev struct{ Type, Kind, Detail string }
		if json.Unmarshal(sc.Bytes(), &ev) == nil && ev.Type == "event" && ev.Kind == "connect" {
			return ev.Detail, nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return "", fmt.Errorf("%s: no connect event", path)
}
