package openloop

import "math"

// Search decides the rates of a search for the highest rate that meets a
// run's objectives (--find-max): it doubles the rate (or
// climbs a staircase) until a step fails, then bisects between the highest
// rate that met the objectives and the lowest that did not, until they are
// within precision of each other or maxSteps steps have run.
type Search struct {
	// Ramp holds rates to climb first; empty: double from Start.
	Ramp []float64
	// Start is the first rate.
	Start float64
	// Precision ends the bisection when the bracket is this fraction of
	// the lowest failing rate.
	Precision float64
	// MaxSteps bounds the steps; Cap bounds the climb.
	MaxSteps int
	Cap      float64

	steps   int
	highest float64 // highest rate that met the objectives
	lowest  float64 // lowest rate that failed; 0 until one has
}

// Next returns the rate of the next step, or false when the search is done.
func (s *Search) Next() (float64, bool) {
	if s.steps >= s.MaxSteps {
		return 0, false
	}
	var r float64
	switch {
	case s.lowest == 0 && s.steps < len(s.Ramp):
		r = s.Ramp[s.steps]
	case s.lowest == 0 && s.steps == 0:
		r = s.Start
	case s.lowest == 0:
		if s.highest >= s.Cap {
			return 0, false
		}
		r = math.Min(math.Max(s.highest, s.Start)*2, s.Cap)
	default:
		if s.lowest-s.highest <= s.Precision*s.lowest {
			return 0, false
		}
		r = (s.highest + s.lowest) / 2
	}
	return roundRate(r), true
}

// Record notes the outcome of a step at rate r.
func (s *Search) Record(r float64, met bool) {
	s.steps++
	if met {
		s.highest = math.Max(s.highest, r)
	} else if s.lowest == 0 || r < s.lowest {
		s.lowest = r
	}
}

// roundRate keeps three significant figures, so steps have readable rates.
func roundRate(r float64) float64 {
	if r < 100 {
		return math.Max(1, math.Round(r))
	}
	mag := math.Pow(10, math.Floor(math.Log10(r))-2)
	return math.Round(r/mag) * mag
}
