package openmetrics

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/amrbench/amrbench/internal/promtest"
	"github.com/amrbench/amrbench/results"
)

var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

// interval k of a run with 250 ms intervals: GET count 100+k with latencies
// of 200 µs and 3 ms, SET 10+k, k%3 GET timeouts.
func interval(k int64, phase string) *results.Interval {
	get, set := results.NewCommandStats(), results.NewCommandStats()
	for i := range 100 + k {
		v := int64(200)
		if i%10 == 0 {
			v = 3000
		}
		get.Count++
		get.Response.RecordValue(v)
		get.Service.RecordValue(v / 2)
		if i%2 == 0 {
			get.Hits++
		} else {
			get.Misses++
		}
	}
	for range 10 + k {
		set.Count++
		set.Response.RecordValue(500)
		set.Service.RecordValue(400)
	}
	if k%3 != 0 {
		get.Errors = map[results.ErrorClass]int64{results.ErrTimeout: k % 3}
	}
	return &results.Interval{
		Type: results.TypeInterval, Index: k, Phase: phase, Connections: 8, TargetRate: 480, LateStarts: 1,
		Start: t0.Add(time.Duration(k) * 250 * time.Millisecond), End: t0.Add(time.Duration(k+1) * 250 * time.Millisecond),
		Commands: map[string]*results.CommandStats{"GET": get, "SET": set},
		Shards:   map[string]*results.ShardStats{"10.0.0.1:7000": {Count: get.Count + set.Count, Response: results.NewHistogram()}},
	}
}

// server is the server record of interval k: the primary reports
// everything, the managed-like replica no maxmemory and no CPU.
func server(k int64) *results.ServerInterval {
	return &results.ServerInterval{
		Type: results.TypeServer, Index: k,
		Start: t0.Add(time.Duration(k) * 250 * time.Millisecond), End: t0.Add(time.Duration(k+1) * 250 * time.Millisecond),
		Servers: map[string]*results.ServerSample{
			"10.0.0.1:7000": {
				Role: results.RolePrimary, ElapsedS: 0.25, CPUPercent: ptr(40 + float64(k)), MainThreadCPUPercent: ptr(35.5),
				CommandsProcessed: ptr(111 + 2*k), EvictedKeys: ptr(k), UsedMemory: ptr(int64(1 << 20)), MaxMemory: ptr(int64(4 << 20)),
				MemoryPercent: ptr(25.0), ConnectedClients: ptr(int64(9)),
				Commands: map[string]*results.ServerCommandStats{"get": {Calls: 100 + k}, "set": {Calls: 10 + k}, "info": {Calls: 1}},
			},
			"10.0.0.2:7000": {Role: results.RoleReplica, ElapsedS: 0.25, UsedMemory: ptr(int64(1 << 20)), ConnectedClients: ptr(int64(2))},
		},
	}
}

func scrape(t *testing.T, addr string) string {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestExporterCountsMeasuredIntervalsAndLeavesAbsentFieldsOut(t *testing.T) {
	t.Parallel()
	e := New(Labels{RunID: "run-7", Label: "b10", Segment: "0/1"})
	if err := e.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close(context.Background()) })
	// A warmup interval is left out of the totals.
	_ = e.Interval(interval(-1, results.PhaseWarmup))
	for k := range int64(3) {
		_ = e.Interval(interval(k, ""))
		_ = e.ServerInterval(server(k))
	}
	_ = e.Event(&results.Event{Kind: results.EventReconnect, Count: 3})
	_ = e.Event(&results.Event{Kind: results.EventWarning})
	text := scrape(t, e.Addr())
	const lbl = `label="b10",run_id="run-7",segment="0/1"`
	const primary = `label="b10",role="primary",run_id="run-7",segment="0/1",shard="10.0.0.1:7000"`
	const replica = `label="b10",role="replica",run_id="run-7",segment="0/1",shard="10.0.0.2:7000"`
	for _, want := range []string{
		`amrbench_operations_total{command="GET",` + lbl + `} 303`,
		`amrbench_operations_total{command="SET",` + lbl + `} 33`,
		`amrbench_errors_total{class="timeout",command="GET",` + lbl + `} 3`,
		`amrbench_hits_total{command="GET",` + lbl + `} 152`,
		`amrbench_intervals_total{` + lbl + `} 3`,
		`amrbench_late_starts_total{` + lbl + `} 3`,
		`amrbench_shard_operations_total{` + lbl + `,shard="10.0.0.1:7000"} 336`,
		`amrbench_response_time_seconds_count{command="GET",` + lbl + `} 303`,
		// 32 of the 303 GETs (10, 11 and 11) took 3 ms, the others 200 µs.
		`amrbench_response_time_seconds_bucket{command="GET",` + lbl + `,le="0.00025"} 271`,
		`amrbench_response_time_seconds_bucket{command="GET",` + lbl + `,le="0.0025"} 271`,
		`amrbench_response_time_seconds_bucket{command="GET",` + lbl + `,le="0.005"} 303`,
		`amrbench_interval_response_time_seconds{command="GET",label="b10",quantile="1",run_id="run-7",segment="0/1"} 0.003001`,
		`amrbench_interval_response_time_seconds{command="GET",label="b10",quantile="0.5",run_id="run-7",segment="0/1"} 0.0002`,
		`amrbench_achieved_rate{command="GET",` + lbl + `} 408`,
		`amrbench_target_rate{` + lbl + `} 480`,
		`amrbench_connections{` + lbl + `} 8`,
		`amrbench_events_total{kind="reconnect",` + lbl + `} 3`,
		`amrbench_server_cpu_percent{` + primary + `} 42`,
		`amrbench_server_command_calls_total{command="get",` + primary + `} 303`,
		`amrbench_server_evicted_keys_total{` + primary + `} 3`,
		`amrbench_server_maxmemory_bytes{` + primary + `} 4.194304e+06`,
		`amrbench_server_connected_clients{` + replica + `} 2`,
		`process_cpu_seconds_total{` + lbl + `}`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("scrape lacks %s", want)
		}
	}
	// The replica reported no CPU and no maxmemory: no series, not zero.
	for _, line := range strings.Split(text, "\n") {
		if strings.Contains(line, `shard="10.0.0.2:7000"`) && (strings.HasPrefix(line, "amrbench_server_cpu_percent") || strings.HasPrefix(line, "amrbench_server_maxmemory_bytes") || strings.HasPrefix(line, "amrbench_server_evicted_keys_total")) {
			t.Errorf("a series for a field the replica did not report: %s", line)
		}
	}
	if t.Failed() {
		t.Log(text)
	}
}

func TestListen(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want, err string }{
		{":9464", "127.0.0.1:9464", ""},
		{"9464", "127.0.0.1:9464", ""},
		{"0.0.0.0:9000", "0.0.0.0:9000", ""},
		{"localhost", "localhost:9464", ""},
		{"[::1]:9465", "[::1]:9465", ""},
		{"127.0.0.1:port", "", "is not a port"},
	} {
		got, err := ListenAddr(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ListenAddr(%q) = %q, %v; want error %q", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ListenAddr(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}

	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	err = New(Labels{}).Listen(busy.Addr().String())
	if err == nil || err.Error() != "listen on "+busy.Addr().String()+": bind: address already in use" {
		t.Fatalf("Listen on a port in use = %v", err)
	}
}

// TestPrometheusScrapesTheTotals starts a real Prometheus scraping the
// exporter every second while intervals come in, then asks it, through its
// HTTP API, for the totals: they are the sums of the intervals given.
func TestPrometheusScrapesTheTotals(t *testing.T) {
	t.Parallel()
	e := New(Labels{RunID: "run-prom", Label: "scraped", Segment: "0/1"})
	if err := e.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close(context.Background()) })
	promAddr := promtest.Start(t, e.Addr())

	var wantGets, wantTimeouts, wantCalls int64
	_ = e.Interval(interval(-1, results.PhaseWarmup))
	const n = 12
	for k := range int64(n) {
		iv := interval(k, "")
		_ = e.Interval(iv)
		_ = e.ServerInterval(server(k))
		wantGets += iv.Commands["GET"].Count
		wantTimeouts += iv.Commands["GET"].Errors[results.ErrTimeout]
		wantCalls += 100 + k
		time.Sleep(250 * time.Millisecond)
	}
	// Wait for a scrape made after the last interval.
	deadline := time.Now().Add(15 * time.Second)
	for promtest.Query(t, promAddr, `amrbench_intervals_total{run_id="run-prom"}`) != n {
		if time.Now().After(deadline) {
			t.Fatalf("Prometheus never saw all %d intervals", n)
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, q := range []struct {
		promql string
		want   float64
	}{
		{`amrbench_operations_total{command="GET",run_id="run-prom",label="scraped",segment="0/1"}`, float64(wantGets)},
		{`amrbench_errors_total{command="GET",class="timeout"}`, float64(wantTimeouts)},
		{`amrbench_response_time_seconds_count{command="GET"}`, float64(wantGets)},
		{`amrbench_server_command_calls_total{shard="10.0.0.1:7000",command="get",role="primary"}`, float64(wantCalls)},
		{`amrbench_server_cpu_percent{shard="10.0.0.1:7000"}`, 40 + n - 1},
		{`count(amrbench_server_cpu_percent)`, 1},
	} {
		if got := promtest.Query(t, promAddr, q.promql); got != q.want {
			t.Errorf("%s = %v, want %v", q.promql, got, q.want)
		}
	}
}

// TestAwaitScrapeHoldsTheEndpointForTheFinalCounts checks that the endpoint
// is kept for a scraper that has been coming, until it has collected the
// last interval (which ends after the scrape before it), and not for one
// that never came or that stopped coming.
func TestAwaitScrapeHoldsTheEndpointForTheFinalCounts(t *testing.T) {
	t.Parallel()
	e := New(Labels{RunID: "run-8", Label: "final", Segment: "0/1"})
	if err := e.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close(context.Background()) })
	// Nothing scraped yet: nothing to wait for.
	_ = e.Interval(interval(0, ""))
	if w := e.ScrapeWait(); w != 0 {
		t.Fatalf("no scrape yet, yet a wait of %s", w)
	}
	scrape(t, e.Addr())
	time.Sleep(200 * time.Millisecond)
	scrape(t, e.Addr())
	if w := e.ScrapeWait(); w != 0 {
		t.Fatalf("the latest scrape holds every record, yet a wait of %s", w)
	}
	// The last interval comes after the last scrape: a wait of about one
	// and a half times the scraper's pace, until it comes back.
	_ = e.Interval(interval(1, ""))
	if w := e.ScrapeWait(); w < 300*time.Millisecond || w > MaxScrapeWait {
		t.Fatalf("a wait of %s for a scraper coming every 200 ms", w)
	}
	done := make(chan bool, 1)
	go func() { done <- e.AwaitScrape(context.Background()) }()
	select {
	case <-done:
		t.Fatal("AwaitScrape returned before the scraper came back")
	case <-time.After(50 * time.Millisecond):
	}
	text := scrape(t, e.Addr())
	if !<-done {
		t.Fatal("AwaitScrape says the final records were not scraped")
	}
	const want = `amrbench_operations_total{command="GET",label="final",run_id="run-8",segment="0/1"} 201`
	if !strings.Contains(text, want) {
		t.Fatalf("the final scrape lacks %s:\n%s", want, text)
	}
	// A scraper that does not come back is waited for no longer than its
	// pace allows.
	_ = e.Interval(interval(2, ""))
	begin := time.Now()
	if e.AwaitScrape(context.Background()) {
		t.Fatal("AwaitScrape says a scrape that never came collected the last interval")
	}
	if waited := time.Since(begin); waited > 2*time.Second {
		t.Fatalf("waited %s for a scraper that came every 200 ms", waited)
	}
}
