package workloads

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseRatio parses memtier's "S:G" ratio, e.g. "1:10".
func ParseRatio(s string) (Ratio, error) {
	a, b, ok := strings.Cut(s, ":")
	if !ok {
		return Ratio{}, fmt.Errorf("%q is not SETS:GETS (for example 1:10)", s)
	}
	sets, err := parseCount(a)
	if err != nil {
		return Ratio{}, fmt.Errorf("%q: SET side: %w", s, err)
	}
	gets, err := parseCount(b)
	if err != nil {
		return Ratio{}, fmt.Errorf("%q: GET side: %w", s, err)
	}
	if sets == 0 && gets == 0 {
		return Ratio{}, fmt.Errorf("%q: at least one side must be above zero", s)
	}
	return Ratio{Sets: sets, Gets: gets}, nil
}

func parseCount(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q is not a whole number of zero or more", s)
	}
	return n, nil
}

// ParseKeyPatterns parses memtier's "S:G" key pattern, e.g. "R:R" or "P:P".
// A single letter applies to both sides.
func ParseKeyPatterns(s string) (KeyPatterns, error) {
	a, b, ok := strings.Cut(strings.ToUpper(strings.TrimSpace(s)), ":")
	if !ok {
		b = a
	}
	p := KeyPatterns{Set: KeyPattern(a), Get: KeyPattern(b)}
	for _, side := range []KeyPattern{p.Set, p.Get} {
		if !side.valid() {
			return KeyPatterns{}, fmt.Errorf("%q: unknown pattern %q (use R, S, G, Z or P)", s, string(side))
		}
	}
	return p, nil
}

// ParseRange parses "MIN-MAX" with whole numbers of zero or more, as used by
// --data-size-range and --expiry-range.
func ParseRange(s string) (Range, error) {
	a, b, ok := strings.Cut(strings.TrimSpace(s), "-")
	if !ok {
		return Range{}, fmt.Errorf("%q is not MIN-MAX", s)
	}
	lo, err1 := strconv.ParseInt(strings.TrimSpace(a), 10, 64)
	hi, err2 := strconv.ParseInt(strings.TrimSpace(b), 10, 64)
	if err1 != nil || err2 != nil || lo < 0 || hi < 0 {
		return Range{}, fmt.Errorf("%q is not MIN-MAX with whole numbers of zero or more", s)
	}
	if lo > hi {
		return Range{}, fmt.Errorf("%q: minimum is above maximum", s)
	}
	return Range{Min: lo, Max: hi}, nil
}

// ParseExpiryRange parses --expiry-range: "MIN-MAX" seconds from 1, or
// "none" (or "0-0") for no expiry, which turns off a preset's.
func ParseExpiryRange(s string) (Range, error) {
	if strings.EqualFold(strings.TrimSpace(s), "none") {
		return Range{}, nil
	}
	r, err := ParseRange(s)
	if err != nil {
		return Range{}, err
	}
	if r.Min < 1 && !r.IsZero() {
		return Range{}, fmt.Errorf("%q: an expiry starts at 1 second (none: no expiry)", s)
	}
	return r, nil
}

// ParseSizeList parses memtier's "SIZE:WEIGHT,SIZE:WEIGHT,..." list.
func ParseSizeList(s string) ([]SizeWeight, error) {
	var list []SizeWeight
	for _, item := range strings.Split(s, ",") {
		size, weight, ok := strings.Cut(strings.TrimSpace(item), ":")
		if !ok {
			return nil, fmt.Errorf("%q: entry %q is not SIZE:WEIGHT", s, item)
		}
		sz, err := strconv.Atoi(strings.TrimSpace(size))
		if err != nil || sz <= 0 {
			return nil, fmt.Errorf("%q: size %q must be a whole number above zero", s, size)
		}
		w, err := strconv.Atoi(strings.TrimSpace(weight))
		if err != nil || w <= 0 {
			return nil, fmt.Errorf("%q: weight %q must be a whole number above zero", s, weight)
		}
		list = append(list, SizeWeight{Size: sz, Weight: w})
	}
	return list, nil
}
