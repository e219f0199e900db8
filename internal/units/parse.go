package units

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// sizeUnits are the units of a size, longest suffix first so that "kib" is
// not read as "b": decimal multiples for kB to PB (1KB = 1,000 B, as Azure
// counts a cache's memory) and binary ones for KiB to PiB (1KiB = 1,024 B).
// Every size FormatBytes writes (up to PB) reads back.
var sizeUnits = []struct {
	suffix string
	mult   float64
}{
	{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"tib", 1 << 40}, {"pib", 1 << 50},
	{"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9}, {"tb", 1e12}, {"pb", 1e15}, {"b", 1},
}

// ambiguousUnits are the bare letters that once meant binary multiples in
// some tools and decimal ones in others; a size written with one is
// refused rather than guessed.
var ambiguousUnits = map[string][2]string{
	"k": {"KB", "KiB"}, "m": {"MB", "MiB"}, "g": {"GB", "GiB"}, "t": {"TB", "TiB"}, "p": {"PB", "PiB"},
}

// ErrAmbiguousSize marks a size written with a bare k, m, g, t or p, which
// some tools read as a multiple of 1000 and others of 1024.
var ErrAmbiguousSize = errors.New("ambiguous")

// parseSize reads "NUMBER[UNIT]" (case and spaces do not matter) and
// returns the bytes and whether a unit was given. A bare k, m, g or t is
// refused as ambiguous, naming the two sizes it could mean.
func parseSize(s string) (bytes float64, unit bool, err error) {
	t := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
	num, mult := t, 1.0
	for _, u := range sizeUnits {
		if n, ok := strings.CutSuffix(t, u.suffix); ok {
			num, mult, unit = n, u.mult, true
			break
		}
	}
	if !unit && len(t) > 1 {
		if alt, ok := ambiguousUnits[t[len(t)-1:]]; ok {
			n := t[:len(t)-1]
			return 0, false, fmt.Errorf("%q is %w: write %s%s (decimal, ×1000) or %s%s (binary, ×1024)", s, ErrAmbiguousSize, n, alt[0], n, alt[1])
		}
	}
	v, perr := strconv.ParseFloat(num, 64)
	if perr != nil || math.IsNaN(v) || math.IsInf(v, 0) || strings.ContainsAny(num, "eEx_+") {
		return 0, unit, fmt.Errorf("%q is not a size", s)
	}
	return v * mult, unit, nil
}

// ParseBytes parses a size in bytes: 512, 4KB (4,000), 4KiB (4,096),
// 1.5MB, 2MiB, or a bare k, m or g refused as ambiguous; from 0 to 2 GiB
// less one byte (2,147,483,647), a whole number of bytes.
func ParseBytes(s string) (int, error) {
	v, _, err := parseSize(s)
	if errors.Is(err, ErrAmbiguousSize) {
		return 0, err
	}
	if err != nil || v < 0 || v != math.Trunc(v) || v > math.MaxInt32 {
		return 0, fmt.Errorf("%q is not a size in bytes from 0 to 2147483647 (for example 32, 4KB = 4,000 B or 4KiB = 4,096 B)", s)
	}
	return int(v), nil
}

// ParseDataSize parses a data size above zero with a unit, in the units
// ParseBytes reads: decimal (kB, MB, GB, TB, PB, as Azure's sizes count) or
// binary (KiB, MiB, GiB, TiB, PiB), or B. Case and spaces do not matter: "80GB",
// "1.5 TB", "500mb". A bare number is refused: a data set is never a few
// bytes, and a missing unit is more likely a slip.
func ParseDataSize(s string) (float64, error) {
	v, unit, err := parseSize(s)
	if errors.Is(err, ErrAmbiguousSize) {
		return 0, err
	}
	if err != nil || !unit || !(v > 0) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%q is not a size with a unit (for example 80GB, 1.5TB or 500MiB)", s)
	}
	return v, nil
}

// ParsePercent parses a percentage, "75%" or "75", from 0 to 100, and
// returns it as a fraction.
func ParsePercent(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(s), "%"), 64)
	if err != nil || !(v >= 0 && v <= 100) {
		return 0, fmt.Errorf("%q is not a percentage between 0%% and 100%%", s)
	}
	return v / 100, nil
}

// MaxRate is the highest rate ParseRate accepts, in operations per second.
const MaxRate = 1e9

// ParseRate parses a rate in operations per second: "50000", "50k", "1.5M",
// "1G", above 0 and at most MaxRate.
func ParseRate(s string) (float64, error) {
	t := strings.TrimSpace(s)
	mult := 1.0
	switch {
	case strings.HasSuffix(t, "k"), strings.HasSuffix(t, "K"):
		mult, t = 1e3, t[:len(t)-1]
	case strings.HasSuffix(t, "M"), strings.HasSuffix(t, "m"):
		mult, t = 1e6, t[:len(t)-1]
	case strings.HasSuffix(t, "G"), strings.HasSuffix(t, "g"):
		mult, t = 1e9, t[:len(t)-1]
	}
	v, err := strconv.ParseFloat(t, 64) // out of range: ±Inf with an error
	switch {
	case (err != nil && !math.IsInf(v, 1)) || !(v > 0):
		return 0, fmt.Errorf("%q is not a rate above 0 ops/s (for example 50000, 50k or 1.5M)", s)
	case v*mult > MaxRate:
		return 0, fmt.Errorf("%q is above the highest rate, %s ops/s", s, FormatRate(MaxRate))
	}
	return v * mult, nil
}

// MaxCount is the largest count ParseCount accepts.
const MaxCount = 1e15

// ParseCount parses a count of things above zero: "1000000", "1M", "2.5k",
// "3G" (k = 10³, M = 10⁶, G = 10⁹: counts, unlike sizes, have one reading),
// at most MaxCount, a whole number.
func ParseCount(s string) (float64, error) {
	t := strings.TrimSpace(s)
	mult := 1.0
	if n := len(t); n > 1 {
		switch t[n-1] {
		case 'k', 'K':
			mult, t = 1e3, t[:n-1]
		case 'm', 'M':
			mult, t = 1e6, t[:n-1]
		case 'g', 'G':
			mult, t = 1e9, t[:n-1]
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || strings.ContainsAny(t, "eExX") || !(v > 0) || v*mult > MaxCount || math.Round(v*mult) != v*mult {
		return 0, fmt.Errorf("%q is not a whole count above 0 (for example 1000000, 1M or 2.5k)", s)
	}
	return v * mult, nil
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
