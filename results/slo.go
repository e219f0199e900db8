package results

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Latency kinds an objective can be judged on.
const (
	// LatencyResponse is the time from each operation's intended start to its
	// reply: what an application sees. Objectives use it unless told.
	LatencyResponse = "response"
	// LatencyService is the time from each operation's actual send to its
	// reply.
	LatencyService = "service"
)

// Objective is one latency objective, written the same way for `run --slo`
// and `plan --slo`:
//
//	p99<2ms                 response time of all commands, 99th percentile, below 2 ms
//	p99.9<=10ms             at most 10 ms
//	service:p99<1ms         service time instead of response time
//	GET:p99.99<5ms          one command (GET or SET) instead of all together
//	service:GET:p50<500us   both qualifiers, in either order
//
// The percentile is any number above 0 and at most 100; the limit is a
// duration with a unit (ns, us or µs, ms, s) of at least 1 µs, the
// histograms' resolution.
type Objective struct {
	// Text is the objective as given.
	Text string
	// Latency is LatencyResponse or LatencyService.
	Latency string
	// Command is the command the objective applies to ("GET", "SET"); empty
	// for all commands together.
	Command    string
	Percentile float64
	Limit      time.Duration
	// Inclusive is set for "<=": the limit itself meets the objective.
	Inclusive bool
}

// objectiveCommands are the commands an objective may name.
var objectiveCommands = []string{"GET", "SET", AllCommands}

// ParseObjective parses "[response:|service:][GET:|SET:]pPERCENTILE<LIMIT"
// or "<=" (see Objective), e.g. "p99<2ms", "p99.9<=10ms",
// "service:p50<500us", "GET:p99<1ms".
func ParseObjective(s string) (Objective, error) {
	o := Objective{Text: strings.TrimSpace(s), Latency: LatencyResponse}
	rest := strings.ReplaceAll(o.Text, " ", "")
	var latencySet, commandSet bool
	for {
		q, after, ok := strings.Cut(rest, ":")
		if !ok {
			break
		}
		switch lq, uq := strings.ToLower(q), strings.ToUpper(q); {
		case lq == LatencyResponse || lq == LatencyService:
			if latencySet {
				return Objective{}, fmt.Errorf("%q: the latency kind is given twice", s)
			}
			o.Latency, latencySet = lq, true
		case slices.Contains(objectiveCommands, uq):
			if commandSet {
				return Objective{}, fmt.Errorf("%q: the command is given twice", s)
			}
			commandSet = true
			if uq != AllCommands {
				o.Command = uq
			}
		default:
			return Objective{}, fmt.Errorf("%q: latency %q: use response or service, or a command: GET, SET or ALL", s, q)
		}
		rest = after
	}
	p, limit, ok := strings.Cut(rest, "<")
	if !ok {
		if strings.ContainsAny(rest, ">=") {
			return Objective{}, fmt.Errorf("%q is not pPERCENTILE<LIMIT: a latency objective is an upper bound, use < or <=", s)
		}
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
	if d < time.Microsecond {
		return Objective{}, fmt.Errorf("%q: limit %s is below the 1 µs resolution of the histograms", s, d)
	}
	o.Limit = d
	return o, nil
}

// ParseObjectives parses each objective; a text may hold several separated
// by commas ("p99<2ms,p99.9<10ms"). Every bad objective is reported.
func ParseObjectives(texts []string) ([]Objective, error) {
	out := make([]Objective, 0, len(texts))
	var errs []error
	for _, t := range texts {
		for _, part := range strings.Split(t, ",") {
			if strings.TrimSpace(part) == "" {
				errs = append(errs, fmt.Errorf("%q: an empty objective (objectives are separated by commas, for example p99<2ms,p99.9<10ms)", t))
				continue
			}
			o, err := ParseObjective(part)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			out = append(out, o)
		}
	}
	return out, errors.Join(errs...)
}

// String returns the objective in its canonical form, which ParseObjective
// reads back: qualifiers only where they differ from the defaults, the
// limit in the largest unit that states it exactly ("p99<2ms",
// "service:GET:p99.9<=500us"). Two objectives that mean the same have the
// same String, whatever their Text.
func (o Objective) String() string {
	var b strings.Builder
	if o.Latency == LatencyService {
		b.WriteString(LatencyService + ":")
	}
	if o.Command != "" {
		b.WriteString(o.Command + ":")
	}
	b.WriteString("p" + strconv.FormatFloat(o.Percentile, 'f', -1, 64))
	if o.Inclusive {
		b.WriteString("<=")
	} else {
		b.WriteString("<")
	}
	return b.String() + FormatLimit(o.Limit)
}

// FormatLimit writes a latency limit in the largest unit that states it
// exactly: 2ms, 1.5ms, 500us, 1s.
func FormatLimit(d time.Duration) string {
	switch {
	case d >= time.Second && d%time.Second == 0:
		return strconv.FormatInt(int64(d/time.Second), 10) + "s"
	case d >= time.Millisecond && d%time.Microsecond == 0:
		return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', -1, 64) + "ms"
	case d%time.Microsecond == 0:
		return strconv.FormatInt(int64(d/time.Microsecond), 10) + "us"
	default:
		return d.String()
	}
}

// command returns the key of the objective's command in a totals map.
func (o Objective) command() string {
	if o.Command == "" {
		return AllCommands
	}
	return o.Command
}

// Measure returns the objective's percentile of stats, in µs, from the
// response or service histogram as the objective says; 0 when stats hold no
// operation.
func (o Objective) Measure(stats *CommandStats) int64 {
	h := stats.Response
	if o.Latency == LatencyService {
		h = stats.Service
	}
	if h.Empty() {
		return 0
	}
	return h.ValueAtPercentile(o.Percentile)
}

// ErrNotMeasured is returned by MeasureTotals when the command an objective
// names has no operations.
var ErrNotMeasured = errors.New("no operations of that command were measured")

// MeasureTotals returns the objective's percentile, in µs, of its command
// (all commands when it names none) in totals, as Totals returns them.
func (o Objective) MeasureTotals(totals map[string]*CommandStats) (int64, error) {
	cs := totals[o.command()]
	if cs == nil || cs.Count == 0 {
		return 0, fmt.Errorf("%s: %w", o, ErrNotMeasured)
	}
	return o.Measure(cs), nil
}

// MeasureSummary returns the objective's percentile, in µs, from a summary,
// and false when the summary did not record that percentile (a summary
// keeps only the percentiles the run asked for; MeasureTotals on the
// intervals' histograms has every percentile).
func (o Objective) MeasureSummary(s *Summary) (int64, bool) {
	c := s.Commands[o.command()]
	if c == nil || c.Count == 0 {
		return 0, false
	}
	l := c.Response
	if o.Latency == LatencyService {
		l = c.Service
	}
	return l.At(o.Percentile)
}

// MetBy reports whether a measured value in µs meets the objective.
func (o Objective) MetBy(us int64) bool {
	if o.Limit%time.Microsecond != 0 {
		// A limit between two microseconds: "< 1.5µs" is met by 1 µs.
		return us*int64(time.Microsecond) < int64(o.Limit)
	}
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
// the objectives. A step meets them when every objective holds (on the
// operations of its command, or of all commands together), the achieved
// rate is within RateTolerance of the target, and no operation failed. A
// run at one rate (phase "": a closed loop, or --rate) leaves its failed
// operations to its error budget (Decide).
//
// The achieved rate is the step's operations over the time they were offered
// in: the intervals with a target rate. Intervals of the phase without one
// hold the operations a client that fell behind sent after the step's end;
// they count, with their response times, but add no time.
func EvaluateStep(objectives []Objective, phase string, intervals []*Interval) (SLOStep, error) {
	step := SLOStep{Phase: phase, Measured: map[string]int64{}}
	totals, span, err := Totals(intervals)
	if err != nil {
		return step, err
	}
	all := totals[AllCommands]
	var offered time.Duration
	for _, iv := range intervals {
		step.TargetRate = max(step.TargetRate, iv.TargetRate)
		step.LateStarts += iv.LateStarts
		step.Dropped += iv.Dropped
		if iv.TargetRate > 0 {
			offered += iv.End.Sub(iv.Start)
		}
	}
	if offered > 0 {
		span = offered
	}
	if secs := span.Seconds(); secs > 0 {
		step.AchievedRate = float64(all.Count) / secs
	}
	step.Errors = all.ErrorCount()
	step.ClientBound = StepClientBound(intervals)
	step.Met = all.Count > 0 && (step.Errors == 0 || phase == "") &&
		(step.TargetRate == 0 || step.AchievedRate >= step.TargetRate*(1-RateTolerance))
	for _, o := range objectives {
		v, err := o.MeasureTotals(totals)
		step.Measured[o.Text] = v
		step.Met = step.Met && err == nil && o.MetBy(v)
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
