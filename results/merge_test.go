package results

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// splitRun is one machine's run of a split test: n measured intervals of 1 s
// from its measured start (plus warmup intervals before it), with latencies
// drawn from its own seed.
type splitRun struct {
	host, segment string
	measured      time.Time // where interval 0 starts
	warmup, n     int
	seed          uint64
	clock         *ClockReading
	startAt       time.Time
	pipeline      int
}

func (s splitRun) build() *Run {
	r := rand.New(rand.NewPCG(s.seed, 1))
	h := header()
	h.Host, h.Segment, h.Clock, h.StartAt = s.host, s.segment, s.clock, s.startAt
	h.RunID = "run-" + s.host + "-" + s.segment
	h.Start = s.measured.Add(-time.Duration(s.warmup) * time.Second)
	pipeline := max(s.pipeline, 1)
	h.Config = json.RawMessage(`{"connections":12,"segment":"` + s.segment + `","pipeline":` + string(rune('0'+pipeline)) + `}`)
	run := &Run{Header: h, Summary: &Summary{}}
	for k := -s.warmup; k < s.n; k++ {
		iv := &Interval{
			Type: TypeInterval, Index: int64(k), Connections: 4,
			Start:    s.measured.Add(time.Duration(k) * time.Second),
			End:      s.measured.Add(time.Duration(k+1) * time.Second),
			Commands: map[string]*CommandStats{},
		}
		if k < 0 {
			iv.Phase = PhaseWarmup
		}
		for _, name := range []string{"GET", "SET"} {
			cs := NewCommandStats()
			for range 200 + r.IntN(100) {
				v := int64(100 + r.ExpFloat64()*400)
				cs.Count++
				cs.Response.RecordValue(v)
				cs.Service.RecordValue(v)
			}
			iv.Commands[name] = cs
		}
		iv.Shards = map[string]*ShardStats{"10.0.0.1:6379": {Count: iv.Commands["GET"].Count, Response: iv.Commands["GET"].Response}}
		run.Intervals = append(run.Intervals, iv)
	}
	run.Events = []*Event{{Type: TypeEvent, Time: s.measured.Add(time.Second), Kind: EventReconnect, Detail: "x"}}
	return run
}

func named(runs ...*Run) []NamedRun {
	out := make([]NamedRun, len(runs))
	for i, r := range runs {
		out[i] = NamedRun{Name: r.Header.Host + ".jsonl", Run: r}
	}
	return out
}

// sumOfTotals is what an exact merge must give: the runs' measured totals
// added together.
func sumOfTotals(t *testing.T, runs ...*Run) *CommandStats {
	t.Helper()
	sum := NewCommandStats()
	for _, r := range runs {
		totals, _, err := Totals(r.Intervals)
		if err != nil {
			t.Fatal(err)
		}
		if err := sum.Add(totals[AllCommands]); err != nil {
			t.Fatal(err)
		}
	}
	return sum
}

func TestMergeAddsHistogramsExactly(t *testing.T) {
	a := splitRun{host: "a", segment: "0/3", measured: t0, warmup: 2, n: 5, seed: 1, startAt: t0}.build()
	b := splitRun{host: "b", segment: "1/3", measured: t0, warmup: 2, n: 5, seed: 2, startAt: t0}.build()
	c := splitRun{host: "c", segment: "2/3", measured: t0, warmup: 2, n: 5, seed: 3, startAt: t0}.build()
	merged, warnings, err := Merge(named(a, b, c))
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) > 0 {
		t.Fatalf("warnings for a clean split: %q", warnings)
	}
	if len(merged.Intervals) != 7 {
		t.Fatalf("%d merged intervals, want 7 (2 warmup, 5 measured)", len(merged.Intervals))
	}
	for i, iv := range merged.Intervals {
		want := int64(i - 2)
		if iv.Index != want || iv.Connections != 12 || iv.Measured() != (want >= 0) {
			t.Fatalf("merged interval %d: index %d, connections %d, phase %q", i, iv.Index, iv.Connections, iv.Phase)
		}
		if !iv.Start.Equal(t0.Add(time.Duration(want)*time.Second)) || iv.Duration() != time.Second {
			t.Fatalf("merged interval %d spans %s to %s", i, iv.Start, iv.End)
		}
		if iv.Shards["10.0.0.1:6379"].Count != a.Intervals[i].Shards["10.0.0.1:6379"].Count+b.Intervals[i].Shards["10.0.0.1:6379"].Count+c.Intervals[i].Shards["10.0.0.1:6379"].Count {
			t.Fatalf("merged interval %d: shard counts not summed", i)
		}
	}
	want := sumOfTotals(t, a, b, c)
	sum, err := merged.Summarize()
	if err != nil {
		t.Fatal(err)
	}
	all := sum.Commands[AllCommands]
	if all.Count != want.Count || all.Count == 0 {
		t.Fatalf("merged count %d, runs' counts add up to %d", all.Count, want.Count)
	}
	wantLat := LatencyOf(want.Response, sum.Commands[AllCommands].Response.percentiles())
	for i, p := range all.Response.Percentiles {
		if p.Micros != wantLat.Percentiles[i].Micros {
			t.Fatalf("merged p%g = %d µs, the histogram of all operations says %d µs", p.Percentile, p.Micros, wantLat.Percentiles[i].Micros)
		}
	}
	if all.Response.MaxMicros != want.Response.Max() || sum.DurationS != 5 {
		t.Fatalf("merged max %d (want %d), duration %g s", all.Response.MaxMicros, want.Response.Max(), sum.DurationS)
	}
	h := merged.Header
	if h.Segment != "0/1" || h.Connections != 12 || len(h.Sources) != 3 || h.Host != "a,b,c" {
		t.Fatalf("merged header: segment %q, connections %d, %d sources, host %q", h.Segment, h.Connections, len(h.Sources), h.Host)
	}
	if len(merged.Events) != 3 || merged.Events[1].Source != "b 1/3" {
		t.Fatalf("merged events: %+v", merged.Events)
	}
}

func (l Latency) percentiles() []float64 {
	out := make([]float64, len(l.Percentiles))
	for i, p := range l.Percentiles {
		out[i] = p.Percentile
	}
	return out
}

func TestMergeAlignsByWallClock(t *testing.T) {
	// b started 300 ms after a, with no --start-at: each of its intervals
	// goes to the slot of a's that holds its midpoint.
	a := splitRun{host: "a", segment: "0/2", measured: t0, n: 4, seed: 1}.build()
	b := splitRun{host: "b", segment: "1/2", measured: t0.Add(300 * time.Millisecond), n: 4, seed: 2}.build()
	merged, warnings, err := Merge(named(a, b))
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 0 {
		t.Fatalf("warnings for a 300 ms skew at 1 s intervals: %q", warnings)
	}
	if len(merged.Intervals) != 4 {
		t.Fatalf("%d merged intervals, want 4", len(merged.Intervals))
	}
	for i, iv := range merged.Intervals {
		want := a.Intervals[i].Commands["GET"].Count + b.Intervals[i].Commands["GET"].Count
		if iv.Commands["GET"].Count != want || iv.Duration() != time.Second {
			t.Fatalf("slot %d: GET %d (want %d), %s long", i, iv.Commands["GET"].Count, want, iv.Duration())
		}
	}
	// Shifted by 700 ms, b's intervals fall into the next slots.
	c := splitRun{host: "c", segment: "1/2", measured: t0.Add(700 * time.Millisecond), n: 4, seed: 2}.build()
	merged, warnings, err = Merge(named(a, c))
	if err != nil {
		t.Fatal(err)
	}
	if len(merged.Intervals) != 5 || len(warnings) != 1 || !strings.Contains(warnings[0], "began its measured window 0.7 s after") {
		t.Fatalf("700 ms skew: %d intervals, warnings %q", len(merged.Intervals), warnings)
	}
	if got, want := sumOfTotals(t, merged).Count, sumOfTotals(t, a, c).Count; got != want {
		t.Fatalf("merged %d operations, the runs hold %d", got, want)
	}
}

func TestMergeWarnings(t *testing.T) {
	base := func(host, seg string, seed uint64) splitRun {
		return splitRun{host: host, segment: seg, measured: t0, n: 2, seed: seed, startAt: t0}
	}
	tests := []struct {
		name string
		runs []splitRun
		edit func([]*Run)
		want string
	}{
		{"missing segment", []splitRun{base("a", "0/3", 1), base("b", "2/3", 2)}, nil, "segment 1/3 is missing"},
		{"segment twice", []splitRun{base("a", "0/2", 1), base("b", "0/2", 2), base("c", "1/2", 3)}, nil, "both ran segment 0/2"},
		// Unsplit runs: the duplicate check does not depend on the split.
		{"unsplit run given twice", []splitRun{base("a", "0/1", 1), base("a", "0/1", 1)}, nil,
			"a.jsonl and a.jsonl are the same run (run-a-0/1 on a)"},
		{"whole test twice", []splitRun{base("a", "0/1", 1), base("b", "0/1", 2)}, nil, "both ran the whole test (segment 0/1)"},
		{"no segment given twice", []splitRun{base("a", "", 1), base("b", "", 2)}, nil, "both ran the whole test (segment 0/1)"},
		{"split run given twice", []splitRun{base("a", "0/2", 1), base("b", "1/2", 2), base("a", "0/2", 1)}, nil,
			"a.jsonl and a.jsonl are the same run (run-a-0/2 on a)"},
		{"different splits", []splitRun{base("a", "0/2", 1), base("b", "1/3", 2)}, nil, "different splits"},
		{"configurations differ", []splitRun{base("a", "0/2", 1), func() splitRun { s := base("b", "1/2", 2); s.pipeline = 4; return s }()}, nil,
			"config.pipeline is 1 in a.jsonl but 4 in b.jsonl"},
		{"clocks disagree", []splitRun{
			func() splitRun {
				s := base("a", "0/2", 1)
				s.clock = &ClockReading{OffsetMS: 3, UncertaintyMS: 0.5}
				return s
			}(),
			func() splitRun {
				s := base("b", "1/2", 2)
				s.clock = &ClockReading{OffsetMS: 213, UncertaintyMS: 0.5}
				return s
			}(),
		}, nil, "disagree by 210 ms"},
		{"different start times", []splitRun{base("a", "0/2", 1), func() splitRun { s := base("b", "1/2", 2); s.startAt = t0.Add(time.Hour); return s }()}, nil,
			"different start times"},
		{"late for --start-at", []splitRun{base("a", "0/2", 1), base("b", "1/2", 2)}, func(rs []*Run) {
			rs[1].Intervals = rs[1].Intervals[1:] // b opened its connections too slowly
		}, "after --start-at"},
		{"interval lengths", []splitRun{base("a", "0/2", 1), base("b", "1/2", 2)}, func(rs []*Run) { rs[1].Header.IntervalS = 0.5 }, "intervals were put into the slots"},
		{"killed run", []splitRun{base("a", "0/2", 1), base("b", "1/2", 2)}, func(rs []*Run) { rs[1].Summary = nil }, "ends early"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var runs []*Run
			for _, s := range tt.runs {
				runs = append(runs, s.build())
			}
			if tt.edit != nil {
				tt.edit(runs)
			}
			_, warnings, err := Merge(named(runs...))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(strings.Join(warnings, "\n"), tt.want) {
				t.Fatalf("warnings %q, want one containing %q", warnings, tt.want)
			}
		})
	}
	if _, _, err := Merge(nil); err == nil {
		t.Fatal("merging nothing: no error")
	}
}

// TestMergeKeepsAnUnverifiedSegment checks that a merge is unverified when
// any of its segments was: the one machine that skipped verification is
// enough for the merged numbers to be doubted.
func TestMergeKeepsAnUnverifiedSegment(t *testing.T) {
	for _, unverified := range []int{-1, 0, 2} {
		runs := []*Run{
			splitRun{host: "a", segment: "0/3", measured: t0, n: 3, seed: 1, startAt: t0}.build(),
			splitRun{host: "b", segment: "1/3", measured: t0, n: 3, seed: 2, startAt: t0}.build(),
			splitRun{host: "c", segment: "2/3", measured: t0, n: 3, seed: 3, startAt: t0}.build(),
		}
		if unverified >= 0 {
			runs[unverified].Header.Target.TLSUnverified = true
		}
		merged, _, err := Merge(named(runs...))
		if err != nil {
			t.Fatal(err)
		}
		if got := merged.Header.Target.TLSUnverified; got != (unverified >= 0) {
			t.Errorf("segment %d unverified: merged tls_unverified %v", unverified, got)
		}
	}
}
