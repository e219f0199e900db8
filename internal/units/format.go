package units

import (
	"math"
	"strconv"
	"strings"
)

// FormatRate writes a rate the way ParseRate reads it, compactly: 50k,
// 1.5M, 1G, 250.
func FormatRate(r float64) string {
	switch {
	case r >= 1e9 && math.Mod(r, 1e7) == 0:
		return strconv.FormatFloat(r/1e9, 'f', -1, 64) + "G"
	case r >= 1e6 && math.Mod(r, 1e4) == 0:
		return strconv.FormatFloat(r/1e6, 'f', -1, 64) + "M"
	case r >= 1e3 && math.Mod(r, 10) == 0:
		return strconv.FormatFloat(r/1e3, 'f', -1, 64) + "k"
	default:
		return strconv.FormatFloat(r, 'f', -1, 64)
	}
}

// FormatWhole rounds x to a whole number, half away from zero, and groups
// its thousands with commas: 1,699,396. NaN and infinities are written as
// strconv writes them.
func FormatWhole(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return strconv.FormatFloat(x, 'f', 0, 64)
	}
	return groupThousands(strconv.FormatFloat(math.Round(x), 'f', 0, 64))
}

// groupThousands puts a comma between each group of three digits of the
// whole part of a number written in digits, with an optional sign and
// fraction: "-1234567.5" is "-1,234,567.5".
func groupThousands(s string) string {
	digits, sign := strings.CutPrefix(s, "-")
	whole, fraction, hasFraction := strings.Cut(digits, ".")
	if len(whole) <= 3 {
		return s
	}
	var b strings.Builder
	if sign {
		b.WriteByte('-')
	}
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if hasFraction {
		b.WriteByte('.')
		b.WriteString(fraction)
	}
	return b.String()
}

// FormatThroughput formats a rate for a table: one decimal below 100
// ("12.5"), and from 100 up a whole number with thousands separators
// ("104,212").
func FormatThroughput(x float64) string {
	if x < 100 {
		return strconv.FormatFloat(x, 'f', 1, 64)
	}
	return FormatWhole(x)
}

// FormatPercent formats a fraction as a percentage with three significant
// digits at least: 93.2 %, 0.482 %, 375 %.
func FormatPercent(x float64) string {
	p := 100 * x
	switch {
	case p >= 100:
		return groupThousands(strconv.FormatFloat(p, 'f', 0, 64)) + " %"
	case p >= 10:
		return strconv.FormatFloat(p, 'f', 1, 64) + " %"
	case p >= 1:
		return strconv.FormatFloat(p, 'f', 2, 64) + " %"
	default:
		return strconv.FormatFloat(p, 'g', 3, 64) + " %"
	}
}

// FormatBytes formats a byte count in decimal units, as Azure sizes are
// given: 1.32 GB, 176 GB, 2.70 TB.
func FormatBytes(n float64) string {
	units := []string{"B", "kB", "MB", "GB", "TB", "PB"}
	i := 0
	for n >= 1000 && i < len(units)-1 {
		n /= 1000
		i++
	}
	prec := 0
	switch {
	case i == 0 || n >= 100:
	case n >= 10:
		prec = 1
	default:
		prec = 2
	}
	return strconv.FormatFloat(n, 'f', prec, 64) + " " + units[i]
}

// FormatGB formats a size given in GB, to at most two decimals: 19.2 GB,
// 0.25 GB, 3,600 GB.
func FormatGB(v float64) string {
	return groupThousands(strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)) + " GB"
}

// FormatMillis formats microseconds as milliseconds with microsecond
// precision and the thousands grouped: 1015 µs is "1.015", 2016165 µs
// "2,016.165".
func FormatMillis(us float64) string {
	return groupThousands(strconv.FormatFloat(us/1000, 'f', 3, 64))
}
