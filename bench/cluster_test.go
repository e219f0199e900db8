package bench_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/amrbench/amrbench/bench"
	"github.com/amrbench/amrbench/bench/cluster"
	"github.com/amrbench/amrbench/bench/transport"
	"github.com/amrbench/amrbench/internal/benchtest"
	"github.com/amrbench/amrbench/results"
	"github.com/amrbench/amrbench/workloads"
)

// clusterConfig returns a small configuration against the cluster's seed.
func clusterConfig(c *benchtest.Cluster) bench.Config {
	cfg := bench.DefaultConfig()
	cfg.Target.Host, cfg.Target.Port = c.Seed()
	cfg.Connections = 4
	cfg.Duration = 0
	cfg.Requests = 12000
	cfg.Interval = 200 * time.Millisecond
	cfg.ReplyWait = transport.ReplyWaitPark // see config
	return cfg
}

// shardTotals adds up the per-shard counts of every interval, warmup
// included.
func (c *collector) shardTotals(t *testing.T) map[string]*results.ShardStats {
	t.Helper()
	out := map[string]*results.ShardStats{}
	for _, iv := range c.intervals {
		for name, ss := range iv.Shards {
			if out[name] == nil {
				out[name] = results.NewShardStats()
			}
			if err := out[name].Add(ss); err != nil {
				t.Fatal(err)
			}
		}
	}
	return out
}

func (c *collector) eventsOf(kind string) []*results.Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []*results.Event
	for _, e := range c.events {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

// assertShardsMatchServers checks every shard's count against its node's
// INFO commandstats: calls of GET and SET are the operations the shard
// answered successfully.
func assertShardsMatchServers(t *testing.T, c *benchtest.Cluster, shards map[string]*results.ShardStats) {
	t.Helper()
	stats := c.CommandStats(t)
	for addr, st := range stats {
		calls := st["get"].Calls + st["set"].Calls
		var ok int64
		if sh := shards[addr]; sh != nil {
			ok = sh.Count - sh.ErrorCount()
		}
		if calls != ok {
			t.Errorf("shard %s: %d successful operations recorded, the node executed %d GET+SET", addr, ok, calls)
		}
	}
	for addr := range shards {
		if _, ok := stats[addr]; !ok && addr != results.UnroutedShard {
			t.Errorf("operations recorded under %s, which is no running node", addr)
		}
	}
}

func TestClusterRunCountsEveryShardAsItsNodeDoes(t *testing.T) {
	t.Parallel()
	c := benchtest.StartCluster(t)
	c.ResetStats(t)
	cfg := clusterConfig(c)
	cfg.Target.ClusterPolicy = cluster.PolicyAuto
	target, err := bench.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	info := target.Info()
	if info.ClusterPolicy != string(cluster.PolicyOSS) || info.Shards != 3 || !strings.Contains(info.PolicyReason, "CLUSTER SLOTS with 3 shards") {
		t.Fatalf("auto found %q (%q), %d shards; want oss with 3 shards", info.ClusterPolicy, info.PolicyReason, info.Shards)
	}
	plan := target.ConnectionPlan()
	if plan.Total() != 4*3+1 || !strings.Contains(plan.String(), "4 per shard") {
		t.Fatalf("connection plan %q, total %d; want 4 per shard x 3 + 1", plan, plan.Total())
	}
	if w := plan.Warning(12); w == nil || !strings.Contains(w.Error(), "13 connections exceed the target's limit of 12") {
		t.Errorf("no warning over a limit of 12: %v", w)
	}
	if w := plan.Warning(13); w != nil {
		t.Errorf("warning at the limit: %v", w)
	}
	wl, err := workloads.New(workloads.DefaultSpec(), cfg.Connections)
	if err != nil {
		t.Fatal(err)
	}
	obs := &collector{}
	if _, err := bench.Run(context.Background(), target, wl, obs); err != nil {
		t.Fatal(err)
	}
	// While the run was open, each node held one connection per worker,
	// plus the slot-map connection on one of them, plus the test's own.
	conns := c.ConnectedClients(t)
	total := 0
	for addr, n := range conns {
		total += n - 1
		if n-1 != 4 && n-1 != 5 {
			t.Errorf("node %s has %d client connections, want 4 (or 5 with the slot map's)", addr, n-1)
		}
	}
	if total != plan.Total() {
		t.Errorf("nodes hold %d connections, the plan said %d", total, plan.Total())
	}
	tot := obs.totals(t)
	all := tot["GET"].Count + tot["SET"].Count
	if all != 12000 || tot["GET"].ErrorCount()+tot["SET"].ErrorCount() != 0 {
		t.Fatalf("%d operations, errors GET %v SET %v", all, tot["GET"].Errors, tot["SET"].Errors)
	}
	shards := obs.shardTotals(t)
	if len(shards) != 3 {
		t.Fatalf("per-shard counts for %d shards, want 3: %v", len(shards), shards)
	}
	var sum int64
	for addr, sh := range shards {
		sum += sh.Count
		if sh.Response.TotalCount() != sh.Count {
			t.Errorf("shard %s: %d latencies for %d operations", addr, sh.Response.TotalCount(), sh.Count)
		}
		// Uniform keys over three equal slot ranges: each shard gets about a
		// third.
		if share := float64(sh.Count) / float64(all); share < 0.25 || share > 0.42 {
			t.Errorf("shard %s served %.2f of the operations", addr, share)
		}
	}
	if sum != all {
		t.Fatalf("shards counted %d operations, the commands %d", sum, all)
	}
	assertShardsMatchServers(t, c, shards)
	if ev := obs.eventsOf(results.EventTopology); len(ev) == 0 || !strings.Contains(ev[0].Detail, "3 shards") {
		t.Fatalf("no topology event at the start: %v", ev)
	}
}

func TestAutoPolicy(t *testing.T) {
	t.Parallel()
	oss := benchtest.StartCluster(t, benchtest.WithPrimaries(2))
	plain := benchtest.StartServer(t)
	enterprise := benchtest.StartTwemproxy(t, 3)
	at := func(host string, port int) bench.Config {
		cfg := bench.DefaultConfig()
		cfg.Target.Host, cfg.Target.Port = host, port
		cfg.Connections = 2
		return cfg
	}
	seedHost, seedPort := oss.Seed()
	tests := []struct {
		name       string
		cfg        bench.Config
		wantPolicy cluster.Policy
		wantReason string
		wantShards int
	}{
		{"a cluster answers CLUSTER SLOTS", at(seedHost, seedPort), cluster.PolicyOSS, "answered CLUSTER SLOTS with 2 shards", 2},
		{"a plain server has cluster support disabled", at(plain.Host, plain.Port), cluster.PolicyNonClustered, "cluster support is disabled", 0},
		// twemproxy closes the connection on CLUSTER SLOTS (and on the HELLO
		// a connection opens with), where Azure's proxy answers an error.
		{"a proxy in front of three shards closes the connection on CLUSTER", at(enterprise.Host, enterprise.Port), cluster.PolicyEnterprise, "closed the connection when asked CLUSTER SLOTS and answers on a new one", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target, err := bench.Open(context.Background(), tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer target.Close()
			info := target.Info()
			if cluster.Policy(info.ClusterPolicy) != tt.wantPolicy || !strings.Contains(info.PolicyReason, tt.wantReason) || info.Shards != tt.wantShards {
				t.Fatalf("policy %q because %q, %d shards; want %q because ...%q..., %d shards",
					info.ClusterPolicy, info.PolicyReason, info.Shards, tt.wantPolicy, tt.wantReason, tt.wantShards)
			}
		})
	}
	t.Run("oss given for a plain server", func(t *testing.T) {
		cfg := at(plain.Host, plain.Port)
		cfg.Target.ClusterPolicy = cluster.PolicyOSS
		_, err := bench.Open(context.Background(), cfg)
		if err == nil || !strings.Contains(err.Error(), "target.cluster_policy oss, but the endpoint is not an OSS cluster") {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("the proxy's connections open without HELLO", func(t *testing.T) {
		target, err := bench.Open(context.Background(), at(enterprise.Host, enterprise.Port))
		if err != nil {
			t.Fatal(err)
		}
		defer target.Close()
		if notes := target.Notes(); len(notes) != 1 || !strings.Contains(notes[0], "closed the connection on HELLO") {
			t.Fatalf("notes %q", notes)
		}
	})
	t.Run("oss given for the proxy", func(t *testing.T) {
		cfg := at(enterprise.Host, enterprise.Port)
		cfg.Target.ClusterPolicy = cluster.PolicyOSS
		_, err := bench.Open(context.Background(), cfg)
		if err == nil || !strings.Contains(err.Error(), "not an OSS cluster: the endpoint closed the connection when asked CLUSTER SLOTS") {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("enterprise given for a cluster warns of MOVED", func(t *testing.T) {
		cfg := at(seedHost, seedPort)
		cfg.Target.ClusterPolicy = cluster.PolicyEnterprise
		target, err := bench.Open(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer target.Close()
		if w := target.Warnings(); len(w) != 1 || !strings.Contains(w[0].Error(), "MOVED") {
			t.Fatalf("warnings %q", w)
		}
		if target.Info().ClusterPolicy != string(cluster.PolicyEnterprise) {
			t.Fatalf("policy %q", target.Info().ClusterPolicy)
		}
	})
}

// TestTLSClusterVerifiesShardsByTheEndpointsName runs against a TLS cluster
// whose certificate names only "localhost", while CLUSTER SLOTS announces
// the shards as 127.0.0.1: the case of Azure, which announces shards by IP
// address. amrbench verifies every shard against the endpoint's name; a
// cluster client left to derive the name from each shard's address fails
// (go-redis issue 1698).
func TestTLSClusterVerifiesShardsByTheEndpointsName(t *testing.T) {
	t.Parallel()
	c := benchtest.StartCluster(t, benchtest.WithClusterTLS("localhost"))
	c.ResetStats(t)
	cfg := clusterConfig(c)
	cfg.Target.Host = "localhost"
	cfg.Target.TLS = transport.TLSOptions{Enabled: true, CAPEM: c.Certs.CAPEM}
	cfg.Requests = 3000
	cfg.Pipeline = 8
	obs, _ := runBench(t, context.Background(), cfg, workloads.DefaultSpec())
	shards := obs.shardTotals(t)
	if len(shards) != 3 {
		t.Fatalf("%d shards served the run over TLS, want 3", len(shards))
	}
	for addr := range shards {
		if !strings.HasPrefix(addr, "127.0.0.1:") {
			t.Errorf("shard %s: want the announced IP address", addr)
		}
	}
	assertShardsMatchServers(t, c, shards)

	// The control: the same cluster, with go-redis deriving each shard's
	// name from its address.
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(c.Certs.CAPEM)
	naive := redis.NewClusterClient(&redis.ClusterOptions{
		Addrs:     []string{"localhost:" + strconv.Itoa(cfg.Target.Port)},
		TLSConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
		// The seed's name verifies; the shards, dialled by IP, do not.
		MaxRedirects:  -1,
		DialerRetries: 1,
	})
	defer naive.Close()
	err := naive.ForEachMaster(context.Background(), func(ctx context.Context, m *redis.Client) error {
		return m.Ping(ctx).Err()
	})
	var invalid x509.HostnameError
	if !errors.As(err, &invalid) && (err == nil || !strings.Contains(err.Error(), "IP SANs")) {
		t.Fatalf("a cluster client without ServerName reached the shards: %v", err)
	}
}

// runInBackground runs the benchmark and returns a channel that delivers
// its outcome.
func runInBackground(t *testing.T, cfg bench.Config, spec workloads.Spec, obs *collector) <-chan error {
	t.Helper()
	target, err := bench.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	wl, err := workloads.New(spec, cfg.Connections)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		defer target.Close()
		_, err := bench.Run(context.Background(), target, wl, obs)
		done <- err
	}()
	return done
}

// waitIntervals waits until obs holds at least n intervals.
func waitIntervals(t *testing.T, obs *collector, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		obs.mu.Lock()
		got := len(obs.intervals)
		obs.mu.Unlock()
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d intervals after 30 s", got)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestSlotMigrationLeavesNoOperationUnaccounted moves slots that the
// workload touches from one primary to another while it runs, as a scale
// out does, and checks that every operation is accounted for, against the
// nodes' own counts: successes are what the nodes executed, and every MOVED
// and ASK reply a node sent is either a redirect amrbench followed or an
// error in its class.
//
// It and the failover test run before the parallel tests, not among them:
// they keep six redis-servers busy for seconds, and the open-loop tests
// measure timing.
func TestSlotMigrationLeavesNoOperationUnaccounted(t *testing.T) {
	c := benchtest.StartCluster(t)
	ctx := context.Background()
	spec := workloads.DefaultSpec()
	spec.KeyPrefix, spec.KeyMinimum, spec.KeyMaximum = "mig:", 0, 199
	var keys []string
	for i := spec.KeyMinimum; i <= spec.KeyMaximum; i++ {
		keys = append(keys, spec.KeyPrefix+strconv.FormatUint(i, 10))
	}
	keySlots, err := c.KeySlots(ctx, keys)
	if err != nil {
		t.Fatal(err)
	}
	// Every key exists before the run, so GETs of a migrating slot are
	// answered by the source until their key has moved, then redirected.
	writer := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{c.Nodes[0].Addr()}})
	for _, k := range keys {
		if err := writer.Set(ctx, k, "v", 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	writer.Close()

	for i, pipeline := range []int{1, 4} {
		t.Run("pipeline "+strconv.Itoa(pipeline), func(t *testing.T) {
			from, to := c.Nodes[i], c.Nodes[i+1]
			var slots []int
			seen := map[int]bool{}
			for _, k := range keys {
				s := keySlots[k]
				if owner, err := c.SlotOwner(ctx, s); err == nil && owner == from && !seen[s] && len(slots) < 10 {
					seen[s] = true
					slots = append(slots, s)
				}
			}
			if len(slots) < 5 {
				t.Fatalf("only %d slots with keys on %s", len(slots), from.Addr())
			}
			c.ResetStats(t)
			cfg := clusterConfig(c)
			// An open loop at a modest rate: every key is hit some 20 times
			// a second, and the machine is left to the other tests.
			cfg.Requests, cfg.Duration, cfg.Rate = 0, 2500*time.Millisecond, 4000
			cfg.Interval = 250 * time.Millisecond
			cfg.Pipeline = pipeline
			obs := &collector{}
			done := runInBackground(t, cfg, spec, obs)
			waitIntervals(t, obs, 2)
			for _, s := range slots {
				if err := c.MigrateSlot(ctx, s, from, to, 30*time.Millisecond); err != nil {
					t.Fatal(err)
				}
			}
			if err := <-done; err != nil {
				t.Fatal(err)
			}

			tot := obs.totals(t)
			var ops, failed, moved, ask, rejectedClass int64
			for name, cs := range tot {
				ops += cs.Count
				failed += cs.ErrorCount()
				moved += cs.Redirects[results.ErrMoved]
				ask += cs.Redirects[results.ErrAsk]
				for class, n := range cs.Errors {
					switch class {
					case results.ErrMoved, results.ErrAsk, results.ErrTryAgain, results.ErrClusterDown:
						rejectedClass += n
					default:
						t.Errorf("%s: %d errors of class %s during a migration", name, n, class)
					}
				}
				if name == "GET" && cs.Hits+cs.Misses+cs.ErrorCount() != cs.Count {
					t.Errorf("GET: hits %d + misses %d + errors %d != %d operations", cs.Hits, cs.Misses, cs.ErrorCount(), cs.Count)
				}
			}
			var calls, rejected, asking int64
			for _, st := range c.CommandStats(t) {
				calls += st["get"].Calls + st["set"].Calls
				rejected += st["get"].Rejected + st["set"].Rejected
				asking += st["asking"].Calls
			}
			t.Logf("%d operations, %d failed; %d MOVED and %d ASK followed; nodes: %d executed, %d rejected, %d ASKING",
				ops, failed, moved, ask, calls, rejected, asking)
			if calls != ops-failed {
				t.Errorf("the nodes executed %d GET+SET, amrbench counted %d successes (%d operations - %d failures)", calls, ops-failed, ops, failed)
			}
			if rejected != moved+ask+rejectedClass {
				t.Errorf("the nodes rejected %d GET+SET; amrbench followed %d MOVED + %d ASK and counted %d cluster errors", rejected, moved, ask, rejectedClass)
			}
			if asking != ask {
				t.Errorf("the nodes received %d ASKING, amrbench followed %d ASK", asking, ask)
			}
			if moved == 0 {
				t.Error("no MOVED was met: the migration did not touch the workload")
			}
			shards := obs.shardTotals(t)
			assertShardsMatchServers(t, c, shards)
			var shardRedirects int64
			for _, sh := range shards {
				shardRedirects += sh.Redirects[results.ErrMoved] + sh.Redirects[results.ErrAsk]
			}
			if shardRedirects != moved+ask {
				t.Errorf("shards sent %d redirects, commands followed %d", shardRedirects, moved+ask)
			}
			if !anyEvent(obs.eventsOf(results.EventTopology), "moved from "+from.ClientAddr()+" to "+to.ClientAddr()) {
				t.Errorf("no topology event for the migration: %v", obs.eventsOf(results.EventTopology))
			}
		})
	}
}

func anyEvent(events []*results.Event, substr string) bool {
	for _, e := range events {
		if strings.Contains(e.Detail, substr) {
			return true
		}
	}
	return false
}

// intervalRate is the interval's operations per second, and its errors.
func intervalRate(iv *results.Interval) (float64, int64) {
	var n, errs int64
	for _, cs := range iv.Commands {
		n += cs.Count
		errs += cs.ErrorCount()
	}
	return float64(n) / iv.Duration().Seconds(), errs
}

// TestFailoverShowsTheOutageAndTheRecovery kills the primary the run was
// pointed at while it runs; its replica is promoted. The run must finish,
// the outage must show in the intervals (errors, in their classes) and the
// events (reconnects, the failover), and the throughput must come back,
// served by the new primary. The load is an open loop at a fixed rate, so
// "back" means the rate is achieved again, without errors.
func TestFailoverShowsTheOutageAndTheRecovery(t *testing.T) {
	c := benchtest.StartCluster(t, benchtest.WithReplicas(1), benchtest.WithNodeTimeout(1000*time.Millisecond))
	cfg := clusterConfig(c)
	cfg.Connections = 3
	const rate = 2000
	cfg.Requests, cfg.Duration, cfg.Rate = 0, 8*time.Second, rate
	cfg.Interval = 250 * time.Millisecond
	cfg.Timeout = time.Second
	obs := &collector{}
	done := runInBackground(t, cfg, workloads.DefaultSpec(), obs)
	waitIntervals(t, obs, 6)
	victim := c.Nodes[0]
	obs.mu.Lock()
	before := len(obs.intervals)
	obs.mu.Unlock()
	c.Kill(victim)
	killed := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	promoted, err := c.WaitFailover(ctx, victim)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s promoted %s after the kill", promoted.ClientAddr(), time.Since(killed).Round(time.Millisecond))
	if err := <-done; err != nil {
		t.Fatalf("the run did not finish: %v", err)
	}

	ivs := obs.intervals
	for _, iv := range ivs[:before] {
		if _, errs := intervalRate(iv); errs != 0 {
			t.Fatalf("errors before the kill: interval %d", iv.Index)
		}
	}
	var outage int64
	classes := map[results.ErrorClass]int64{}
	for _, iv := range ivs[before:] {
		_, errs := intervalRate(iv)
		outage += errs
		for _, cs := range iv.Commands {
			for class, n := range cs.Errors {
				classes[class] += n
			}
		}
	}
	if outage == 0 {
		t.Fatal("no errors after the primary was killed: the outage does not show")
	}
	for class := range classes {
		if class != results.ErrConnection && class != results.ErrClusterDown && class != results.ErrTimeout {
			t.Errorf("%d errors of class %s in the outage", classes[class], class)
		}
	}
	t.Logf("errors in the outage by class: %v", classes)
	for _, iv := range ivs {
		rate, errs := intervalRate(iv)
		t.Logf("interval %d: %.0f ops/s, %d errors", iv.Index, rate, errs)
	}
	// The last intervals: no errors, the rate achieved again (on average:
	// this machine is shared), and the new primary serving its share.
	var after float64
	last := ivs[len(ivs)-4:]
	for _, iv := range last {
		rate, errs := intervalRate(iv)
		after += rate / float64(len(last))
		if errs != 0 {
			t.Errorf("interval %d: %d errors at the end of the run", iv.Index, errs)
		}
		if sh := iv.Shards[promoted.ClientAddr()]; sh == nil || sh.Count == 0 {
			t.Errorf("interval %d: the promoted primary %s served nothing", iv.Index, promoted.ClientAddr())
		}
		if sh := iv.Shards[victim.ClientAddr()]; sh != nil && sh.Count > 0 {
			t.Errorf("interval %d: %d operations counted for the dead primary", iv.Index, sh.Count)
		}
	}
	if after < 0.9*rate {
		t.Errorf("%.0f ops/s at the end, offered %d: the throughput did not come back", after, rate)
	}
	for _, e := range obs.eventsOf(results.EventTopology) {
		t.Logf("event: %s", e.Detail)
	}
	if len(obs.eventsOf(results.EventReconnect)) == 0 {
		t.Error("no reconnect event")
	}
	if !anyEvent(obs.eventsOf(results.EventTopology), promoted.ClientAddr()) {
		t.Errorf("no topology event names the new primary %s: %v", promoted.ClientAddr(), obs.eventsOf(results.EventTopology))
	}
}
