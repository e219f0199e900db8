package bench

import (
	"context"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/amrbench/amrbench/bench/cluster"
	"github.com/amrbench/amrbench/bench/record"
	"github.com/amrbench/amrbench/internal/benchtest"
	"github.com/amrbench/amrbench/results"
	"github.com/amrbench/amrbench/workloads"
)

// nopSession answers nothing: the commands keep whatever result they hold,
// which for a fresh command is success.
type nopSession struct{}

func (nopSession) open(context.Context) error                { return nil }
func (nopSession) exec(context.Context, []redis.Cmder) error { return nil }
func (nopSession) reopen()                                   {}
func (nopSession) down() bool                                { return false }
func (nopSession) reconnect(context.Context) error           { return nil }
func (nopSession) suspectTopology()                          {}
func (nopSession) shards() *cluster.Registry                 { return nil }
func (nopSession) close()                                    {}

type discard struct{}

func (discard) Interval(*results.Interval) error { return nil }
func (discard) Event(*results.Event) error       { return nil }

// benchWorker returns a worker whose calls hold prepared operations and
// whose log never rotates.
func benchWorker(t testing.TB, pipeline int) *worker {
	wl, err := workloads.New(workloads.DefaultSpec(), 1)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	rec := record.New(now, now, time.Hour, time.Minute, 1, wl.EmittedStats(), discard{}, func() int { return 1 })
	var stop atomic.Bool
	w := newWorker(0, 1, wl.Generator(0, 1), nopSession{}, rec, &stop, pipeline, 32, -1)
	w.log = rec.NewLog(0, 0)
	w.log.End = record.FarFuture
	for _, s := range w.calls {
		w.gen.Next(&s.Op)
		s.Prepare()
		if s.Op.Kind == workloads.Get {
			s.Answer([]byte("$-1\r\n")) // a miss, as the server would answer
		}
	}
	return w
}

// TestRecordDoesNotAllocate checks the per-operation record path: a batch's
// outcome and latency go into the worker's own log without an allocation.
func TestRecordDoesNotAllocate(t *testing.T) {
	for _, pipeline := range []int{1, 16} {
		w := benchWorker(t, pipeline)
		t0 := time.Now()
		i := 0
		allocs := testing.AllocsPerRun(2000, func() {
			i++
			w.account(pipeline, true, t0, t0.Add(time.Duration(100+i%50)*time.Microsecond))
		})
		if allocs != 0 {
			t.Errorf("pipeline %d: %.1f allocations per recorded batch", pipeline, allocs)
		}
		var n, recorded int64
		for _, c := range w.log.Cmds {
			n += c.Count
			recorded += c.Service.TotalCount() // a closed loop records each latency once
		}
		if n == 0 || recorded != n {
			t.Errorf("pipeline %d: %d operations counted, %d latencies recorded", pipeline, n, recorded)
		}
	}
}

// eventCollector keeps the events a recorder emits.
type eventCollector struct {
	discard
	events []*results.Event
}

func (c *eventCollector) Event(e *results.Event) error {
	c.events = append(c.events, e)
	return nil
}

// TestLatencyBeyondRangeIsKept checks that a latency beyond the histograms'
// range is recorded at their top, never dropped, and counted in a warning;
// one within it is recorded as it is.
func TestLatencyBeyondRangeIsKept(t *testing.T) {
	day := 24 * time.Hour
	top := results.HistogramHighest // 7 days
	tests := []struct {
		name       string
		closedLoop bool
		pipeline   int
		late       time.Duration // due to send (open loop)
		service    time.Duration // send to reply
		wantOver   int64
		wantMax    int64 // µs, of the response histogram
	}{
		{"closed loop, in range", true, 4, 0, time.Millisecond, 0, 1000},
		{"closed loop, 7 days: the top, in range", true, 4, 0, 7 * day, 0, top},
		{"closed loop, 8 days", true, 4, 0, 8 * day, 4, top},
		{"closed loop, 30 days", true, 4, 0, 30 * day, 4, top},
		{"open loop, 8 days late", false, 2, 8 * day, time.Millisecond, 2, top},
		{"open loop, 30 days late", false, 2, 30 * day, time.Millisecond, 2, top},
		{"open loop, 30 days of service", false, 2, 0, 30 * day, 2, top},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := benchWorker(t, tt.pipeline)
			sent := time.Now()
			for i := range w.dues {
				w.dues[i] = sent.Add(-tt.late)
			}
			w.account(tt.pipeline, tt.closedLoop, sent, sent.Add(tt.service))
			if w.log.OutOfRange != tt.wantOver {
				t.Fatalf("%d out of range, want %d", w.log.OutOfRange, tt.wantOver)
			}
			var recorded, services int64
			resp := results.NewHistogram()
			for _, c := range w.log.Cmds {
				h := c.Response
				if tt.closedLoop {
					h = c.Service // a closed loop records each latency once
				}
				recorded += h.TotalCount()
				services += c.Service.TotalCount()
				_ = resp.AddPacked(h)
			}
			if recorded != int64(tt.pipeline) || services != int64(tt.pipeline) {
				t.Fatalf("%d response and %d service times recorded for %d operations", recorded, services, tt.pipeline)
			}
			if !resp.ValuesAreEquivalent(resp.Max(), tt.wantMax) {
				t.Fatalf("max %d µs, want %d", resp.Max(), tt.wantMax)
			}

			// The recorder says so in a warning of the interval.
			obs := &eventCollector{}
			rec := record.New(sent, sent, time.Hour, time.Minute, 1, w.rec.Stats(), obs, func() int { return 1 })
			rec.Finish(w.log, sent)
			if err := rec.Run(); err != nil {
				t.Fatal(err)
			}
			var warned int64
			for _, e := range obs.events {
				if e.Kind == results.EventWarning && strings.Contains(e.Detail, "recorded as 7 days") {
					warned += e.Count
				}
			}
			if warned != tt.wantOver {
				t.Fatalf("warned of %d operations out of range, want %d: %+v", warned, tt.wantOver, obs.events)
			}
		})
	}
}

// TestPrepareAndNextDoNotAllocate checks the send side: drawing an operation
// and pointing a reusable command at it.
func TestPrepareAndNextDoNotAllocate(t *testing.T) {
	w := benchWorker(t, 4)
	allocs := testing.AllocsPerRun(2000, func() {
		for i, s := range w.calls {
			w.gen.Next(&s.Op)
			w.cmds[i] = s.Prepare()
		}
	})
	if allocs != 0 {
		t.Fatalf("%.1f allocations per batch of 4 prepared operations", allocs)
	}
}

// BenchmarkRecord measures recording one batch (pipeline 1 and 16): outcome
// counters and two histogram updates per command kind.
func BenchmarkRecord(b *testing.B) {
	for _, pipeline := range []int{1, 16} {
		b.Run("pipeline="+strconv.Itoa(pipeline), func(b *testing.B) {
			w := benchWorker(b, pipeline)
			t0 := time.Now()
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				w.account(pipeline, true, t0, t0.Add(time.Duration(100+i%500)*time.Microsecond))
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*pipeline), "ns/op-recorded")
		})
	}
}

// BenchmarkPrepare measures drawing and preparing one operation.
func BenchmarkPrepare(b *testing.B) {
	w := benchWorker(b, 1)
	s := w.calls[0]
	b.ReportAllocs()
	for range b.N {
		w.gen.Next(&s.Op)
		s.Prepare()
	}
}

// BenchmarkHotPath measures one worker's whole path per operation against a
// real redis-server: draw, prepare, send through go-redis, read the reply,
// record. Allocations reported are go-redis's and ours together.
func BenchmarkHotPath(b *testing.B) {
	for _, tc := range []struct {
		name     string
		pipeline int
		ratio    workloads.Ratio
		// into reads GET values into the worker's buffer; hit stores
		// every key first.
		into, hit bool
		// commands replace the mix (--command).
		commands []workloads.Command
	}{
		{"get-miss-raw", 1, workloads.Ratio{Gets: 1}, false, false, nil},
		{"get-miss-into", 1, workloads.Ratio{Gets: 1}, true, false, nil},
		{"get-hit-raw", 1, workloads.Ratio{Gets: 1}, false, true, nil},
		{"get-hit-into", 1, workloads.Ratio{Gets: 1}, true, true, nil},
		{"set", 1, workloads.Ratio{Sets: 1}, false, false, nil},
		{"mix-1:10", 1, workloads.Ratio{Sets: 1, Gets: 10}, false, false, nil},
		{"mix-1:10-pipeline-16", 16, workloads.Ratio{Sets: 1, Gets: 10}, false, false, nil},
		{"mix-1:10-pipeline-16-hits", 16, workloads.Ratio{Sets: 1, Gets: 10}, true, true, nil},
		// Arbitrary commands: a reply without a bulk string costs nothing,
		// each bulk string go-redis's one allocation (io.CopyN's reader).
		{"command-hset", 1, workloads.Ratio{}, false, false, []workloads.Command{{Line: "HSET __key__ f __data__", Ratio: 1, KeyPattern: workloads.Uniform}}},
		{"command-hset-pipeline-16", 16, workloads.Ratio{}, false, false, []workloads.Command{{Line: "HSET __key__ f __data__", Ratio: 1, KeyPattern: workloads.Uniform}}},
		{"command-incr", 1, workloads.Ratio{}, false, false, []workloads.Command{{Line: "INCR __key__", Ratio: 1, KeyPattern: workloads.Uniform}}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			s := benchtest.StartServer(b)
			cfg := DefaultConfig()
			cfg.Target.Host, cfg.Target.Port = s.Host, s.Port
			cfg.Connections = 1
			target, err := Open(context.Background(), cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer target.Close()
			spec := workloads.DefaultSpec()
			spec.Ratio = tc.ratio
			spec.Commands = tc.commands
			spec.KeyPrefix = "hot:"
			spec.KeyMinimum, spec.KeyMaximum = 1, 1000
			wl, err := workloads.New(spec, 1)
			if err != nil {
				b.Fatal(err)
			}
			if tc.hit {
				pipe := s.Admin.Pipeline()
				for k := spec.KeyMinimum; k <= spec.KeyMaximum; k++ {
					pipe.Set(context.Background(), spec.KeyPrefix+strconv.FormatUint(k, 10), strings.Repeat("v", 32), 0)
				}
				if _, err := pipe.Exec(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
			sess := target.newSession()
			if err := sess.open(context.Background()); err != nil {
				b.Fatal(err)
			}
			defer sess.close()
			now := time.Now()
			rec := record.New(now, now, time.Hour, time.Minute, 1, wl.EmittedStats(), discard{}, func() int { return 1 })
			var stop atomic.Bool
			w := newWorker(0, 1, wl.Generator(0, 1), sess, rec, &stop, tc.pipeline, 32, -1)
			w.log = rec.NewLog(0, 0)
			w.log.End = record.FarFuture
			for _, sl := range w.calls {
				sl.SetReadInto(tc.into)
			}
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i += tc.pipeline {
				for j := range tc.pipeline {
					w.prepare(j)
				}
				w.send(ctx, tc.pipeline, true)
			}
		})
	}
}
