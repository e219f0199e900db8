package merge

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/amrbench/amrbench/results"
)

var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func header() *results.Header {
	return &results.Header{RunID: "r1", Start: t0, Host: "h", Segment: "0/1", Mode: "closed", IntervalS: 1, Connections: 4, Pipeline: 1, Percentiles: []float64{50, 99.9, 95}, CountExcludesErrors: true}
}

// splitRun is one machine's run of a split test: n measured intervals of 1 s
// from its measured start (plus warmup intervals before it), with latencies
// drawn from its own seed.
type splitRun struct {
	host, segment string
	measured      time.Time // where interval 0 starts
	warmup, n     int
	seed          uint64
	clock         *results.ClockReading
	startAt       time.Time
	pipeline      int
}

func (s splitRun) build() *results.Run {
	r := rand.New(rand.NewPCG(s.seed, 1))
	h := header()
	h.Host, h.Segment, h.Clock, h.StartAt = s.host, s.segment, s.clock, s.startAt
	h.RunID = "run-" + s.host + "-" + s.segment
	h.Start = s.measured.Add(-time.Duration(s.warmup) * time.Second)
	pipeline := max(s.pipeline, 1)
	h.Config = json.RawMessage(`{"connections":12,"segment":"` + s.segment + `","pipeline":` + string(rune('0'+pipeline)) + `}`)
	run := &results.Run{Header: h, Summary: &results.Summary{}}
	for k := -s.warmup; k < s.n; k++ {
		iv := &results.Interval{
			Type: results.TypeInterval, Index: int64(k), Connections: 4,
			Start:    s.measured.Add(time.Duration(k) * time.Second),
			End:      s.measured.Add(time.Duration(k+1) * time.Second),
			Commands: map[string]*results.CommandStats{},
		}
		if k < 0 {
			iv.Phase = results.PhaseWarmup
		}
		for _, name := range []string{"GET", "SET"} {
			cs := results.NewCommandStats()
			for range 200 + r.IntN(100) {
				v := int64(100 + r.ExpFloat64()*400)
				cs.Count++
				cs.Response.RecordValue(v)
				cs.Service.RecordValue(v)
			}
			iv.Commands[name] = cs
		}
		iv.Shards = map[string]*results.ShardStats{"10.0.0.1:6379": {Count: iv.Commands["GET"].Count, Response: iv.Commands["GET"].Response}}
		run.Intervals = append(run.Intervals, iv)
	}
	run.Events = []*results.Event{{Type: results.TypeEvent, Time: s.measured.Add(time.Second), Kind: results.EventReconnect, Detail: "x"}}
	return run
}

func named(runs ...*results.Run) []results.NamedRun {
	out := make([]results.NamedRun, len(runs))
	for i, r := range runs {
		out[i] = results.NamedRun{Name: r.Header.Host + ".jsonl", Run: r}
	}
	return out
}

// sumOfTotals is what an exact merge must give: the runs' measured totals
// added together.
func sumOfTotals(t *testing.T, runs ...*results.Run) *results.CommandStats {
	t.Helper()
	sum := results.NewCommandStats()
	for _, r := range runs {
		totals, _, err := results.Totals(r.Intervals)
		if err != nil {
			t.Fatal(err)
		}
		if err := sum.Add(totals[results.AllCommands]); err != nil {
			t.Fatal(err)
		}
	}
	return sum
}

func TestMergeAddsHistogramsExactly(t *testing.T) {
	a := splitRun{host: "a", segment: "0/3", measured: t0, warmup: 2, n: 5, seed: 1, startAt: t0}.build()
	b := splitRun{host: "b", segment: "1/3", measured: t0, warmup: 2, n: 5, seed: 2, startAt: t0}.build()
	c := splitRun{host: "c", segment: "2/3", measured: t0, warmup: 2, n: 5, seed: 3, startAt: t0}.build()
	merged, warnings, err := Runs(named(a, b, c))
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
	all := sum.Commands[results.AllCommands]
	if all.Count != want.Count || all.Count == 0 {
		t.Fatalf("merged count %d, runs' counts add up to %d", all.Count, want.Count)
	}
	wantLat := results.LatencyOf(want.Response, percentilesOf(sum.Commands[results.AllCommands].Response))
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

// percentilesOf returns the percentiles l reports.
func percentilesOf(l results.Latency) []float64 {
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
	merged, warnings, err := Runs(named(a, b))
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
		// The last slot lasts until b's last reply, 300 ms after a's.
		length := time.Second
		if i == 3 {
			length = 1300 * time.Millisecond
		}
		if iv.Commands["GET"].Count != want || iv.Duration() != length {
			t.Fatalf("slot %d: GET %d (want %d), %s long (want %s)", i, iv.Commands["GET"].Count, want, iv.Duration(), length)
		}
	}
	// Shifted by 700 ms, b's intervals fall into the next slots.
	c := splitRun{host: "c", segment: "1/2", measured: t0.Add(700 * time.Millisecond), n: 4, seed: 2}.build()
	merged, warnings, err = Runs(named(a, c))
	if err != nil {
		t.Fatal(err)
	}
	if len(merged.Intervals) != 5 || len(warnings) != 1 || !strings.Contains(warnings[0].Text, "began its measured window 0.7 s after") {
		t.Fatalf("700 ms skew: %d intervals, warnings %q", len(merged.Intervals), warnings)
	}
	if !warnings[0].Partial {
		t.Fatal("a 700 ms skew without --start-at leaves the merged run's ends partial, but the warning does not say so")
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
		name    string
		runs    []splitRun
		edit    func([]*results.Run)
		want    string
		partial bool
	}{
		{"missing segment", []splitRun{base("a", "0/3", 1), base("b", "2/3", 2)}, nil, "segment 1/3 is missing", true},
		{"segment twice", []splitRun{base("a", "0/2", 1), base("b", "0/2", 2), base("c", "1/2", 3)}, nil, "both ran segment 0/2", true},
		// Unsplit runs: the duplicate check does not depend on the split.
		{"unsplit run given twice", []splitRun{base("a", "0/1", 1), base("a", "0/1", 1)}, nil,
			"a.jsonl and a.jsonl are the same run (run-a-0/1 on a)", true},
		{"whole test twice", []splitRun{base("a", "0/1", 1), base("b", "0/1", 2)}, nil, "both ran the whole test (segment 0/1)", true},
		{"no segment given twice", []splitRun{base("a", "", 1), base("b", "", 2)}, nil, "both ran the whole test (segment 0/1)", true},
		{"split run given twice", []splitRun{base("a", "0/2", 1), base("b", "1/2", 2), base("a", "0/2", 1)}, nil,
			"a.jsonl and a.jsonl are the same run (run-a-0/2 on a)", true},
		{"different splits", []splitRun{base("a", "0/2", 1), base("b", "1/3", 2)}, nil, "different splits", true},
		{"configurations differ", []splitRun{base("a", "0/2", 1), func() splitRun { s := base("b", "1/2", 2); s.pipeline = 4; return s }()}, nil,
			"config.pipeline is 1 in a.jsonl but 4 in b.jsonl", true},
		{"clocks disagree", []splitRun{
			func() splitRun {
				s := base("a", "0/2", 1)
				s.clock = &results.ClockReading{OffsetMS: 3, UncertaintyMS: 0.5}
				return s
			}(),
			func() splitRun {
				s := base("b", "1/2", 2)
				s.clock = &results.ClockReading{OffsetMS: 213, UncertaintyMS: 0.5}
				return s
			}(),
		}, nil, "disagree by 210 ms", false},
		{"different start times", []splitRun{base("a", "0/2", 1), func() splitRun { s := base("b", "1/2", 2); s.startAt = t0.Add(time.Hour); return s }()}, nil,
			"different start times", true},
		{"late for --start-at", []splitRun{base("a", "0/2", 1), base("b", "1/2", 2)}, func(rs []*results.Run) {
			rs[1].Intervals = rs[1].Intervals[1:] // b opened its connections too slowly
		}, "after --start-at", true},
		{"interval lengths", []splitRun{base("a", "0/2", 1), base("b", "1/2", 2)}, func(rs []*results.Run) { rs[1].Header.IntervalS = 0.5 }, "intervals were put into the slots", false},
		{"killed run", []splitRun{base("a", "0/2", 1), base("b", "1/2", 2)}, func(rs []*results.Run) { rs[1].Summary = nil }, "ends early", true},
		{"intervals lost on the way", []splitRun{base("a", "0/2", 1), func() splitRun { s := base("b", "1/2", 2); s.n = 6; return s }()}, func(rs []*results.Run) {
			rs[0].Intervals = append(rs[0].Intervals, splitRun{host: "a", segment: "0/2", measured: t0, n: 6, seed: 1, startAt: t0}.build().Intervals[2:]...)
			ivs := rs[1].Intervals
			rs[1].Intervals = append(append([]*results.Interval{}, ivs[0]), ivs[4:]...) // 1-3 never reached b's blob
		}, "b.jsonl lacks measured intervals 1-3", true},
		{"stopped early", []splitRun{base("a", "0/2", 1), base("b", "1/2", 2)}, func(rs []*results.Run) {
			rs[1].Intervals = rs[1].Intervals[:1] // b's pod was evicted after its first interval
			rs[1].Events = append(rs[1].Events, &results.Event{Time: t0.Add(1500 * time.Millisecond), Kind: results.EventWarning, Code: results.WarnStoppedEarly, Detail: "SIGTERM 0.5 s into interval 1, before the planned end"})
		}, "b.jsonl ended its measured window 1.0 s before the others (SIGTERM 0.5 s into interval 1, before the planned end)", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var runs []*results.Run
			for _, s := range tt.runs {
				runs = append(runs, s.build())
			}
			if tt.edit != nil {
				tt.edit(runs)
			}
			merged, warnings, err := Runs(named(runs...))
			if err != nil {
				t.Fatal(err)
			}
			var found *Warning
			for i, w := range warnings {
				if strings.Contains(w.Text, tt.want) {
					found = &warnings[i]
				}
			}
			if found == nil {
				t.Fatalf("warnings %q, want one containing %q", warnings, tt.want)
			}
			if found.Partial != tt.partial {
				t.Fatalf("%q: partial %v, want %v", found.Text, found.Partial, tt.partial)
			}
			// The merged run keeps every warning, as an event of its own,
			// coded partial-merge when it makes the merge less than one
			// test.
			var kept []string
			for _, e := range merged.Events {
				if e.Kind == results.EventWarning && e.Source == "merge" {
					kept = append(kept, e.Detail)
					if e.Detail == found.Text && (e.Code == results.WarnPartialMerge) != tt.partial {
						t.Errorf("%q: code %q, partial %v", e.Detail, e.Code, tt.partial)
					}
				}
			}
			if len(kept) != len(warnings) || !slices.Contains(kept, found.Text) {
				t.Fatalf("the merged run keeps %q of the warnings %q", kept, warnings)
			}
		})
	}
	if _, _, err := Runs(nil); err == nil {
		t.Fatal("merging nothing: no error")
	}
}

// TestMergeKeepsAnUnverifiedSegment checks that a merge is unverified when
// any of its segments was: the one machine that skipped verification is
// enough for the merged numbers to be doubted.
func TestMergeKeepsAnUnverifiedSegment(t *testing.T) {
	for _, unverified := range []int{-1, 0, 2} {
		runs := []*results.Run{
			splitRun{host: "a", segment: "0/3", measured: t0, n: 3, seed: 1, startAt: t0}.build(),
			splitRun{host: "b", segment: "1/3", measured: t0, n: 3, seed: 2, startAt: t0}.build(),
			splitRun{host: "c", segment: "2/3", measured: t0, n: 3, seed: 3, startAt: t0}.build(),
		}
		if unverified >= 0 {
			runs[unverified].Header.Target.TLSUnverified = true
		}
		merged, _, err := Runs(named(runs...))
		if err != nil {
			t.Fatal(err)
		}
		if got := merged.Header.Target.TLSUnverified; got != (unverified >= 0) {
			t.Errorf("segment %d unverified: merged tls_unverified %v", unverified, got)
		}
	}
}

func TestMergeEndsWhereTheRunsEnded(t *testing.T) {
	// Each run's last interval ends when its last reply arrived, a few ms
	// after the nominal end; the merged window must too, or its rate reads
	// high.
	runs := []*results.Run{
		splitRun{host: "a", segment: "0/3", measured: t0, n: 3, seed: 1, startAt: t0}.build(),
		splitRun{host: "b", segment: "1/3", measured: t0, n: 3, seed: 2, startAt: t0}.build(),
		splitRun{host: "c", segment: "2/3", measured: t0, n: 3, seed: 3, startAt: t0}.build(),
	}
	for i, r := range runs {
		r.Intervals[len(r.Intervals)-1].End = t0.Add(3*time.Second + time.Duration(3+2*i)*time.Millisecond)
	}
	runs[1].Intervals[0].Start = t0.Add(2 * time.Millisecond) // b's first operation went 2 ms late
	merged, warnings, err := Runs(named(runs...))
	if err != nil || len(warnings) != 0 {
		t.Fatalf("%v %q", err, warnings)
	}
	last := merged.Intervals[len(merged.Intervals)-1]
	if want := t0.Add(3007 * time.Millisecond); !last.End.Equal(want) {
		t.Fatalf("the merged window ends at %s, want %s (the last reply of c)", last.End.Format(time.RFC3339Nano), want.Format(time.RFC3339Nano))
	}
	if !merged.Intervals[0].Start.Equal(t0) || !merged.Intervals[1].Start.Equal(t0.Add(time.Second)) || !merged.Intervals[0].End.Equal(t0.Add(time.Second)) {
		t.Fatalf("merged intervals %s-%s, %s-...", merged.Intervals[0].Start, merged.Intervals[0].End, merged.Intervals[1].Start)
	}
	sum, err := merged.Summarize()
	if err != nil {
		t.Fatal(err)
	}
	if sum.DurationS != 3.007 {
		t.Fatalf("merged duration %g s, want 3.007", sum.DurationS)
	}
	want := float64(sumOfTotals(t, runs...).Count) / 3.007
	if got := sum.Commands[results.AllCommands].OpsPerSec; math.Abs(got-want) > 1e-6*want {
		t.Fatalf("merged rate %g ops/s, want %g", got, want)
	}
}

// reauthStats returns re-AUTH statistics of count re-AUTHs, expired
// connections, errors by class and the given latencies.
func reauthStats(count, expired int64, errs map[results.ErrorClass]int64, latencies ...int64) *results.ReauthStats {
	r := results.NewReauthStats()
	r.Count, r.Expired, r.Errors = count, expired, errs
	for _, v := range latencies {
		r.Latency.RecordValue(v)
	}
	return r
}

// TestMergeAddsReauth: a split test's re-AUTH statistics add up exactly,
// interval by interval.
func TestMergeAddsReauth(t *testing.T) {
	t.Parallel()
	a := splitRun{host: "a", segment: "0/2", measured: t0, n: 3, seed: 1, startAt: t0}.build()
	b := splitRun{host: "b", segment: "1/2", measured: t0, n: 3, seed: 2, startAt: t0}.build()
	for i := range a.Intervals {
		a.Intervals[i].Reauth = reauthStats(2, 1, map[results.ErrorClass]int64{results.ErrAuth: 1}, 100, 300)
		b.Intervals[i].Reauth = reauthStats(3, 0, nil, 200, 200, 900)
	}
	merged, _, err := Runs(named(a, b))
	if err != nil {
		t.Fatal(err)
	}
	for _, iv := range merged.Intervals {
		r := iv.Reauth
		if r == nil || r.Count != 5 || r.Expired != 1 || r.Errors[results.ErrAuth] != 1 || r.Latency.TotalCount() != 5 || r.Latency.Max() != 900 {
			t.Fatalf("merged interval %d: reauth %+v", iv.Index, r)
		}
	}
}

// TestMergeRefusesCountsBeyondInt64: two files, each sound, whose counts
// add up past 2^63-1 are refused with ErrCountOverflow, not merged into a
// total that wrapped round.
func TestMergeRefusesCountsBeyondInt64(t *testing.T) {
	t.Parallel()
	const big = math.MaxInt64/2 + 1 // two of them pass MaxInt64
	file := func(runID, host string) *results.Run {
		get := results.NewCommandStats()
		get.Count = big
		get.Response.RecordValue(100)
		get.Service.RecordValue(100)
		h := header()
		h.RunID, h.Host = runID, host
		return &results.Run{Header: h, Intervals: []*results.Interval{{Type: results.TypeInterval, Start: t0, End: t0.Add(time.Second),
			Commands: map[string]*results.CommandStats{"GET": get}}}}
	}
	if _, _, err := Runs([]results.NamedRun{{Name: "a", Run: file("r1", "h")}, {Name: "b", Run: file("r2", "h2")}}); !errors.Is(err, results.ErrCountOverflow) {
		t.Errorf("merge of two files whose counts pass 2^63-1: %v, want ErrCountOverflow", err)
	}
}
