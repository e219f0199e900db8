package results

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseObjective(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    Objective
		wantErr string
	}{
		{in: "p99<2ms", want: Objective{Text: "p99<2ms", Latency: LatencyResponse, Percentile: 99, Limit: 2 * time.Millisecond}},
		{in: "p99.9<=10ms", want: Objective{Text: "p99.9<=10ms", Latency: LatencyResponse, Percentile: 99.9, Limit: 10 * time.Millisecond, Inclusive: true}},
		{in: "service:p50<500us", want: Objective{Text: "service:p50<500us", Latency: LatencyService, Percentile: 50, Limit: 500 * time.Microsecond}},
		{in: " P100 < 1s ", want: Objective{Text: "P100 < 1s", Latency: LatencyResponse, Percentile: 100, Limit: time.Second}},
		{in: "p99<250µs", want: Objective{Text: "p99<250µs", Latency: LatencyResponse, Percentile: 99, Limit: 250 * time.Microsecond}},
		{in: "p99>2ms", wantErr: "not pPERCENTILE<LIMIT"},
		{in: "p101<2ms", wantErr: "percentile above 0"},
		{in: "q99<2ms", wantErr: "not a percentile"},
		{in: "p99<2", wantErr: "latency limit with a unit"},
		{in: "wall:p99<2ms", wantErr: "use response or service"},
	}
	for _, tt := range tests {
		got, err := ParseObjective(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseObjective(%q) error %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseObjective(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}

// stepIntervals builds 2 one-second intervals of phase p at target rate
// target, whose operations take the given latencies (µs) each.
func stepIntervals(p string, target float64, latencies []int64, errors int64) []*Interval {
	var out []*Interval
	for i := range 2 {
		cs := NewCommandStats()
		for _, v := range latencies {
			cs.Count++
			cs.Response.RecordValue(v)
			cs.Service.RecordValue(v / 4)
		}
		if errors > 0 {
			cs.Errors = map[ErrorClass]int64{ErrTimeout: errors}
		}
		out = append(out, &Interval{
			Index: int64(i), Phase: p, TargetRate: target,
			Start: t0.Add(time.Duration(i) * time.Second), End: t0.Add(time.Duration(i+1) * time.Second),
			Commands: map[string]*CommandStats{"GET": cs},
		})
	}
	return out
}

// withDrain appends to a step's intervals one more of its phase, with no
// target rate, holding late operations of the given latencies.
func withDrain(ivs []*Interval, late []int64) []*Interval {
	last := ivs[len(ivs)-1]
	cs := NewCommandStats()
	for _, v := range late {
		cs.Count++
		cs.Response.RecordValue(v)
		cs.Service.RecordValue(v / 4)
	}
	return append(ivs, &Interval{
		Index: last.Index + 1, Phase: last.Phase,
		Start: last.End, End: last.End.Add(time.Second),
		Commands: map[string]*CommandStats{"GET": cs},
	})
}

func latencies(n int, v int64, tail int, tailV int64) []int64 {
	out := make([]int64, 0, n)
	for i := range n {
		if i < tail {
			out = append(out, tailV)
		} else {
			out = append(out, v)
		}
	}
	return out
}

func TestEvaluateStep(t *testing.T) {
	t.Parallel()
	p99 := mustObjective(t, "p99<2ms")
	svc := mustObjective(t, "service:p99<1ms")
	tests := []struct {
		name      string
		intervals []*Interval
		want      bool
		measured  int64
	}{
		// 1000 ops/s for 2 s, 5 slow ones per second: p99 is fast.
		{"met", stepIntervals("s", 1000, latencies(1000, 500, 5, 50_000), 0), true, 500},
		// 2 % slow: p99 is the slow value.
		{"p99 too slow", stepIntervals("s", 1000, latencies(1000, 500, 20, 5000), 0), false, 5000},
		// Only 900 of a 1000 ops/s target: the load was not offered.
		{"rate not achieved", stepIntervals("s", 1000, latencies(900, 500, 0, 0), 0), false, 500},
		{"errors", stepIntervals("s", 1000, latencies(1000, 500, 0, 0), 3), false, 500},
		// 950 ops/s offered on time, and the last 100 done late, in an
		// interval after the step (no target): the rate is achieved over
		// the 2 s offered, and the late ones make p99.
		{"late operations count", withDrain(stepIntervals("s", 1000, latencies(950, 500, 0, 0), 0), latencies(100, 40_000, 0, 0)), false, 40_000},
		// A trailing interval with the last few replies adds no time.
		{"trailing replies", withDrain(stepIntervals("s", 1000, latencies(998, 500, 0, 0), 0), latencies(4, 600, 0, 0)), true, 500},
	}
	for _, tt := range tests {
		got, err := EvaluateStep([]Objective{p99, svc}, "s", tt.intervals)
		if err != nil {
			t.Fatal(err)
		}
		if got.Met != tt.want || !equivalent(got.Measured["p99<2ms"], tt.measured) {
			t.Errorf("%s: met %v (want %v), p99 %d µs (want %d), achieved %.0f", tt.name, got.Met, tt.want, got.Measured["p99<2ms"], tt.measured, got.AchievedRate)
		}
	}
}

func equivalent(a, b int64) bool {
	h := NewHDR()
	return h.ValuesAreEquivalent(a, b)
}

func mustObjective(t *testing.T, s string) Objective {
	t.Helper()
	o, err := ParseObjective(s)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestEvaluateStepsFindsHighestMetRate(t *testing.T) {
	t.Parallel()
	o := mustObjective(t, "p99<2ms")
	var ivs []*Interval
	ivs = append(ivs, stepIntervals("step 1", 1000, latencies(1000, 500, 0, 0), 0)...)
	ivs = append(ivs, stepIntervals("step 2", 2000, latencies(2000, 800, 0, 0), 0)...)
	ivs = append(ivs, &Interval{Phase: PhaseIdle, Start: t0, End: t0, Commands: map[string]*CommandStats{}})
	ivs = append(ivs, stepIntervals("step 3", 4000, latencies(4000, 9000, 0, 0), 0)...)
	ivs = append(ivs, stepIntervals("step 4", 3000, latencies(3000, 1500, 0, 0), 0)...)
	res, err := EvaluateSteps([]Objective{o}, ivs)
	if err != nil {
		t.Fatal(err)
	}
	if res.MaxRate != 3000 || len(res.Steps) != 4 || res.Steps[2].Met {
		t.Fatalf("max rate %v from %+v", res.MaxRate, res.Steps)
	}
	// Summarize carries the same verdict when the header lists objectives.
	h := header()
	h.SLO = []string{"p99<2ms"}
	s, err := Summarize(h, ivs)
	if err != nil || s.SLO == nil || s.SLO.MaxRate != 3000 {
		t.Fatalf("summary SLO %+v, %v", s.SLO, err)
	}
}

// TestOneRateLeavesErrorsToTheBudget: a run at one rate whose latency
// meets its objective, with 0.3 % of its operations failed (within the 1 %
// error budget), is ok, not slo-missed; above the budget it is
// error-budget. A step of a staircase still allows no failure.
func TestOneRateLeavesErrorsToTheBudget(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mode   string
		phase  string
		target float64
		errors int64
		met    bool
		status string
	}{
		{"closed loop, errors within the budget", ModeClosed, "", 0, 3, true, StatusOK},
		{"one rate, errors within the budget", ModeOpen, "", 1000, 3, true, StatusOK},
		// Its latency met the objective; its failures fail the budget.
		{"closed loop, errors above the budget", ModeClosed, "", 0, 30, true, StatusErrorBudget},
		{"a step of a staircase, errors", ModeOpen, "step 1", 1000, 3, false, StatusSLOMissed},
	}
	for _, tt := range tests {
		h := header()
		h.Mode, h.SLO = tt.mode, []string{"p99<2ms"}
		s, err := Summarize(h, stepIntervals(tt.phase, tt.target, latencies(1000, 500, 0, 0), tt.errors))
		if err != nil || s.SLO == nil || len(s.SLO.Steps) != 1 {
			t.Fatalf("%s: summary SLO %+v, %v", tt.name, s.SLO, err)
		}
		if s.SLO.Steps[0].Met != tt.met {
			t.Errorf("%s: met %v, want %v", tt.name, s.SLO.Steps[0].Met, tt.met)
		}
		if v := Decide(h, s, nil); v.Status != tt.status {
			t.Errorf("%s: verdict %s %q, want %s", tt.name, v.Status, v.Reasons, tt.status)
		}
	}
}

func TestParseObjectiveQualifiersAndCanonicalForm(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in        string
		want      Objective
		canonical string
	}{
		{"p99<1.5ms", Objective{Latency: LatencyResponse, Percentile: 99, Limit: 1500 * time.Microsecond}, "p99<1.5ms"},
		{"p99.999<=500us", Objective{Latency: LatencyResponse, Percentile: 99.999, Inclusive: true, Limit: 500 * time.Microsecond}, "p99.999<=500us"},
		{"P50 < 500µs", Objective{Latency: LatencyResponse, Percentile: 50, Limit: 500 * time.Microsecond}, "p50<500us"},
		{"p99<1000ms", Objective{Latency: LatencyResponse, Percentile: 99, Limit: time.Second}, "p99<1s"},
		// Qualifiers in either order; the explicit defaults drop out of the canonical form.
		{"get:Service:p90<1ms", Objective{Latency: LatencyService, Command: "GET", Percentile: 90, Limit: time.Millisecond}, "service:GET:p90<1ms"},
		{"SET:p99<2ms", Objective{Latency: LatencyResponse, Command: "SET", Percentile: 99, Limit: 2 * time.Millisecond}, "SET:p99<2ms"},
		{"response:ALL:p99<2ms", Objective{Latency: LatencyResponse, Percentile: 99, Limit: 2 * time.Millisecond}, "p99<2ms"},
	}
	for _, tt := range tests {
		got, err := ParseObjective(tt.in)
		if err != nil {
			t.Errorf("ParseObjective(%q): %v", tt.in, err)
			continue
		}
		tt.want.Text = strings.TrimSpace(tt.in)
		if got != tt.want || got.String() != tt.canonical {
			t.Errorf("ParseObjective(%q) = %+v %q, want %+v %q", tt.in, got, got.String(), tt.want, tt.canonical)
		}
		again, err := ParseObjective(got.String())
		if err != nil || again.String() != got.String() {
			t.Errorf("canonical form %q does not read back: %+v, %v", got.String(), again, err)
		}
	}
}

func TestParseObjectiveErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, wantErr string }{
		{"", "not pPERCENTILE<LIMIT"},
		{"p99", "not pPERCENTILE<LIMIT"},
		{"p99>2ms", "an upper bound, use < or <="},
		{"p0<2ms", "not a percentile above 0"},
		{"p99<-2ms", "not a latency limit with a unit"},
		{"p99<2 parsecs", "not a latency limit with a unit"},
		{"p99<100ns", "1 µs resolution"},
		{"service:service:p99<2ms", "the latency kind is given twice"},
		{"GET:SET:p99<2ms", "the command is given twice"},
		{"DEL:p99<2ms", "use response or service, or a command: GET, SET or ALL"},
	}
	for _, tt := range tests {
		_, err := ParseObjective(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("ParseObjective(%q) error = %v, want it to contain %q", tt.in, err, tt.wantErr)
		}
	}
}

func TestParseObjectivesLists(t *testing.T) {
	t.Parallel()
	got, err := ParseObjectives([]string{"p99<2ms, p99.9<10ms", "service:p99<1ms"})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, o := range got {
		names = append(names, o.String())
	}
	if strings.Join(names, " ") != "p99<2ms p99.9<10ms service:p99<1ms" {
		t.Fatalf("got %v", names)
	}
	_, err = ParseObjectives([]string{"p99<2ms,,p90<1ms", "x"})
	if err == nil || !strings.Contains(err.Error(), "an empty objective") || !strings.Contains(err.Error(), `"x" is not pPERCENTILE<LIMIT`) {
		t.Errorf("errors: %v", err)
	}
}

func TestObjectiveMetBy(t *testing.T) {
	t.Parallel()
	strict := mustObjective(t, "p99<2ms")
	inclusive := mustObjective(t, "p99<=2ms")
	fractional := mustObjective(t, "p99<1.5us")
	tests := []struct {
		o    Objective
		us   int64
		want bool
	}{
		{strict, 1999, true},
		{strict, 2000, false},
		{inclusive, 2000, true},
		{inclusive, 2001, false},
		{fractional, 1, true},
		{fractional, 2, false},
	}
	for _, tt := range tests {
		if got := tt.o.MetBy(tt.us); got != tt.want {
			t.Errorf("%s MetBy(%d) = %v, want %v", tt.o, tt.us, got, tt.want)
		}
	}
}

func TestObjectiveMeasureTotals(t *testing.T) {
	t.Parallel()
	// 100 GETs of 1..100 ms response time (service half of that); SETs are
	// the odd-numbered ones: 1, 3, ..., 99 ms.
	var lat []int64
	for i := int64(1); i <= 100; i++ {
		lat = append(lat, i*1000)
	}
	totals, _, err := Totals([]*Interval{interval(0, "", lat...)})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		obj  string
		want int64 // µs
	}{
		{"p50<1s", 50000},
		{"GET:p99<1s", 99000},
		{"service:GET:p99<1s", 49500},
		{"SET:p100<1s", 99000},
	}
	for _, tt := range tests {
		got, err := mustObjective(t, tt.obj).MeasureTotals(totals)
		if err != nil || !equivalent(got, tt.want) {
			t.Errorf("%s measured %d µs, %v; want %d", tt.obj, got, err, tt.want)
		}
	}
	empty := map[string]*CommandStats{AllCommands: NewCommandStats()}
	if _, err := mustObjective(t, "GET:p99<1ms").MeasureTotals(empty); !errors.Is(err, ErrNotMeasured) {
		t.Errorf("a command without operations: err = %v, want ErrNotMeasured", err)
	}
}

// TestEvaluateStepPerCommand judges one command's latency apart from the
// others'.
func TestEvaluateStepPerCommand(t *testing.T) {
	t.Parallel()
	ivs := stepIntervals("s", 1000, latencies(1000, 500, 0, 0), 0)
	for _, iv := range ivs {
		set := NewCommandStats()
		for range 100 {
			set.Count++
			set.Response.RecordValue(9000)
		}
		iv.Commands["SET"] = set
		iv.TargetRate = 1100
	}
	get, setObj := mustObjective(t, "GET:p99<2ms"), mustObjective(t, "SET:p99<2ms")
	for _, tt := range []struct {
		o    Objective
		want bool
	}{{get, true}, {setObj, false}} {
		step, err := EvaluateStep([]Objective{tt.o}, "s", ivs)
		if err != nil {
			t.Fatal(err)
		}
		if step.Met != tt.want {
			t.Errorf("%s: met %v, want %v (measured %v)", tt.o, step.Met, tt.want, step.Measured)
		}
	}
}
