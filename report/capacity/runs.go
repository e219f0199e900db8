package capacity

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"sort"
	"strings"

	"github.com/amrbench/amrbench/internal/units"
	"github.com/amrbench/amrbench/report/catalog"
	"github.com/amrbench/amrbench/results"
)

// This file reads runs: what each tells about the rate that meets the
// plan's objectives, and what makes runs hard to compare.

// readRun finds what one run tells about the rate that meets the objectives.
func (p *Plan) readRun(c *catalog.Catalog, nr results.NamedRun) *MeasuredRun {
	h := nr.Run.Header
	pr := &MeasuredRun{Name: nr.Name, workload: workloadShape(h), keySpace: h.KeySpace}
	if host, _, err := net.SplitHostPort(h.Target.Endpoint); err == nil {
		pr.localhost = units.IsLoopback(host) || h.Target.Embedded != ""
	}
	if h.Target.SKU == "" {
		pr.Evidence, pr.How = EvidenceUnusable, "no SKU: run it with --sku so the plan knows what it measured"
		return pr
	}
	sku, err := c.Lookup(h.Target.SKU)
	if err != nil {
		pr.SKU, pr.Evidence, pr.How = h.Target.SKU, EvidenceUnusable, err.Error()
		return pr
	}
	pr.sku, pr.SKU, pr.Tier = sku, sku.Name, sku.Tier
	pr.VCPUs, pr.Shards = sku.VCPUs.Value, sku.PrimaryShards.Value
	sum := nr.Run.Summary
	cut := sum == nil || stoppedEarly(sum)
	if sum == nil {
		s, err := nr.Run.Summarize() // judges the steps it has, when the header lists objectives
		if err != nil {
			pr.Evidence, pr.How = EvidenceUnusable, err.Error()
			return pr
		}
		sum = s
	}
	clientBound, why := results.RunClientBound(nr.Run)
	verdict := results.RunVerdict(nr.Run)
	if results.Searched(sum.SLO) || stepped(nr.Run.Intervals) {
		if err := p.readSteps(nr.Run, sum.SLO, pr); err != nil {
			pr.Evidence, pr.How = EvidenceUnusable, err.Error()
			return pr
		}
		switch {
		case pr.Rate > 0 && clientBound:
			pr.Evidence, pr.LowerBound = EvidenceLowerBound, boundClient
			pr.How += "; but the client was the limit (" + clientReason(why) + "), not the cache, which may do more: search again from a larger client or with more --cpus"
		case pr.Rate > 0 && h.FindMax() && verdict != nil && verdict.LowerBound:
			pr.Evidence, pr.LowerBound = EvidenceLowerBound, boundClient
			pr.How += "; but its verdict says the steps above it failed where the client was the limit, not the cache, which may do more: search again from a larger client or with more --cpus"
		case pr.Rate > 0 && cut:
			pr.Evidence, pr.LowerBound = EvidenceLowerBound, boundCut
			pr.How += "; the run was cut short, so its search may not have reached the highest rate: at least that"
		case pr.Rate > 0 && failedBudget(verdict) != "":
			pr.Evidence, pr.LowerBound = EvidenceLowerBound, boundFailures
			pr.How += "; but its verdict is error-budget (" + failedBudget(verdict) + "): the steps above it may have failed for their failed operations, not their latency: at least that"
		case pr.Evidence == EvidenceNeverMet && failedBudget(verdict) != "":
			pr.Evidence = EvidenceUnusable
			pr.How += "; but its verdict is error-budget (" + failedBudget(verdict) + "): its steps may have failed for their failed operations, not their latency"
		}
	} else {
		p.readSingleRate(nr.Run, sum, verdict, pr, clientBound, why)
	}
	if pr.Rate > 0 {
		if pr.VCPUs > 0 {
			pr.PerVCPU = pr.Rate / pr.VCPUs
		}
		if pr.Shards > 0 {
			pr.PerShard = pr.Rate / pr.Shards
		}
	}
	return pr
}

// serverSetPace reports whether a run's verdict (results.RunVerdict: its
// summary's, or decided from its server records in files without one) says
// a server's CPU or its one thread running commands set the pace, so that
// its throughput is not a lower bound of the capacity. A server whose
// memory was full is not saturated with operations.
func serverSetPace(v *results.Verdict) bool {
	return v != nil && !v.LowerBound && (v.ServerBound == nil || v.ServerBound.Reason != "memory")
}

// stoppedEarly reports whether a signal stopped the run before its planned
// end (its summary's stopped-early warning): a search it cut short may not
// have reached its highest rate.
func stoppedEarly(s *results.Summary) bool {
	for _, w := range s.Warnings {
		if w.Code == results.WarnStoppedEarly {
			return true
		}
	}
	return false
}

// failedBudget returns why a run's verdict is error-budget, "" when it is
// not: more of its operations failed (or its connections were down for
// more of the time) than its --max-error-rate allowed.
func failedBudget(v *results.Verdict) string {
	switch {
	case v == nil || v.Status != results.StatusErrorBudget:
		return ""
	case len(v.Reasons) > 0:
		return v.Reasons[0]
	}
	return "more operations failed than its --max-error-rate allowed"
}

// describeServerBound says which server set the pace, as the verdict names
// it.
func describeServerBound(v *results.Verdict) string {
	if v == nil || v.ServerBound == nil {
		return "its throughput is not a lower bound"
	}
	return v.ServerBound.String()
}

// clientReason is why the client was the limit, as the run's summary says.
func clientReason(why string) string {
	if why == "" {
		return "its summary says so"
	}
	return why
}

// stepped reports whether the measured intervals belong to steps of a
// staircase of rates.
func stepped(ivs []*results.Interval) bool {
	for _, iv := range ivs {
		if iv.Measured() && iv.Phase != "" {
			return true
		}
	}
	return false
}

// readSteps reads a staircase of rates: the run's own verdict when it
// judged its steps by the plan's objectives, or else every step judged
// again from its own intervals by the plan's objectives, with the rules
// run --find-max uses (results.EvaluateSteps).
func (p *Plan) readSteps(run *results.Run, slo *results.SLOResult, pr *MeasuredRun) error {
	if slo != nil && sameObjectives(slo.Objectives, p.Objectives) {
		pr.Rate = slo.MaxRate
		if pr.Rate > 0 {
			pr.Evidence = EvidenceSearched
			pr.How = fmt.Sprintf("its own search for %s: summary.slo.max_rate", p.objectivesText())
			return nil
		}
		pr.Evidence = EvidenceNeverMet
		pr.How = fmt.Sprintf("its own search: no step met %s%s", p.objectivesText(), lowestStep(slo.Steps))
		p.neverMetByClient(slo.Steps, pr)
		return nil
	}
	again, err := results.EvaluateSteps(p.Input.Objectives, run.Intervals)
	if err != nil {
		return err
	}
	if len(again.Steps) == 0 {
		return errors.New("its staircase has no measured steps")
	}
	searched := "a staircase without objectives"
	if slo != nil && len(slo.Objectives) > 0 {
		searched = "it searched for " + strings.Join(slo.Objectives, ", ")
	}
	pr.Rate = again.MaxRate
	if pr.Rate > 0 {
		pr.Evidence = EvidenceRecomputed
		pr.How = fmt.Sprintf("its %d steps judged again for %s as run --find-max judges them (%s)", len(again.Steps), p.objectivesText(), searched)
		return nil
	}
	pr.Evidence = EvidenceNeverMet
	pr.How = fmt.Sprintf("none of its %d steps met %s (%s)%s", len(again.Steps), p.objectivesText(), searched, lowestStep(again.Steps))
	p.neverMetByClient(again.Steps, pr)
	return nil
}

// neverMetByClient makes a search that met nothing unusable when the
// client was the limit in its lowest step: there it measured the client,
// not the cache, so the search says nothing about what the size can meet.
func (p *Plan) neverMetByClient(steps []results.SLOStep, pr *MeasuredRun) {
	low := lowest(steps)
	if low == nil || !low.ClientBound {
		return
	}
	pr.Evidence = EvidenceUnusable
	pr.How += fmt.Sprintf("; but the client was the limit in that step (%s ops/s), so the search measured the client, not the cache, and says nothing about what %s can meet: search again from a larger client or with more --cpus",
		units.FormatWhole(low.TargetRate), pr.SKU)
}

// lowest returns the step of the lowest target rate, nil for none.
func lowest(steps []results.SLOStep) *results.SLOStep {
	var low *results.SLOStep
	for i := range steps {
		if low == nil || steps[i].TargetRate < low.TargetRate {
			low = &steps[i]
		}
	}
	return low
}

// sameObjectives reports whether the run's objectives (as given) mean the
// same as the plan's (canonical).
func sameObjectives(run, plan []string) bool {
	var a []string
	for _, text := range run {
		o, err := results.ParseObjective(text)
		if err != nil {
			return false
		}
		a = append(a, o.String())
	}
	b := append([]string(nil), plan...)
	sort.Strings(a)
	sort.Strings(b)
	return strings.Join(a, ",") == strings.Join(b, ",")
}

// lowestStep describes the lowest step of a search, for "never met".
func lowestStep(steps []results.SLOStep) string {
	low := lowest(steps)
	if low == nil {
		return ""
	}
	var parts []string
	for k, v := range low.Measured {
		parts = append(parts, fmt.Sprintf("%s: %s ms", k, units.FormatMillis(float64(v))))
	}
	sort.Strings(parts)
	text := fmt.Sprintf("; the lowest step, %s ops/s", units.FormatWhole(low.TargetRate))
	if low.Errors > 0 {
		text += fmt.Sprintf(", had %s failed operations", units.FormatWhole(float64(low.Errors)))
	}
	if len(parts) > 0 {
		text += ", measured " + strings.Join(parts, ", ")
	}
	return text
}

// Why a run's rate is only a lower bound of the capacity.
const (
	boundClosedLoop = "closed loop"
	boundClient     = "client-bound"
	boundOneRate    = "one rate"
	boundCut        = "cut short"
	boundFailures   = "error budget"
)

// readSingleRate reads a run at one rate (closed loop, or open loop without
// a search). Its rate, when it met the objectives, is a lower bound of the
// capacity: a closed loop offers what its connections can, an open loop
// the rate it was given, and a client that was the limit shows its own.
// Only a closed loop whose verdict says its throughput is not a lower bound
// (a server set the pace) gives the capacity itself.
func (p *Plan) readSingleRate(run *results.Run, sum *results.Summary, verdict *results.Verdict, pr *MeasuredRun, clientBound bool, why string) {
	totals, _, err := results.Totals(run.Intervals)
	if err != nil {
		pr.Evidence, pr.How = EvidenceUnusable, err.Error()
		return
	}
	rate := sum.AchievedRate
	if why := failedBudget(verdict); why != "" {
		pr.Evidence = EvidenceMissed
		pr.How = fmt.Sprintf("its verdict is error-budget (%s): the %s ops/s and the latency of a failing run are not evidence of what the cache can do; run it again without the failures",
			why, units.FormatWhole(rate))
		return
	}
	ok, text := p.judge(totals)
	if ok && rate > 0 {
		pr.Rate = rate
		switch {
		case clientBound:
			pr.Evidence, pr.LowerBound = EvidenceLowerBound, boundClient
			pr.How = fmt.Sprintf("met %s (%s) at the %s ops/s it achieved, but the client was the limit (%s): a lower bound of the cache's capacity; run --find-max from a larger client for the capacity",
				p.objectivesText(), text, units.FormatWhole(rate), clientReason(why))
		case run.Header.Mode != results.ModeOpen && serverSetPace(verdict):
			pr.Evidence = EvidenceSaturated
			pr.How = fmt.Sprintf("met %s (%s) at the %s ops/s it achieved, and its verdict says the server set the pace (%s): the capacity at the objectives",
				p.objectivesText(), text, units.FormatWhole(rate), describeServerBound(verdict))
		case run.Header.Mode != results.ModeOpen:
			pr.Evidence, pr.LowerBound = EvidenceLowerBound, boundClosedLoop
			pr.How = fmt.Sprintf("met %s (%s) at the %s ops/s it achieved in a closed loop, which offers what its connections can, not what the cache can take: a lower bound; run --find-max for the capacity", p.objectivesText(), text, units.FormatWhole(rate))
		default:
			pr.Evidence, pr.LowerBound = EvidenceLowerBound, boundOneRate
			pr.How = fmt.Sprintf("met %s (%s) at the %s ops/s it achieved; it did not search higher, so the capacity is at least that: run --find-max for the capacity", p.objectivesText(), text, units.FormatWhole(rate))
		}
		return
	}
	pr.Evidence = EvidenceMissed
	pr.How = fmt.Sprintf("%s at %s ops/s misses %s; that says nothing about lower rates: search for the highest rate that meets it (open loop, --slo '%s' --find-max)",
		text, units.FormatWhole(rate), p.objectivesText(), strings.Join(p.Objectives, ","))
}

// judge measures every objective on totals and checks the error share.
func (p *Plan) judge(totals map[string]*results.CommandStats) (bool, string) {
	ok := true
	var parts []string
	for _, o := range p.Input.Objectives {
		v, err := o.MeasureTotals(totals)
		if err != nil {
			return false, err.Error()
		}
		if !o.MetBy(v) {
			ok = false
		}
		parts = append(parts, fmt.Sprintf("%s %s ms", strings.SplitN(o.String(), "<", 2)[0], units.FormatMillis(float64(v))))
	}
	if all := totals[results.AllCommands]; all != nil && all.ErrorCount() > 0 {
		share := float64(all.ErrorCount()) / float64(all.Issued())
		text := fmt.Sprintf("%s of operations failed", units.FormatPercent(share))
		if share > p.Input.MaxErrorRate {
			ok = false
			text += fmt.Sprintf(", above the %s allowed", units.FormatPercent(p.Input.MaxErrorRate))
		}
		parts = append(parts, text)
	}
	return ok, strings.Join(parts, ", ")
}

// checkRuns warns about what makes runs hard to compare or to trust.
func (p *Plan) checkRuns() {
	shapes := map[string][]string{}
	var order []string
	for _, r := range p.Runs {
		if r.Evidence == EvidenceUnusable {
			continue
		}
		if _, ok := shapes[r.workload]; !ok {
			order = append(order, r.workload)
		}
		shapes[r.workload] = append(shapes[r.workload], r.Name)
		if r.localhost {
			p.Warnings = append(p.Warnings, fmt.Sprintf("%s measured a server on this machine (loopback or embedded), not an Azure cache: its figures stand in for %s only for trying the plan out", r.Name, r.SKU))
		}
	}
	for _, a := range p.Runs {
		for _, b := range p.Runs {
			if a.Tier != "" && a.Tier == b.Tier && a.Rate > 0 && b.Rate > 0 && a.sku.MemoryGB.Value < b.sku.MemoryGB.Value && a.Rate > b.Rate {
				p.Warnings = append(p.Warnings, fmt.Sprintf("%s measured less on %s (%s ops/s) than %s on the smaller %s (%s ops/s): the client, the network or the connection count may have limited the larger run",
					b.Name, b.SKU, units.FormatWhole(b.Rate), a.Name, a.SKU, units.FormatWhole(a.Rate)))
			}
		}
	}
	if len(shapes) > 1 {
		var parts []string
		for _, shape := range order {
			parts = append(parts, fmt.Sprintf("%s: %s", strings.Join(shapes[shape], ", "), shape))
		}
		p.Warnings = append(p.Warnings, "the runs measured different workloads, and the plan treats them as one: "+strings.Join(parts, "; "))
	}
}

// workloadShape describes what makes two runs' workloads comparable: the
// workload without its key range (sized per SKU by --preload-fill) and seed,
// plus pipeline depth, TLS and cluster policy.
func workloadShape(h *results.Header) string {
	var w map[string]any
	_ = json.Unmarshal(h.Workload, &w) // a header without a workload has the empty shape
	for _, k := range []string{"key_minimum", "key_maximum", "seed", "key_stddev", "key_median"} {
		delete(w, k)
	}
	b, _ := json.Marshal(w) // map keys are sorted
	policy := h.Target.ClusterPolicy
	return fmt.Sprintf("%s, pipeline %d, TLS %v, cluster policy %s", b, h.Pipeline, h.Target.TLS, policy)
}
