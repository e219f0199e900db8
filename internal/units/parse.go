package units

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ParseBytes parses a size in bytes: 512, 4k, 4KB, 4KiB, 1m, 1g (k = 1024),
// from 0 to 2 GiB less one byte (2,147,483,647).
func ParseBytes(s string) (int, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	mult := 1
	for _, u := range []struct {
		suffix string
		mult   int
	}{{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"kb", 1 << 10}, {"mb", 1 << 20}, {"gb", 1 << 30}, {"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30}, {"b", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.Atoi(t)
	if err != nil || n < 0 || n > math.MaxInt32/mult {
		return 0, fmt.Errorf("%q is not a size in bytes (for example 32, 1k or 4KiB)", s)
	}
	return n * mult, nil
}

// ParseDataSize parses a data size above zero with a unit: decimal (kB, MB,
// GB, TB, PB, as Azure's sizes count) or binary (KiB, MiB, GiB, TiB, PiB),
// or B. It reads every size FormatBytes writes.
// Case and spaces do not matter: "80GB", "1.5 TB", "500mb".
func ParseDataSize(s string) (float64, error) {
	t := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
	for _, u := range []struct {
		suffix string
		mult   float64
	}{{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"tib", 1 << 40}, {"pib", 1 << 50}, {"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9}, {"tb", 1e12}, {"pb", 1e15}, {"b", 1}} {
		if num, ok := strings.CutSuffix(t, u.suffix); ok {
			v, err := strconv.ParseFloat(num, 64)
			if err != nil || !(v > 0) || math.IsInf(v, 0) {
				break
			}
			return v * u.mult, nil
		}
	}
	return 0, fmt.Errorf("%q is not a size with a unit (for example 80GB, 1.5TB or 500MB)", s)
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
