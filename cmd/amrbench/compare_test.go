package main

import (
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/amrbench/amrbench/internal/benchtest"
	"github.com/amrbench/amrbench/internal/units"
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
	wantSaid(t, "the cluster run", res.stderr,
		"oss: the endpoint answered CLUSTER SLOTS with 3 shards",
		"10 connections: 3 per shard (one per worker) × 3 shards, plus 1 reading the slot map")
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
	var firstTopology *results.Event
	for _, e := range ossRun.Events {
		if e.Kind == results.EventTopology {
			firstTopology = e
			break
		}
	}
	if firstTopology == nil || !strings.Contains(firstTopology.Detail, "3 shards") {
		t.Errorf("the cluster run's first topology event does not give its 3 shards: %+v", firstTopology)
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
	// The rows of ALL; the blocks of SET and GET are checked apart.
	table := map[string]map[string][]string{} // metric -> run -> record
	commands := map[string]bool{}
	for _, rec := range records[1:] {
		commands[rec[12]] = true
		if rec[12] != results.AllCommands {
			continue
		}
		if table[rec[0]] == nil {
			table[rec[0]] = map[string][]string{}
		}
		table[rec[0]][rec[3]] = rec
	}
	if len(commands) != 3 || !commands["SET"] || !commands["GET"] {
		t.Errorf("the comparison's blocks are %v, want SET, GET and ALL", commands)
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
			{"service_mean_us", math.Round(all.Service.MeanMicros*10) / 10},
			{"service_max_us", float64(all.Service.MaxMicros)},
			{"ops_per_sec_per_connection", all.OpsPerSec / float64(r.Header.Connections*max(r.Header.Target.Shards, 1))},
		}
		for _, p := range results.DefaultPercentiles {
			for _, kind := range []struct {
				name string
				l    results.Latency
			}{{"service", all.Service}} { // closed loops: response time is service time, shown once
				v, _ := kind.l.At(p)
				checks = append(checks, struct {
					metric string
					want   float64
				}{fmt.Sprintf("%s_p%s_us", kind.name, strconv.FormatFloat(p, 'f', -1, 64)), float64(v)})
			}
		}
		for _, c := range checks {
			got := value(c.metric, run)
			if c.metric == "service_mean_us" {
				got = math.Round(got*10) / 10 // the summary rounds the mean to 0.1 µs
			}
			if !near(got, c.want) {
				t.Errorf("run %s %s: compare says %v, the result file %v", run, c.metric, got, c.want)
			}
		}
		if rec := table["ops_per_sec_per_vcpu"][run]; rec != nil {
			t.Errorf("run %s: a row of ops/s per vCPU %q, and no run has a SKU", run, rec[6])
		}
		if rec := table["response_p99_us"][run]; rec != nil {
			t.Errorf("run %s: closed loops, yet a response-time row beside the service-time one", run)
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
		p99, _ := ossRun.Summary.Commands[results.AllCommands].Service.At(99)
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
		if format == "md" && (!strings.Contains(res.stdout, "| ops/s | ") || !strings.Contains(res.stdout, "| **GET** |")) {
			t.Errorf("no Markdown table row for ops/s:\n%s", res.stdout)
		}
	}
}

func TestCompareBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	notResult, notResult2 := filepath.Join(dir, "notes.txt"), filepath.Join(dir, "notes2.txt")
	for _, f := range []string{notResult, notResult2} {
		if err := os.WriteFile(f, []byte("hello\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"one run", []string{"compare", dir}, "at least two"},
		{"missing file", []string{"compare", filepath.Join(dir, "a"), filepath.Join(dir, "b")}, filepath.Join(dir, "a") + ": no such file"},
		{"not a result file", []string{"compare", notResult, notResult2}, "notes.txt: line 1: not an amrbench result file"},
		{"bad error rate", []string{"compare", notResult, notResult2, "--max-error-rate", "2x"}, "--max-error-rate"},
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

// TestCompareRefusesTheSameRun gives compare one run twice: as the same
// directory, as a directory and its result file, and as a copy of its
// result file. Each is a usage error on one line.
func TestCompareRefusesTheSameRun(t *testing.T) {
	t.Parallel()
	server := benchtest.StartServer(t)
	dir := t.TempDir()
	runDir := filepath.Join(dir, "run")
	res := cli(t, nil, "run", "-s", server.Host, "-p", strconv.Itoa(server.Port), "--connections", "2", "--duration", "1s", "-q", "--out", runDir)
	if res.code != 0 {
		t.Fatalf("run: exit %d: %s", res.code, res.stderr)
	}
	data, err := os.ReadFile(filepath.Join(runDir, results.FileName))
	if err != nil {
		t.Fatal(err)
	}
	copied := filepath.Join(dir, "copy.jsonl")
	if err := os.WriteFile(copied, data, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		a, b string
		want string
	}{
		{"the same directory", runDir, runDir, "are the same result file"},
		{"a directory and its file", runDir, filepath.Join(runDir, results.FileName), "are the same result file"},
		{"a copy", runDir, copied, "the same run is given twice (run id "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := cli(t, nil, "compare", tt.a, tt.b)
			if res.code != exitUsage || !strings.Contains(res.stderr, tt.want) || strings.Count(strings.TrimSpace(res.stderr), "\n") != 0 {
				t.Fatalf("exit %d, stderr %q; want exit %d and one line with %q", res.code, res.stderr, exitUsage, tt.want)
			}
		})
	}
}

// TestCompareEnterpriseGivenAgainstACluster runs the same workload against
// a 3-primary cluster twice: with the OSS policy (found by auto) and with
// --cluster-policy enterprise, which sends every key to the seed node and
// fails with MOVED on the other shards' keys. compare marks the second not
// comparable instead of showing its throughput as a gain.
func TestCompareEnterpriseGivenAgainstACluster(t *testing.T) {
	t.Parallel()
	cluster := benchtest.StartCluster(t)
	dir := t.TempDir()
	ossDir, givenDir := filepath.Join(dir, "oss"), filepath.Join(dir, "given")
	seedHost, seedPort := cluster.Seed()
	target := []string{"run", "-s", seedHost, "-p", strconv.Itoa(seedPort), "--connections", "3", "--duration", "2s", "--interval", "250ms", "--key-maximum", "999", "-q", "--reply-wait", "park"}
	if res := cli(t, nil, append(target, "--label", "oss", "--out", ossDir)...); res.code != 0 {
		t.Fatalf("OSS run: exit %d: %s", res.code, res.stderr)
	}
	// Its own error budget off, so that the run is written whatever the
	// engine's verdict on it.
	res := cli(t, nil, append(target, "--label", "enterprise-given", "--cluster-policy", "enterprise", "--max-error-rate", "100%", "--out", givenDir)...)
	if res.code != 0 {
		t.Fatalf("Enterprise run against the cluster: exit %d: %s", res.code, res.stderr)
	}
	if !strings.Contains(res.stderr, "MOVED") {
		t.Errorf("the run did not warn of MOVED:\n%s", res.stderr)
	}
	given := readRun(t, givenDir)
	moved := given.Summary.Commands[results.AllCommands].Errors[results.ErrMoved]
	if moved == 0 {
		t.Fatalf("no MOVED errors in a run of the Enterprise policy against 3 shards: %+v", given.Summary.Commands[results.AllCommands].Errors)
	}

	res = cli(t, nil, "compare", ossDir, givenDir)
	if res.code != 0 {
		t.Fatalf("compare: exit %d: %s", res.code, res.stderr)
	}
	wantLines(t, res.stdout,
		"What differs between the runs:",
		"  policy       A  oss, 3 shards",
		"B  enterprise, given with --cluster-policy",
		"Not comparable: no difference from A is given for these runs.",
		"operations failed with MOVED, their keys being on other shards")
	if opsLine := firstRow(res.stdout, "ops/s"); !strings.HasSuffix(strings.TrimSpace(opsLine), "not comparable") || strings.Contains(opsLine, "%") {
		t.Errorf("the ops/s row gives a difference for the run that is not comparable: %q", opsLine)
	}
	res = cli(t, nil, "compare", ossDir, givenDir, "--format", "csv")
	records, err := csv.NewReader(strings.NewReader(res.stdout)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range records[1:] {
		if rec[3] == "B" && (rec[8] != "not-comparable" || rec[7] != "" || rec[13] != "false") {
			t.Fatalf("CSV row of B: %q", rec)
		}
	}
}

// TestCompareProxyWithCluster runs one workload against twemproxy in front
// of three redis-servers (found by auto as an Enterprise-like endpoint: one
// proxy routing every key) and against a 3-primary OSS cluster, then
// compares them: both runs are clean, comparable, and their policies are
// the condition that differs.
func TestCompareProxyWithCluster(t *testing.T) {
	t.Parallel()
	proxy := benchtest.StartTwemproxy(t, 3)
	cluster := benchtest.StartCluster(t)
	dir := t.TempDir()
	proxyDir, ossDir := filepath.Join(dir, "proxy"), filepath.Join(dir, "oss")
	seedHost, seedPort := cluster.Seed()
	workload := []string{"--connections", "3", "--duration", "2s", "--interval", "250ms", "--key-maximum", "999", "--seed", "7", "-q", "--reply-wait", "park"}
	res := cli(t, nil, append([]string{"run", "-s", proxy.Host, "-p", strconv.Itoa(proxy.Port), "--label", "proxy", "--out", proxyDir}, workload...)...)
	if res.code != 0 {
		t.Fatalf("proxy run: exit %d: %s", res.code, res.stderr)
	}
	wantSaid(t, "the proxy run", res.stderr,
		"enterprise: the endpoint closed the connection when asked CLUSTER SLOTS and answers on a new one",
		"the connections open without them, in RESP2, unnamed")
	if res := cli(t, nil, append([]string{"run", "-s", seedHost, "-p", strconv.Itoa(seedPort), "--label", "oss", "--out", ossDir}, workload...)...); res.code != 0 {
		t.Fatalf("cluster run: exit %d: %s", res.code, res.stderr)
	}
	proxyRun, ossRun := readRun(t, proxyDir), readRun(t, ossDir)
	for name, r := range map[string]*results.Run{"proxy": proxyRun, "oss": ossRun} {
		all := r.Summary.Commands[results.AllCommands]
		if all.Count == 0 || all.ErrorCount() != 0 {
			t.Errorf("%s run: %d operations, errors %v", name, all.Count, all.Errors)
		}
	}
	if p := proxyRun.Header.Target; p.ClusterPolicy != "enterprise" || p.Shards != 0 {
		t.Errorf("proxy run's target %+v", p)
	}
	// The proxy spread the SETs over its three shards.
	for i, n := range proxy.ShardKeys(t) {
		if n == 0 {
			t.Errorf("shard %d behind the proxy holds no key: %v", i+1, proxy.ShardKeys(t))
		}
	}

	res = cli(t, nil, "compare", proxyDir, ossDir)
	if res.code != 0 {
		t.Fatalf("compare: exit %d: %s", res.code, res.stderr)
	}
	if strings.Contains(res.stdout, "not comparable") || strings.Contains(res.stdout, "Not comparable") {
		t.Errorf("two clean runs, one marked not comparable:\n%s", res.stdout)
	}
	wantLines(t, res.stdout, "  policy       A  enterprise\n", "               B  oss, 3 shards\n", "0 errors")
	if opsLine := firstRow(res.stdout, "ops/s"); !strings.Contains(opsLine, "%") {
		t.Errorf("the ops/s row gives no difference between two comparable runs: %q", opsLine)
	}
}

// spaces are a run of spaces, which the text pads its columns with.
var spaces = regexp.MustCompile(` +`)

// wantLines fails the test for each of wants that compare's output out
// lacks, whatever the width of the columns (a condition with a longer name
// widens them).
func wantLines(t *testing.T, out string, wants ...string) {
	t.Helper()
	wantSaid(t, "compare", out, wants...)
}

// wantSaid fails the test for each of wants that who's output out lacks,
// runs of spaces counting as one.
func wantSaid(t *testing.T, who, out string, wants ...string) {
	t.Helper()
	squeezed := spaces.ReplaceAllString(out, " ")
	for _, want := range wants {
		if !strings.Contains(squeezed, spaces.ReplaceAllString(want, " ")) {
			t.Errorf("%s did not say %q:\n%s", who, want, out)
		}
	}
}

// firstRow returns the first line of a comparison's table whose metric is
// label.
func firstRow(out, label string) string {
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), label+" ") {
			return line
		}
	}
	return ""
}

// TestCompareTwoSearches runs two --find-max searches for the same
// objective from different starting rates against one redis-server and
// compares them: by the highest rate each met the objective at, as their
// summaries say, not by whole-run averages (no table of metrics).
func TestCompareTwoSearches(t *testing.T) {
	t.Parallel()
	s := benchtest.StartServer(t)
	dir := t.TempDir()
	var dirs []string
	var shorts []string
	objective, err := results.ParseObjective("p99<10s")
	if err != nil {
		t.Fatal(err)
	}
	for _, start := range []string{"200", "400"} {
		out := filepath.Join(dir, "from-"+start)
		res := cli(t, nil, runArgs(s, "--find-max", "--rate", start, "--slo", "p99<10s", "--step-duration", "500ms", "--interval", "250ms", "--find-max-steps", "2",
			"--connections", "4", "--label", "from-"+start, "-q", "--out", out)...)
		if res.code != exitOK {
			t.Fatalf("search from %s ops/s: exit %d: %s", start, res.code, res.stderr)
		}
		sum := readRun(t, out).Summary
		if sum.SLO == nil || sum.SLO.MaxRate == 0 {
			t.Fatalf("search from %s ops/s found nothing: %+v", start, sum.SLO)
		}
		dirs = append(dirs, out)
		short := units.FormatWhole(sum.SLO.MaxRate) + " ops/s met " + objective.String()
		if sum.Verdict.LowerBound { // a client that was the limit (a loaded machine)
			short = "≥ " + short
		}
		shorts = append(shorts, short)
	}
	res := cli(t, nil, "compare", dirs[0], dirs[1])
	if res.code != 0 {
		t.Fatalf("compare: exit %d: %s", res.code, res.stderr)
	}
	wantLines(t, res.stdout, "Highest rate meeting the objectives: "+strings.Join(shorts, " vs ")+".")
	if strings.Contains(res.stdout, "METRIC") {
		t.Errorf("two searches compared by their whole-run averages:\n%s", res.stdout)
	}
}
