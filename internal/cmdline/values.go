package cmdline

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/amrbench/amrbench/internal/units"
)

// Duration is a duration flag's value, stored in d: it also takes a bare
// number of seconds, as memtier's --test-time does: "30", "30s", "5m",
// "1h30m".
func Duration(d *time.Duration) pflag.Value { return secondsOrDuration{d} }

// Bytes is a size flag's value, stored in n: plain bytes or a unit, as
// units.ParseBytes reads them.
func Bytes(n *int) pflag.Value { return byteSize{n} }

// Percentiles is the value of a flag listing percentiles, stored in ps:
// "50,99,99.9".
func Percentiles(ps *[]float64) pflag.Value { return percentileList{ps} }

// secondsOrDuration is a duration flag that also takes a bare number of
// seconds, as memtier's --test-time does: "30", "30s", "5m", "1h30m".
type secondsOrDuration struct{ d *time.Duration }

// String is empty for zero, so that --help states no default where the
// default is computed or written in the flag's usage.
func (f secondsOrDuration) String() string {
	if f.d == nil || *f.d == 0 {
		return ""
	}
	return f.d.String()
}

func (f secondsOrDuration) Type() string { return "duration" }

func (f secondsOrDuration) Set(s string) error {
	d, err := units.ParseDuration(s)
	if err != nil {
		return err
	}
	*f.d = d
	return nil
}

// byteSize is a size flag taking plain bytes or a unit as units.ParseBytes
// reads them: 512, 4KB (4,000), 4KiB (4,096), 1MiB; a bare k is refused.
type byteSize struct{ n *int }

// String is empty for zero, so that --help states no default where the
// default is computed or written in the flag's usage.
func (f byteSize) String() string {
	if f.n == nil || *f.n == 0 {
		return ""
	}
	return strconv.Itoa(*f.n)
}

func (f byteSize) Type() string { return "bytes" }

func (f byteSize) Set(s string) error {
	n, err := units.ParseBytes(s)
	if err != nil {
		return err
	}
	*f.n = n
	return nil
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
