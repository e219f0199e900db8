package openloop

import (
	"fmt"
	"strings"
	"time"

	"github.com/amrbench/amrbench/internal/units"
)

// Ramp is a staircase of rates: From, From+Step, ... up to To, each held
// for StepDuration.
type Ramp struct {
	From, To, Step float64
	StepDuration   time.Duration
}

// Rates returns the rates of the staircase.
func (r Ramp) Rates() []float64 {
	var rates []float64
	for x := r.From; x <= r.To*(1+1e-9); x += r.Step {
		rates = append(rates, x)
	}
	return rates
}

// ParseRamp parses "FROM:TO:STEP[:STEP_DURATION]", rates accepting k and M
// suffixes ("10k:100k:10k:30s"); a missing duration is defaultStep.
func ParseRamp(s string, defaultStep time.Duration) (Ramp, error) {
	parts := strings.Split(s, ":")
	if len(parts) < 3 || len(parts) > 4 {
		return Ramp{}, fmt.Errorf("%q is not FROM:TO:STEP[:STEP_DURATION]", s)
	}
	var r Ramp
	for i, dst := range []*float64{&r.From, &r.To, &r.Step} {
		v, err := units.ParseRate(parts[i])
		if err != nil {
			return Ramp{}, fmt.Errorf("%q: %w", s, err)
		}
		*dst = v
	}
	r.StepDuration = defaultStep
	if len(parts) == 4 {
		d, err := units.ParseDuration(parts[3])
		if err != nil || d <= 0 {
			return Ramp{}, fmt.Errorf("%q: step duration %q is not a duration such as 30s", s, parts[3])
		}
		r.StepDuration = d
	}
	if r.To < r.From {
		return Ramp{}, fmt.Errorf("%q: TO is below FROM", s)
	}
	// Count the steps before Rates lists them: a tiny STEP would list
	// millions of rates, and one below FROM's precision would never end.
	if steps := (r.To - r.From) / r.Step; steps >= 1000 || r.From+r.Step == r.From {
		return Ramp{}, fmt.Errorf("%q: more than 1000 steps", s)
	}
	return r, nil
}

// PhaseName names step i (0-based) at rate r.
func PhaseName(i int, r float64) string {
	return fmt.Sprintf("step %d: %s ops/s", i+1, units.FormatRate(r))
}
