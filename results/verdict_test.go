package results

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// summaryOf returns a summary of one command whose ALL has count successes
// and the given failures, over duration seconds and conns connections.
func summaryOf(count int64, failed map[ErrorClass]int64, duration float64, conns int) *Summary {
	all := &CommandSummary{Count: count, Errors: failed}
	all.ErrorRate = errorRate(all.ErrorCount(), count)
	return &Summary{
		DurationS: duration, Connections: conns, Commands: map[string]*CommandSummary{AllCommands: all},
		ErrorsTotal: all.ErrorCount(), ErrorRate: all.ErrorRate, Warnings: []Warning{},
	}
}

func TestDecide(t *testing.T) {
	t.Parallel()
	closed := &Header{Mode: ModeClosed}
	open := &Header{Mode: ModeOpen}
	search := &Header{Mode: ModeOpen, Config: json.RawMessage(`{"find_max":true}`)}
	off := &Header{Mode: ModeClosed, MaxErrorRate: ptr(1.0)}
	segment := &Header{Mode: ModeClosed, Segment: "1/3"}
	partialMerge := &Header{Mode: ModeClosed, Segment: "0/3,2/3"}
	whole := &Header{Mode: ModeClosed, Segment: "0/1"}
	met := func(phase string, rate float64) SLOStep { return SLOStep{Phase: phase, TargetRate: rate, Met: true} }
	missed := func(phase string, rate float64) SLOStep { return SLOStep{Phase: phase, TargetRate: rate} }
	tests := []struct {
		name       string
		h          *Header
		s          func() *Summary
		status     string
		lowerBound bool
		reason     string // in the first reason
		bound      *ServerBound
	}{
		{"closed loop, clean", closed, func() *Summary { return summaryOf(1000, nil, 10, 4) }, StatusOK, true, "lower bound", nil},
		{"open loop, clean", open, func() *Summary { return summaryOf(1000, nil, 10, 4) }, StatusOK, false, "", nil},
		{"errors at the budget are ok", closed, func() *Summary { return summaryOf(99, map[ErrorClass]int64{ErrOOM: 1}, 10, 4) }, StatusOK, true, "", nil},
		{"errors above the budget", closed, func() *Summary { return summaryOf(98, map[ErrorClass]int64{ErrOOM: 2}, 10, 4) }, StatusErrorBudget, true, "2.00 % of the operations failed (oom 2), above --max-error-rate 1.00 %", nil},
		{"budget turned off", off, func() *Summary { return summaryOf(50, map[ErrorClass]int64{ErrNoPerm: 50}, 10, 4) }, StatusOK, true, "", nil},
		{"every operation failed", off, func() *Summary { return summaryOf(0, map[ErrorClass]int64{ErrNoPerm: 50}, 10, 4) }, StatusFailed, false, "every one of the 50 operations failed", nil},
		{"nothing completed", closed, func() *Summary { return summaryOf(0, nil, 10, 4) }, StatusFailed, false, "no operation completed", nil},
		{"connections down a third of the time", closed, func() *Summary {
			s := summaryOf(10000, map[ErrorClass]int64{ErrConnection: 4}, 6, 4)
			s.BackoffS = 8 // of 24 connection-seconds
			return s
		}, StatusErrorBudget, true, "unable to send (reconnecting)", nil},
		{"dropped operations", open, func() *Summary {
			s := summaryOf(900, nil, 10, 4)
			s.Dropped = 100
			return s
		}, StatusNotOffered, true, "100 of the 1,000 operations due", nil},
		// One connection at 2 ms a request holds 500 of the 1,000 ops/s asked.
		{"dropped operations, one connection too few", &Header{Mode: ModeOpen, TargetRate: 1000, Pipeline: 1}, func() *Summary {
			s := summaryOf(400, nil, 10, 1)
			s.Commands[AllCommands].Service.MeanMicros = 2000
			s.Dropped = 600
			return s
		}, StatusNotOffered, true, "were never sent: its 1 connection (pipeline 1) could not carry the rate: at their mean service time of 2.000 ms they hold about 500 ops/s (add --connections)", nil},
		// The same, the server at its CPU: the server, not the connections.
		{"dropped operations, server at its CPU", &Header{Mode: ModeOpen, TargetRate: 1000, Pipeline: 1}, func() *Summary {
			s := summaryOf(400, nil, 10, 1)
			s.Commands[AllCommands].Service.MeanMicros = 2000
			s.Dropped = 600
			return s
		}, StatusNotOffered, true, "were never sent: the server could not keep up with it", &ServerBound{Shard: "10.0.0.1:6379", Reason: "cpu", OpsPerSec: 400, Saturated: 9, Intervals: 10, Level: 97}},
		{"a few dropped are within tolerance", open, func() *Summary {
			s := summaryOf(980, nil, 10, 4)
			s.Dropped = 20
			return s
		}, StatusOK, false, "", nil},
		// It sent its operations, late: its latencies are pessimistic.
		{"client-bound open loop", open, func() *Summary {
			s := summaryOf(1000, nil, 10, 4)
			s.Client = &ClientSummary{Bound: true, Reason: "the client was the limit: cpu"}
			return s
		}, StatusOK, true, "the client was the limit", nil},
		{"errors win over not offered and slo", open, func() *Summary {
			s := summaryOf(900, map[ErrorClass]int64{ErrTimeout: 100}, 10, 4)
			s.Dropped = 500
			s.SLO = &SLOResult{Objectives: []string{"p99<1ms"}, Steps: []SLOStep{missed("", 1000)}}
			return s
		}, StatusErrorBudget, true, "10.0 % of the operations failed", nil},
		{"constant rate missing its slo", open, func() *Summary {
			s := summaryOf(1000, nil, 10, 4)
			s.SLO = &SLOResult{Objectives: []string{"p99<1ms"}, Steps: []SLOStep{missed("", 1000)}}
			return s
		}, StatusSLOMissed, false, "the run missed p99<1ms", nil},
		{"a staircase with one step missed", open, func() *Summary {
			s := summaryOf(1000, nil, 10, 4)
			s.SLO = &SLOResult{Objectives: []string{"p99<1ms"}, MaxRate: 1000, Steps: []SLOStep{met("1k", 1000), missed("2k", 2000)}}
			return s
		}, StatusSLOMissed, false, "1 of 2 steps missed p99<1ms: 2k", nil},
		{"a search that met a rate", search, func() *Summary {
			s := summaryOf(1000, nil, 10, 4)
			s.SLO = &SLOResult{Objectives: []string{"p99<1ms"}, MaxRate: 2500, Steps: []SLOStep{met("a", 2500), missed("b", 5000)}}
			return s
		}, StatusOK, false, "the highest rate meeting p99<1ms was 2,500 ops/s", nil},
		{"a search whose failing step was the client's", search, func() *Summary {
			s := summaryOf(1000, nil, 10, 4)
			st := missed("b", 5000)
			st.ClientBound = true
			s.SLO = &SLOResult{Objectives: []string{"p99<1ms"}, MaxRate: 2500, Steps: []SLOStep{met("a", 2500), st}}
			return s
		}, StatusOK, true, "the highest rate", nil},
		// One connection carried its answer; the step above kept it busy.
		{"a search whose failing step kept its connections busy", search, func() *Summary {
			s := summaryOf(1000, nil, 10, 1)
			s.SLO = &SLOResult{Objectives: []string{"p99<1ms"}, MaxRate: 20000, Steps: []SLOStep{met("a", 20000), missed("b", 40000)}}
			s.Warnings = []Warning{{Code: WarnConnectionsBusy, Detail: "b kept the 1 connection busy 100 %"}}
			return s
		}, StatusOK, true, "the highest rate meeting p99<1ms was 20,000 ops/s", nil},
		// A saturated server, not the connections, set the answer.
		{"a search with busy connections and a saturated server", search, func() *Summary {
			s := summaryOf(1000, nil, 10, 1)
			s.SLO = &SLOResult{Objectives: []string{"p99<1ms"}, MaxRate: 20000, Steps: []SLOStep{met("a", 20000), missed("b", 40000)}}
			s.Warnings = []Warning{{Code: WarnConnectionsBusy}}
			return s
		}, StatusOK, false, "the highest rate", &ServerBound{Shard: "10.0.0.1:6379", Reason: "cpu", OpsPerSec: 20000, Saturated: 9, Intervals: 10, Level: 97}},
		{"a search that met nothing", search, func() *Summary {
			s := summaryOf(1000, nil, 10, 4)
			s.SLO = &SLOResult{Objectives: []string{"p99<1ms"}, Steps: []SLOStep{missed("a", 2500)}}
			return s
		}, StatusSLOMissed, false, "no step of the search met p99<1ms", nil},
		// Every step failed some SETs (a full memory), with fast replies.
		{"a search that met nothing for its failures", &Header{Mode: ModeOpen, Config: search.Config, MaxErrorRate: ptr(0.2)}, func() *Summary {
			s := summaryOf(1000, map[ErrorClass]int64{ErrOOM: 90}, 10, 4)
			st := SLOStep{Phase: "a", TargetRate: 2500, AchievedRate: 2300, Errors: 90, Measured: map[string]int64{"p99<1ms": 400}}
			s.SLO = &SLOResult{Objectives: []string{"p99<1ms"}, Steps: []SLOStep{st}}
			return s
		}, StatusErrorBudget, false, "no step of the search met p99<1ms without failed operations: every step had some (oom 90 in all), and a step meets its objectives only when none fail", nil},
		// Its client got so little CPU that it sent a fifth of its lowest
		// rate: the misses are the client's, not the cache's.
		{"a search whose lowest step the client could not offer", search, func() *Summary {
			s := summaryOf(1000, nil, 10, 4)
			low := SLOStep{Phase: "b", TargetRate: 625, AchievedRate: 108, Dropped: 517, ClientBound: true}
			s.SLO = &SLOResult{Objectives: []string{"p99<1ms"}, Steps: []SLOStep{{Phase: "a", TargetRate: 5000, AchievedRate: 198, Dropped: 4802, ClientBound: true}, low}}
			s.Client = &ClientSummary{Bound: true, Reason: "the client was the limit: cpu"}
			return s
		}, StatusNotOffered, true, "could not offer it: 108 ops/s of 625, 517 operations never sent", nil},
		// A client at its limit that still offered the lowest rate: the
		// miss is measured, if pessimistic.
		{"a search whose lowest step the client offered, late", search, func() *Summary {
			s := summaryOf(1000, nil, 10, 4)
			s.SLO = &SLOResult{Objectives: []string{"p99<1ms"}, Steps: []SLOStep{{Phase: "a", TargetRate: 625, AchievedRate: 625, LateStarts: 30, ClientBound: true}}}
			return s
		}, StatusSLOMissed, true, "no step of the search met p99<1ms", nil},
		{"a search stopped before any step met", search, func() *Summary {
			s := summaryOf(1000, nil, 10, 4)
			s.SLO = &SLOResult{Objectives: []string{"p99<1ms"}, Steps: []SLOStep{missed("a", 2500)}}
			s.Warnings = []Warning{{Code: WarnStoppedEarly}}
			return s
		}, StatusStoppedEarly, false, "stopped before its end", nil},
		{"closed loop, server at its CPU", closed, func() *Summary { return summaryOf(1000, nil, 10, 4) }, StatusOK, false,
			"the cache's capacity at this load", &ServerBound{Shard: "10.0.0.1:6379", Reason: "cpu", OpsPerSec: 100, Saturated: 9, Intervals: 10, Level: 97}},
		{"closed loop, a merge of every segment, server at its CPU", whole, func() *Summary { return summaryOf(1000, nil, 10, 4) }, StatusOK, false,
			"the cache's capacity at this load", &ServerBound{Shard: "10.0.0.1:6379", Reason: "cpu", OpsPerSec: 100, Saturated: 9, Intervals: 10, Level: 97}},
		// The segments together saturated the server: one segment's
		// throughput is its share, not the cache's capacity.
		{"closed loop, one segment of a split test, server at its CPU", segment, func() *Summary { return summaryOf(1000, nil, 10, 4) }, StatusOK, true,
			"its share of that load", &ServerBound{Shard: "10.0.0.1:6379", Reason: "cpu", OpsPerSec: 100, Saturated: 9, Intervals: 10, Level: 97}},
		{"open loop, one segment of a split test, server at its CPU", &Header{Mode: ModeOpen, Segment: "0/2"}, func() *Summary { return summaryOf(1000, nil, 10, 4) }, StatusOK, false,
			"its share of that load", &ServerBound{Shard: "10.0.0.1:6379", Reason: "cpu", OpsPerSec: 100, Saturated: 9, Intervals: 10, Level: 97}},
		// merge --allow-partial of every segment, one of them killed: the
		// merged load lacks that segment's end.
		{"closed loop, a partial merge of every segment, server at its CPU", whole, func() *Summary {
			s := summaryOf(1000, nil, 10, 4)
			s.Warnings = []Warning{{Code: WarnPartialMerge, Detail: "b.jsonl ends early (its run was killed or is still going)"}}
			return s
		}, StatusOK, true, "its share of that load", &ServerBound{Shard: "10.0.0.1:6379", Reason: "cpu", OpsPerSec: 100, Saturated: 9, Intervals: 10, Level: 97}},
		{"open loop, a partial merge", &Header{Mode: ModeOpen, Segment: "0/1"}, func() *Summary {
			s := summaryOf(1000, nil, 10, 4)
			s.Warnings = []Warning{{Code: WarnPartialMerge, Detail: "segment 1/2 is missing"}}
			return s
		}, StatusOK, true, "not one whole test", nil},
		{"closed loop, a merge lacking a segment, server at its CPU", partialMerge, func() *Summary { return summaryOf(1000, nil, 10, 4) }, StatusOK, true,
			"its share of that load", &ServerBound{Shard: "10.0.0.1:6379", Reason: "cpu", OpsPerSec: 100, Saturated: 9, Intervals: 10, Level: 97}},
		// Its connections were down a third of the time: the throughput
		// counts the outage, so it is not the capacity the server set.
		{"closed loop, server at its CPU, above the error budget", closed, func() *Summary {
			s := summaryOf(10000, map[ErrorClass]int64{ErrConnection: 4}, 6, 4)
			s.BackoffS = 8
			return s
		}, StatusErrorBudget, true, "unable to send (reconnecting)", &ServerBound{Shard: "10.0.0.1:6379", Reason: "cpu", OpsPerSec: 100, Saturated: 4, Intervals: 6, Level: 98}},
		{"closed loop, server at maxmemory, still a lower bound", closed, func() *Summary { return summaryOf(1000, nil, 10, 4) }, StatusOK, true,
			"the cache's memory, not its throughput", &ServerBound{Shard: "10.0.0.1:6379", Reason: "memory", Saturated: 9, Intervals: 10, Level: 99}},
		// A full memory fails writes; it does not set the pace, whoever did.
		{"closed loop, server at maxmemory, client at its limit", closed, func() *Summary {
			s := summaryOf(1000, nil, 10, 4)
			s.Client = &ClientSummary{Bound: true, Reason: "the client used 95 % of its CPU"}
			return s
		}, StatusOK, true, "the cache's memory, not its throughput", &ServerBound{Shard: "10.0.0.1:6379", Reason: "memory", Saturated: 9, Intervals: 10, Level: 99}},
		{"closed loop, server and client both at their limit", closed, func() *Summary {
			s := summaryOf(1000, nil, 10, 4)
			s.Client = &ClientSummary{Bound: true, Reason: "the client used 95 % of its CPU"}
			return s
		}, StatusOK, true, "and the client was the limit too", &ServerBound{Shard: "10.0.0.1:6379", Reason: "cpu", Saturated: 9, Intervals: 10, Level: 97}},
		{"stopped, clean", closed, func() *Summary {
			s := summaryOf(1000, nil, 10, 4)
			s.Warnings = []Warning{{Code: WarnStoppedEarly}}
			return s
		}, StatusStoppedEarly, true, "stopped before its end", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Decide(tt.h, tt.s(), tt.bound)
			if v.Status != tt.status || v.LowerBound != tt.lowerBound {
				t.Fatalf("status %q lower bound %v, want %q %v: %q", v.Status, v.LowerBound, tt.status, tt.lowerBound, v.Reasons)
			}
			if tt.reason != "" && (len(v.Reasons) == 0 || !strings.Contains(v.Reasons[0], tt.reason)) {
				t.Fatalf("reasons %q, want the first to say %q", v.Reasons, tt.reason)
			}
			if v.LowerBound && strings.Contains(tt.name, "kept its connections busy") && !strings.Contains(strings.Join(v.Reasons, " "), "more --connections may hold a higher rate") {
				t.Fatalf("the connections not named in %q", v.Reasons)
			}
			if v.LowerBound && !strings.Contains(strings.Join(v.Reasons, " "), "this is a lower bound of the cache's capacity") {
				t.Fatalf("a lower bound not said in %q", v.Reasons)
			}
			if v.Status == StatusErrorBudget && strings.Contains(strings.Join(v.Reasons, " "), "the cache's capacity at this load") {
				t.Fatalf("a run above its error budget called the cache's capacity: %q", v.Reasons)
			}
			wantRate := DefaultMaxErrorRate
			if tt.h.MaxErrorRate != nil {
				wantRate = *tt.h.MaxErrorRate
			}
			if v.MaxErrorRate != wantRate {
				t.Fatalf("max error rate %v, want %v", v.MaxErrorRate, wantRate)
			}
		})
	}
}

func TestSummarizeClient(t *testing.T) {
	t.Parallel()
	iv := func(phase string, cpu float64, clientLate float64) *Interval {
		c := &ClientStats{CPUPct: cpu, CPUBudget: 2, ClientLateShare: clientLate}
		c.Judge()
		return &Interval{Phase: phase, Client: c, LateStarts: 3, Commands: map[string]*CommandStats{"GET": {Count: 97, Errors: map[ErrorClass]int64{ErrTimeout: 3}}}}
	}
	tests := []struct {
		name      string
		ivs       []*Interval
		bound     bool
		intervals int
		mean, max float64
		reason    string
	}{
		{"idle client", []*Interval{iv("", 20, 0), iv("", 30, 0)}, false, 0, 25, 30, ""},
		{"CPU at 90 % of two cores", []*Interval{iv("", 185, 0), iv("", 190, 0), iv("", 60, 0)}, true, 2, 145, 190, "the client was the limit: the CPU it used was at least 90 % of its budget of 2 CPUs in 2 of 3 intervals"},
		{"late though free", []*Interval{iv("", 50, 0.05), iv("", 50, 0.2)}, true, 2, 50, 50, "late, though their connections were free, in 2 of 2"},
		{"one bad interval of four", []*Interval{iv("", 199, 0), iv("", 20, 0), iv("", 20, 0), iv("", 20, 0)}, false, 1, 64.8, 199, "in a few intervals only"},
		{"the warmup does not count", []*Interval{iv(PhaseWarmup, 200, 0), iv("", 20, 0)}, false, 0, 20, 20, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := SummarizeClient(tt.ivs)
			if s.Bound != tt.bound || s.BoundIntervals != tt.intervals || s.CPUPctMean != tt.mean || s.CPUPctMax != tt.max || s.CPUBudget != 2 {
				t.Fatalf("got %+v", s)
			}
			if !strings.Contains(s.Reason, tt.reason) || (tt.reason == "" && s.Reason != "") {
				t.Fatalf("reason %q, want %q", s.Reason, tt.reason)
			}
			if s.LateShare != 0.03 {
				t.Fatalf("late share %v, want 3 of 100 issued", s.LateShare)
			}
		})
	}
	// Connections that polled for their replies spend the budget by
	// design: only the CPU they waited for says the client was short of it.
	judged := []struct {
		name  string
		stats ClientStats
		bound bool
	}{
		{"polled, its CPU used", ClientStats{CPUPct: 199, CPUBudget: 2, PolledShare: 0.9}, false},
		{"polled, used and waited for 90 %", ClientStats{CPUPct: 150, CPUWaitPct: 40, CPUBudget: 2, PolledShare: 0.9}, false},
		{"polled, held by other processes", ClientStats{CPUPct: 10, CPUWaitPct: 92, CPUBudget: 1, PolledShare: 1}, true},
		{"parked, held by other processes", ClientStats{CPUPct: 10, CPUWaitPct: 55, CPUBudget: 1}, true},
		{"parked, used and waited for 90 %", ClientStats{CPUPct: 150, CPUWaitPct: 40, CPUBudget: 2, PolledShare: 0.5}, true},
		{"parked, 80 %", ClientStats{CPUPct: 70, CPUWaitPct: 10, CPUBudget: 1}, false},
		{"no budget known", ClientStats{CPUPct: 100, CPUWaitPct: 100}, false},
	}
	for _, tt := range judged {
		c := tt.stats
		if c.Judge(); c.Bound != tt.bound {
			t.Errorf("%s: bound %v, want %v", tt.name, c.Bound, tt.bound)
		}
	}
	if SummarizeClient([]*Interval{{Commands: map[string]*CommandStats{}}}) != nil {
		t.Fatal("a file without client statistics got a client summary")
	}
}

func TestWarningsAndErrorSamples(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	events := []*Event{
		{Kind: EventWarning, Code: WarnPolicyMismatch, Detail: "policy", Time: at},
		{Kind: EventReconnect, Detail: "not a warning"},
		{Kind: EventError, Class: ErrNoPerm, Detail: "NOPERM a"},
		{Kind: EventError, Class: ErrNoPerm, Detail: "NOPERM a"},
		{Kind: EventError, Class: ErrNoPerm, Detail: "NOPERM b"},
		{Kind: EventError, Class: ErrNoPerm, Detail: "NOPERM c"},
		{Kind: EventError, Class: ErrNoPerm, Detail: "NOPERM d"},
		{Kind: EventError, Class: ErrOOM, Detail: "OOM command not allowed"},
		{Kind: EventError, Detail: "judge step: no class"},
		{Kind: EventWarning, Detail: "without a code", Time: at},
	}
	w := Warnings(events)
	if len(w) != 2 || w[0] != (Warning{Code: WarnPolicyMismatch, Detail: "policy", Time: at}) || w[1].Code != "" || w[1].Detail != "without a code" {
		t.Fatalf("warnings %+v", w)
	}
	samples := ErrorSamples(events)
	if got := strings.Join(samples[ErrNoPerm], "|"); got != "NOPERM a|NOPERM b|NOPERM c" {
		t.Fatalf("noperm samples %q", got)
	}
	if len(samples) != 2 || len(samples[ErrOOM]) != 1 {
		t.Fatalf("samples %v", samples)
	}
}

// TestReadNormalisesOldCounts reads a file written before counts excluded
// errors: its counts included the failures, and are given today's meaning.
func TestReadNormalisesOldCounts(t *testing.T) {
	t.Parallel()
	old := strings.Join([]string{
		`{"type":"header","schema":"amrbench.result/v1","run_id":"old","start":"2026-01-01T00:00:00Z","host":"h","segment":"0/1","mode":"closed","interval_s":1,"connections":1,"pipeline":1,"percentiles":[50]}`,
		`{"type":"interval","index":0,"start":"2026-01-01T00:00:00Z","end":"2026-01-01T00:00:01Z","connections":1,"commands":{"GET":{"count":100,"hits":60,"misses":10,"errors":{"connection":30},"bytes_sent":0,"bytes_received":0,"response":null,"service":null}},"shards":{"a:1":{"count":100,"errors":{"connection":30},"response":null}}}`,
		`{"type":"summary","duration_s":1,"connections":1,"target_rate":0,"achieved_rate":100,"late_starts":0,"reconnects":0,"commands":{"GET":{"count":100,"ops_per_sec":100,"hits":60,"misses":10,"errors":{"connection":30},"bytes_sent":0,"bytes_received":0,"response":{"mean_us":0,"max_us":0},"service":{"mean_us":0,"max_us":0}},"ALL":{"count":100,"ops_per_sec":100,"hits":60,"misses":10,"errors":{"connection":30},"bytes_sent":0,"bytes_received":0,"response":{"mean_us":0,"max_us":0},"service":{"mean_us":0,"max_us":0}}}}`,
	}, "\n") + "\n"
	run, err := Read(strings.NewReader(old))
	if err != nil {
		t.Fatal(err)
	}
	if !run.Header.CountExcludesErrors {
		t.Fatal("the header is not marked as normalised")
	}
	if c := run.Intervals[0].Commands["GET"].Count; c != 70 {
		t.Fatalf("interval GET count %d, want 100 - 30 errors", c)
	}
	if c := run.Intervals[0].Shards["a:1"].Count; c != 70 {
		t.Fatalf("shard count %d, want 70", c)
	}
	s := run.Summary
	if all := s.Commands[AllCommands]; all.Count != 70 || all.OpsPerSec != 70 || all.ErrorRate != 0.3 || s.AchievedRate != 70 || s.ErrorsTotal != 30 || s.ErrorRate != 0.3 {
		t.Fatalf("summary ALL %+v, achieved %v, errors %d at %v", all, s.AchievedRate, s.ErrorsTotal, s.ErrorRate)
	}
	// A file of today is read as written.
	var buf bytes.Buffer
	w := NewWriter(&buf)
	h := header()
	if err := w.WriteHeader(h); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteInterval(interval(0, "", 100, 200)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"count_excludes_errors":true`) {
		t.Fatalf("header written without count_excludes_errors: %s", buf.String())
	}
	now, err := Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if c := now.Intervals[0].Commands["GET"].Count; c != 2 {
		t.Fatalf("a current file's count changed to %d", c)
	}
}

// TestSearchNeverMetByTheClient: a search that met no step, some of its
// steps failed where the client was the limit, has no "highest rate met"
// for its lower bound to stand above.
func TestSearchNeverMetByTheClient(t *testing.T) {
	t.Parallel()
	h := &Header{Mode: ModeOpen, Config: json.RawMessage(`{"find_max":true}`)}
	s := summaryOf(1000, nil, 10, 4)
	s.SLO = &SLOResult{Objectives: []string{"p99<1ms"}, Steps: []SLOStep{{Phase: "a", TargetRate: 625, AchievedRate: 625, LateStarts: 30, ClientBound: true}}}
	v := Decide(h, s, nil)
	last := v.Reasons[len(v.Reasons)-1]
	if !v.LowerBound || strings.Contains(last, "highest rate met") || !strings.Contains(last, "no step met the objectives, and steps failed where the client was the limit") {
		t.Errorf("lower bound %v, reasons %q", v.LowerBound, v.Reasons)
	}
}
