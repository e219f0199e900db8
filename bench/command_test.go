package bench_test

import (
	"context"
	"strings"
	"testing"

	"github.com/amrbench/amrbench/bench/cluster"
	"github.com/amrbench/amrbench/internal/benchtest"
	"github.com/amrbench/amrbench/workloads"
)

// commandSpec is a workload of arbitrary commands over keys 1..1000.
func commandSpec(cmds ...workloads.Command) workloads.Spec {
	spec := workloads.DefaultSpec()
	spec.KeyMinimum, spec.KeyMaximum = 1, 1000
	spec.Commands = cmds
	return spec
}

func TestArbitraryCommandsMatchServerCounts(t *testing.T) {
	t.Parallel()
	s := benchtest.StartServer(t)
	s.ResetStats(t)
	cfg := config(s)
	cfg.Connections, cfg.Requests, cfg.Pipeline = 4, 8000, 4
	spec := commandSpec(
		workloads.Command{Line: "HSET h:__key__ f __data__", Ratio: 2, KeyPattern: workloads.Uniform},
		workloads.Command{Line: "hget h:__key__ f", Ratio: 1, KeyPattern: workloads.Zipf},
		workloads.Command{Line: "INCR counter:__key__", Ratio: 1, KeyPattern: workloads.Sequential},
	)
	obs, _ := runBench(t, context.Background(), cfg, spec)
	tot := obs.totals(t)
	calls := s.CommandCalls(t)
	for name, want := range map[string]int64{"HSET": 4000, "HGET": 2000, "INCR": 2000} {
		got := tot[name]
		if got == nil {
			t.Fatalf("no %s recorded: %v", name, tot)
		}
		if server := calls[strings.ToLower(name)]; got.Count != want || server != want {
			t.Errorf("%s: recorded %d, server executed %d, want %d", name, got.Count, server, want)
		}
		if got.ErrorCount() != 0 || got.Hits+got.Misses != 0 {
			t.Errorf("%s: errors %v, hits %d, misses %d; want none", name, got.Errors, got.Hits, got.Misses)
		}
		if got.Response.TotalCount() != want {
			t.Errorf("%s: %d latencies for %d operations", name, got.Response.TotalCount(), want)
		}
	}
	if len(tot) != 3 {
		t.Errorf("recorded under %d names, want HSET, HGET and INCR: %v", len(tot), tot)
	}
	// Every reply of HSET and INCR is an integer, ":N\r\n": the bytes
	// received are exact.
	if tot["HSET"].BytesReceived != 4*4000 {
		t.Errorf("HSET received %d bytes, want 4 per reply (:0 or :1)", tot["HSET"].BytesReceived)
	}
	// *4, $4 HSET, $L h:key:N (N of 1 to 4 digits: 13 to 17 bytes), $1 f,
	// $32 and the value: 73 to 77 bytes a request.
	perOp := float64(tot["HSET"].BytesSent) / 4000
	if minBytes, maxBytes := float64(4+10+13+7+39), float64(4+10+17+7+39); perOp < minBytes || perOp > maxBytes {
		t.Errorf("HSET sent %.1f bytes per request, want %g to %g", perOp, minBytes, maxBytes)
	}
}

func TestClusterArbitraryCommandsRouteByTheirFirstKey(t *testing.T) {
	t.Parallel()
	c := benchtest.StartCluster(t)
	c.ResetStats(t)
	cfg := clusterConfig(c)
	cfg.Target.ClusterPolicy = cluster.PolicyOSS
	cfg.Requests = 6000
	cfg.Pipeline = 3
	spec := commandSpec(
		workloads.Command{Line: "HSET h:__key__:x f __data__", Ratio: 1, KeyPattern: workloads.Uniform},
		workloads.Command{Line: "HGET h:__key__:x f", Ratio: 1, KeyPattern: workloads.Uniform},
	)
	obs, _ := runBench(t, context.Background(), cfg, spec)
	tot := obs.totals(t)
	if tot["HSET"].Count != 3000 || tot["HGET"].Count != 3000 {
		t.Fatalf("HSET %d, HGET %d; want 3000 each", tot["HSET"].Count, tot["HGET"].Count)
	}
	for name, cs := range tot {
		if cs.ErrorCount() != 0 || len(cs.Redirects) != 0 {
			t.Errorf("%s: errors %v, redirects %v; each command should go to its key's shard at once", name, cs.Errors, cs.Redirects)
		}
		if cs.BytesReceived == 0 {
			t.Errorf("%s: no bytes received counted", name)
		}
	}
	shards := obs.shardTotals(t)
	stats := c.CommandStats(t)
	if len(stats) != 3 {
		t.Fatalf("%d nodes, want 3", len(stats))
	}
	for addr, st := range stats {
		calls := st["hset"].Calls + st["hget"].Calls
		var recorded int64
		if sh := shards[addr]; sh != nil {
			recorded = sh.Count
		}
		if calls != recorded || calls == 0 {
			t.Errorf("shard %s: %d operations recorded, the node executed %d HSET+HGET", addr, recorded, calls)
		}
	}
}
