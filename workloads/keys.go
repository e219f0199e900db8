package workloads

import (
	"math"
	"math/rand/v2"

	"github.com/amrbench/amrbench/internal/units"
)

// KeyPattern is how keys are drawn from the key range, with memtier's letters.
type KeyPattern string

// The key patterns.
const (
	// Uniform draws every key with the same probability.
	Uniform KeyPattern = "R"
	// Sequential walks the key range in order from the minimum, wrapping
	// around; every connection walks the whole range.
	Sequential KeyPattern = "S"
	// Gaussian draws keys from a normal distribution around KeyMedian with
	// standard deviation KeyStddev, redrawing keys that fall outside the range.
	Gaussian KeyPattern = "G"
	// Zipf draws key number i (counting from 1 at the minimum) with
	// probability proportional to 1/i^KeyZipfExp: a few hot keys, a long tail.
	Zipf KeyPattern = "Z"
	// Parallel gives each connection its own contiguous slice of the key range
	// and walks it in order, so N connections together write every key once
	// per pass (memtier's P, used for preloading).
	Parallel KeyPattern = "P"
)

func (p KeyPattern) valid() bool {
	switch p {
	case Uniform, Sequential, Gaussian, Zipf, Parallel:
		return true
	}
	return false
}

// keyChooser draws key numbers for one side (SET or GET) of one connection.
// It is a tagged union rather than an interface so a Generator is one
// allocation and a draw is a switch.
type keyChooser struct {
	pattern KeyPattern
	lo      uint64 // first key this chooser may return
	count   uint64 // number of keys it may return
	pos     uint64 // next offset for Sequential and Parallel
	mean    float64
	stddev  float64
	zipf    zipfSampler
}

// ParallelSlice returns the slice [lo, lo+count) of the key range
// [min, min+n) that the P pattern gives connection conn of conns: slices are
// disjoint and together cover the range.
func ParallelSlice(min, n uint64, conn, conns int) (lo, count uint64) {
	start := units.MulDiv(n, uint64(conn), uint64(conns))
	end := units.MulDiv(n, uint64(conn+1), uint64(conns))
	return min + start, end - start
}

func newKeyChooser(s *Spec, p KeyPattern, conn, conns int) keyChooser {
	k := keyChooser{pattern: p, lo: s.KeyMinimum, count: s.KeyCount()}
	switch p {
	case Parallel:
		k.lo, k.count = ParallelSlice(s.KeyMinimum, s.KeyCount(), conn, conns)
	case Gaussian:
		k.mean = float64(s.KeyMinimum) + float64(s.KeyCount()-1)/2
		if s.KeyMedian != nil {
			k.mean = *s.KeyMedian
		}
		k.stddev = s.KeyStddev
		if k.stddev == 0 {
			k.stddev = float64(s.KeyCount()) / 6
		}
	case Zipf:
		k.zipf = newZipfSampler(s.KeyCount(), s.KeyZipfExp)
	}
	return k
}

// next returns the next key number.
func (k *keyChooser) next(r *rand.Rand) uint64 {
	switch k.pattern {
	case Sequential, Parallel:
		n := k.lo + k.pos
		k.pos++
		if k.pos >= k.count {
			k.pos = 0
		}
		return n
	case Gaussian:
		hi := float64(k.lo + k.count - 1)
		var x float64
		for range 16 {
			x = math.Round(r.NormFloat64()*k.stddev + k.mean)
			if x >= float64(k.lo) && x <= hi {
				break
			}
		}
		x = min(max(x, float64(k.lo)), hi)
		return uint64(x)
	case Zipf:
		return k.lo + k.zipf.sample(r) - 1
	default:
		return k.lo + r.Uint64N(k.count)
	}
}
