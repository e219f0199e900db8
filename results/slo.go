package results

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Latency kinds an objective can be judged on.
const (
	LatencyResponse = "response"
	LatencyService  = "service"
)

// Objective is one latency objective, such as "p99<2ms": the given
// percentile of the given latency kind (response time unless it says
// "service:") must be below Limit.
type Objective struct {
	// Text is the objective as given.
	Text       string
	Latency    string
	Percentile float64
	Limit      time.Duration
	// Inclusive is set for "<=": the limit itself meets the objective.
	Inclusive bool
}

// ParseObjective parses "[response:|service:]pPERCENTILE<LIMIT" or "<=",
// e.g. "p99<2ms", "p99.9<=10ms", "service:p50<500us". LIMIT is a duration
// with a unit (ns, us, µs, ms, s).
func ParseObjective(s string) (Objective, error) {
	o := Objective{Text: strings.TrimSpace(s), Latency: LatencyResponse}
	rest := strings.ReplaceAll(o.Text, " ", "")
	if kind, after, ok := strings.Cut(rest, ":"); ok {
		switch kind {
		case LatencyResponse, LatencyService:
			o.Latency, rest = kind, after
		default:
			return Objective{}, fmt.Errorf("%q: latency %q: use response or service", s, kind)
		}
	}
	p, limit, ok := strings.Cut(rest, "<")
	if !ok {
		return Objective{}, fmt.Errorf("%q is not pPERCENTILE<LIMIT (for example p99<2ms)", s)
	}
	if strings.HasPrefix(limit, "=") {
		o.Inclusive, limit = true, limit[1:]
	}
	num, ok := strings.CutPrefix(strings.ToLower(p), "p")
	if !ok {
		return Objective{}, fmt.Errorf("%q: %q is not a percentile such as p99", s, p)
	}
	pct, err := strconv.ParseFloat(num, 64)
	if err != nil || !(pct > 0 && pct <= 100) {
		return Objective{}, fmt.Errorf("%q: %q is not a percentile above 0 and at most 100", s, p)
	}
	o.Percentile = pct
	d, err := time.ParseDuration(strings.ReplaceAll(limit, "µ", "u"))
	if err != nil || d <= 0 {
		return Objective{}, fmt.Errorf("%q: %q is not a latency limit with a unit (for example 2ms or 500us)", s, limit)
	}
	o.Limit = d
	return o, nil
}

// ParseObjectives parses each objective.
func ParseObjectives(texts []string) ([]Objective, error) {
	out := make([]Objective, 0, len(texts))
	var errs []error
	for _, t := range texts {
		o, err := ParseObjective(t)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, o)
	}
	return out, errors.Join(errs...)
}

// Measure returns the objective's percentile of stats, in µs.
func (o Objective) Measure(stats *CommandStats) int64 {
	h := stats.Response
	if o.Latency == LatencyService {
		h = stats.Service
	}
	if h == nil || h.Histogram == nil || h.TotalCount() == 0 {
		return 0
	}
	return h.ValueAtPercentile(o.Percentile)
}

// MetBy reports whether a measured value in µs meets the objective.
func (o Objective) MetBy(us int64) bool {
	limit := o.Limit.Microseconds()
	if o.Inclusive {
		return us <= limit
	}
	return us < limit
}

// RateTolerance is how far below its target rate a step may fall and still
// count as having offered that load.
const RateTolerance = 0.02

// EvaluateStep judges one step (the measured intervals of one phase) against
// the objectives. A step meets them when every objective holds on the
// operations of all commands together, the achieved rate is within
// RateTolerance of the target, and no operation failed.
func EvaluateStep(objectives []Objective, phase string, intervals []*Interval) (SLOStep, error) {
	step := SLOStep{Phase: phase, Measured: map[string]int64{}}
	totals, span, err := Totals(intervals)
	if err != nil {
		return step, err
	}
	all := totals[AllCommands]
	for _, iv := range intervals {
		step.TargetRate = max(step.TargetRate, iv.TargetRate)
		step.LateStarts += iv.LateStarts
	}
	if secs := span.Seconds(); secs > 0 {
		step.AchievedRate = float64(all.Count) / secs
	}
	step.Errors = all.ErrorCount()
	step.Met = all.Count > 0 && step.Errors == 0 &&
		(step.TargetRate == 0 || step.AchievedRate >= step.TargetRate*(1-RateTolerance))
	for _, o := range objectives {
		v := o.Measure(all)
		step.Measured[o.Text] = v
		step.Met = step.Met && o.MetBy(v)
	}
	return step, nil
}

// EvaluateSteps judges every phase of a run in the order the phases first
// appear, warmup excluded, and finds the highest target rate that met every
// objective.
func EvaluateSteps(objectives []Objective, intervals []*Interval) (*SLOResult, error) {
	res := &SLOResult{Steps: []SLOStep{}}
	for _, o := range objectives {
		res.Objectives = append(res.Objectives, o.Text)
	}
	var order []string
	byPhase := map[string][]*Interval{}
	for _, iv := range intervals {
		if !iv.Measured() || iv.Phase == PhaseIdle {
			continue
		}
		if _, seen := byPhase[iv.Phase]; !seen {
			order = append(order, iv.Phase)
		}
		byPhase[iv.Phase] = append(byPhase[iv.Phase], iv)
	}
	for _, phase := range order {
		step, err := EvaluateStep(objectives, phase, byPhase[phase])
		if err != nil {
			return nil, err
		}
		res.Steps = append(res.Steps, step)
		if step.Met && step.TargetRate > res.MaxRate {
			res.MaxRate = step.TargetRate
		}
	}
	return res, nil
}
