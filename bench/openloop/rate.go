package openloop

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
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
		v, err := ParseRate(parts[i])
		if err != nil {
			return Ramp{}, fmt.Errorf("%q: %w", s, err)
		}
		*dst = v
	}
	r.StepDuration = defaultStep
	if len(parts) == 4 {
		d, err := ParseDuration(parts[3])
		if err != nil || d <= 0 {
			return Ramp{}, fmt.Errorf("%q: step duration %q is not a duration such as 30s", s, parts[3])
		}
		r.StepDuration = d
	}
	if r.To < r.From {
		return Ramp{}, fmt.Errorf("%q: TO is below FROM", s)
	}
	if len(r.Rates()) > 1000 {
		return Ramp{}, fmt.Errorf("%q: more than 1000 steps", s)
	}
	return r, nil
}

// ParseRate parses a rate in operations per second: "50000", "50k", "1.5M".
func ParseRate(s string) (float64, error) {
	t := strings.TrimSpace(s)
	mult := 1.0
	switch {
	case strings.HasSuffix(t, "k"), strings.HasSuffix(t, "K"):
		mult, t = 1e3, t[:len(t)-1]
	case strings.HasSuffix(t, "M"), strings.HasSuffix(t, "m"):
		mult, t = 1e6, t[:len(t)-1]
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || !(v > 0) || math.IsInf(v, 0) || v*mult > 1e9 {
		return 0, fmt.Errorf("%q is not a rate above 0 ops/s (for example 50000, 50k or 1.5M)", s)
	}
	return v * mult, nil
}

// FormatRate writes a rate the way ParseRate reads it, compactly.
func FormatRate(r float64) string {
	switch {
	case r >= 1e6 && math.Mod(r, 1e4) == 0:
		return strconv.FormatFloat(r/1e6, 'f', -1, 64) + "M"
	case r >= 1e3 && math.Mod(r, 10) == 0:
		return strconv.FormatFloat(r/1e3, 'f', -1, 64) + "k"
	default:
		return strconv.FormatFloat(r, 'f', -1, 64)
	}
}

// PhaseName names step i (0-based) at rate r.
func PhaseName(i int, r float64) string {
	return fmt.Sprintf("step %d: %s ops/s", i+1, FormatRate(r))
}

// ParseDuration parses a duration such as 30s or 5m, or a bare number of
// seconds as memtier's --test-time takes it ("90", "0.5"); never negative.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if secs, err := strconv.ParseFloat(s, 64); err == nil {
		if secs < 0 || math.IsNaN(secs) || secs > math.MaxInt64/float64(time.Second) {
			return 0, fmt.Errorf("%q is not a duration of zero or more", s)
		}
		return time.Duration(secs * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration (for example 30s, 5m or 90)", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("%q: a duration cannot be negative", s)
	}
	return d, nil
}
