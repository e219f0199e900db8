package workloads

import "math"

// GetShareOfHottest returns the expected share of GETs that fall on the k
// most requested keys of the key range, from the GET key pattern: k/n for
// uniform, sequential and parallel access; for zipf, H(k,s)/H(n,s), the
// generalised harmonic numbers of the exponent s; for gaussian, the mass of
// the k keys around the median, of the normal distribution truncated to the
// key range as the generator draws it. It answers "if the k hottest values
// fit in RAM, how many reads does RAM serve?" for Flash-shaped workloads.
func (s *Spec) GetShareOfHottest(k uint64) float64 {
	n := s.KeyCount()
	if k >= n {
		return 1
	}
	if k == 0 {
		return 0
	}
	switch s.KeyPattern.Get {
	case Zipf:
		return harmonic(float64(k), s.KeyZipfExp) / harmonic(float64(n), s.KeyZipfExp)
	case Gaussian:
		return s.gaussianShare(k)
	default:
		return float64(k) / float64(n)
	}
}

// gaussianShare is the share of draws landing on the k keys nearest the
// median, shifted inward where the median is near an end of the range.
func (s *Spec) gaussianShare(k uint64) float64 {
	lo, hi := float64(s.KeyMinimum), float64(s.KeyMaximum)
	mean := lo + float64(s.KeyCount()-1)/2
	if s.KeyMedian != nil {
		mean = *s.KeyMedian
	}
	sd := s.KeyStddev
	if sd == 0 {
		sd = float64(s.KeyCount()) / 6
	}
	a := math.Round(mean) - math.Floor(float64(k-1)/2)
	a = min(max(a, lo), hi-float64(k-1))
	b := a + float64(k-1)
	cdf := func(x float64) float64 { return 0.5 * math.Erfc(-(x-mean)/(sd*math.Sqrt2)) }
	total := cdf(hi+0.5) - cdf(lo-0.5)
	if total <= 0 {
		return float64(k) / float64(s.KeyCount())
	}
	return (cdf(b+0.5) - cdf(a-0.5)) / total
}

// harmonicExact is how many terms harmonic sums exactly before it uses the
// Euler–Maclaurin formula for the tail.
const harmonicExact = 1000

// harmonic returns the generalised harmonic number H(n, s) = Σ_{i=1..n} i^-s.
// Beyond harmonicExact terms the tail Σ_{i=m..n} is the Euler–Maclaurin
// approximation ∫_m^n x^-s dx + (m^-s + n^-s)/2 + s/12 (m^(-s-1) − n^(-s-1)),
// whose error is far below what a share of reads needs.
func harmonic(n, s float64) float64 {
	sum := 0.0
	m := min(n, harmonicExact)
	for i := 1.0; i < m; i++ {
		sum += math.Pow(i, -s)
	}
	if n <= harmonicExact {
		return sum + math.Pow(n, -s)
	}
	// ∫_m^n x^-s dx = m^(1-s) · ln(n/m) · (e^((1-s) ln(n/m)) − 1) / ((1-s) ln(n/m)),
	// accurate as s approaches 1.
	l := math.Log(n / m)
	integral := math.Pow(m, 1-s) * l * expm1OverX((1-s)*l)
	return sum + integral + (math.Pow(m, -s)+math.Pow(n, -s))/2 + s/12*(math.Pow(m, -s-1)-math.Pow(n, -s-1))
}

// GetDistribution names the GET key distribution in a few words, e.g.
// "zipf 1" or "uniform".
func (s *Spec) GetDistribution() string { return s.KeyPattern.Get.describe(s) }
