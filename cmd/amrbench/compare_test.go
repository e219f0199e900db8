package main

import (
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/amrbench/amrbench/internal/benchtest"
	"github.com/amrbench/amrbench/results"
)

// TestCompareClusterWithSingleNode runs the same workload against a
// 3-primary cluster (OSS policy, found by auto) and a single node, then
// compares the two result files and checks the table's numbers against
// what the files hold.
func TestCompareClusterWithSingleNode(t *testing.T) {
	t.Parallel()
	cluster := benchtest.StartCluster(t)
	single := benchtest.StartServer(t)
	dir := t.TempDir()
	ossDir, singleDir := filepath.Join(dir, "oss"), filepath.Join(dir, "single")
	seedHost, seedPort := cluster.Seed()
	workload := []string{"--connections", "3", "--duration", "1s", "--interval", "100ms", "--key-maximum", "999", "-q"}

	res := cli(t, nil, append([]string{"run", "-s", seedHost, "-p", strconv.Itoa(seedPort), "--label", "oss", "--out", ossDir, "--reply-wait", "park"}, workload...)...)
	if res.code != 0 {
		t.Fatalf("cluster run: exit %d: %s", res.code, res.stderr)
	}
	for _, want := range []string{
		"oss: the endpoint answered CLUSTER SLOTS with 3 shards",
		"10 connections: 3 per shard (one per worker) × 3 shards, plus 1 reading the slot map",
	} {
		if !strings.Contains(res.stderr, want) {
			t.Errorf("the cluster run did not say %q:\n%s", want, res.stderr)
		}
	}
	if !strings.Contains(res.stdout, "Hot shard: the busiest") {
		t.Errorf("no hot-shard line in the summary:\n%s", res.stdout)
	}
	// A cluster has database 0 only: another is refused at once, by its flag.
	res = cli(t, nil, append([]string{"run", "-s", seedHost, "-p", strconv.Itoa(seedPort), "--select-db", "2", "--out", filepath.Join(dir, "db2"), "--reply-wait", "park"}, workload...)...)
	if res.code != 1 || !strings.Contains(res.stderr, "--select-db 2: a cluster has database 0 only") {
		t.Errorf("--select-db 2 against a cluster: exit %d: %s", res.code, res.stderr)
	}
	res = cli(t, nil, append([]string{"run", "-s", single.Host, "-p", strconv.Itoa(single.Port), "--label", "single", "--out", singleDir, "--reply-wait", "park"}, workload...)...)
	if res.code != 0 {
		t.Fatalf("single run: exit %d: %s", res.code, res.stderr)
	}
	if !strings.Contains(res.stderr, "non-clustered: the endpoint says cluster support is disabled") {
		t.Errorf("auto did not say why it chose non-clustered:\n%s", res.stderr)
	}

	ossRun, singleRun := readRun(t, ossDir), readRun(t, singleDir)
	if ossRun.Header.Target.ClusterPolicy != "oss" || ossRun.Header.Target.Shards != 3 || len(ossRun.Summary.Shards) != 3 {
		t.Fatalf("cluster run header %+v, %d shards in the summary", ossRun.Header.Target, len(ossRun.Summary.Shards))
	}
	if len(ossRun.Events) == 0 || ossRun.Events[0].Kind != results.EventTopology || !strings.Contains(ossRun.Events[0].Detail, "3 shards") {
		t.Errorf("the cluster run's first event is not its topology: %+v", ossRun.Events)
	}
	for _, iv := range ossRun.Intervals {
		var shardOps, ops int64
		for _, sh := range iv.Shards {
			shardOps += sh.Count
		}
		for _, cs := range iv.Commands {
			ops += cs.Count
		}
		if shardOps != ops {
			t.Errorf("interval %d: %d operations, %d counted per shard", iv.Index, ops, shardOps)
		}
	}
	if singleRun.Header.Target.ClusterPolicy != "non-clustered" || len(singleRun.Summary.Shards) != 0 {
		t.Fatalf("single run header %+v, shards %v", singleRun.Header.Target, singleRun.Summary.Shards)
	}

	res = cli(t, nil, "compare", ossDir, filepath.Join(singleDir, results.FileName), "--format", "csv")
	if res.code != 0 {
		t.Fatalf("compare: exit %d: %s", res.code, res.stderr)
	}
	records, err := csv.NewReader(strings.NewReader(res.stdout)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	table := map[string]map[string][]string{} // metric -> run -> record
	for _, rec := range records[1:] {
		if table[rec[0]] == nil {
			table[rec[0]] = map[string][]string{}
		}
		table[rec[0]][rec[3]] = rec
	}
	value := func(metric, run string) float64 {
		t.Helper()
		rec := table[metric][run]
		if rec == nil {
			t.Fatalf("no %s for run %s in:\n%s", metric, run, res.stdout)
		}
		v, err := strconv.ParseFloat(rec[6], 64)
		if err != nil {
			t.Fatalf("%s of %s: %q: %v", metric, run, rec[6], err)
		}
		return v
	}
	near := func(got, want float64) bool { return math.Abs(got-want) <= 1e-9*math.Max(1, math.Abs(want)) }
	for run, r := range map[string]*results.Run{"A": ossRun, "B": singleRun} {
		all := r.Summary.Commands[results.AllCommands]
		checks := []struct {
			metric string
			want   float64
		}{
			{"ops_per_sec", all.OpsPerSec},
			{"errors_per_sec", float64(all.ErrorCount()) / r.Summary.DurationS},
			{"response_mean_us", math.Round(all.Response.MeanMicros*10) / 10},
			{"service_max_us", float64(all.Service.MaxMicros)},
			{"ops_per_sec_per_connection", all.OpsPerSec / float64(r.Header.Connections*max(r.Header.Target.Shards, 1))},
		}
		for _, p := range results.DefaultPercentiles {
			for _, kind := range []struct {
				name string
				l    results.Latency
			}{{"response", all.Response}, {"service", all.Service}} {
				v, _ := kind.l.At(p)
				checks = append(checks, struct {
					metric string
					want   float64
				}{fmt.Sprintf("%s_p%s_us", kind.name, strconv.FormatFloat(p, 'f', -1, 64)), float64(v)})
			}
		}
		for _, c := range checks {
			got := value(c.metric, run)
			if c.metric == "response_mean_us" {
				got = math.Round(got*10) / 10 // the summary rounds the mean to 0.1 µs
			}
			if !near(got, c.want) {
				t.Errorf("run %s %s: compare says %v, the result file %v", run, c.metric, got, c.want)
			}
		}
		if rec := table["ops_per_sec_per_vcpu"][run]; rec[6] != "" {
			t.Errorf("run %s: ops/s per vCPU %q without a SKU", run, rec[6])
		}
	}
	a, b := value("ops_per_sec", "A"), value("ops_per_sec", "B")
	diff, err := strconv.ParseFloat(table["ops_per_sec"]["B"][7], 64)
	if err != nil || !near(diff, 100*(b-a)/a) {
		t.Errorf("ops/s difference %q, want %v", table["ops_per_sec"]["B"][7], 100*(b-a)/a)
	}
	if n, _ := strconv.Atoi(table["ops_per_sec"]["A"][11]); n < 8 || n > 11 {
		t.Errorf("the noise test used %d intervals of a 1 s run at 100 ms", n)
	}
	if v := table["ops_per_sec"]["B"][8]; v != "yes" && v != "no" {
		t.Errorf("ops/s verdict %q", v)
	}

	// The text and Markdown renderings show the same numbers.
	for _, format := range []string{"text", "md"} {
		res := cli(t, nil, "compare", ossDir, singleDir, "--format", format)
		if res.code != 0 {
			t.Fatalf("compare --format %s: exit %d: %s", format, res.code, res.stderr)
		}
		p99, _ := ossRun.Summary.Commands[results.AllCommands].Response.At(99)
		// Rates are shown whole, with thousands separators: compare them
		// without the separators.
		digits := strings.ReplaceAll(res.stdout, ",", "")
		for _, want := range []string{
			strconv.FormatFloat(math.Round(ossRun.Summary.Commands[results.AllCommands].OpsPerSec), 'f', 0, 64),
			strconv.FormatFloat(math.Round(singleRun.Summary.Commands[results.AllCommands].OpsPerSec), 'f', 0, 64),
			fmt.Sprintf("%+.1f%%", diff),
			strconv.FormatFloat(float64(p99)/1000, 'f', 3, 64),
			"3 connections x 3 shards = 9",
		} {
			if !strings.Contains(digits, want) {
				t.Errorf("--format %s lacks %q:\n%s", format, want, res.stdout)
			}
		}
		if format == "md" && !strings.Contains(res.stdout, "| ops/s | ") {
			t.Errorf("no Markdown table row for ops/s:\n%s", res.stdout)
		}
	}
}

func TestCompareBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	notResult := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notResult, []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"one run", []string{"compare", dir}, "at least two"},
		{"missing file", []string{"compare", filepath.Join(dir, "a"), filepath.Join(dir, "b")}, filepath.Join(dir, "a") + ": no such file"},
		{"not a result file", []string{"compare", notResult, notResult}, "notes.txt: line 1: not an amrbench result file"},
		{"unknown format", []string{"compare", "a", "b", "--format", "pdf"}, `--format "pdf": use csv, html, md, text`},
		{"bad percentile", []string{"compare", "a", "b", "--print-percentiles", "101"}, "print-percentiles"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := cli(t, nil, tt.args...)
			if res.code != exitUsage {
				t.Fatalf("exit %d, want %d; stderr %q", res.code, exitUsage, res.stderr)
			}
			if !strings.Contains(res.stderr, tt.want) || strings.Count(strings.TrimSpace(res.stderr), "\n") != 0 {
				t.Fatalf("stderr %q: want one line containing %q", res.stderr, tt.want)
			}
		})
	}
}

func TestClusterPolicyFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown policy", []string{"--cluster-policy", "sharded"}, `--cluster-policy "sharded": use auto, oss, enterprise or non-clustered`},
		{"memtier's cluster mode against another policy", []string{"--cluster-mode", "--cluster-policy", "enterprise"}, "--cluster-mode means --cluster-policy oss"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := cli(t, nil, append([]string{"run", "-s", "127.0.0.1", "-p", "1"}, tt.args...)...)
			if res.code != exitUsage || !strings.Contains(res.stderr, tt.want) {
				t.Fatalf("exit %d, stderr %q; want exit 2 and %q", res.code, res.stderr, tt.want)
			}
		})
	}
}
