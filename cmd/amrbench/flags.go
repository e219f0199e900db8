package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// secondsOrDuration is a duration flag that also takes a bare number of
// seconds, as memtier's --test-time does: "30", "30s", "5m", "1h30m".
type secondsOrDuration struct{ d *time.Duration }

func (f secondsOrDuration) String() string {
	if f.d == nil {
		return "0s"
	}
	return f.d.String()
}

func (f secondsOrDuration) Type() string { return "duration" }

func (f secondsOrDuration) Set(s string) error {
	d, err := parseDuration(s)
	if err != nil {
		return err
	}
	*f.d = d
	return nil
}

func parseDuration(s string) (time.Duration, error) {
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

// byteSize is a size flag taking plain bytes or a binary suffix: 512, 4k,
// 4KB, 4KiB, 1m, 1MiB (k = 1024).
type byteSize struct{ n *int }

func (f byteSize) String() string {
	if f.n == nil {
		return "0"
	}
	return strconv.Itoa(*f.n)
}

func (f byteSize) Type() string { return "bytes" }

func (f byteSize) Set(s string) error {
	n, err := parseByteSize(s)
	if err != nil {
		return err
	}
	*f.n = n
	return nil
}

func parseByteSize(s string) (int, error) {
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

// percentileList is a comma-separated list of percentiles: "50,99,99.9".
type percentileList struct{ ps *[]float64 }

func (f percentileList) String() string {
	if f.ps == nil {
		return ""
	}
	parts := make([]string, len(*f.ps))
	for i, p := range *f.ps {
		parts[i] = strconv.FormatFloat(p, 'f', -1, 64)
	}
	return strings.Join(parts, ",")
}

func (f percentileList) Type() string { return "percentiles" }

func (f percentileList) Set(s string) error {
	var ps []float64
	for _, part := range strings.Split(s, ",") {
		p, err := strconv.ParseFloat(strings.TrimSpace(part), 64)
		if err != nil || !(p > 0 && p <= 100) {
			return fmt.Errorf("%q: %q is not a percentile above 0 and at most 100", s, part)
		}
		ps = append(ps, p)
	}
	*f.ps = ps
	return nil
}
