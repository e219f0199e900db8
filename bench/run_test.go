package bench_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/amrbench/amrbench/bench"
	"github.com/amrbench/amrbench/bench/failure"
	"github.com/amrbench/amrbench/bench/transport"
	"github.com/amrbench/amrbench/internal/benchtest"
	"github.com/amrbench/amrbench/internal/units"
	"github.com/amrbench/amrbench/results"
	"github.com/amrbench/amrbench/results/segment"
	"github.com/amrbench/amrbench/workloads"
)

// collector is an Observer that keeps everything.
type collector struct {
	mu        sync.Mutex
	intervals []*results.Interval
	events    []*results.Event
}

func (c *collector) Interval(iv *results.Interval) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.intervals = append(c.intervals, iv)
	return nil
}

func (c *collector) Event(e *results.Event) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.events = append(c.events, e)
	return nil
}

// totals adds up every interval, warmup included: the server saw them all.
func (c *collector) totals(t *testing.T) map[string]*results.CommandStats {
	t.Helper()
	out := map[string]*results.CommandStats{}
	for _, iv := range c.intervals {
		for name, cs := range iv.Commands {
			if out[name] == nil {
				out[name] = results.NewCommandStats()
			}
			if err := out[name].Add(cs); err != nil {
				t.Fatal(err)
			}
		}
	}
	return out
}

// config is a small run against s. Its connections park for replies: tests
// run side by side in this process, and connections that polled would
// starve the network waits of the others (the open loop's timers, proxies);
// the tests of polling run alone (no t.Parallel).
func config(s *benchtest.Server) bench.Config {
	cfg := bench.DefaultConfig()
	cfg.Target.Host, cfg.Target.Port = s.Host, s.Port
	cfg.Connections = 8
	cfg.Duration = 0
	cfg.Requests = 20000
	cfg.Interval = 200 * time.Millisecond
	cfg.ReplyWait = transport.ReplyWaitPark
	return cfg
}

func runBench(t *testing.T, ctx context.Context, cfg bench.Config, spec workloads.Spec) (*collector, bench.Outcome) {
	t.Helper()
	target, err := bench.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	wl, err := workloads.New(spec, cfg.Connections)
	if err != nil {
		t.Fatal(err)
	}
	obs := &collector{}
	out, err := bench.Run(ctx, target, wl, obs)
	if err != nil {
		t.Fatal(err)
	}
	return obs, out
}

// assertCountsMatchServer checks the run's GET and SET counts against the
// server's own INFO commandstats, and the mix against 1:10 within 2 %.
func assertCountsMatchServer(t *testing.T, s *benchtest.Server, obs *collector, wantTotal int64) {
	t.Helper()
	tot := obs.totals(t)
	calls := s.CommandCalls(t)
	get, set := tot["GET"], tot["SET"]
	if get.Count != calls["get"] || set.Count != calls["set"] {
		t.Fatalf("recorded GET %d SET %d; server counted get %d set %d", get.Count, set.Count, calls["get"], calls["set"])
	}
	if get.Count+set.Count != wantTotal {
		t.Fatalf("recorded %d operations, want %d", get.Count+set.Count, wantTotal)
	}
	if get.ErrorCount()+set.ErrorCount() != 0 {
		t.Fatalf("errors: GET %v SET %v", get.Errors, set.Errors)
	}
	ratio := float64(set.Count) / float64(get.Count)
	if math.Abs(ratio-0.1)/0.1 > 0.02 {
		t.Fatalf("SET:GET = %d:%d = %.4f, want 0.1 within 2%%", set.Count, get.Count, ratio)
	}
	if get.Hits+get.Misses != get.Count {
		t.Fatalf("GET hits %d + misses %d != count %d", get.Hits, get.Misses, get.Count)
	}
	if get.Response.TotalCount() != get.Count || get.Service.TotalCount() != get.Count {
		t.Fatalf("GET histograms hold %d/%d values for %d operations", get.Response.TotalCount(), get.Service.TotalCount(), get.Count)
	}
}

// transports are the --transport choices the correctness tests run under
// (each parks for replies; auto is raw on Linux: the defaults, which poll,
// are tested alone, in TestRepliesPolledFromALocalServer and
// TestStallShowsInOpenLoopOnlyWhilePolling).
var transports = []transport.Transport{transport.TransportRaw, transport.TransportStd}

func init() {
	if runtime.GOOS != "linux" {
		transports = []transport.Transport{transport.TransportStd}
	}
}

func TestPlainRunMatchesServerCounts(t *testing.T) {
	t.Parallel()
	for _, tr := range transports {
		t.Run(string(tr), func(t *testing.T) {
			t.Parallel()
			s := benchtest.StartServer(t)
			s.ResetStats(t)
			cfg := config(s)
			cfg.Transport = tr
			obs, out := runBench(t, context.Background(), cfg, workloads.DefaultSpec())
			if out.Interrupted {
				t.Fatal("run reported interrupted")
			}
			assertCountsMatchServer(t, s, obs, 20000)
			// Byte accounting: every byte the workload sent, as the server counted
			// them, minus the connection set-up (HELLO, PING) and our INFO calls.
			tot := obs.totals(t)
			if tot["SET"].BytesSent == 0 || tot["GET"].BytesReceived == 0 {
				t.Fatalf("no bytes accounted: %+v %+v", tot["SET"], tot["GET"])
			}
			// Closed loop: the intended start is the send, so both histograms agree.
			get := tot["GET"]
			if !get.Response.Equals(get.Service) {
				t.Fatal("closed loop: response and service histograms differ")
			}
		})
	}
}

func TestTLSRunMatchesServerCountsWithHostnameVerified(t *testing.T) {
	t.Parallel()
	for _, tr := range transports {
		t.Run(string(tr), func(t *testing.T) {
			t.Parallel()
			s := benchtest.StartServer(t, benchtest.WithTLS("localhost", "127.0.0.1"))
			s.ResetStats(t)
			cfg := config(s)
			cfg.Transport = tr
			cfg.Target.Host, cfg.Target.Port = "localhost", s.TLSPort
			cfg.Target.TLS = transport.TLSOptions{Enabled: true, CAPEM: s.Certs.CAPEM}
			cfg.Pipeline = 4
			obs, _ := runBench(t, context.Background(), cfg, workloads.DefaultSpec())
			assertCountsMatchServer(t, s, obs, 20000)
		})
	}
}

func TestCertificateForAnotherHost(t *testing.T) {
	t.Parallel()
	s := benchtest.StartServer(t, benchtest.WithTLS("other.example"))
	cfg := config(s)
	cfg.Target.Host, cfg.Target.Port = "localhost", s.TLSPort
	cfg.Target.TLS = transport.TLSOptions{Enabled: true, CAPEM: s.Certs.CAPEM}
	_, err := bench.Open(context.Background(), cfg)
	if err == nil {
		t.Fatal("a certificate for other.example was accepted for 127.0.0.1")
	}
	for _, want := range []string{"certificate is valid for other.example", "target.tls.skip_verify"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	cfg.Target.TLS.SkipVerify = true
	target, err := bench.Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("with --tls-skip-verify: %v", err)
	}
	target.Close()
	// Naming the certificate's host with SNI verifies it properly.
	cfg.Target.TLS = transport.TLSOptions{Enabled: true, CAPEM: s.Certs.CAPEM, SNI: "other.example"}
	target, err = bench.Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("with --sni other.example: %v", err)
	}
	target.Close()
}

func TestACLUser(t *testing.T) {
	t.Parallel()
	s := benchtest.StartServer(t, benchtest.WithUser("bench", "s3cret"))
	cfg := config(s)
	cfg.Target.Auth, cfg.Target.Username, cfg.Target.Password = bench.AuthPassword, "bench", "s3cret"
	cfg.Requests = 2000
	obs, _ := runBench(t, context.Background(), cfg, workloads.DefaultSpec())
	if n := obs.totals(t)["GET"].Count; n == 0 {
		t.Fatal("no GETs recorded as the ACL user")
	}
	// The target keeps its verified connection open: the server must list
	// it as the ACL user's.
	target, err := bench.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	list, err := s.Admin.ClientList(context.Background()).Result()
	target.Close()
	if err != nil || !strings.Contains(list, "user=bench") {
		t.Fatalf("server lists no client logged in as bench (%v):\n%s", err, list)
	}

	cfg.Target.Password = "wrong"
	_, err = bench.Open(context.Background(), cfg)
	if err == nil {
		t.Fatal("a wrong password was accepted")
	}
	if failure.Classify(err) != results.ErrAuth {
		t.Errorf("wrong password classified as %q, want auth", failure.Classify(err))
	}
	if !strings.Contains(err.Error(), `authentication failed for user "bench"`) || strings.Contains(err.Error(), "wrong") {
		t.Errorf("error %q: want the user named and the password not shown", err)
	}
}

func TestInterruptKeepsEveryFinishedInterval(t *testing.T) {
	t.Parallel()
	s := benchtest.StartServer(t)
	s.ResetStats(t)
	cfg := config(s)
	cfg.Requests = 0
	cfg.Duration = time.Minute
	cfg.Interval = 100 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(700*time.Millisecond, cancel)
	obs, out := runBench(t, ctx, cfg, workloads.DefaultSpec())
	if !out.Interrupted {
		t.Fatal("outcome not marked interrupted")
	}
	if n := len(obs.intervals); n < 5 || n > 9 {
		t.Fatalf("%d intervals for 0.7 s at 100 ms", n)
	}
	for i, iv := range obs.intervals {
		if iv.Index != int64(i) {
			t.Fatalf("interval %d has index %d: intervals out of order or missing", i, iv.Index)
		}
	}
	tot := obs.totals(t)
	calls := s.CommandCalls(t)
	if tot["GET"].Count != calls["get"] || tot["SET"].Count != calls["set"] {
		t.Fatalf("after Ctrl-C: recorded GET %d SET %d, server get %d set %d", tot["GET"].Count, tot["SET"].Count, calls["get"], calls["set"])
	}
}

func TestWarmupIntervalsAreMarked(t *testing.T) {
	t.Parallel()
	s := benchtest.StartServer(t)
	cfg := config(s)
	cfg.Requests = 0
	cfg.Warmup = 300 * time.Millisecond
	cfg.Duration = 400 * time.Millisecond
	cfg.Interval = 100 * time.Millisecond
	obs, out := runBench(t, context.Background(), cfg, workloads.DefaultSpec())
	var warm, measured int
	for _, iv := range obs.intervals {
		if iv.Phase == results.PhaseWarmup {
			warm++
			if iv.Index >= 0 {
				t.Errorf("warmup interval with index %d", iv.Index)
			}
		} else {
			measured++
		}
	}
	if warm != 3 || measured != 4 {
		t.Fatalf("%d warmup and %d measured intervals, want 3 and 4", warm, measured)
	}
	last := obs.intervals[len(obs.intervals)-1]
	if got := last.End.Sub(out.Measured.UTC()); got < 400*time.Millisecond || got > 450*time.Millisecond {
		t.Fatalf("measured window ends %s after it starts, want 400 ms plus the last replies", got)
	}
}

// TestRequestsWithWarmupMeasuresExactly checks that --requests bounds the
// measured operations exactly when a warmup comes first: the batches in
// flight when the measured window opens complete in it, so they are charged.
func TestRequestsWithWarmupMeasuresExactly(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name     string
		conns    int
		pipeline int
		requests int64
	}{
		{"one command per batch", 10, 1, 1000},
		{"pipeline 4, as reported", 10, 4, 1000},
		{"pipeline 16, quota not a multiple of it", 7, 16, 1001},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := benchtest.StartServer(t)
			s.ResetStats(t)
			cfg := config(s)
			cfg.Connections, cfg.Pipeline, cfg.Requests = tt.conns, tt.pipeline, tt.requests
			cfg.Warmup = 300 * time.Millisecond
			cfg.Interval = 100 * time.Millisecond
			obs, _ := runBench(t, context.Background(), cfg, workloads.DefaultSpec())
			var warm, measured int64
			for _, iv := range obs.intervals {
				for _, cs := range iv.Commands {
					if iv.Index < 0 {
						warm += cs.Count
					} else {
						measured += cs.Count
					}
				}
			}
			if measured != tt.requests {
				t.Fatalf("measured %d operations (and %d in the warmup), want %d", measured, warm, tt.requests)
			}
			if warm == 0 {
				t.Fatal("no operation in the warmup")
			}
			tot := obs.totals(t)
			calls := s.CommandCalls(t)
			if get, set := tot["GET"].Count, tot["SET"].Count; calls["get"] != get || calls["set"] != set {
				t.Fatalf("recorded GET %d SET %d; server counted get %d set %d", get, set, calls["get"], calls["set"])
			}
		})
	}
}

func TestPreloadWritesEveryKey(t *testing.T) {
	t.Parallel()
	s := benchtest.StartServer(t)
	cfg := config(s)
	cfg.Preload = true
	cfg.Requests = 1000
	spec := workloads.DefaultSpec()
	spec.KeyMinimum, spec.KeyMaximum = 1, 5003
	spec.KeyPrefix = "pre:"
	target, err := bench.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	wl, _ := workloads.New(spec, cfg.Connections)
	out, err := bench.Run(context.Background(), target, wl, &collector{})
	if err != nil {
		t.Fatal(err)
	}
	if out.Preloaded != 5003 {
		t.Fatalf("preloaded %d keys, want 5003", out.Preloaded)
	}
	if n, _ := s.Admin.DBSize(context.Background()).Result(); n != 5003 {
		t.Fatalf("server holds %d keys after preload, want 5003", n)
	}
}

func TestUnreachableServer(t *testing.T) {
	t.Parallel()
	cfg := bench.DefaultConfig()
	cfg.Target.Port = 1
	cfg.ConnectTimeout = time.Second
	_, err := bench.Open(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), "connect to 127.0.0.1:1") {
		t.Fatalf("error %v", err)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("refused connection reported as a timeout: %v", err)
	}
}

func TestSegmentsSplitTheWholeTest(t *testing.T) {
	t.Parallel()
	s := benchtest.StartServer(t)
	s.ResetStats(t)
	cfg := config(s)
	cfg.Connections, cfg.Requests, cfg.Preload = 7, 7000, true
	spec := workloads.DefaultSpec()
	spec.KeyMinimum, spec.KeyMaximum, spec.KeyPrefix = 1, 1000, "seg:"
	var preloaded int64
	all := &collector{}
	for i, wantConns := range []int{2, 2, 3} { // 7 connections in 3 shares
		cfg.Segment = segment.Segment{Index: i, Count: 3}
		obs, out := runBench(t, context.Background(), cfg, spec)
		preloaded += out.Preloaded
		for _, iv := range obs.intervals {
			if iv.Connections != wantConns {
				t.Fatalf("segment %s: %d connections open, want %d", cfg.Segment, iv.Connections, wantConns)
			}
		}
		all.intervals = append(all.intervals, obs.intervals...)
	}
	// Together the three segments are the whole test: every request once,
	// every key preloaded once.
	tot := all.totals(t)
	calls := s.CommandCalls(t)
	if get, set := tot["GET"].Count, tot["SET"].Count; get+set != 7000 || calls["get"] != get || calls["set"] != set+preloaded {
		t.Fatalf("segments sent GET %d SET %d and preloaded %d; server counted get %d set %d", get, set, preloaded, calls["get"], calls["set"])
	}
	if n, _ := s.Admin.DBSize(context.Background()).Result(); preloaded != 1000 || n != 1000 {
		t.Fatalf("segments preloaded %d keys, server holds %d; want 1000", preloaded, n)
	}
}

func TestStartAtFixesTheMeasuredWindow(t *testing.T) {
	t.Parallel()
	s := benchtest.StartServer(t)
	for _, tt := range []struct {
		name      string
		offset    time.Duration // StartAt relative to the call of Run
		wantFirst int64         // index of the first interval
		wantWarn  bool
	}{
		{"in time", 600 * time.Millisecond, 0, false},
		{"late", -250 * time.Millisecond, 1, true}, // 250 ms late at 200 ms intervals
	} {
		t.Run(tt.name, func(t *testing.T) {
			s.ResetStats(t)
			cfg := config(s)
			cfg.Connections, cfg.Requests, cfg.Duration = 2, 0, 600*time.Millisecond
			cfg.Rate = 2000 // an open loop: a shared machine is not saturated
			cfg.StartAt = time.Now().Add(tt.offset).Truncate(time.Millisecond)
			obs, out := runBench(t, context.Background(), cfg, workloads.DefaultSpec())
			if !out.Measured.Equal(cfg.StartAt) {
				t.Fatalf("measured window starts at %s, want --start-at %s", out.Measured, cfg.StartAt)
			}
			first, last := obs.intervals[0], obs.intervals[len(obs.intervals)-1]
			if first.Index != tt.wantFirst {
				t.Fatalf("first interval %d, want %d", first.Index, tt.wantFirst)
			}
			// In time, the load starts at --start-at itself: the workers
			// begin a moment after it, and send what fell due meanwhile
			// late, so every operation due in the window is accounted for:
			// sent, as the server counts them, or, by a worker still behind
			// at the window's end on a busy machine, dropped and counted.
			if tt.wantFirst == 0 {
				if !first.Start.Equal(cfg.StartAt) {
					t.Fatalf("first interval starts %s after --start-at, want at it", first.Start.Sub(cfg.StartAt))
				}
				var sent, dropped int64
				for _, iv := range obs.intervals {
					dropped += iv.Dropped
					for _, cs := range iv.Commands {
						sent += cs.Count
					}
				}
				calls := s.CommandCalls(t)
				if want := int64(cfg.Rate * cfg.Duration.Seconds()); sent+dropped != want || calls["get"]+calls["set"] != sent {
					t.Fatalf("%d operations recorded and %d dropped, the server counted %d; %g ops/s for %s are %d", sent, dropped, calls["get"]+calls["set"], cfg.Rate, cfg.Duration, want)
				}
			}
			// The window ends when it would have: the last operation is due
			// just before --start-at plus the duration (its reply may come
			// later on a busy machine).
			if end := cfg.StartAt.Add(cfg.Duration); last.Index != 2 || last.End.Before(end.Add(-50*time.Millisecond)) {
				t.Fatalf("last interval %d ends %s, want interval 2 ending no earlier than 50 ms before %s", last.Index, last.End, end)
			}
			warned := false
			for _, e := range obs.events {
				warned = warned || (e.Kind == results.EventWarning && strings.Contains(e.Detail, "after --start-at"))
			}
			if warned != tt.wantWarn {
				t.Fatalf("late-start warning %v, want %v (events %+v)", warned, tt.wantWarn, obs.events)
			}
		})
	}
}

func TestReadClock(t *testing.T) {
	t.Parallel()
	s := benchtest.StartServer(t)
	target, err := bench.Open(context.Background(), config(s))
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	c, err := target.ReadClock(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Same machine, same clock: the offset is within the reading's
	// uncertainty plus TIME's microsecond resolution.
	if math.Abs(c.OffsetMS) > c.UncertaintyMS+1 || c.UncertaintyMS > 50 {
		t.Fatalf("clock offset %.3f ms ± %.3f ms against a server on this host", c.OffsetMS, c.UncertaintyMS)
	}
}

func TestSegmentsShareTheOpenLoopSchedule(t *testing.T) {
	t.Parallel()
	s := benchtest.StartServer(t)
	s.ResetStats(t)
	cfg := config(s)
	// 600 operations due at 3,000/s over 6 connections: each connection
	// sends every 6th, so each of 3 segments sends exactly 200 at 1,000/s.
	cfg.Connections, cfg.Requests, cfg.Rate = 6, 600, 3000
	var total int64
	for i := range 3 {
		cfg.Segment = segment.Segment{Index: i, Count: 3}
		obs, _ := runBench(t, context.Background(), cfg, workloads.DefaultSpec())
		var n int64
		for _, iv := range obs.intervals {
			for _, cs := range iv.Commands {
				n += cs.Count
			}
			if iv.Measured() && iv.TargetRate != 1000 {
				t.Fatalf("segment %s: interval target rate %g, want its share 1000", cfg.Segment, iv.TargetRate)
			}
		}
		if n != 200 {
			t.Fatalf("segment %s sent %d operations, want its 200 of 600", cfg.Segment, n)
		}
		total += n
	}
	calls := s.CommandCalls(t)
	if calls["get"]+calls["set"] != total {
		t.Fatalf("segments sent %d, server counted %d", total, calls["get"]+calls["set"])
	}
}

// TestGetReadsValuesWhateverTheirSize runs GETs over keys that all exist,
// some with values far larger than the workload writes: a worker reading
// values into its buffer (hits dominate) meets one that does not fit and
// goes on reading raw replies. Every GET is a hit, and the bytes received
// are exactly the replies' sizes.
func TestGetReadsValuesWhateverTheirSize(t *testing.T) {
	t.Parallel()
	s := benchtest.StartServer(t)
	ctx := context.Background()
	var want int64
	sizes := map[int]int{}
	for i := range 100 {
		size := 32
		if i%25 == 7 {
			size = 100_000 // larger than any buffer a worker keeps
		}
		sizes[i] = size
		if err := s.Admin.Set(ctx, fmt.Sprintf("big:%d", i), strings.Repeat("v", size), 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	cfg := config(s)
	cfg.Connections = 1
	cfg.Requests = 2000 // every key 20 times
	cfg.Interval = 20 * time.Millisecond
	for i := range 2000 {
		size := sizes[i%100]
		want += int64(1 + len(strconv.Itoa(size)) + 2 + size + 2)
	}
	spec := workloads.DefaultSpec()
	spec.Ratio = workloads.Ratio{Gets: 1}
	spec.KeyPrefix, spec.KeyMinimum, spec.KeyMaximum = "big:", 0, 99
	spec.KeyPattern = workloads.KeyPatterns{Set: workloads.Sequential, Get: workloads.Sequential}
	obs, _ := runBench(t, ctx, cfg, spec)
	get := obs.totals(t)["GET"]
	if get.Count != 2000 || get.Hits != 2000 || get.ErrorCount() != 0 {
		t.Fatalf("GET count %d hits %d errors %v", get.Count, get.Hits, get.Errors)
	}
	if get.BytesReceived != want {
		t.Fatalf("received %d bytes, want %d", get.BytesReceived, want)
	}
}

// TestRepliesPolledFromALocalServer runs with --reply-wait poll and auto
// against a local server, plain and over TLS, one command at a time and
// pipelined: the connections poll (auto from when the load begins, and for
// as long as it pays), and every operation is counted as the server counted
// it, kicks and switches of mode included. It runs alone: polling
// connections would starve the tests beside it.
func TestRepliesPolledFromALocalServer(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("connections poll on Linux only")
	}
	for _, tc := range []struct {
		mode     transport.ReplyWait
		tls      bool
		pipeline int
	}{
		{transport.ReplyWaitPoll, false, 1},
		{transport.ReplyWaitAuto, false, 1},
		{transport.ReplyWaitAuto, false, 16},
		{transport.ReplyWaitAuto, true, 1},
		{transport.ReplyWaitPoll, true, 4},
	} {
		t.Run(fmt.Sprintf("%s-tls=%v-pipeline=%d", tc.mode, tc.tls, tc.pipeline), func(t *testing.T) {
			var s *benchtest.Server
			var cfg bench.Config
			if tc.tls {
				s = benchtest.StartServer(t, benchtest.WithTLS("localhost", "127.0.0.1"))
				cfg = config(s)
				cfg.Target.Host, cfg.Target.Port = "localhost", s.TLSPort
				cfg.Target.TLS = transport.TLSOptions{Enabled: true, CAPEM: s.Certs.CAPEM}
			} else {
				s = benchtest.StartServer(t)
				cfg = config(s)
			}
			s.ResetStats(t)
			cfg.ReplyWait = tc.mode
			cfg.Pipeline = tc.pipeline
			obs, out := runBench(t, context.Background(), cfg, workloads.DefaultSpec())
			assertCountsMatchServer(t, s, obs, 20000)
			// Whether polling pays with 8 connections depends on the
			// machine: auto must try it, poll must never stop.
			rw := out.ReplyWaits
			t.Logf("%+v", rw)
			if rw.Polled == 0 || (tc.mode == transport.ReplyWaitPoll && (rw.Parked != 0 || rw.Spells != 0)) {
				t.Fatalf("%s: %+v", tc.mode, rw)
			}
			want := "polled for their replies"
			if rw.Spells > 0 { // polling gave up: said with a code, not a warning
				want = "stopped polling for them"
			}
			if ev := lastEvent(obs, results.EventReplyWait); ev == nil || ev.Count != int64(rw.Spells) || !strings.Contains(ev.Detail, want) || (rw.Spells > 0) != (ev.Code == results.WarnReplyWaitFallback) {
				t.Fatalf("reply-wait event %+v, want one saying %q", ev, want)
			}
			if ev := lastEvent(obs, results.EventWarning); ev != nil && ev.Code == results.WarnReplyWaitFallback {
				t.Fatalf("polling that stopped is a warning: %+v", ev)
			}
		})
	}
}

// TestRepliesFromADistantServerPark puts 10 ms between the server and the
// client: polls would mostly find nothing, so the connections park; and
// with --reply-wait park they never poll. It runs alone (polling
// connections would starve the tests beside it).
func TestRepliesFromADistantServerPark(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("connections poll on Linux only")
	}
	for _, mode := range []transport.ReplyWait{transport.ReplyWaitAuto, transport.ReplyWaitPark} {
		t.Run(string(mode), func(t *testing.T) {
			s := benchtest.StartServer(t)
			proxy := benchtest.StartDelayProxy(t, net.JoinHostPort(s.Host, strconv.Itoa(s.Port)), 10*time.Millisecond)
			s.ResetStats(t)
			cfg := config(s)
			cfg.Target.Host, cfg.Target.Port = proxy.Host, proxy.Port
			cfg.ReplyWait = mode
			cfg.Connections = 16
			cfg.Requests = 4000
			obs, out := runBench(t, context.Background(), cfg, workloads.DefaultSpec())
			assertCountsMatchServer(t, s, obs, 4000)
			rw := out.ReplyWaits
			if mode == transport.ReplyWaitPark {
				if rw != (transport.ReplyWaitStats{}) || lastEvent(obs, results.EventReplyWait) != nil {
					t.Fatalf("--reply-wait park: %+v", rw)
				}
				return
			}
			if rw.Spells == 0 || rw.ParkedShare() < 0.8 {
				t.Fatalf("polling went on against a server 10 ms away: %+v (%.0f %% parked)", rw, 100*rw.ParkedShare())
			}
			ev := lastEvent(obs, results.EventReplyWait)
			if ev == nil || ev.Code != results.WarnReplyWaitFallback || ev.Count != int64(rw.Spells) || !strings.Contains(ev.Detail, fmt.Sprintf("stopped polling for them %s", units.Plural(rw.Spells, "time"))) {
				t.Fatalf("reply-wait event %+v; want one counting %d spells", ev, rw.Spells)
			}
			t.Logf("%+v: %.1f %% of reads parked; %s", rw, 100*rw.ParkedShare(), ev.Detail)
		})
	}
}

// lastEvent is the last event of kind, or nil.
func lastEvent(c *collector, kind string) *results.Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := len(c.events) - 1; i >= 0; i-- {
		if c.events[i].Kind == kind {
			return c.events[i]
		}
	}
	return nil
}
