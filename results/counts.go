package results

import (
	"errors"
	"math"
)

// ErrCountOverflow is returned when counts added together pass the largest
// int64 (2^63-1): no run makes that many operations, so the file was edited
// or corrupted, and a total that wrapped round would be rendered as a
// negative number.
var ErrCountOverflow = errors.New("counts add up beyond 2^63-1, more than any run makes")

// countSum adds counts, remembering whether any sum passed math.MaxInt64.
// Counts are never negative (the reader refuses a negative one).
type countSum struct{ overflow bool }

// add adds n to *to, unless the sum would pass math.MaxInt64.
func (s *countSum) add(to *int64, n int64) {
	if n > 0 && *to > math.MaxInt64-n {
		s.overflow = true
		return
	}
	*to += n
}

// addClasses adds the non-zero counts of from to to, which it creates when
// needed, and returns to.
func (s *countSum) addClasses(to, from map[ErrorClass]int64) map[ErrorClass]int64 {
	for class, n := range from {
		if n == 0 {
			continue
		}
		if to == nil {
			to = map[ErrorClass]int64{}
		}
		v := to[class]
		s.add(&v, n)
		to[class] = v
	}
	return to
}

// issued checks that count and the counts by class add up within int64:
// the operations issued, which reports add up (TotalErrors, count plus
// errors).
func (s *countSum) issued(count int64, byClass map[ErrorClass]int64) {
	for _, n := range byClass {
		s.add(&count, n)
	}
}

// err returns ErrCountOverflow if a sum overflowed.
func (s *countSum) err() error {
	if s.overflow {
		return ErrCountOverflow
	}
	return nil
}
