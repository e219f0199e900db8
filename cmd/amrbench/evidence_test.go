package main

import (
	"bytes"
	"context"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/amrbench/amrbench/bench/cluster"
	"github.com/amrbench/amrbench/internal/azmonitortest"
	"github.com/amrbench/amrbench/internal/benchtest"
	"github.com/amrbench/amrbench/internal/localserver"
	"github.com/amrbench/amrbench/internal/promtest"
	"github.com/amrbench/amrbench/results"
)

// sampledCalls adds up a server's calls of command over every server record
// of a run.
func sampledCalls(run *results.Run, addr, command string) int64 {
	var n int64
	for _, rec := range run.Server {
		if s := rec.Servers[addr]; s != nil && s.Commands[command] != nil {
			n += s.Commands[command].Calls
		}
	}
	return n
}

// TestServerStatsAreOnByDefault: every GET and SET the run sent, warmup
// included, is in the server's own samples, interval by interval on the
// run's grid; --server-stats=false sends no INFO at all.
func TestServerStatsAreOnByDefault(t *testing.T) {
	t.Parallel()
	s := benchtest.StartServer(t)
	s.ResetStats(t)
	dir := filepath.Join(t.TempDir(), "on")
	res := cli(t, nil, runArgs(s, "--duration", "2s", "--warmup", "500ms", "--connections", "4", "--interval", "250ms", "--out", dir, "-q")...)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	run := readRun(t, dir)
	if len(run.Server) < 8 {
		t.Fatalf("%d server records in a 2.5 s run of 250 ms intervals", len(run.Server))
	}
	byIndex := map[int64]*results.Interval{}
	var gets, sets int64
	for _, iv := range run.Intervals {
		byIndex[iv.Index] = iv
		gets += iv.Commands["GET"].Count
		sets += iv.Commands["SET"].Count
	}
	for _, rec := range run.Server {
		if iv := byIndex[rec.Index]; iv == nil || rec.End.Sub(iv.End).Abs() > 100*time.Millisecond {
			t.Errorf("server record %d ends at %v, its interval at %v", rec.Index, rec.End, iv)
		}
	}
	addr := net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
	calls := s.CommandCalls(t)
	if got := sampledCalls(run, addr, "get"); got != gets || got != calls["get"] {
		t.Errorf("GETs: the samples %d, the run %d, the server %d", got, gets, calls["get"])
	}
	if got := sampledCalls(run, addr, "set"); got != sets || got != calls["set"] {
		t.Errorf("SETs: the samples %d, the run %d, the server %d", got, sets, calls["set"])
	}
	summary, err := os.ReadFile(filepath.Join(dir, "summary.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(summary), "Servers: what each server's INFO said") || !strings.Contains(string(summary), addr+"  primary") {
		t.Errorf("summary.txt has no server table:\n%s", summary)
	}

	s.ResetStats(t)
	off := filepath.Join(t.TempDir(), "off")
	res = cli(t, nil, runArgs(s, "--duration", "1s", "--connections", "2", "--server-stats=false", "--out", off, "-q")...)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	if run := readRun(t, off); len(run.Server) != 0 {
		t.Errorf("--server-stats=false wrote %d server records", len(run.Server))
	}
	// The one INFO the target itself asks when it opens, and none of the
	// sampler's.
	if n := s.CommandCalls(t)["info"]; n > 1 {
		t.Errorf("--server-stats=false: the server answered %d INFO", n)
	}
}

// TestHotShardIsNamed runs against a real three-shard cluster with
// replicas, every key on one shard (a hash tag): that shard's samples hold
// exactly the operations the run counted on it and its own commandstats
// counted, the others none, and summary.txt names it.
func TestHotShardIsNamed(t *testing.T) {
	t.Parallel()
	c := benchtest.StartCluster(t, benchtest.WithReplicas(1))
	waitReplicasAnnounced(t, c)
	c.ResetStats(t)
	host, port := c.Seed()
	dir := filepath.Join(t.TempDir(), "out")
	res := cli(t, nil, "run", "-s", host, "-p", strconv.Itoa(port), "--reply-wait", "park", "--key-prefix", "{hot}key:",
		"--duration", "2s", "--connections", "4", "--interval", "500ms", "--out", dir, "-q")
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	run := readRun(t, dir)
	stats := c.CommandStats(t)
	var hot string // the primary that served the GETs
	for _, n := range c.Nodes {
		if n.ReplicaOf == "" && stats[n.ClientAddr()]["get"].Calls > 0 {
			hot = n.ClientAddr()
		}
	}
	if hot == "" {
		t.Fatal("no shard served a GET")
	}
	var counted int64 // the operations the run counted on the hot shard
	for _, iv := range run.Intervals {
		if sh := iv.Shards[hot]; sh != nil {
			counted += sh.Count
		}
	}
	sampled := map[string]bool{}
	for _, rec := range run.Server {
		for addr := range rec.Servers {
			sampled[addr] = true
		}
	}
	if len(sampled) != 6 {
		t.Errorf("%d servers sampled, want 6 (3 primaries, 3 replicas): %v", len(sampled), sampled)
	}
	hotSets := stats[hot]["set"].Calls
	for _, n := range c.Nodes {
		addr := n.ClientAddr()
		gets, sets := sampledCalls(run, addr, "get"), sampledCalls(run, addr, "set")
		if gets != stats[addr]["get"].Calls || sets != stats[addr]["set"].Calls {
			t.Errorf("%s: the samples count %d GETs and %d SETs, its commandstats %d and %d", addr, gets, sets, stats[addr]["get"].Calls, stats[addr]["set"].Calls)
		}
		switch {
		case addr == hot:
			if gets+sets != counted || counted == 0 {
				t.Errorf("hot shard %s: sampled %d, the run counted %d", addr, gets+sets, counted)
			}
		case n.ReplicaOf != "" && c.NodeByID(n.ReplicaOf).ClientAddr() == hot:
			// The hot shard's replica runs its SETs, replicated.
			if gets != 0 || sets != hotSets {
				t.Errorf("replica %s of the hot shard ran %d GETs and %d SETs, want 0 and %d", addr, gets, sets, hotSets)
			}
		case gets+sets != 0:
			t.Errorf("%s is neither the hot shard nor its replica, yet ran %d GETs and SETs", addr, gets+sets)
		}
	}
	if want := "Hot shard (by the servers' own counts): " + hot + " ran 100 % of the load's commands"; !strings.Contains(res.stdout, want) {
		t.Errorf("summary lacks %q:\n%s", want, res.stdout)
	}
}

// waitReplicasAnnounced waits until CLUSTER SLOTS names a replica for every
// slot range: a replica joins the map some time after the cluster is
// healthy.
func waitReplicasAnnounced(t *testing.T, c *benchtest.Cluster) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		slots, err := cluster.ReadSlots(context.Background(), c.Nodes[0].Admin)
		ok := err == nil && len(slots) > 0
		for _, s := range slots {
			ok = ok && len(s.Nodes) >= 2
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("CLUSTER SLOTS names no replica after 20 s: %v %v", slots, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestServerStatsOutlastTokens: with Entra ID, the sampler's connection
// gets each new token, as the load's do, so the token-enforcing proxy closes
// none and every interval has its sample.
func TestServerStatsOutlastTokens(t *testing.T) {
	t.Parallel()
	w := newAzWorld(t, "AZ_TOKEN_LIFE=4")
	dir := filepath.Join(t.TempDir(), "out")
	code, _, stderr := w.run(t, "--reauth-before", "2s", "--duration", "8s", "--connections", "2", "--interval", "500ms", "--out", dir, "-q")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	run, st := readRun(t, dir), w.proxy.Stats()
	if st.ClosedExpired != 0 || st.Accepted != 3 {
		t.Fatalf("the proxy closed %d connections for expired tokens and accepted %d (2 of the load, 1 of the sampler)", st.ClosedExpired, st.Accepted)
	}
	if len(run.Server) != len(run.Intervals) {
		t.Fatalf("%d server records for %d intervals", len(run.Server), len(run.Intervals))
	}
	for _, e := range run.Events {
		if e.Kind == results.EventWarning && strings.Contains(e.Detail, "server stats") {
			t.Errorf("warning: %s", e.Detail)
		}
	}
}

// azureWorld is a run's Azure side: the metrics stand-in, its CA in a file,
// and the stand-in Azure CLI on PATH.
type azureWorld struct {
	monitor *azmonitortest.Server
	caFile  string
	env     []string
}

const testResourceID = "/subscriptions/0000-11/resourceGroups/rg-bench/providers/Microsoft.Cache/redisEnterprise/bench-cache"

func newAzureWorld(t *testing.T, env ...string) *azureWorld {
	t.Helper()
	w := &azureWorld{monitor: azmonitortest.Start(t)}
	w.monitor.Add(azmonitortest.Resource{ID: testResourceID, Type: "Microsoft.Cache/redisEnterprise",
		Metrics: azmonitortest.Without(azmonitortest.RedisEnterpriseMetrics(), "cacheLatency")})
	dir := t.TempDir()
	w.caFile = filepath.Join(dir, "monitor-ca.pem")
	cert := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: w.monitor.Certificate().Raw})
	if err := os.WriteFile(w.caFile, cert, 0o600); err != nil {
		t.Fatal(err)
	}
	script, err := os.ReadFile(filepath.Join("testdata", "az"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "az"), script, 0o755); err != nil {
		t.Fatal(err)
	}
	w.env = append(os.Environ(), "PATH="+dir+string(os.PathListSeparator)+os.Getenv("PATH"), "AZ_OID="+azOID)
	w.env = append(w.env, env...)
	return w
}

// run runs amrbench against s with the Azure Monitor flags.
func (w *azureWorld) run(t *testing.T, s *benchtest.Server, extra ...string) (int, string, string) {
	t.Helper()
	return runBinary(t, w.env, nil, append(runArgs(s, "--azure-resource", testResourceID, "--azure-credential", "azure-cli",
		"--azure-monitor-endpoint", w.monitor.URL, "--azure-monitor-cacert", w.caFile, "--azure-wait", "0"), extra...)...)
}

// TestAzureMonitorMetricsLandInTheResults fetches the stand-in's metrics
// after a run, with the Azure CLI credential: the run's resource, window,
// grain and aggregations are asked for under a token for Azure Resource
// Manager, and the series land in result.jsonl as served.
func TestAzureMonitorMetricsLandInTheResults(t *testing.T) {
	t.Parallel()
	s := benchtest.StartServer(t)
	w := newAzureWorld(t)
	dir := filepath.Join(t.TempDir(), "out")
	code, _, stderr := w.run(t, s, "--duration", "1s", "--connections", "2", "--out", dir)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	run := readRun(t, dir)
	if len(run.Azure) != 1 {
		t.Fatalf("%d Azure Monitor records", len(run.Azure))
	}
	a := run.Azure[0]
	start := run.Header.Start.Truncate(time.Minute)
	if a.ResourceID != testResourceID || a.Error != "" || !a.Start.Equal(start) || !a.End.After(a.Start) {
		t.Fatalf("record %s %q window %v..%v (run began %v)", a.ResourceID, a.Error, a.Start, a.End, run.Header.Start)
	}
	if len(a.Skipped) != 1 || a.Skipped[0].Metric != "cacheLatency" {
		t.Errorf("skipped %+v, want cacheLatency", a.Skipped)
	}
	wantSpan := a.Start.Format(time.RFC3339) + "/" + a.End.Format(time.RFC3339)
	var queried int
	for _, q := range w.monitor.Requests() {
		if q.Status != 200 || q.TokenAudience != azmonitortest.Audience || q.ResourceID != testResourceID {
			t.Errorf("request %+v", q)
		}
		if q.Kind == "metrics" {
			queried++
			if q.Timespan != wantSpan || q.Interval != "PT1M" {
				t.Errorf("%s asked over %s at %s, want %s at PT1M", q.MetricNames, q.Timespan, q.Interval, wantSpan)
			}
		}
	}
	if queried != 12 {
		t.Errorf("%d metrics queried, want 12", queried)
	}
	var load *results.AzureSeries
	for i := range a.Series {
		if a.Series[i].Metric == "serverLoad" {
			load = &a.Series[i]
		}
	}
	if load == nil || load.Aggregation != "Maximum" || len(load.Points) == 0 {
		t.Fatalf("server load series %+v", load)
	}
	for _, p := range load.Points {
		if p.Value == nil || *p.Value != azmonitortest.Value("serverLoad", nil, p.Time) {
			t.Errorf("server load at %v = %v, the stand-in served %v", p.Time, p.Value, azmonitortest.Value("serverLoad", nil, p.Time))
		}
	}
	if !strings.Contains(stderr, "Azure Monitor: 12 metrics of bench-cache") || !strings.Contains(stderr, "skipped cacheLatency") {
		t.Errorf("stderr does not say what was fetched:\n%s", stderr)
	}
}

// TestAzureMonitorFailureKeepsTheRun: a token the endpoint refuses leaves
// the run's results whole and exit 0, and says what is missing, on one
// line, in stderr and in result.jsonl.
func TestAzureMonitorFailureKeepsTheRun(t *testing.T) {
	t.Parallel()
	s := benchtest.StartServer(t)
	w := newAzureWorld(t, "AZ_AUD=https://redis.azure.com")
	dir := filepath.Join(t.TempDir(), "out")
	code, _, stderr := w.run(t, s, "--duration", "1s", "--connections", "2", "--out", dir, "-q")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	run := readRun(t, dir)
	if run.Summary == nil || run.Summary.Commands["GET"].Count == 0 {
		t.Fatal("the run's results are not whole")
	}
	var line string
	for _, l := range strings.Split(stderr, "\n") {
		if strings.Contains(l, "Azure Monitor metrics missing") {
			line = l
		}
	}
	if !strings.Contains(line, "HTTP 401 InvalidAuthenticationTokenAudience") || !strings.Contains(line, "the run's own results are complete") {
		t.Fatalf("stderr does not say what is missing:\n%s", stderr)
	}
	var warned bool
	for _, e := range run.Events {
		warned = warned || (e.Kind == results.EventWarning && strings.Contains(e.Detail, "Azure Monitor metrics missing"))
	}
	if len(run.Azure) != 1 || !strings.Contains(run.Azure[0].Error, "HTTP 401") || !warned {
		t.Fatalf("result.jsonl: %d Azure records (%+v), warning event %v", len(run.Azure), run.Azure, warned)
	}
}

func TestEvidenceFlagsBadInput(t *testing.T) {
	t.Parallel()
	s := benchtest.StartServer(t)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { busy.Close() }) // after the parallel subtests
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"a malformed resource ID", []string{"--azure-resource", "my-cache"}, 2, `--azure-resource: "my-cache" is not a resource ID: want /subscriptions/`},
		{"another kind of resource", []string{"--azure-resource", "/subscriptions/s/resourceGroups/g/providers/Microsoft.Sql/servers/x"}, 2, "is a Microsoft.Sql/servers, not an Azure cache"},
		{"an Azure flag without the resource", []string{"--azure-credential", "azure-cli"}, 2, "--azure-credential is for --azure-resource, which was not given"},
		{"an unknown credential", []string{"--azure-resource", testResourceID, "--azure-credential", "client-secret"}, 2, `--azure-credential "client-secret": use one of`},
		{"a metrics port that is not one", []string{"--metrics-addr", "127.0.0.1:http2x"}, 2, "--metrics-addr"},
		{"a metrics port in use", []string{"--metrics-addr", busy.Addr().String()}, 1, "--metrics-addr: listen on " + busy.Addr().String() + ": bind: address already in use"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := cli(t, nil, runArgs(s, append(tt.args, "--duration", "1s", "--out", filepath.Join(t.TempDir(), "out"))...)...)
			if res.code != tt.code || !strings.Contains(res.stderr, tt.want) || strings.Count(strings.TrimSpace(res.stderr), "\n") > 2 {
				t.Fatalf("exit %d, want %d with %q:\n%s", res.code, tt.code, tt.want, res.stderr)
			}
		})
	}
}

// TestPrometheusScrapesARun runs a real Prometheus scraping --metrics-addr
// every second during a run: its last GET and SET totals are result.jsonl's,
// the last interval included (it ends after the scrape before it, and the
// endpoint stays up for the next).
func TestPrometheusScrapesARun(t *testing.T) {
	t.Parallel()
	s := benchtest.StartServer(t)
	port, err := localserver.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	metricsAddr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	promAddr := promtest.Start(t, metricsAddr)
	dir := filepath.Join(t.TempDir(), "out")
	res := cli(t, nil, runArgs(s, "--rate", "2000", "--duration", "6s", "--connections", "4", "--interval", "500ms",
		"--metrics-addr", metricsAddr, "--label", "scraped", "--out", dir, "-q")...)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	run := readRun(t, dir)
	for _, command := range []string{"GET", "SET"} {
		want := run.Summary.Commands[command].Count
		q := fmt.Sprintf(`last_over_time(amrbench_operations_total{command=%q,run_id=%q,label="scraped"}[1m])`, command, run.Header.RunID)
		if got := promtest.Query(t, promAddr, q); got != float64(want) {
			t.Errorf("Prometheus's last %s total %v, result.jsonl's %d", command, got, want)
		}
	}
	if n := promtest.Query(t, promAddr, `count(last_over_time(amrbench_server_cpu_percent{label="scraped"}[1m]))`); n != 1 {
		t.Errorf("server CPU series: %v, want 1", n)
	}
}

// BenchmarkServerStatsCost measures what reading the servers costs the
// load: the same closed-loop run with --server-stats off and on, in
// alternating pairs (so that a drift of the shared machine falls on both),
// each pair against a fresh redis-server. It reports the median ops/s of
// each and the median of the pairs' ratios; within noise, that is 1. Run it
// with
//
//	go test -run '^$' -bench ServerStatsCost -benchtime 1x ./cmd/amrbench/
//
// AMRBENCH_STATS_INTERVAL sets --interval (default 1s; 100ms reads every
// server ten times as often).
func BenchmarkServerStatsCost(b *testing.B) {
	interval := os.Getenv("AMRBENCH_STATS_INTERVAL")
	if interval == "" {
		interval = "1s"
	}
	const pairs = 5
	var off, on []float64
	for range b.N {
		for i := range pairs {
			for _, stats := range []string{"--server-stats=false", "--server-stats=true"} {
				s := benchtest.StartServer(b)
				dir := filepath.Join(b.TempDir(), fmt.Sprintf("%d%s", i, stats[len(stats)-4:]))
				var stdout, stderr bytes.Buffer
				e := &environment{stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }}
				args := runArgs(s, "--duration", "3s", "--warmup", "1s", "--connections", "8", "--interval", interval, stats, "--out", dir, "-q")
				if code := run(context.Background(), e, args); code != 0 {
					b.Fatalf("exit %d: %s", code, stderr.String())
				}
				r, err := results.ReadFile(dir)
				if err != nil {
					b.Fatal(err)
				}
				ops := r.Summary.Commands[results.AllCommands].OpsPerSec
				if stats == "--server-stats=false" {
					off = append(off, ops)
				} else {
					on = append(on, ops)
				}
			}
		}
	}
	// Each pair's ratio, then their median: a pair runs back to back, so a
	// drift of the machine between pairs does not move it.
	ratios := make([]float64, len(on))
	for i := range on {
		ratios[i] = on[i] / off[i]
	}
	b.ReportMetric(median(off), "ops/s-off")
	b.ReportMetric(median(on), "ops/s-on")
	b.ReportMetric(median(ratios), "on/off")
	b.Logf("ops/s with --server-stats off %.0f, on %.0f; pair ratios %.3f", off, on, ratios)
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// pinServer pins a redis-server (every thread) to CPU 0, when taskset is
// there, so that the server has at most one core.
func pinServer(t *testing.T, s *benchtest.Server) {
	t.Helper()
	taskset, err := exec.LookPath("taskset")
	if err != nil {
		t.Log("no taskset: the server is not pinned to one CPU")
		return
	}
	info, err := s.Admin.Info(context.Background(), "server").Result()
	if err != nil {
		t.Fatal(err)
	}
	pid := ""
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "process_id:"); ok {
			pid = v
		}
	}
	if out, err := exec.Command(taskset, "-a", "-p", "-c", "0", pid).CombinedOutput(); err != nil {
		t.Fatalf("taskset: %v: %s", err, out)
	}
}

// onCPU1 returns the command line that runs args on CPU 1, when taskset is
// there.
func onCPU1(args ...string) []string {
	if taskset, err := exec.LookPath("taskset"); err == nil {
		return append([]string{taskset, "-c", "1"}, args...)
	}
	return args
}

// runBinary runs the amrbench binary with args (under prefix, with env
// when not nil) and returns its exit status, stdout and stderr.
func runBinary(t *testing.T, env, prefix []string, args ...string) (int, string, string) {
	t.Helper()
	argv := append(append(prefix, binary(t)), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	return exitCode(t, cmd, 60*time.Second), stdout.String(), stderr.String()
}

// TestServerBoundIsToldFromClientLimited runs two loads. In the first the
// server is saturated: pinned to one CPU, and a neighbour's Lua scripts
// keep its one thread busy, so its main thread runs at a full core while
// several pipelined connections wait on it: the run is server-bound, and
// the summary says at which rate and which shard, and result.jsonl's
// verdict names it. In the second the client is the limit: amrbench, niced,
// shares its one CPU with a busy loop while the server idles, and the run
// is judged client-bound (a lower bound), not server-bound.
//
// It is not parallel: it pins processes to CPUs and measures CPU use.
func TestServerBoundIsToldFromClientLimited(t *testing.T) {
	binary(t)
	saturated := benchtest.StartServer(t)
	pinServer(t, saturated)
	stop := make(chan struct{})
	var burners sync.WaitGroup
	for range 3 { // the neighbour: three connections, so a script is always waiting
		burners.Go(func() {
			c := redis.NewClient(&redis.Options{Addr: saturated.Addr(), Protocol: 2, DisableIdentity: true})
			defer c.Close()
			for {
				select {
				case <-stop:
					return
				default:
				}
				_ = c.Eval(context.Background(), "local x = 0 for i = 1, tonumber(ARGV[1]) do x = x + i end return x", nil, 3000000).Err()
			}
		})
	}
	saturatedDir := filepath.Join(t.TempDir(), "saturated")
	code, stdout, stderr := runBinary(t, nil, onCPU1(), "run", "-s", saturated.Host, "-p", strconv.Itoa(saturated.Port),
		"--connections", "8", "--pipeline", "8", "--duration", "3s", "--interval", "500ms", "--cpus", "1", "--out", saturatedDir, "-q")
	close(stop)
	burners.Wait()
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	verdict := ""
	for _, l := range strings.Split(stdout, "\n") {
		if strings.HasPrefix(l, "Verdict ") {
			verdict = l
		}
	}
	// Its CPU near a core, or (on a host short of CPU) its one thread
	// running commands nearly all the time.
	if !strings.Contains(verdict, "server-bound at ") ||
		(!strings.Contains(verdict, "(shard "+saturated.Addr()+": CPU at ") && !strings.Contains(verdict, "(shard "+saturated.Addr()+": running commands ")) {
		t.Errorf("the saturated server's run is not called server-bound on its shard:\n%s", stdout)
	}
	if v := readRun(t, saturatedDir).Summary.Verdict; v == nil || v.ServerBound == nil || v.ServerBound.Shard != saturated.Addr() {
		t.Errorf("result.jsonl's verdict does not name the saturated shard: %+v", v)
	} else if v.LowerBound != (readRun(t, saturatedDir).Summary.Client.Bound) {
		t.Errorf("a server-bound closed loop is a lower bound only when its client was the limit too: %+v", v)
	}

	idle := benchtest.StartServer(t)
	pinServer(t, idle)
	busy := exec.Command(onCPU1("sh", "-c", "while :; do :; done")[0], onCPU1("sh", "-c", "while :; do :; done")[1:]...)
	if err := busy.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = busy.Process.Kill(); _ = busy.Wait() })
	limitedDir := filepath.Join(t.TempDir(), "limited")
	// Niced below the busy loop it shares its CPU with, and given more work
	// than one CPU does: the client is the limit whatever else the machine
	// runs.
	code, stdout, stderr = runBinary(t, nil, onCPU1("nice", "-n", "19"), "run", "-s", idle.Host, "-p", strconv.Itoa(idle.Port),
		"--connections", "50", "--pipeline", "16", "--duration", "3s", "--interval", "500ms", "--cpus", "1", "--out", limitedDir, "-q",
		"--reply-wait", "park") // a polling client's CPU is not evidence (results.ClientStats.CPUBound); parked, it is
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	if strings.Contains(stdout, "server-bound") || !strings.Contains(stdout, "Servers: what each server's INFO said") {
		t.Errorf("a run whose client was the limit is called server-bound, or has no server table:\n%s", stdout)
	}
	sum := readRun(t, limitedDir).Summary
	if v := sum.Verdict; v == nil || v.ServerBound != nil || !v.LowerBound || sum.Client == nil || !sum.Client.Bound {
		t.Errorf("a client sharing its one CPU with a busy loop is not judged client-bound: verdict %+v, client %+v", v, sum.Client)
	}
	if !strings.Contains(stdout, "the client was the limit") {
		t.Errorf("the summary does not say the client was the limit:\n%s", stdout)
	}
}
