package workloads

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// TestBuiltInPresets reads every built-in preset and checks what each
// promises.
func TestBuiltInPresets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		ratio       Ratio
		get         KeyPattern
		minValue    int // smallest value size the preset can produce
		expiry      bool
		preloadFill float64
	}{
		{"read-heavy-cache", Ratio{1, 10}, Uniform, 1024, false, 0},
		{"balanced", Ratio{1, 1}, Uniform, 1024, false, 0},
		{"write-heavy", Ratio{10, 1}, Uniform, 1024, false, 0},
		{"session-store", Ratio{1, 3}, Uniform, 512, true, 0},
		{"flash-zipf", Ratio{1, 10}, Zipf, 1024, false, 0.75},
		{"flash-gaussian", Ratio{1, 10}, Gaussian, 1024, false, 0.75},
		{"flash-uniform", Ratio{1, 10}, Uniform, 1024, false, 0.75},
	}
	if got := strings.Join(PresetNames(), " "); len(PresetNames()) != len(tests) {
		t.Fatalf("built-in presets %s, the test knows %d", got, len(tests))
	}
	for _, tt := range tests {
		p, err := LookupPreset(tt.name)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		s := p.Spec
		minValue := s.DataSize
		if !s.DataSizeRange.IsZero() {
			minValue = int(s.DataSizeRange.Min)
		}
		if s.Ratio != tt.ratio || s.KeyPattern.Get != tt.get || minValue != tt.minValue ||
			s.ExpiryRange.IsZero() == tt.expiry || p.PreloadFill != tt.preloadFill {
			t.Errorf("%s: ratio %s, GET pattern %s, smallest value %d, expiry %v, preload-fill %v", tt.name,
				s.Ratio, s.KeyPattern.Get, minValue, s.ExpiryRange, p.PreloadFill)
		}
		if p.Description == "" || p.Source != BuiltIn {
			t.Errorf("%s: description %q, source %q", tt.name, p.Description, p.Source)
		}
		if _, err := New(s, 50); err != nil {
			t.Errorf("%s: the preset's workload does not build: %v", tt.name, err)
		}
	}
}

// TestFlashPresetsHotSet checks the Flash presets' promise: with the key
// space at 75 % of a Flash SKU, of which 20 % is RAM, the hot set the skewed
// presets read from fits in RAM and the uniform one does not.
func TestFlashPresetsHotSet(t *testing.T) {
	t.Parallel()
	// An A250: 235 GB, 47 GB of RAM; 1 KiB values and Microsoft's 300 bytes per key.
	keys := uint64(235_000_000_000 * 3 / 4 / 1324) // 133,119,335
	inRAM := uint64(47_000_000_000 / 1324)         // 35,498,489
	tests := []struct {
		name     string
		min, max float64
	}{
		{"flash-zipf", 0.90, 0.95},
		{"flash-gaussian", 0.96, 0.99},
		{"flash-uniform", 0.26, 0.27},
	}
	for _, tt := range tests {
		p, err := LookupPreset(tt.name)
		if err != nil {
			t.Fatal(err)
		}
		s := p.Spec
		s.KeyMinimum, s.KeyMaximum = 0, keys-1
		p.Finish(&s)
		if got := s.GetShareOfHottest(inRAM); got < tt.min || got > tt.max {
			t.Errorf("%s: %.4f of GETs on the %d keys that fit in RAM, want %.2f..%.2f", tt.name, got, inRAM, tt.min, tt.max)
		}
	}
}

// TestGetShareOfHottest compares the formula with what the generators draw.
func TestGetShareOfHottest(t *testing.T) {
	t.Parallel()
	median := 2000.0
	tests := []struct {
		name    string
		pattern KeyPattern
		zipf    float64
		stddev  float64
		median  *float64
		hottest func(key uint64) bool // is the key among the k hottest of 0..9999?
		k       uint64
	}{
		{"uniform", Uniform, 0, 0, nil, func(key uint64) bool { return key < 2500 }, 2500},
		{"zipf 1", Zipf, 1, 0, nil, func(key uint64) bool { return key < 500 }, 500},
		{"zipf 0.7", Zipf, 0.7, 0, nil, func(key uint64) bool { return key < 2000 }, 2000},
		{"zipf 1.5", Zipf, 1.5, 0, nil, func(key uint64) bool { return key < 10 }, 10},
		{"gaussian default", Gaussian, 0, 0, nil, func(key uint64) bool { return key >= 4000 && key < 6000 }, 2000},
		{"gaussian narrow", Gaussian, 0, 500, nil, func(key uint64) bool { return key >= 4500 && key < 5500 }, 1000},
		// The median near the low end: the range cuts the distribution, the
		// hottest keys are still those around the median.
		{"gaussian off-centre", Gaussian, 0, 1500, &median, func(key uint64) bool { return key >= 501 && key <= 3500 }, 3000},
		// The median at the end: the hottest keys are shifted into the range.
		{"gaussian at the end", Gaussian, 0, 1500, new(float64), func(key uint64) bool { return key < 3000 }, 3000},
	}
	const draws = 200000
	for _, tt := range tests {
		s := DefaultSpec()
		s.Seed = 7
		s.Ratio = Ratio{0, 1}
		s.KeyMinimum, s.KeyMaximum = 0, 9999
		s.KeyPattern = KeyPatterns{tt.pattern, tt.pattern}
		s.KeyZipfExp, s.KeyStddev, s.KeyMedian = tt.zipf, tt.stddev, tt.median
		if tt.zipf == 0 {
			s.KeyZipfExp = DefaultZipfExp
		}
		g := mustWorkload(t, s, 1).Generator(0, 1)
		var op Op
		hot := 0
		for range draws {
			g.Next(&op)
			if tt.hottest(op.KeyIndex) {
				hot++
			}
		}
		drawn := float64(hot) / draws
		want := s.GetShareOfHottest(tt.k)
		// Binomial noise at 200,000 draws is below 0.12 %; allow 0.5 %.
		if math.Abs(drawn-want) > 0.005 {
			t.Errorf("%s: the generator put %.4f of GETs on the %d hottest keys, the formula says %.4f", tt.name, drawn, tt.k, want)
		}
	}
}

func TestHarmonic(t *testing.T) {
	t.Parallel()
	for _, s := range []float64{0.5, 0.99, 1, 1.01, 2} {
		for _, n := range []float64{1, 999, 1000, 1001, 50000} {
			exact := 0.0
			for i := 1.0; i <= n; i++ {
				exact += math.Pow(i, -s)
			}
			if got := harmonic(n, s); math.Abs(got-exact)/exact > 1e-9 {
				t.Errorf("harmonic(%v, %v) = %.12f, summed %.12f", n, s, got, exact)
			}
		}
	}
}

func TestParsePreset(t *testing.T) {
	t.Parallel()
	file := `# a user's file: start from a built-in preset, change two fields
base          read-heavy-cache
description   bigger values   # an inline comment
data-size     4KiB
key-stddev    10%
key-pattern   G:G
random-data   true
`
	p, err := ParsePreset("mine", strings.NewReader(file), "mine.conf")
	if err != nil {
		t.Fatal(err)
	}
	s := p.Spec
	if p.Name != "mine" || p.Source != "mine.conf" || p.Description != "bigger values" {
		t.Errorf("name %q source %q description %q", p.Name, p.Source, p.Description)
	}
	// From the base: ratio and key range; from the file: the rest.
	if s.Ratio != (Ratio{1, 10}) || s.KeyMaximum != 999999 || s.DataSize != 4096 || !s.RandomData ||
		s.KeyPattern != (KeyPatterns{Gaussian, Gaussian}) || p.KeyStddevShare != 0.1 {
		t.Errorf("spec %+v, stddev share %v", s, p.KeyStddevShare)
	}
	p.Finish(&s)
	if s.KeyStddev != 100000 {
		t.Errorf("stddev 10%% of 1,000,000 keys = %v", s.KeyStddev)
	}
	want := "data-size description key-maximum key-minimum key-pattern key-stddev random-data ratio"
	if strings.Join(p.Fields, " ") != want {
		t.Errorf("fields %v, want %s", p.Fields, want)
	}

	// A size field replaces the base's other size form.
	p, err = ParsePreset("s", strings.NewReader("base session-store\ndata-size 100\n"), "s.conf")
	if err != nil {
		t.Fatal(err)
	}
	if !p.Spec.DataSizeRange.IsZero() || p.Spec.DataSize != 100 || p.Spec.ExpiryRange.IsZero() {
		t.Errorf("data-size over a base data-size-range: %+v", p.Spec)
	}
}

func TestParsePresetErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, file, want string }{
		{"unknown field", "ratio 1:1\n\nratoi 1:2\n", "bad.conf:3: unknown field \"ratoi\""},
		{"no value", "# c\nratio\n", "bad.conf:2: ratio has no value"},
		{"twice", "ratio 1:1\ndata-size 10\nratio 1:2\n", "bad.conf:3: ratio is already set on line 1"},
		{"bad ratio", "ratio 1-10\n", "bad.conf:1: ratio: \"1-10\" is not SETS:GETS"},
		{"bad pattern", "key-pattern Q:R\n", "bad.conf:1: key-pattern:"},
		{"bad size", "data-size 0\n", "bad.conf:1: data-size: \"0\" is not a size"},
		{"two sizes", "data-size 10\ndata-size-list 10:1\n", "bad.conf:2: give one of data-size"},
		{"bad fill", "preload-fill 75\n", "bad.conf:1: preload-fill: \"75\" is not a percentage"},
		{"fill above 100", "preload-fill 150%\n", "bad.conf:1: preload-fill: \"150%\" is not a percentage"},
		{"zipf too big", "key-zipf-exp 5\n", "bad.conf:1: key-zipf-exp: 5: must be above 0 and below 5"},
		{"bad bool", "random-data yes please\n", "bad.conf:1: random-data: \"yes please\" is not true or false"},
		{"unknown base", "description x\nbase nosuch\n", "bad.conf:2: base: unknown preset \"nosuch\" (presets: balanced,"},
		// Errors across fields name the fields and the last line involved.
		{"range", "key-minimum 10\n# c\nkey-maximum 5\n", "bad.conf:3: key-minimum 10 is above key-maximum 5"},
		{"median outside", "key-pattern G:G\nkey-median 5000000\n", "bad.conf:2: key-median 5e+06: must lie within"},
	}
	for _, tt := range tests {
		_, err := ParsePreset("bad", strings.NewReader(tt.file), "bad.conf")
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error = %v, want it to contain %q", tt.name, err, tt.want)
		}
	}
	if _, err := LookupPreset("nosuch"); !errors.Is(err, ErrUnknownPreset) {
		t.Errorf("LookupPreset(nosuch) = %v, want ErrUnknownPreset", err)
	}
}

func TestPresetText(t *testing.T) {
	t.Parallel()
	text, err := PresetText("flash-zipf")
	if err != nil || !strings.Contains(text, "preload-fill  75%") {
		t.Errorf("PresetText(flash-zipf) = %q, %v", text, err)
	}
}

// zeros is an io.Reader that never ends, like /dev/zero; it counts what was
// read from it.
type zeros struct{ read int }

func (z *zeros) Read(p []byte) (int, error) {
	clear(p)
	z.read += len(p)
	return len(p), nil
}

// TestParsePresetBoundsLineLength checks that a file that is not a preset
// (--workload /dev/zero) is refused once MaxPresetLine bytes are read, with
// the file and line named.
func TestParsePresetBoundsLineLength(t *testing.T) {
	t.Parallel()
	src := &zeros{}
	_, err := ParsePreset("zero", src, "/dev/zero")
	if want := "/dev/zero:1: a line longer than 1 MiB: not a preset file"; err == nil || err.Error() != want {
		t.Fatalf("endless line: error %v, want %q", err, want)
	}
	if !errors.Is(err, ErrPresetLineTooLong) || src.read > 2*MaxPresetLine {
		t.Fatalf("endless line: %v after reading %d bytes", err, src.read)
	}
	long := "ratio 1:1\n# a comment\ndescription " + strings.Repeat("x", MaxPresetLine) + "\n"
	if _, err := ParsePreset("long", strings.NewReader(long), "long.conf"); !errors.Is(err, ErrPresetLineTooLong) || !strings.HasPrefix(err.Error(), "long.conf:3: ") {
		t.Fatalf("line 3 too long: error %v, want long.conf:3: ErrPresetLineTooLong", err)
	}
	// A long line under the bound is still read.
	desc := strings.Repeat("y", MaxPresetLine-len("description \n"))
	p, err := ParsePreset("ok", strings.NewReader("description "+desc+"\n"), "ok.conf")
	if err != nil || p.Description != desc {
		t.Fatalf("a line of %d bytes: %v", MaxPresetLine, err)
	}
}
