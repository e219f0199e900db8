package workloads

import (
	"math"
	"math/rand/v2"
)

// zipfSampler draws ranks 1..n with P(k) proportional to k^-s for any s > 0,
// by rejection-inversion (W. Hörmann and G. Derflinger, "Rejection-inversion
// to generate variates from monotone discrete distributions", ACM TOMACS 6(3),
// 1996). The standard library's rand.Zipf needs s > 1; memtier accepts
// exponents in (0, 5), so we need the general method.
//
// The method samples a continuous variable X whose density dominates the
// probability mass function, by inverting H, the integral of h(x) = x^-s:
//
//	H(x) = (x^(1-s) - 1) / (1-s)      (log x when s = 1)
//
// and accepts k = round(X) when X lies close enough to k, or when the hat
// function at k is below the true mass. The expected number of iterations is
// close to 1 for every s and n, and a draw takes constant time.
type zipfSampler struct {
	n        float64
	s        float64
	hX1      float64 // H(1.5) - 1
	hN       float64 // H(n + 0.5)
	accept   float64 // the squeeze constant "s" of the paper
	oneMinus float64 // 1 - s
}

func newZipfSampler(n uint64, s float64) zipfSampler {
	z := zipfSampler{n: float64(n), s: s, oneMinus: 1 - s}
	z.hX1 = z.hIntegral(1.5) - 1
	z.hN = z.hIntegral(z.n + 0.5)
	z.accept = 2 - z.hIntegralInverse(z.hIntegral(2.5)-z.h(2))
	return z
}

// sample returns a rank in [1, n].
func (z *zipfSampler) sample(r *rand.Rand) uint64 {
	for {
		u := z.hN + r.Float64()*(z.hX1-z.hN)
		x := z.hIntegralInverse(u)
		k := math.Floor(x + 0.5)
		if k < 1 {
			k = 1
		} else if k > z.n {
			k = z.n
		}
		if k-x <= z.accept || u >= z.hIntegral(k+0.5)-z.h(k) {
			return uint64(k)
		}
	}
}

// h is the hat density x^-s.
func (z *zipfSampler) h(x float64) float64 { return math.Exp(-z.s * math.Log(x)) }

// hIntegral is H(x), written so it stays accurate as s approaches 1.
func (z *zipfSampler) hIntegral(x float64) float64 {
	lx := math.Log(x)
	return expm1OverX(z.oneMinus*lx) * lx
}

// hIntegralInverse is the inverse of H.
func (z *zipfSampler) hIntegralInverse(x float64) float64 {
	t := x * z.oneMinus
	if t < -1 {
		t = -1 // guards against rounding below the domain of log1p
	}
	return math.Exp(log1pOverX(t) * x)
}

// expm1OverX is (e^x - 1) / x, with its Taylor series near 0.
func expm1OverX(x float64) float64 {
	if math.Abs(x) > 1e-8 {
		return math.Expm1(x) / x
	}
	return 1 + x/2*(1+x/3*(1+x/4))
}

// log1pOverX is log(1 + x) / x, with its Taylor series near 0.
func log1pOverX(x float64) float64 {
	if math.Abs(x) > 1e-8 {
		return math.Log1p(x) / x
	}
	return 1 - x*(1.0/2-x*(1.0/3-x/4))
}
