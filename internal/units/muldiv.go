package units

import (
	"math"
	"math/bits"
)

// MulDiv returns a×b/c rounded down, exactly, without overflowing where a×b
// does not fit in 64 bits. The quotient fits whenever b <= c (as when
// splitting a count into c parts); where it does not, or c is 0, MulDiv
// returns math.MaxUint64.
func MulDiv(a, b, c uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	if c == 0 || hi >= c {
		return math.MaxUint64
	}
	q, _ := bits.Div64(hi, lo, c)
	return q
}
