package units

import (
	"errors"
	"fmt"
	"math"
	"testing"
)

func TestFormatRate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   float64
		want string
	}{
		{50000, "50k"}, {1.5e6, "1.5M"}, {1234, "1234"}, {9130, "9.13k"}, {250, "250"}, {1e6, "1M"},
		{1.23e6, "1.23M"}, {1234560, "1234.56k"}, {0.5, "0.5"}, {1000, "1k"}, {MaxRate, "1G"}, {5e8, "500M"},
	}
	for _, tt := range tests {
		got := FormatRate(tt.in)
		if got != tt.want {
			t.Errorf("FormatRate(%v) = %q, want %q", tt.in, got, tt.want)
		}
		if back, err := ParseRate(got); err != nil || back != tt.in {
			t.Errorf("FormatRate(%v) = %q reads back as %v, %v", tt.in, got, back, err)
		}
	}
}

func TestFormatWholeAndThroughput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in               float64
		whole, perSecond string
	}{
		{0, "0", "0.0"},
		{12.34, "12", "12.3"},
		{99.96, "100", "100.0"}, // below 100 keeps its decimal, rounded by strconv
		{100, "100", "100"},
		{512.5, "513", "513"}, // half away from zero
		{999.5, "1,000", "1,000"},
		{1234, "1,234", "1,234"},
		{1699396, "1,699,396", "1,699,396"},
		{104211.5, "104,212", "104,212"},
		{3e9, "3,000,000,000", "3,000,000,000"},
		{-1234.4, "-1,234", "-1234.4"},
		{-12, "-12", "-12.0"},
		{math.Inf(1), "+Inf", "+Inf"},
	}
	for _, tt := range tests {
		if got := FormatWhole(tt.in); got != tt.whole {
			t.Errorf("FormatWhole(%v) = %q, want %q", tt.in, got, tt.whole)
		}
		if got := FormatThroughput(tt.in); got != tt.perSecond {
			t.Errorf("FormatThroughput(%v) = %q, want %q", tt.in, got, tt.perSecond)
		}
	}
}

func TestFormatPercentBytesGBMillis(t *testing.T) {
	t.Parallel()
	tests := []struct {
		got, want string
	}{
		{FormatPercent(0.932), "93.2 %"},
		{FormatPercent(0.00482), "0.482 %"},
		{FormatPercent(3.75), "375 %"},
		{FormatPercent(0.2), "20.0 %"},
		{FormatPercent(0.0123), "1.23 %"},
		{FormatPercent(0), "0 %"},
		{FormatBytes(1.32e9), "1.32 GB"},
		{FormatBytes(176e9), "176 GB"},
		{FormatBytes(2.7e12), "2.70 TB"},
		{FormatBytes(5e9), "5.00 GB"},
		{FormatBytes(999), "999 B"},
		{FormatBytes(12.5e3), "12.5 kB"},
		{FormatBytes(3e18), "3000 PB"},
		{FormatGB(19.2), "19.2 GB"},
		{FormatGB(0.25), "0.25 GB"},
		{FormatGB(3600), "3,600 GB"},
		{FormatGB(1234.56), "1,234.56 GB"},
		{FormatPercent(12.5), "1,250 %"},
		{FormatGB(7.2000001), "7.2 GB"},
		{FormatGB(2.345), "2.35 GB"},
		{FormatMillis(1015), "1.015"},
		{FormatMillis(469), "0.469"},
		{FormatMillis(0.4), "0.000"},
		{FormatMillis(2016165), "2,016.165"},
		{FormatMillis(123456789), "123,456.789"},
		{FormatMillis(999999), "999.999"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestPlural(t *testing.T) {
	t.Parallel()
	tests := []struct {
		got, want string
	}{
		{Plural(0, "error"), "0 errors"},
		{Plural(1, "error"), "1 error"}, // the only singular
		{Plural(int64(2), "error"), "2 errors"},
		{Plural(uint64(1000), "connection"), "1,000 connections"},
		{Plural(int64(30280), "late start"), "30,280 late starts"},
		{Plural(-1, "step"), "-1 steps"},
		{Plural(-1234, "step"), "-1,234 steps"},
		{FormatInt(569720), "569,720"},
		{FormatInt(uint8(255)), "255"},
		{FormatInt(int64(-1000000)), "-1,000,000"},
		{Plural(int32(1), "shard"), "1 shard"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestOneLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		want string
	}{
		{nil, ""},
		{errors.New("plain"), "plain"},
		{errors.Join(errors.New("--ratio: bad"), errors.New("--pipeline: bad")), "--ratio: bad; --pipeline: bad"},
		{errors.New("  padded  \n"), "padded"},
		{errors.New("AzureCLICredential: ERROR: no login\n\n--------\n  RESPONSE   400\n"), "AzureCLICredential: ERROR: no login; --------; RESPONSE 400"},
		{fmt.Errorf("token: %w", errors.New("a\tb\r\nc")), "token: a b; c"},
	}
	for _, tt := range tests {
		if got := OneLine(tt.err); got != tt.want {
			t.Errorf("OneLine(%q) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

func TestIsLoopback(t *testing.T) {
	t.Parallel()
	tests := []struct {
		host string
		want bool
	}{
		{"localhost", true}, {"LocalHost", true}, {"127.0.0.1", true}, {"127.8.9.10", true}, {"::1", true},
		{"10.0.0.4", false}, {"cache.westeurope.redis.azure.net", false}, {"", false}, {"[::1]", false},
		{"localhost.example.com", false}, {"::", false},
	}
	for _, tt := range tests {
		if got := IsLoopback(tt.host); got != tt.want {
			t.Errorf("IsLoopback(%q) = %v, want %v", tt.host, got, tt.want)
		}
	}
}

func TestMulDiv(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b, c, want uint64
	}{
		{10, 1, 3, 3},
		{10, 2, 3, 6},
		{10, 3, 3, 10},
		{0, 5, 7, 0},
		{math.MaxUint64, 1, 2, math.MaxUint64 / 2},
		{math.MaxUint64, 2, 3, 12297829382473034410}, // ⌊(2⁶⁴−1)·2/3⌋, beyond 64 bits before dividing
		{1 << 63, 1, 3, 3074457345618258602},         // a float would round this to ...432
		{math.MaxUint64, math.MaxUint64, math.MaxUint64, math.MaxUint64},
		{math.MaxUint64, 3, 2, math.MaxUint64}, // the quotient does not fit
		{5, 5, 0, math.MaxUint64},              // no division by zero
	}
	for _, tt := range tests {
		if got := MulDiv(tt.a, tt.b, tt.c); got != tt.want {
			t.Errorf("MulDiv(%d, %d, %d) = %d, want %d", tt.a, tt.b, tt.c, got, tt.want)
		}
	}
	// Splitting n into parts covers it exactly, without gaps or overlaps.
	for _, n := range []uint64{1, 7, 1000, math.MaxUint64 - 1, math.MaxUint64} {
		for _, parts := range []uint64{1, 3, 7, 64} {
			var prev uint64
			for i := uint64(1); i <= parts; i++ {
				end := MulDiv(n, i, parts)
				if end < prev {
					t.Fatalf("n %d in %d parts: part %d ends at %d, before %d", n, parts, i, end, prev)
				}
				prev = end
			}
			if prev != n {
				t.Errorf("n %d in %d parts ends at %d", n, parts, prev)
			}
		}
	}
}

// TestFormatBytesReadsBack checks that the parser takes every size the
// printer writes, from bytes to thousands of petabytes (plan prints a
// --dataset back with FormatBytes): each reads back within its rounding.
func TestFormatBytesReadsBack(t *testing.T) {
	t.Parallel()
	for _, v := range []float64{1, 999, 1000, 12.5e3, 1.32e9, 80e9, 2.7e12, 999.5e12, 1e15, 10e15, 123.4e15, 3e18} {
		text := FormatBytes(v)
		back, err := ParseDataSize(text)
		if err != nil {
			t.Errorf("FormatBytes(%g) = %q does not read back: %v", v, text, err)
			continue
		}
		if math.Abs(back-v)/v > 0.005 {
			t.Errorf("FormatBytes(%g) = %q reads back as %g", v, text, back)
		}
	}
}

func TestLastLines(t *testing.T) {
	t.Parallel()
	tests := []struct {
		out  string
		n    int
		want string
	}{
		{"one\ntwo\nthree\nfour\n", 2, "three; four"},
		{"  only  \n\n", 5, "only"},
		{"a\nb", 5, "a; b"},
		{"", 3, ""},
	}
	for _, tt := range tests {
		if got := LastLines(tt.out, tt.n, "; "); got != tt.want {
			t.Errorf("LastLines(%q, %d) = %q, want %q", tt.out, tt.n, got, tt.want)
		}
	}
}
