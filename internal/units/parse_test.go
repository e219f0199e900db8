package units

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestParseBytes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want int
		ok   bool
	}{
		{"512", 512, true}, {"4KB", 4000, true}, {"4kb", 4000, true}, {"4KiB", 4096, true}, {"4 kib", 4096, true},
		{"1MB", 1e6, true}, {"1MiB", 1 << 20, true}, {"1 GiB", 1 << 30, true}, {"0", 0, true}, {"7b", 7, true},
		{" 2MiB ", 2 << 20, true}, {"2147483647", math.MaxInt32, true}, {"1GB", 1e9, true},
		{"1.5KB", 1500, true}, {"1.5KiB", 1536, true}, {"0.5KiB", 512, true},
		{"-1", 0, false}, {"3GiB", 0, false}, {"lots", 0, false}, {"", 0, false}, {"1.5", 0, false}, {"0.3KB", 300, true},
		{"0.0005KB", 0, false}, {"2147483648", 0, false}, {"kb", 0, false}, {"1e3", 0, false}, {"NaN", 0, false},
		{"0x10", 0, false}, {"inf", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseBytes(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseBytes(%q) = %d, %v; want %d, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
		if err != nil && !strings.Contains(err.Error(), `"`+tt.in+`"`) {
			t.Errorf("ParseBytes(%q): error %q does not quote the input", tt.in, err)
		}
	}
}

// TestBareMultiplesAreRefused checks that a bare k, m, g or t, which some
// tools read as 1000 and others as 1024, is refused by every size parser
// with both readings named, rather than guessed.
func TestBareMultiplesAreRefused(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, decimal, binary string }{
		{"4k", "4KB", "4KiB"}, {"4K", "4KB", "4KiB"}, {"1m", "1MB", "1MiB"}, {"80G", "80GB", "80GiB"}, {"1.5t", "1.5TB", "1.5TiB"},
	}
	for _, tt := range tests {
		_, err := ParseBytes(tt.in)
		_, dsErr := ParseDataSize(tt.in)
		for _, e := range []error{err, dsErr} {
			if e == nil || !strings.Contains(e.Error(), "ambiguous") || !strings.Contains(e.Error(), tt.decimal) || !strings.Contains(e.Error(), tt.binary) {
				t.Errorf("%q: error %v, want it called ambiguous, naming %s and %s", tt.in, e, tt.decimal, tt.binary)
			}
		}
	}
}

func TestParseDataSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"80GB", 80e9, true}, {"1.5TB", 1.5e12, true}, {"500mb", 500e6, true}, {"1 kB", 1e3, true},
		{"2GiB", 2 << 30, true}, {"1TiB", 1 << 40, true}, {"3KiB", 3 << 10, true}, {"4MiB", 4 << 20, true},
		{"100b", 100, true}, {" 80 GB ", 80e9, true}, {"10PB", 10e15, true}, {"2PiB", 2 << 50, true},
		{"80", 0, false}, {"0GB", 0, false}, {"-1GB", 0, false}, {"GB", 0, false}, {"lots", 0, false},
		{"1e400GB", 0, false}, {"NaNGB", 0, false}, {"80G", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseDataSize(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseDataSize(%q) = %v, %v; want %v, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestParseCount(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"1000000", 1e6, true}, {"1M", 1e6, true}, {"2.5k", 2500, true}, {"3G", 3e9, true}, {" 7 ", 7, true},
		{"0", 0, false}, {"-1", 0, false}, {"1.5", 0, false}, {"lots", 0, false}, {"1e6", 0, false}, {"2e15", 0, false}, {"k", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseCount(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseCount(%q) = %v, %v; want %v, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestParsePercent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"75%", 0.75, true}, {"0.5", 0.005, true}, {" 100% ", 1, true}, {"0%", 0, true}, {"20", 0.2, true},
		{"101%", 0, false}, {"-1%", 0, false}, {"NaN", 0, false}, {"half", 0, false}, {"", 0, false}, {"%", 0, false},
	}
	for _, tt := range tests {
		got, err := ParsePercent(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParsePercent(%q) = %v, %v; want %v, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestParseRate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"50000", 50000, true}, {"50k", 50000, true}, {"1.5M", 1.5e6, true}, {"2.5K", 2500, true},
		{"3m", 3e6, true}, {" 10k ", 10000, true}, {"1000M", MaxRate, true}, {"1G", MaxRate, true}, {"0.5g", 5e8, true},
		{"0.5", 0.5, true},
		{"0", 0, false}, {"-5", 0, false}, {"fast", 0, false}, {"5G", 0, false}, {"1001M", 0, false},
		{"Inf", 0, false}, {"NaN", 0, false}, {"k", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseRate(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseRate(%q) = %v, %v; want %v, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

// TestParseRateSaysWhy checks that a rate above the cap is refused as too
// high, not as no rate at all.
func TestParseRateSaysWhy(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"2e9", `"2e9" is above the highest rate, 1G ops/s`},
		{"1001M", `"1001M" is above the highest rate, 1G ops/s`},
		{"1e400", `"1e400" is above the highest rate, 1G ops/s`},
		{"0", `"0" is not a rate above 0 ops/s (for example 50000, 50k or 1.5M)`},
		{"-1G", `"-1G" is not a rate above 0 ops/s (for example 50000, 50k or 1.5M)`},
		{"NaN", `"NaN" is not a rate above 0 ops/s (for example 50000, 50k or 1.5M)`},
	}
	for _, tt := range tests {
		_, err := ParseRate(tt.in)
		if err == nil || err.Error() != tt.want {
			t.Errorf("ParseRate(%q): %v, want %q", tt.in, err, tt.want)
		}
	}
}

func TestParseDuration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"30s", 30 * time.Second, true}, {"5m", 5 * time.Minute, true}, {"1h30m", 90 * time.Minute, true},
		{"90", 90 * time.Second, true}, {"0.5", 500 * time.Millisecond, true}, {"0", 0, true}, {" 2s ", 2 * time.Second, true},
		{"-1", 0, false}, {"-1s", 0, false}, {"soon", 0, false}, {"NaN", 0, false}, {"1e300", 0, false}, {"", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}
