package main

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func TestMedian(t *testing.T) {
	tests := []struct {
		name string
		in   []float64
		want float64
	}{
		{"one", []float64{3}, 3},
		{"odd, unsorted", []float64{5, 1, 3}, 3},
		{"even: the mean of the middle two", []float64{4, 1, 3, 2}, 2.5},
		{"ratios around one", []float64{1.087, 0.824, 1.005, 0.968, 1.015}, 1.005},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := median(tt.in); got != tt.want {
				t.Errorf("median = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestRatios checks the two ratios a set reports: the ratio of the medians,
// each figure's median taken on its own, and the median of the pairs' ratios.
func TestRatios(t *testing.T) {
	run := func(ops int64, seconds float64, cpu time.Duration) measurement {
		return measurement{ops: ops, opsPerSec: float64(ops) / seconds, cpu: cpu}
	}
	amr := []measurement{
		run(1_000_000, 10, 1200*time.Millisecond), // 100k ops/s, 1.2 CPU s per Mops
		run(1_200_000, 10, 1200*time.Millisecond), // 120k ops/s, 1.0
		run(900_000, 10, 1350*time.Millisecond),   // 90k ops/s, 1.5
	}
	peer := []measurement{
		run(1_000_000, 10, 1400*time.Millisecond), // 100k, 1.4
		run(1_000_000, 10, 1100*time.Millisecond), // 100k, 1.1
		run(1_000_000, 10, 1000*time.Millisecond), // 100k, 1.0
	}
	a, p := medians(amr), medians(peer)
	if a.opsPerSec != 100_000 || p.opsPerSec != 100_000 {
		t.Errorf("median ops/s = %v and %v, want 100000 and 100000", a.opsPerSec, p.opsPerSec)
	}
	if got := a.cpuPerMillion(); math.Abs(got-1.2) > 1e-9 {
		t.Errorf("amrbench's median CPU s per Mops = %v, want 1.2", got)
	}
	if got := p.cpuPerMillion(); math.Abs(got-1.1) > 1e-9 {
		t.Errorf("the reference's median CPU s per Mops = %v, want 1.1", got)
	}
	// Pairs: 100/100, 120/100, 90/100; CPU 1.2/1.4, 1.0/1.1, 1.5/1.0.
	if got := pairRange(amr, peer, func(m measurement) float64 { return m.opsPerSec }); got != "(0.90–1.20)" {
		t.Errorf("ops/s pair range = %s, want (0.90–1.20)", got)
	}
	if got := pairRange(amr, peer, measurement.cpuPerMillion); got != "(0.86–1.50)" {
		t.Errorf("CPU pair range = %s, want (0.86–1.50)", got)
	}
	r := row{amr: amr, peer: peer}
	if got := r.opsRatio(); got != 1 {
		t.Errorf("ops/s ratio of medians = %v, want 1", got)
	}
	if got, want := r.cpuRatio(), 1.2/1.1; math.Abs(got-want) > 1e-9 {
		t.Errorf("CPU ratio of medians = %v, want %v", got, want)
	}
}

// TestChooseCases checks what a command line runs: every case of the
// table by default, the ones --cases names, or one comparison of its own.
func TestChooseCases(t *testing.T) {
	base := options{connections: 50, pipeline: 1}
	with := func(f func(*options)) options { o := base; f(&o); return o }
	tests := []struct {
		name    string
		o       options
		set     []string
		want    []string
		wantErr bool
	}{
		{"the whole table", base, nil, caseNames(), false},
		{"--cases all", with(func(o *options) { o.cases = "all" }), []string{"cases"}, caseNames(), false},
		{"two cases", with(func(o *options) { o.cases = "tls-p16, rtt1ms-p1" }), []string{"cases"}, []string{"tls-p16", "rtt1ms-p1"}, false},
		{"an unknown case", with(func(o *options) { o.cases = "tls-p32" }), []string{"cases"}, nil, true},
		{"one comparison", with(func(o *options) { o.pipeline, o.tls = 16, true }), []string{"pipeline", "tls"}, []string{"c50-p16-tls"}, false},
		{"one comparison over a round trip", with(func(o *options) { o.connections, o.rtt = 500, time.Millisecond }), []string{"connections", "rtt"}, []string{"c500-p1-rtt1ms"}, false},
		{"both", with(func(o *options) { o.cases, o.pipeline = "tls-p1", 16 }), []string{"cases", "pipeline"}, nil, true},
		{"a pipeline of 0", with(func(o *options) { o.pipeline = 0 }), []string{"pipeline"}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set := map[string]bool{}
			for _, f := range tt.set {
				set[f] = true
			}
			got, err := chooseCases(tt.o, set)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error %v, want error %v", err, tt.wantErr)
			}
			var names []string
			for _, c := range got {
				names = append(names, c.name)
			}
			if !slices.Equal(names, tt.want) {
				t.Fatalf("cases %v, want %v", names, tt.want)
			}
		})
	}
}

// TestParseCPUTimes reads /proc/stat's first line: the total of its first
// eight times and the eighth (steal); guest times are left out, as user
// already counts them.
func TestParseCPUTimes(t *testing.T) {
	tests := []struct {
		name   string
		line   string
		want   cpuTimes
		wantOK bool
	}{
		{"a VM with steal and guest times", "cpu  1822320 3253 810373 2979658 9091 0 357921 175968 7 9",
			cpuTimes{total: 1822320 + 3253 + 810373 + 2979658 + 9091 + 0 + 357921 + 175968, steal: 175968}, true},
		{"no steal", "cpu 10 0 5 85 0 0 0 0", cpuTimes{total: 100}, true},
		{"a single CPU's line", "cpu0 10 0 5 85 0 0 0 0", cpuTimes{}, false},
		{"too few fields (an old kernel)", "cpu 10 0 5 85 0 0 0", cpuTimes{}, false},
		{"not a number", "cpu 10 0 5 85 0 0 x 0", cpuTimes{}, false},
		{"empty", "", cpuTimes{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := parseCPUTimes(tt.line)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("parseCPUTimes(%q) = %+v, %v; want %+v, %v", tt.line, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestParseProcStatCPU(t *testing.T) {
	tests := []struct {
		name   string
		stat   string
		want   time.Duration
		wantOK bool
	}{
		{"redis-server", "29701 (redis-server) S 1 29700 29700 0 -1 4194624 1093 0 0 0 512 1375 0 0 20 0 6 0 1037707 104484864 2374 18446744073709551615",
			(512 + 1375) * 10 * time.Millisecond, true},
		{"a name with spaces and a parenthesis", "7 (a (b) c) R 1 7 7 0 -1 0 0 0 0 0 3 4 0 0 20 0 1 0 5 0 0", 70 * time.Millisecond, true},
		{"cut short", "7 (x) R 1 7 7 0 -1 0 0 0 0 0 3", 0, false},
		{"no name", "garbage", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := parseProcStatCPU(tt.stat)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("parseProcStatCPU = %v, %v; want %v, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestConnectDetail(t *testing.T) {
	tests := []struct {
		name, lines, want string
		wantErr           bool
	}{
		{"the connect event among others", `{"type":"header","schema":"amrbench.result/v1"}
{"type":"event","kind":"warning","detail":"late starts"}
{"type":"event","kind":"connect","detail":"opened 10,000 connections in 4.2s: 2,381 a second (32 at a time)","count":10000}
{"type":"interval","index":0}
`, "opened 10,000 connections in 4.2s: 2,381 a second (32 at a time)", false},
		{"no connect event", `{"type":"header"}
{"type":"event","kind":"warning","detail":"opened"}
`, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "result.jsonl")
			if err := os.WriteFile(path, []byte(tt.lines), 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := connectDetail(path)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("connectDetail = %q, %v; want %q, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}
