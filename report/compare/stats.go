package compare

import "math"

// The noise test of a comparison: Welch's t-test on two runs' per-interval
// series of one metric (see Comparison).

// stats summarises a per-interval series.
type stats struct {
	n              int
	mean, variance float64 // variance with n-1 in the denominator
}

func statsOf(xs []float64) stats {
	s := stats{n: len(xs)}
	if s.n == 0 {
		return s
	}
	for _, x := range xs {
		s.mean += x
	}
	s.mean /= float64(s.n)
	if s.n > 1 {
		for _, x := range xs {
			s.variance += (x - s.mean) * (x - s.mean)
		}
		s.variance /= float64(s.n - 1)
	}
	return s
}

func (s stats) stdErr() float64 {
	if s.n == 0 {
		return 0
	}
	return math.Sqrt(s.variance / float64(s.n))
}

// welch judges whether the means of two series differ beyond their noise:
// Welch's t-test, two-sided, at CompareConfidence.
func welch(a, b stats) Verdict {
	if a.n < 2 || b.n < 2 {
		return Untested
	}
	va, vb := a.variance/float64(a.n), b.variance/float64(b.n)
	diff := math.Abs(a.mean - b.mean)
	if va+vb == 0 {
		if diff == 0 {
			return NotSignificant
		}
		return Significant // two steady series that differ
	}
	t := diff / math.Sqrt(va+vb)
	df := (va + vb) * (va + vb) / (va*va/float64(a.n-1) + vb*vb/float64(b.n-1))
	if t > tCritical95(df) {
		return Significant
	}
	return NotSignificant
}

// tTable holds Student's t at 0.975 (two-sided 95 %) for 1 to 30 degrees
// of freedom.
var tTable = [...]float64{
	12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
	2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
	2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
}

// tCritical95 returns Student's t at 0.975 for df degrees of freedom,
// rounding df down (a slightly stricter test between table entries).
func tCritical95(df float64) float64 {
	switch {
	case math.IsNaN(df) || df < 1:
		return tTable[0]
	case df < 31:
		return tTable[int(df)-1]
	case df < 40:
		return 2.042
	case df < 60:
		return 2.021
	case df < 120:
		return 2.000
	default:
		return 1.980
	}
}
