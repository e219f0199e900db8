package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/amrbench/amrbench/internal/reporttest"
	"github.com/amrbench/amrbench/results"
)

// The -update flag (golden_test.go) rewrites the fixed result files and
// the golden renderings of them: go test ./report -run 'Fixture|Golden' -update

// The fixed result files in testdata are made by the builders below, so
// that what they hold is written down here; -update writes them again, and
// TestFixturesAreUpToDate fails when a builder and its file part.
var resultFixtures = map[string]func() *results.Run{
	"cluster.jsonl":    clusterFixture,
	"enterprise.jsonl": enterpriseFixture,
	"findmax.jsonl":    findMaxFixture,
	"mismatch.jsonl":   mismatchFixture,
}

var fixtureStart = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// latencyModel draws latencies in µs: a log-normal body around median with
// the given spread, and a tail of rare slow operations up to tail µs.
type latencyModel struct {
	median, spread, tail float64
	tailShare            float64
}

func (m latencyModel) draw(r *rand.Rand) int64 {
	if r.Float64() < m.tailShare {
		return int64(m.median + r.Float64()*m.tail)
	}
	return int64(math.Max(1, m.median*math.Exp(r.NormFloat64()*m.spread)))
}

// commandStats records count operations drawn from m: samples distinct
// draws, each standing for count/samples operations.
func commandStats(r *rand.Rand, count int64, m latencyModel, lateBy latencyModel, sent, received int64) *results.CommandStats {
	cs := results.NewCommandStats()
	const samples = 400
	per := count / samples
	for i := range samples {
		n := per
		if i < int(count%samples) {
			n++
		}
		v := m.draw(r)
		cs.Service.RecordValues(v, n)
		late := int64(0)
		if lateBy.median > 0 {
			late = lateBy.draw(r)
		}
		cs.Response.RecordValues(v+late, n)
	}
	cs.Count = count
	cs.BytesSent, cs.BytesReceived = count*sent, count*received
	return cs
}

// fixturePrincipal is the object ID the cluster fixture's Entra ID tokens
// name.
const fixturePrincipal = "4a1f0c3e-5b6d-4e7f-8a9b-0c1d2e3f4a5b"

// clusterFixture is a closed-loop run against a 3-shard OSS-cluster cache:
// 2 s of warmup, 30 s measured; a slot migration at 8 s brings MOVED and ASK
// redirects, a few TRYAGAIN errors and slower replies for two intervals, the connections re-AUTH at
// 15 s, and at 21 s three connections fail and are reopened.
// (The slot migration's MOVED and ASK replies are followed: redirects, not
// errors.)
func clusterFixture() *results.Run {
	r := rand.New(rand.NewPCG(42, 1))
	h := reporttest.FixtureHeader("20261123T120000Z-b10-oss", "b10-oss", fixtureStart.Add(-2*time.Second))
	h.Target = results.Target{
		Endpoint: "mycache.westeurope.redis.azure.net:10000", TLS: true, ClusterPolicy: "oss",
		PolicyReason: "the endpoint answered CLUSTER SLOTS with 3 shards", SKU: "B10", Tier: "Balanced",
		VCPUs: 4, MemoryGB: 12, MaxConnections: 15000, Auth: "entra", Shards: 3, Server: "redis 7.4.2",
		Credential: "managed-identity", Principal: fixturePrincipal, TokenExpires: fixtureStart.Add(20 * time.Second),
	}
	h.Mode, h.WarmupS, h.Connections, h.Pipeline = results.ModeClosed, 2, 50, 1
	h.Config = json.RawMessage(`{"target":{"host":"mycache.westeurope.redis.azure.net","port":10000,"tls":{"enabled":true},"auth":"entra","cluster_policy":"auto"},"connections":50,"pipeline":1,"duration":30000000000,"warmup":2000000000,"interval":1000000000}`)
	h.Workload = json.RawMessage(`{"ratio":{"sets":1,"gets":10},"key_prefix":"key:","key_minimum":0,"key_maximum":99999,"key_pattern":{"set":"R","get":"R"},"data_size":1024,"seed":42}`)
	h.WorkloadText = "SET:GET 1:10, keys key:0..key:99999 (uniform), values 1024 B, seed 42"
	shards := []string{"10.0.0.4:6379", "10.0.0.5:6379", "10.0.0.6:6379"}
	run := &results.Run{Header: h}
	for k := -2; k < 30; k++ {
		base := latencyModel{median: 480, spread: 0.25, tail: 6000, tailShare: 0.0005}
		gets := int64(45000 + r.IntN(3000))
		if k < 0 {
			gets -= 6000 // connections warming up
		}
		iv := &results.Interval{
			Index: int64(k), Start: fixtureStart.Add(time.Duration(k) * time.Second), End: fixtureStart.Add(time.Duration(k+1) * time.Second),
			Connections: 50, Commands: map[string]*results.CommandStats{}, Shards: map[string]*results.ShardStats{},
		}
		if k < 0 {
			iv.Phase = results.PhaseWarmup
		}
		if k == 8 || k == 9 { // slot migration
			base.median, base.tail, base.tailShare = 900, 25000, 0.01
			gets -= 9000
		}
		get := commandStats(r, gets, base, latencyModel{}, 31, 930)
		get.Hits = gets * 9 / 10
		get.Misses = gets - get.Hits
		set := commandStats(r, gets/10, latencyModel{median: base.median * 1.1, spread: 0.25, tail: base.tail, tailShare: base.tailShare}, latencyModel{}, 1062, 5)
		switch k {
		case 8: // the client follows the redirects; a few commands hit the migration's edge
			get.Redirects = map[results.ErrorClass]int64{results.ErrMoved: 412, results.ErrAsk: 37}
			set.Redirects = map[results.ErrorClass]int64{results.ErrMoved: 44}
			get.Errors = map[results.ErrorClass]int64{results.ErrTryAgain: 6}
		case 9:
			get.Redirects = map[results.ErrorClass]int64{results.ErrMoved: 96}
		case 21:
			get.Errors = map[results.ErrorClass]int64{results.ErrConnection: 3, results.ErrTimeout: 2}
			iv.Reconnects = 3
		}
		iv.Commands["GET"], iv.Commands["SET"] = get, set
		iv.Client = &results.ClientStats{CPUPct: float64(150 + (k+2)*37%60), CPUBudget: 4, GCPauseMicros: int64(300 + (k+2)*53%400)}
		// Token #2 reaches the 151 connections (50 per shard and the slot
		// map's) from 14.9 s to 15.6 s.
		iv.Reauth = results.NewReauthStats()
		if k == 14 || k == 15 {
			iv.Reauth.Count = map[int]int64{14: 40, 15: 111}[k]
			for i := range iv.Reauth.Count {
				iv.Reauth.Latency.RecordValue(420 + i%37*11)
			}
		}
		total := get.Count + set.Count
		for i, addr := range shards {
			share := []float64{0.31, 0.335, 0.355}[i]
			n := int64(float64(total) * share)
			ss := &results.ShardStats{Count: n, Response: results.NewHistogram()}
			m := base
			m.median *= []float64{0.95, 1.0, 1.12}[i]
			for range 200 {
				ss.Response.RecordValues(m.draw(r), max(n/200, 1))
			}
			if k == 8 && i == 1 { // the shard the slots moved away from sends the redirects
				ss.Redirects = map[results.ErrorClass]int64{results.ErrMoved: 456, results.ErrAsk: 37}
				ss.Errors = map[results.ErrorClass]int64{results.ErrTryAgain: 6}
			}
			if k == 9 && i == 1 {
				ss.Redirects = map[results.ErrorClass]int64{results.ErrMoved: 96}
			}
			iv.Shards[addr] = ss
		}
		run.Intervals = append(run.Intervals, iv)
	}
	at := func(s float64) time.Time { return fixtureStart.Add(time.Duration(s * float64(time.Second))) }
	run.Events = []*results.Event{
		{Time: at(-2.5), Kind: results.EventTokenRefresh, Outcome: results.OutcomeAcquired, Principal: fixturePrincipal, Token: 1, TokenExpires: at(20),
			Detail: "token #1 for principal " + fixturePrincipal + ": expires 12:00:20.000Z (in 22.5s); renewal at 12:00:14.900Z"},
		{Time: at(8.2), Kind: results.EventTopology, Detail: "slots 10923-16383 moved from 10.0.0.5:6379 to 10.0.0.6:6379; the cluster map was reloaded"},
		{Time: at(14.9), Kind: results.EventTokenRefresh, Outcome: results.OutcomeRenewed, Principal: fixturePrincipal, Token: 2, TokenExpires: at(3614.9),
			Detail: "token #2: expires 13:00:14.900Z (in 1h0m0s); renewal at 12:42:14.900Z; sending it on 151 open connections"},
		{Time: at(15.6), Kind: results.EventReauth, Outcome: results.OutcomeComplete, Token: 2, Count: 151,
			Detail: "token #2 sent on 151 of 151 connections from 12ms to 702ms after its renewal; slowest AUTH 816µs; 0 AUTH failed"},
		{Time: at(9), Kind: results.EventError, Class: results.ErrTryAgain, Detail: "TRYAGAIN Multiple keys request during rehashing of slot"},
		{Time: at(22), Kind: results.EventError, Class: results.ErrConnection, Detail: "read tcp 10.0.0.5:6379: read: connection reset by peer"},
		{Time: at(22), Kind: results.EventReconnect, Detail: "3 connections reopened after a connection error", Count: 3},
	}
	addServerEvidence(run, r, shards)
	return run
}

// enterpriseFixture is an open-loop staircase against an Enterprise-policy
// cache, judged against p99<2ms: 40k, 60k and 80k ops/s, 8 s each. At 80k
// the client falls behind its schedule (late starts, response time well
// above service time) and the step fails.
func enterpriseFixture() *results.Run {
	r := rand.New(rand.NewPCG(43, 1))
	h := reporttest.FixtureHeader("20261123T130000Z-b10-enterprise", "b10-enterprise", fixtureStart.Add(time.Hour))
	h.Target = results.Target{
		Endpoint: "mycache2.westeurope.redis.azure.net:10000", TLS: true, ClusterPolicy: "enterprise",
		PolicyReason: "given with --cluster-policy", SKU: "B10", Tier: "Balanced", Auth: "password", Server: "redis 7.4.2",
	}
	h.Mode, h.Connections, h.Pipeline = results.ModeOpen, 50, 1
	h.Schedule, h.LateThresholdMS, h.SLO = "staircase 40k to 80k ops/s by 20k, 8s per step", 1, []string{"p99<2ms"}
	h.WorkloadText = "SET:GET 1:10, keys key:0..key:99999 (uniform), values 1024 B, seed 42"
	run := &results.Run{Header: h}
	start := h.Start
	for k := range 24 {
		step := k / 8
		rate := []float64{40000, 60000, 80000}[step]
		iv := &results.Interval{
			Index: int64(k), Start: start.Add(time.Duration(k) * time.Second), End: start.Add(time.Duration(k+1) * time.Second),
			Phase:       []string{"step 1: 40k ops/s", "step 2: 60k ops/s", "step 3: 80k ops/s"}[step],
			Connections: 50, TargetRate: rate, Commands: map[string]*results.CommandStats{},
		}
		base := latencyModel{median: 520 + 60*float64(step), spread: 0.3, tail: 6000, tailShare: 0.0005}
		late := latencyModel{}
		achieved := rate
		if step == 2 {
			late = latencyModel{median: 1800, spread: 0.7, tail: 30000, tailShare: 0.03}
			iv.LateStarts = 5200 + int64(r.IntN(400))
			achieved = rate * 0.93
		}
		gets := int64(achieved*10/11) + int64(r.IntN(20)) - 10
		get := commandStats(r, gets, base, late, 31, 930)
		get.Hits = gets * 9 / 10
		get.Misses = gets - get.Hits
		iv.Commands["GET"] = get
		iv.Commands["SET"] = commandStats(r, gets/10, base, late, 1062, 5)
		run.Intervals = append(run.Intervals, iv)
	}
	run.Events = []*results.Event{
		{Time: start.Add(8 * time.Second), Kind: results.EventPhase, Detail: "step 2: 60k ops/s"},
		{Time: start.Add(16 * time.Second), Kind: results.EventPhase, Detail: "step 3: 80k ops/s"},
		{Time: start.Add(17 * time.Second), Kind: results.EventWarning, Code: results.WarnLateStarts, Detail: "the client fell behind its schedule: operations were sent late"},
	}
	return run
}

// mismatchFixture is the cluster fixture's workload run against the same
// 3-shard OSS cluster with --cluster-policy enterprise: one connection per
// worker to the seed node, whose keys are a third of the key space; the
// other two thirds fail with MOVED at once. The engine warned of it
// (policy-mismatch), counted the failures apart from the successes, and
// judged the run by its error budget. Its summary carries the fields of
// SPEC-16.
func mismatchFixture() *results.Run {
	r := rand.New(rand.NewPCG(45, 1))
	h := reporttest.FixtureHeader("20261123T121000Z-b10-enterprise-given", "b10-enterprise-given", fixtureStart.Add(10*time.Minute))
	h.Target = results.Target{
		Endpoint: "mycache.westeurope.redis.azure.net:10000", TLS: true, ClusterPolicy: "enterprise",
		PolicyReason: "given with --cluster-policy", SKU: "B10", Tier: "Balanced", VCPUs: 4, MemoryGB: 12, MaxConnections: 15000,
		Auth: "password", Server: "redis 7.4.2",
	}
	h.Mode, h.Connections, h.Pipeline = results.ModeClosed, 50, 1
	h.Config = json.RawMessage(`{"target":{"host":"mycache.westeurope.redis.azure.net","port":10000,"tls":{"enabled":true},"auth":"password","cluster_policy":"enterprise"},"connections":50,"pipeline":1,"duration":20000000000,"interval":1000000000}`)
	h.Workload = json.RawMessage(`{"ratio":{"sets":1,"gets":10},"key_prefix":"key:","key_minimum":0,"key_maximum":99999,"key_pattern":{"set":"R","get":"R"},"data_size":1024,"seed":42}`)
	h.WorkloadText = "SET:GET 1:10, keys key:0..key:99999 (uniform), values 1024 B, seed 42"
	run := &results.Run{Header: h}
	start := h.Start
	for k := range 20 {
		iv := &results.Interval{Index: int64(k), Start: start.Add(time.Duration(k) * time.Second), End: start.Add(time.Duration(k+1) * time.Second),
			Connections: 50, Commands: map[string]*results.CommandStats{}}
		// Two thirds of the operations are answered MOVED in ~150 µs, the
		// rest served in ~480 µs: 50 connections issue ~200,000 a second.
		issued := int64(200000 + r.IntN(4000))
		gets := issued * 10 / 11
		get := commandStats(r, gets/3, latencyModel{median: 480, spread: 0.25, tail: 6000, tailShare: 0.0005}, latencyModel{}, 31, 930)
		get.Hits = get.Count * 9 / 10
		get.Misses = get.Count - get.Hits
		get.Errors = map[results.ErrorClass]int64{results.ErrMoved: gets - gets/3}
		sets := issued - gets
		set := commandStats(r, sets/3, latencyModel{median: 530, spread: 0.25, tail: 6000, tailShare: 0.0005}, latencyModel{}, 1062, 5)
		set.Errors = map[results.ErrorClass]int64{results.ErrMoved: sets - sets/3}
		iv.Commands["GET"], iv.Commands["SET"] = get, set
		run.Intervals = append(run.Intervals, iv)
	}
	warning := "--cluster-policy enterprise, but the endpoint answered CLUSTER SLOTS with 3 shards: operations on keys of the other shards will fail with MOVED; use --cluster-policy oss (or auto) to reach every shard"
	run.Events = []*results.Event{
		{Time: start.Add(-time.Second), Kind: results.EventWarning, Code: results.WarnPolicyMismatch, Detail: warning},
		{Time: start.Add(1500 * time.Millisecond), Kind: results.EventError, Detail: "MOVED 12539 10.0.0.6:6379"},
	}
	run.Summary = &results.Summary{
		Warnings: []results.Warning{{Code: results.WarnPolicyMismatch, Detail: warning, Time: start.Add(-time.Second)}},
		Client:   &results.ClientSummary{CPUPctMax: 71, CPUPctMean: 64, CPUBudget: 4},
		Verdict: &results.Verdict{Status: results.StatusErrorBudget, ExitCode: 98, MaxErrorRate: 0.01, LowerBound: true,
			Reasons: []string{"66.7 % of operations failed (moved), above --max-error-rate 1 %"}},
	}
	return run
}

// findMaxStep is one step of the find-max fixture: its rate, the latency
// the server gives at it, and how far behind its schedule the client fell.
type findMaxStep struct {
	rate     float64
	service  latencyModel
	late     latencyModel
	achieved float64 // share of the target achieved
	lateFrac float64 // share of the operations sent late
	drain    bool    // the step's late operations spill into one more interval
}

// findMaxFixture is an open-loop --find-max run against a non-clustered
// cache, judged against p99<2ms: 2 s of warmup at the first rate, then
// steps of 5 s with a second's pause after each while the search judges
// it. It doubles from 10k to 80k ops/s, where the client falls behind and
// the step fails, then bisects: 60k met, 70k failed, 65k met, and the
// search ends at 65k ops/s (precision 10 %).
func findMaxFixture() *results.Run {
	r := rand.New(rand.NewPCG(44, 1))
	h := reporttest.FixtureHeader("20261123T140000Z-b20-findmax", "b20-findmax", fixtureStart.Add(2*time.Hour))
	h.Target = results.Target{
		Endpoint: "mycache3.westeurope.redis.azure.net:10000", TLS: true, ClusterPolicy: "enterprise",
		PolicyReason: "the endpoint answered CLUSTER SLOTS with one shard for every slot (Enterprise policy)", SKU: "B20", Tier: "Balanced",
		Auth: "password", Server: "redis 7.4.2",
	}
	h.Mode, h.Connections, h.Pipeline, h.WarmupS, h.TargetRate = results.ModeOpen, 64, 1, 2, 10000
	h.Schedule = "search for the highest rate meeting p99<2ms, doubling from 10k ops/s then bisecting, steps of 5s"
	h.LateThresholdMS, h.SLO = 1, []string{"p99<2ms"}
	h.WorkloadText = "SET:GET 1:10, keys key:0..key:99999 (uniform), values 1024 B, seed 42"
	h.Config = json.RawMessage(`{"target":{"host":"mycache3.westeurope.redis.azure.net","port":10000,"tls":{"enabled":true},"auth":"password","cluster_policy":"auto"},"connections":64,"pipeline":1,"rate":10000,"find_max":true,"step_duration":5000000000,"max_steps":16,"max_rate":10000000,"precision":0.1,"warmup":2000000000,"interval":1000000000}`)
	steps := []findMaxStep{
		{rate: 10000, service: latencyModel{median: 310, spread: 0.25, tail: 2500, tailShare: 0.0005}, achieved: 1},
		{rate: 20000, service: latencyModel{median: 330, spread: 0.27, tail: 2500, tailShare: 0.0005}, achieved: 1},
		{rate: 40000, service: latencyModel{median: 390, spread: 0.3, tail: 3000, tailShare: 0.0008}, achieved: 1},
		{rate: 80000, service: latencyModel{median: 900, spread: 0.5, tail: 12000, tailShare: 0.004},
			late: latencyModel{median: 2600, spread: 0.8, tail: 40000, tailShare: 0.05}, achieved: 0.9, lateFrac: 0.22, drain: true},
		{rate: 60000, service: latencyModel{median: 520, spread: 0.33, tail: 4000, tailShare: 0.002}, achieved: 1},
		{rate: 70000, service: latencyModel{median: 700, spread: 0.38, tail: 8000, tailShare: 0.003},
			late: latencyModel{median: 250, spread: 0.8, tail: 3000, tailShare: 0.004}, achieved: 0.995, lateFrac: 0.03},
		{rate: 65000, service: latencyModel{median: 600, spread: 0.38, tail: 5000, tailShare: 0.002}, achieved: 1},
	}
	run := &results.Run{Header: h}
	at := h.Start
	index := int64(-2)
	add := func(phase string, target float64, st findMaxStep, share float64, d time.Duration) *results.Interval {
		iv := &results.Interval{Index: index, Start: at, End: at.Add(d), Phase: phase, Connections: 64, TargetRate: target, Commands: map[string]*results.CommandStats{}}
		index++
		at = iv.End
		if share > 0 {
			ops := st.rate * st.achieved * share * d.Seconds()
			gets := int64(ops*10/11) + int64(r.IntN(20)) - 10
			late := latencyModel{}
			if st.lateFrac > 0 {
				late = st.late
				iv.LateStarts = int64(float64(gets+gets/10)*st.lateFrac) + int64(r.IntN(100))
			}
			get := commandStats(r, gets, st.service, late, 31, 930)
			get.Hits = gets * 95 / 100
			get.Misses = gets - get.Hits
			iv.Commands["GET"] = get
			iv.Commands["SET"] = commandStats(r, gets/10, st.service, late, 1062, 5)
		} else {
			iv.Commands["GET"], iv.Commands["SET"] = results.NewCommandStats(), results.NewCommandStats()
		}
		return iv
	}
	for range 2 {
		run.Intervals = append(run.Intervals, add(results.PhaseWarmup, steps[0].rate, steps[0], 1, time.Second))
	}
	for i, st := range steps {
		phase := fmt.Sprintf("step %d: %sk ops/s", i+1, strconv.FormatFloat(st.rate/1000, 'f', -1, 64))
		run.Events = append(run.Events, &results.Event{Time: at, Kind: results.EventPhase, Detail: phase})
		for k := range 5 {
			iv := add(phase, st.rate, st, 1, time.Second)
			run.Intervals = append(run.Intervals, iv)
			if k == 0 && st.lateFrac > 0 {
				run.Events = append(run.Events, &results.Event{Time: iv.End, Kind: results.EventWarning,
					Detail: fmt.Sprintf("%d of %d operations were sent more than 1ms after their due time: the client cannot keep up with %s ops/s", iv.LateStarts, iv.Commands["GET"].Count+iv.Commands["SET"].Count, phase[strings.Index(phase, ": ")+2:len(phase)-6])})
			}
		}
		if st.drain { // the operations still due when the step ended
			run.Intervals = append(run.Intervals, add(phase, 0, st, 0.12, time.Second))
		}
		verdict, err := results.EvaluateStep([]results.Objective{{Text: "p99<2ms", Latency: results.LatencyResponse, Percentile: 99, Limit: 2 * time.Millisecond}}, phase, run.Intervals[len(run.Intervals)-5-boolToInt(st.drain):])
		if err != nil {
			panic(err) // the fixture's own intervals: cannot fail
		}
		word := map[bool]string{true: "met", false: "failed"}[verdict.Met]
		run.Events = append(run.Events, &results.Event{Time: at, Kind: results.EventPhase,
			Detail: fmt.Sprintf("%s %s the objectives: achieved %.0f ops/s, p99<2ms measured %s", phase, word, verdict.AchievedRate, time.Duration(verdict.Measured["p99<2ms"])*time.Microsecond)})
		d := time.Second
		if i == len(steps)-1 {
			d = 200 * time.Millisecond // the run ends as the last step is judged
		}
		run.Intervals = append(run.Intervals, add(results.PhaseIdle, 0, st, 0, d))
	}
	return run
}

func boolToInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// encodeFixture writes run as a result file, summary last.
func encodeFixture(t *testing.T, run *results.Run) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := results.NewWriter(&buf)
	if err := w.WriteHeader(run.Header); err != nil {
		t.Fatal(err)
	}
	events := run.Events
	servers := map[int64]*results.ServerInterval{}
	for _, rec := range run.Server {
		servers[rec.Index] = rec
	}
	for _, iv := range run.Intervals {
		for len(events) > 0 && !events[0].Time.After(iv.End) {
			if err := w.WriteEvent(events[0]); err != nil {
				t.Fatal(err)
			}
			events = events[1:]
		}
		if err := w.WriteInterval(iv); err != nil {
			t.Fatal(err)
		}
		if rec := servers[iv.Index]; rec != nil {
			if err := w.WriteServer(rec); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, e := range events {
		if err := w.WriteEvent(e); err != nil {
			t.Fatal(err)
		}
	}
	for _, a := range run.Azure {
		if err := w.WriteAzureMetrics(a); err != nil {
			t.Fatal(err)
		}
	}
	sum, err := run.Summarize()
	if err != nil {
		t.Fatal(err)
	}
	if pre := run.Summary; pre != nil { // the fields the engine decides, given by the builder
		sum.Warnings, sum.Client, sum.Verdict = pre.Warnings, pre.Client, pre.Verdict
	}
	if err := w.WriteSummary(sum); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestFixturesAreUpToDate(t *testing.T) {
	for name, build := range resultFixtures {
		reporttest.CheckGolden(t, filepath.Join("testdata", name), encodeFixture(t, build()), *update, "./report")
	}
}

// readFixture reads a fixed result file.
func readFixture(t *testing.T, name string) (*results.Run, *results.Summary) {
	t.Helper()
	return reporttest.ReadRun(t, filepath.Join("testdata", name))
}
