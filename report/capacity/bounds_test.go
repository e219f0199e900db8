package capacity

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/amrbench/amrbench/internal/units"
	"github.com/amrbench/amrbench/results"
)

// The tests of lower bounds: a figure the client or the load model limited
// is never taken for a size's capacity.

// TestPlanClientBoundIsALowerBound plans 25,000 ops/s at p99<2ms from one
// closed-loop run on B20 whose client used up its one CPU at 21,618 ops/s.
// The plan must not call B20 too small: it answers "≥ 21,618, run
// --find-max", and the size it finds enough (B50) leaves B20 and the sizes
// below it open.
func TestPlanClientBoundIsALowerBound(t *testing.T) {
	t.Parallel()
	p := mustPlan(t, planInput(t, 25000, "p99<2ms", 0, 0), loadRuns(t, "b20-client-bound.jsonl"))
	r := runOf(t, p, "b20-client-bound.jsonl")
	if r.Evidence != EvidenceLowerBound || r.LowerBound != "client-bound" || r.Rate != 21618 || !strings.Contains(r.How, "CPU 97 % of its budget of 1 CPU") {
		t.Fatalf("run read as %s %v (%q): %s", r.Evidence, r.Rate, r.LowerBound, r.How)
	}
	bal := tierPlan(t, p, "Balanced")
	b20 := candidate(t, bal, "B20")
	if b20.Meets || !b20.Undecided || b20.Capacity != 21618 {
		t.Fatalf("B20: %+v", b20)
	}
	if !strings.Contains(bal.Verdict, "B20 ≥ 21,618 ops/s (measured) is a lower bound (client-bound) below the 31,250 ops/s needed") ||
		!strings.Contains(bal.Verdict, "run --find-max on B20 (amrbench run --sku B20 ... --slo 'p99<2ms' --find-max)") || !slices.Contains(bal.NotRuledOut, "B20") {
		t.Fatalf("Balanced verdict %q (not ruled out %v)", bal.Verdict, bal.NotRuledOut)
	}
	var text bytes.Buffer
	if err := p.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	out := text.String()
	for _, want := range []string{
		"≥ 21,618 (client-bound)",
		"≥ 21,618 measured ? (a lower bound: client-bound; run --find-max)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "B20 ") && strings.Contains(line, "✗") {
			t.Errorf("B20 is marked too small from a lower bound: %q", line)
		}
	}
	var js bytes.Buffer
	if err := p.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(js.String(), `"sku": "B20",`) || !strings.Contains(js.String(), `"undecided": true`) || !strings.Contains(js.String(), `"not_ruled_out": [`) {
		t.Errorf("the JSON plan does not say B20 is undecided:\n%s", js.String())
	}
	if !strings.Contains(p.Answer, "not ruled out") {
		t.Errorf("answer %q does not say the smaller sizes are open", p.Answer)
	}
}

// TestPlanLowerBounds reads each kind of run that gives a lower bound, and
// the one kind of closed loop that gives a capacity.
func TestPlanLowerBounds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file     string
		evidence Evidence
		bound    string
		rate     float64
		how      string // what the reading must say, when set
	}{
		{"m10-closed.jsonl", EvidenceLowerBound, "closed loop", 150000, ""},
		{"b20-client-bound.jsonl", EvidenceLowerBound, "client-bound", 21618, "the client was the limit (CPU 97 % of its budget of 1 CPU (--cpus 1))"},
		// The engine's verdict: the server was the limit, so the closed
		// loop's rate is B20's capacity at the objectives.
		{"b20-saturated.jsonl", EvidenceSaturated, "", 300000, "server-bound at 300,000 ops/s (shard 10.0.0.4:8500: CPU at 96 % of a core in 1 of 1 intervals)"},
		// A file without a verdict whose server records say the primary's
		// main thread was at 97 % of a core in every interval: the verdict
		// decided from them makes the closed loop B20's capacity.
		{"b20-server-bound.jsonl", EvidenceSaturated, "", 280000, "server-bound at 280,000 ops/s (shard 10.0.0.4:8500: CPU at 97 % of a core in 2 of 2 intervals)"},
		// A search the client limited: its highest rate is a lower bound.
		{"b10-search-client.jsonl", EvidenceLowerBound, "client-bound", 300000, "the client was the limit (4 % of operations started late)"},
		// A closed loop judged against the objectives as a whole is one
		// rate, not a search that never met them.
		{"b10-closed-slo.jsonl", EvidenceLowerBound, "closed loop", 90000, ""},
		{"b10-search.jsonl", EvidenceSearched, "", 400000, ""},
	}
	for _, tt := range tests {
		p := mustPlan(t, planInput(t, 1e6, "p99<2ms", 0, 0), loadRuns(t, tt.file))
		r := runOf(t, p, tt.file)
		if !strings.Contains(r.How, tt.how) {
			t.Errorf("%s: read %q, want it to say %q", tt.file, r.How, tt.how)
		}
		if r.Evidence != tt.evidence || r.LowerBound != tt.bound || r.Rate != tt.rate {
			t.Errorf("%s: %s %v (%q), want %s %v (%q): %s", tt.file, r.Evidence, r.Rate, r.LowerBound, tt.evidence, tt.rate, tt.bound, r.How)
		}
	}
	// A --find-max search whose verdict says the steps above its answer
	// failed where the client was the limit (the run as a whole was not
	// client-bound): its answer is a lower bound.
	runs := loadRuns(t, "b10-search.jsonl")
	runs[0].Run.Header.Config = json.RawMessage(`{"find_max":true}`)
	runs[0].Run.Summary.Verdict = &results.Verdict{Status: results.StatusOK, MaxErrorRate: 0.01, LowerBound: true}
	if r := runOf(t, mustPlan(t, planInput(t, 1e6, "p99<2ms", 0, 0), runs), "b10-search.jsonl"); r.Evidence != EvidenceLowerBound || r.LowerBound != "client-bound" || r.Rate != 400000 ||
		!strings.Contains(r.How, "its verdict says the steps above it failed where the client was the limit") {
		t.Errorf("a find-max whose failing steps were the client's: %s %v (%q): %s", r.Evidence, r.Rate, r.LowerBound, r.How)
	}
	// A capacity rules smaller figures out: B20 saturated at 300,000 is too
	// small for 375,000 and B10, extrapolated from it, too.
	p := mustPlan(t, planInput(t, 300000, "p99<2ms", 0, 0), loadRuns(t, "b20-saturated.jsonl"))
	bal := tierPlan(t, p, "Balanced")
	if b20 := candidate(t, bal, "B20"); b20.Undecided || b20.Meets || len(bal.NotRuledOut) != 0 || bal.Recommended != "B50" {
		t.Errorf("from a capacity: B20 %+v, not ruled out %v, recommended %s", b20, bal.NotRuledOut, bal.Recommended)
	}
	// Nothing known to be enough: every figure a lower bound short of the
	// need, so no size is recommended and the verdict says how to know.
	p = mustPlan(t, planInput(t, 20e6, "p99<2ms", 0, 0), loadRuns(t, "b20-client-bound.jsonl"))
	bal = tierPlan(t, p, "Balanced")
	if bal.Recommended != "" || !strings.HasPrefix(bal.Verdict, "no Balanced size is known to reach 25,000,000 ops/s at p99<2ms: B0 to B1000 are not ruled out") {
		t.Errorf("lower bounds only: recommended %q, verdict %q", bal.Recommended, bal.Verdict)
	}
}

// TestPlanErrorBudgetRunIsNotACapacity reads a closed loop the server
// limited whose own verdict is error-budget: its connections were down for
// a quarter of the run (a server restarted), with too few failed
// operations for the plan's error share to notice. Its throughput, outage
// included, is not B20's capacity: the plan must not rule B20 out from it.
func TestPlanErrorBudgetRunIsNotACapacity(t *testing.T) {
	t.Parallel()
	runs := loadRuns(t, "b20-saturated.jsonl")
	v := *runs[0].Run.Summary.Verdict
	v.Status, v.ExitCode, v.UnavailableShare = results.StatusErrorBudget, 98, 0.243
	v.Reasons = []string{"the connections spent 24.3 % of the measured time unable to send (reconnecting), above --max-error-rate 1.00 %"}
	runs[0].Run.Summary.Verdict = &v
	p := mustPlan(t, planInput(t, 300000, "p99<2ms", 0, 0), runs)
	r := runOf(t, p, "b20-saturated.jsonl")
	if r.Evidence != EvidenceMissed || r.Rate != 0 || !strings.Contains(r.How, "its verdict is error-budget (the connections spent 24.3 %") {
		t.Fatalf("run read as %s %v: %s", r.Evidence, r.Rate, r.How)
	}
	bal := tierPlan(t, p, "Balanced")
	for _, c := range bal.Candidates {
		if c.Capacity > 0 {
			t.Errorf("%s sized from a run that failed its error budget: %+v", c.SKU, c)
		}
	}
	if bal.Recommended != "" {
		t.Errorf("Balanced recommends %s from a run that failed its error budget: %s", bal.Recommended, bal.Verdict)
	}
}

// TestPlanNeverMetByTheClient reads X3's search that never met p99<2ms
// with the client the limit in its lowest step: the search measured the
// client there, so it must not rule X3 (and its tier) out as never meeting
// the objective — judged by the run's own steps or again by the plan's.
func TestPlanNeverMetByTheClient(t *testing.T) {
	t.Parallel()
	for _, slo := range []string{"p99<2ms", "p99<2.4ms"} {
		runs := loadRuns(t, "x3-never.jsonl")
		runs[0].Run.Summary.SLO.Steps[0].ClientBound = true
		runs[0].Run.Intervals[0].Client = &results.ClientStats{Bound: true, CPUPct: 99, CPUBudget: 1}
		p := mustPlan(t, planInput(t, 100000, slo, 0, 0), runs)
		r := runOf(t, p, "x3-never.jsonl")
		if r.Evidence != EvidenceUnusable || !strings.Contains(r.How, "but the client was the limit in that step (50,000 ops/s)") {
			t.Errorf("%s: run read as %s: %s", slo, r.Evidence, r.How)
		}
		if v := tierPlan(t, p, "Compute Optimized").Verdict; strings.Contains(v, "never met") {
			t.Errorf("%s: the tier is ruled out by a search the client limited: %s", slo, v)
		}
	}
}

// TestPlanSearchStoppedEarlyIsALowerBound reads B10's search for p99<2ms
// stopped by SIGTERM after its 400,000 ops/s step: its summary is written
// (a stopped-early warning), but the search did not finish, so its highest
// rate is at least B10's capacity, not the capacity.
func TestPlanSearchStoppedEarlyIsALowerBound(t *testing.T) {
	t.Parallel()
	runs := loadRuns(t, "b10-search.jsonl")
	sum := runs[0].Run.Summary
	sum.Warnings = append(sum.Warnings, results.Warning{Code: results.WarnStoppedEarly, Detail: "SIGTERM at 2026-11-01T12:00:04Z, before the planned end"})
	sum.Verdict = &results.Verdict{Status: results.StatusStoppedEarly, ExitCode: 143, MaxErrorRate: 0.01}
	r := runOf(t, mustPlan(t, planInput(t, 1e6, "p99<2ms", 0, 0), runs), "b10-search.jsonl")
	if r.Evidence != EvidenceLowerBound || r.LowerBound != "cut short" || r.Rate != 400000 {
		t.Fatalf("run read as %s %v (%q): %s", r.Evidence, r.Rate, r.LowerBound, r.How)
	}
}

// TestPlanSearchAboveItsErrorBudget reads B10's search for p99<2ms whose
// verdict is error-budget (its server restarted mid-search): the steps that
// met had no failures, but those above may have failed for their failures,
// not their latency, so its highest rate is at least the capacity; a search
// that met nothing then tells nothing.
func TestPlanSearchAboveItsErrorBudget(t *testing.T) {
	t.Parallel()
	budget := &results.Verdict{Status: results.StatusErrorBudget, ExitCode: 98, MaxErrorRate: 0.01,
		Reasons: []string{"14.7 % of the operations failed (connection 5,322), above --max-error-rate 1.00 %"}}
	runs := loadRuns(t, "b10-search.jsonl")
	runs[0].Run.Summary.Verdict = budget
	r := runOf(t, mustPlan(t, planInput(t, 1e6, "p99<2ms", 0, 0), runs), "b10-search.jsonl")
	if r.Evidence != EvidenceLowerBound || r.LowerBound != "error budget" || r.Rate != 400000 || !strings.Contains(r.How, "its verdict is error-budget (14.7 %") {
		t.Errorf("a search above its error budget read as %s %v (%q): %s", r.Evidence, r.Rate, r.LowerBound, r.How)
	}
	runs = loadRuns(t, "x3-never.jsonl")
	runs[0].Run.Summary.Verdict = budget
	r = runOf(t, mustPlan(t, planInput(t, 1e5, "p99<2ms", 0, 0), runs), "x3-never.jsonl")
	if r.Evidence != EvidenceUnusable || !strings.Contains(r.How, "its steps may have failed for their failed operations") {
		t.Errorf("a search that met nothing, above its error budget, read as %s: %s", r.Evidence, r.How)
	}
}

// TestPlanErrorShare checks that a run's failed operations are judged
// against the operations issued (successes and failures), and that the
// share is said beside the latencies.
func TestPlanErrorShare(t *testing.T) {
	t.Parallel()
	const failed = 1510 // 150,000 succeeded: 0.997 % of those issued, 1.007 % of the successes
	share := units.FormatPercent(float64(failed) / (150000 + failed))
	for _, tt := range []struct {
		maxErrorRate float64
		evidence     Evidence
		says         string
	}{
		{0.01, EvidenceLowerBound, share + " of operations failed)"},
		{0.005, EvidenceMissed, share + " of operations failed, above the " + units.FormatPercent(0.005) + " allowed"},
	} {
		runs := loadRuns(t, "m10-closed.jsonl")
		runs[0].Run.Intervals[0].Commands["GET"].Errors = map[results.ErrorClass]int64{results.ErrTimeout: failed}
		in := planInput(t, 1e6, "p99<2ms", 0, 0)
		in.MaxErrorRate = tt.maxErrorRate
		r := runOf(t, mustPlan(t, in, runs), "m10-closed.jsonl")
		if r.Evidence != tt.evidence || !strings.Contains(r.How, tt.says) {
			t.Errorf("--max-error-rate %v: %s, %q; want %s, saying %q", tt.maxErrorRate, r.Evidence, r.How, tt.evidence, tt.says)
		}
	}
}

// TestPlanDataAsKeys checks that the data given as keys takes the
// per-key overhead, and that the text prints the arithmetic.
func TestPlanDataAsKeys(t *testing.T) {
	t.Parallel()
	in := planInput(t, 100000, "p99<2ms", 0, 0)
	in.Keys, in.ValueBytes, in.PerKeyOverheadBytes = 10e6, 1024, DefaultPerKeyOverheadBytes
	p := mustPlan(t, in, loadRuns(t, "b10-search.jsonl"))
	if p.Input.DatasetBytes != 10e6*1324 {
		t.Fatalf("dataset %v B, want 10,000,000 × (1,024 + 300)", p.Input.DatasetBytes)
	}
	// B10 holds 9.6 GB × 75 % = 7.2 GB: too small for 13.24 GB; B20 holds 14.4 GB.
	if bal := tierPlan(t, p, "Balanced"); bal.Recommended != "B20" || !strings.HasPrefix(bal.TooSmall, "B0 to B10 do not hold 13.2 GB") {
		t.Fatalf("Balanced: %s, too small %q", bal.Recommended, bal.TooSmall)
	}
	var text bytes.Buffer
	if err := p.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if want := "Data: 10,000,000 keys × (1,024 B value + 300 B per key, Microsoft's prefill rule) = 13.2 GB\n"; !strings.Contains(text.String(), want) {
		t.Fatalf("text lacks %q:\n%s", want, text.String())
	}
	in.PerKeyOverheadBytes = 100
	p = mustPlan(t, in, loadRuns(t, "b10-search.jsonl"))
	text.Reset()
	if err := p.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if want := "(1,024 B value + 100 B per key, as given) = 11.2 GB"; !strings.Contains(text.String(), want) {
		t.Fatalf("text lacks %q:\n%s", want, text.String())
	}
}
