package workloads

import (
	"bytes"
	"strings"
	"testing"

	"github.com/amrbench/amrbench/internal/units"
)

// FuzzParsePreset feeds preset files (--workload FILE) to ParsePreset. A
// file is refused with an error naming it, or else it describes a workload
// that runs: New accepts its spec, and its generator draws keys inside the
// key range and values of the sizes the spec allows.
func FuzzParsePreset(f *testing.F) {
	for _, name := range PresetNames() {
		text, err := PresetText(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add([]byte(text))
	}
	for _, seed := range []string{
		"base read-heavy-cache\ndata-size 4KiB\nkey-stddev 10%\nkey-pattern G:G\nrandom-data true\n",
		"base session-store\ndata-size-list 100:1,1000:3\nexpiry-range 10-20\n",
		"key-pattern P:P\nkey-minimum 5\nkey-maximum 5\n",
		"key-pattern Z:S\nkey-zipf-exp 0.001\nkey-median 3\n",
		"key-pattern G:G\nkey-median 0\nkey-stddev 0.5\nkey-maximum 18446744073709551615\n",
		"data-size-range 0-0\n",
		"ratio 0:1 # only reads\n#ratio 1:0\n",
		"description \xff\xfe\n",
		"description x\r\nratio 1:1\r\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, file []byte) {
		p, err := ParsePreset("fuzz", bytes.NewReader(file), "fuzz.conf")
		if err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, "fuzz.conf") {
					t.Fatalf("error line %q does not name the file", line)
				}
			}
			return
		}
		s := p.Spec
		p.Finish(&s)
		if err := s.Validate(0); err != nil {
			t.Fatalf("a preset that parsed does not validate: %v", err)
		}
		if s.MaxValueSize() > 1<<20 {
			return // a valid workload, but its value buffer is too big to build for every input
		}
		w, err := New(s, 1)
		if err != nil {
			t.Fatalf("New refuses a preset that validated: %v", err)
		}
		g := w.Generator(0, 1)
		var op Op
		for range 64 {
			g.Next(&op)
			if op.KeyIndex < s.KeyMinimum || op.KeyIndex > s.KeyMaximum {
				t.Fatalf("key %d outside %d..%d", op.KeyIndex, s.KeyMinimum, s.KeyMaximum)
			}
			if op.Kind != Set {
				continue
			}
			if len(op.Value) > s.MaxValueSize() {
				t.Fatalf("value of %d bytes, the spec allows up to %d", len(op.Value), s.MaxValueSize())
			}
			if len(s.DataSizeList) == 0 && s.DataSizeRange.IsZero() && len(op.Value) != s.DataSize {
				t.Fatalf("value of %d bytes, data-size is %d", len(op.Value), s.DataSize)
			}
		}
	})
}

// FuzzParseFlagValues feeds one text to each parser of a workload flag's
// value. None panics; what one accepts, its String writes back in a form it
// reads to the same value.
func FuzzParseFlagValues(f *testing.F) {
	for _, seed := range []string{"1:10", "0:1", "R:R", "z", "G:P", "10-20", "0-0", "none", "100:1,1000:3",
		"4k", "4KiB", "2g", "75%", " 100 ", "-1", "1:-1", "9223372036854775807-9223372036854775807",
		"HSET __key__ f __data__", `set "a b" 'it\'s' x:__key__:y`, `get "\x41\n"`, `set "open`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if r, err := ParseRatio(s); err == nil {
			if r.Sets < 0 || r.Gets < 0 || r.Sets+r.Gets == 0 {
				t.Fatalf("ParseRatio(%q) = %v", s, r)
			}
			if back, err := ParseRatio(r.String()); err != nil || back != r {
				t.Fatalf("ParseRatio(%q) = %v, read back as %v, %v", s, r, back, err)
			}
		}
		if p, err := ParseKeyPatterns(s); err == nil {
			if back, err := ParseKeyPatterns(p.String()); err != nil || back != p {
				t.Fatalf("ParseKeyPatterns(%q) = %v, read back as %v, %v", s, p, back, err)
			}
		}
		if r, err := ParseRange(s); err == nil {
			if r.Min < 0 || r.Min > r.Max {
				t.Fatalf("ParseRange(%q) = %v", s, r)
			}
			if back, err := ParseRange(r.String()); err != nil || back != r {
				t.Fatalf("ParseRange(%q) = %v, read back as %v, %v", s, r, back, err)
			}
		}
		if r, err := ParseExpiryRange(s); err == nil && !r.IsZero() && r.Min < 1 {
			t.Fatalf("ParseExpiryRange(%q) = %v: an expiry starts at 1 s", s, r)
		}
		if list, err := ParseSizeList(s); err == nil {
			for _, sw := range list {
				if sw.Size <= 0 || sw.Weight <= 0 {
					t.Fatalf("ParseSizeList(%q) holds %+v", s, sw)
				}
			}
		}
		if n, err := units.ParseBytes(s); err == nil && n < 0 {
			t.Fatalf("ParseBytes(%q) = %d", s, n)
		}
		if n, err := parseValueSize(s); err == nil && (n < 1 || n > maxValueSize) {
			t.Fatalf("parseValueSize(%q) = %d", s, n)
		}
		if v, err := units.ParsePercent(s); err == nil && !(v >= 0 && v <= 1) {
			t.Fatalf("ParsePercent(%q) = %v", s, v)
		}
		if c, err := NewCommand(s); err == nil {
			checkCommand(t, c)
		}
	})
}

// checkCommand checks that an accepted --command names itself by its first
// word and that a generator fills every one of its arguments.
func checkCommand(t *testing.T, c Command) {
	words, err := splitCommandLine(c.Line)
	if err != nil || len(words) == 0 || c.Name() != strings.ToUpper(words[0]) {
		t.Fatalf("NewCommand(%q) accepted %q, named %q", c.Line, words, c.Name())
	}
	spec := DefaultSpec()
	spec.Commands = []Command{c}
	w, err := New(spec, 1)
	if err != nil {
		t.Fatalf("NewCommand(%q) accepted a command New refuses: %v", c.Line, err)
	}
	var op Op
	g := w.Generator(0, 1)
	for range 3 {
		g.Next(&op)
		if len(op.Args) != len(words) || string(op.Args[0]) != words[0] {
			t.Fatalf("%q: arguments %q for words %q", c.Line, op.Args, words)
		}
	}
}
