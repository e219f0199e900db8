package segment

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/amrbench/amrbench/internal/units"
)

// Segment is one machine's share of a test split between Count machines:
// the share numbered Index, counting from 0. Every machine computes its
// share from its own segment alone, with no coordinator (k6's execution
// segments): shares of the same whole are disjoint and together make the
// whole exactly. The zero Segment is the whole test ("0/1").
type Segment struct {
	Index int
	Count int
}

// Whole is the whole test, run by one machine.
var Whole = Segment{Index: 0, Count: 1}

// Parse parses "i/n", with 0 <= i < n.
func Parse(s string) (Segment, error) {
	is, ns, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return Segment{}, fmt.Errorf("%q is not a segment i/n (for example 0/3, 1/3 and 2/3 for three machines)", s)
	}
	i, ierr := strconv.Atoi(strings.TrimSpace(is))
	n, nerr := strconv.Atoi(strings.TrimSpace(ns))
	switch {
	case ierr != nil || nerr != nil:
		return Segment{}, fmt.Errorf("%q is not a segment i/n (for example 0/3, 1/3 and 2/3 for three machines)", s)
	case n < 1:
		return Segment{}, fmt.Errorf("segment %q: n must be at least 1", s)
	case i < 0 || i >= n:
		return Segment{}, fmt.Errorf("segment %q: i counts from 0 and must be below n (0/%d to %d/%d)", s, n, n-1, n)
	}
	return Segment{Index: i, Count: n}, nil
}

// norm returns s with the zero value read as the whole test.
func (s Segment) norm() Segment {
	if s.Count == 0 {
		return Whole
	}
	return s
}

// IsWhole reports whether s is the whole test.
func (s Segment) IsWhole() bool { return s.norm().Count == 1 }

// String returns "i/n".
func (s Segment) String() string {
	s = s.norm()
	return strconv.Itoa(s.Index) + "/" + strconv.Itoa(s.Count)
}

// MarshalText encodes the segment as "i/n".
func (s Segment) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText decodes "i/n".
func (s *Segment) UnmarshalText(b []byte) error {
	v, err := Parse(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// ErrTooSmall is returned by Validate when a segment's share of the
// connections would be empty.
var ErrTooSmall = errors.New("a segment with no connections")

// Share returns the half-open range [lo, hi) of the items 0..total-1 that
// belong to segment s: items total*i/n up to total*(i+1)/n, rounded down.
// The ranges of the segments of one n are disjoint and cover 0..total-1.
func (s Segment) Share(total uint64) (lo, hi uint64) {
	s = s.norm()
	return units.MulDiv(total, uint64(s.Index), uint64(s.Count)), units.MulDiv(total, uint64(s.Index+1), uint64(s.Count))
}

// Validate checks that every segment of s's split has at least one of total
// connections.
func (s Segment) Validate(total int) error {
	s = s.norm()
	if total < s.Count {
		return fmt.Errorf("%w: %d connections cannot be split between %d segments (each needs at least one)", ErrTooSmall, total, s.Count)
	}
	return nil
}
