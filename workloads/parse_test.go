package workloads

import (
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestParseRatio(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    Ratio
		wantErr string
	}{
		{in: "1:10", want: Ratio{1, 10}},
		{in: "0:1", want: Ratio{0, 1}},     // GET only
		{in: "1:0", want: Ratio{1, 0}},     // SET only
		{in: " 3 : 4 ", want: Ratio{3, 4}}, // spaces are forgiven
		{in: "1:x", wantErr: `GET side: "x" is not a whole number`},
		{in: "-1:2", wantErr: "SET side"},
		{in: "0:0", wantErr: "at least one side"},
		{in: "10", wantErr: "not SETS:GETS"},
	}
	for _, tt := range tests {
		got, err := ParseRatio(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseRatio(%q) error = %v, want containing %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseRatio(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestParseKeyPatterns(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    KeyPatterns
		wantErr bool
	}{
		{in: "R:R", want: KeyPatterns{Uniform, Uniform}},
		{in: "p:p", want: KeyPatterns{Parallel, Parallel}}, // lower case accepted
		{in: "S:G", want: KeyPatterns{Sequential, Gaussian}},
		{in: "Z", want: KeyPatterns{Zipf, Zipf}}, // one letter means both sides
		{in: "X:R", wantErr: true},
		{in: "R:", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseKeyPatterns(tt.in)
		if (err != nil) != tt.wantErr || (!tt.wantErr && got != tt.want) {
			t.Errorf("ParseKeyPatterns(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestParseRange(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    Range
		wantErr bool
	}{
		{in: "10-100", want: Range{10, 100}},
		{in: "0-0", want: Range{0, 0}},
		{in: "5-5", want: Range{5, 5}},
		{in: "100-10", wantErr: true}, // inverted
		{in: "-5-10", wantErr: true},  // negative
		{in: "10", wantErr: true},
		{in: "a-b", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseRange(tt.in)
		if (err != nil) != tt.wantErr || (!tt.wantErr && got != tt.want) {
			t.Errorf("ParseRange(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestParseExpiryRange(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    Range
		wantErr bool
	}{
		{in: "60-600", want: Range{60, 600}},
		{in: "1-1", want: Range{1, 1}},
		{in: "none", want: Range{}},
		{in: "0-0", want: Range{}},
		{in: "0-10", wantErr: true}, // a TTL of 0 would mean no expiry for some SETs
		{in: "10-1", wantErr: true},
		{in: "soon", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseExpiryRange(tt.in)
		if (err != nil) != tt.wantErr || (!tt.wantErr && got != tt.want) {
			t.Errorf("ParseExpiryRange(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestParseSizeList(t *testing.T) {
	t.Parallel()
	got, err := ParseSizeList("32:7, 1024:2,4096:1")
	want := []SizeWeight{{32, 7}, {1024, 2}, {4096, 1}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("ParseSizeList = %v, %v; want %v", got, err, want)
	}
	for _, bad := range []string{"32", "32:0", "0:1", "-3:1", "32:1,", "a:1"} {
		if _, err := ParseSizeList(bad); err == nil {
			t.Errorf("ParseSizeList(%q) accepted a bad list", bad)
		}
	}
}

func TestSpecValidate(t *testing.T) {
	t.Parallel()
	median, nan := 5.0, math.NaN()
	tests := []struct {
		name    string
		mutate  func(*Spec)
		conns   int
		wantErr string // empty: valid
	}{
		{name: "default is valid", mutate: func(*Spec) {}, conns: 50},
		{name: "inverted key range", mutate: func(s *Spec) { s.KeyMinimum, s.KeyMaximum = 10, 5 }, wantErr: "--key-minimum 10 is above --key-maximum 5"},
		{name: "unknown pattern", mutate: func(s *Spec) { s.KeyPattern.Get = "Q" }, wantErr: `unknown pattern "Q"`},
		{name: "parallel needs a key per connection", mutate: func(s *Spec) {
			s.KeyPattern = KeyPatterns{Parallel, Parallel}
			s.KeyMaximum = 9
		}, conns: 11, wantErr: "10 keys cannot be shared by 11 connections"},
		{name: "zipf exponent out of range", mutate: func(s *Spec) { s.KeyPattern.Get = Zipf; s.KeyZipfExp = 5 }, wantErr: "--key-zipf-exp 5"},
		{name: "zipf exponent ignored when unused", mutate: func(s *Spec) { s.KeyZipfExp = 9 }},
		{name: "gaussian median outside range", mutate: func(s *Spec) {
			s.KeyPattern.Get = Gaussian
			s.KeyMinimum, s.KeyMaximum = 10, 20
			s.KeyMedian = &median
		}, wantErr: "--key-median 5"},
		// Found by FuzzParsePreset's property: NaN passed both comparisons,
		// and the generator then drew key 2^63.
		{name: "gaussian median NaN", mutate: func(s *Spec) {
			s.KeyPattern.Get = Gaussian
			s.KeyMedian = &nan
		}, wantErr: "--key-median NaN"},
		{name: "negative data size", mutate: func(s *Spec) { s.DataSize = -1 }, wantErr: "--data-size -1"},
		{name: "inverted size range", mutate: func(s *Spec) { s.DataSizeRange = Range{100, 10} }, wantErr: "minimum is above maximum"},
		{name: "zero size in range", mutate: func(s *Spec) { s.DataSizeRange = Range{0, 10} }, wantErr: "--data-size-range 0-10"},
		{name: "inverted expiry", mutate: func(s *Spec) { s.ExpiryRange = Range{10, 5} }, wantErr: "--expiry-range 10-5"},
		{name: "ratio 0:0", mutate: func(s *Spec) { s.Ratio = Ratio{} }, wantErr: "--ratio 0:0"},
	}
	for _, tt := range tests {
		s := DefaultSpec()
		tt.mutate(&s)
		err := s.Validate(tt.conns)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("%s: unexpected error %v", tt.name, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("%s: error = %v, want containing %q", tt.name, err, tt.wantErr)
		}
	}
}

// TestParseValueSize checks a preset's data-size: units.ParseBytes (whose
// table test is in internal/units) from 1 byte to the largest value.
func TestParseValueSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want int
		ok   bool
	}{
		{"1", 1, true}, {"4KiB", 4096, true}, {"4KB", 4000, true}, {"512MiB", maxValueSize, true},
		{"0", 0, false}, {"513MiB", 0, false}, {"lots", 0, false}, {"4k", 0, false},
	}
	for _, tt := range tests {
		got, err := parseValueSize(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseValueSize(%q) = %d, %v; want %d, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}
