package workloads

import (
	"bufio"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/amrbench/amrbench/internal/units"
)

// The built-in presets are data files in the same format users write, so
// each is readable and diffable, and a user's file can start from one.
//
//go:embed presets/*.conf
var presetFiles embed.FS

// PresetExt is the file extension of the built-in preset files.
const PresetExt = ".conf"

// BuiltIn is the Source of a built-in preset.
const BuiltIn = "built-in"

// Preset is a named workload read from a preset file.
//
// A preset file has one field per line, "name value", with the names of the
// run flags that set the same thing, and '#' comments:
//
//	# Flash Optimized, skewed reads
//	description   a hot set in RAM over a key space larger than RAM
//	base          read-heavy-cache     # start from a built-in preset
//	ratio         1:10
//	key-pattern   Z:Z
//	key-zipf-exp  1.0
//	data-size     1024
//	preload-fill  75%
//
// Fields: description, base, ratio, key-prefix, key-minimum, key-maximum,
// key-pattern, key-stddev (keys, or a percentage of the key range),
// key-median, key-zipf-exp, data-size, data-size-range, data-size-list,
// random-data, expiry-range, preload-fill. A field the file does not set
// keeps its value from the base preset, or else from DefaultSpec; a run's
// flags override the file.
type Preset struct {
	Name        string
	Description string
	// Source is BuiltIn or the path of the file.
	Source string
	// Spec is the workload: DefaultSpec, then the base preset, then the
	// file's fields. Its Seed is not set.
	Spec Spec
	// KeyStddevShare, when above zero, is the G pattern's standard deviation
	// as a share of the key range, applied by Finish once the key range is
	// final.
	KeyStddevShare float64
	// PreloadFill, when above zero, asks for the key range to be sized to this
	// share of the target's memory (Microsoft's prefill rule) and preloaded
	// before the run.
	PreloadFill float64
	// Fields are the fields the file and its bases set, sorted.
	Fields []string
}

// Finish applies what depends on the final key range: a standard deviation
// given as a share of the range. Call it after flags have changed the spec,
// unless a flag set the standard deviation itself.
func (p *Preset) Finish(s *Spec) {
	if p.KeyStddevShare > 0 {
		s.KeyStddev = p.KeyStddevShare * float64(s.KeyCount())
	}
}

// presetFields are the field names a preset file may use, in the order
// `Fields` lists them in the documentation.
var presetFields = []string{
	"description", "base", "ratio", "key-prefix", "key-minimum", "key-maximum", "key-pattern", "key-stddev",
	"key-median", "key-zipf-exp", "data-size", "data-size-range", "data-size-list", "random-data", "expiry-range",
	"preload-fill",
}

// PresetNames returns the names of the built-in presets, sorted.
func PresetNames() []string {
	entries, _ := fs.ReadDir(presetFiles, "presets") // embedded: cannot fail
	var names []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), PresetExt) {
			names = append(names, strings.TrimSuffix(e.Name(), PresetExt))
		}
	}
	sort.Strings(names)
	return names
}

// ErrUnknownPreset is returned by LookupPreset for a name that is not a
// built-in preset.
var ErrUnknownPreset = errors.New("unknown preset")

// LookupPreset returns the built-in preset of that name.
func LookupPreset(name string) (*Preset, error) {
	return lookupPreset(name, nil)
}

func lookupPreset(name string, chain []string) (*Preset, error) {
	if slices.Contains(chain, name) {
		return nil, fmt.Errorf("preset %q: base presets form a loop: %s", name, strings.Join(append(chain, name), " -> "))
	}
	if !slices.Contains(PresetNames(), name) {
		return nil, fmt.Errorf("%w %q (presets: %s)", ErrUnknownPreset, name, strings.Join(PresetNames(), ", "))
	}
	f, err := presetFiles.Open("presets/" + name + PresetExt)
	if err != nil {
		return nil, fmt.Errorf("preset %q: %w", name, err)
	}
	defer f.Close()
	return parsePreset(name, f, "presets/"+name+PresetExt, BuiltIn, append(chain, name))
}

// PresetText returns the file of a built-in preset, for people to read or
// copy.
func PresetText(name string) (string, error) {
	b, err := presetFiles.ReadFile("presets/" + name + PresetExt)
	if err != nil {
		return "", fmt.Errorf("%w %q (presets: %s)", ErrUnknownPreset, name, strings.Join(PresetNames(), ", "))
	}
	return string(b), nil
}

// MaxPresetLine bounds one line of a preset file, so that reading a file
// that is not one (/dev/zero, a binary) stops there. A preset line is one
// field and its value: the longest useful one, a data-size-list of a
// thousand sizes, is under 20 KB.
const MaxPresetLine = 1 << 20

// ErrPresetLineTooLong is returned by ParsePreset for a line longer than
// MaxPresetLine.
var ErrPresetLineTooLong = fmt.Errorf("a line longer than %d MiB: not a preset file", MaxPresetLine>>20)

// ParsePreset reads a preset file. name names the preset; path is used in
// errors, which have the form "path:line: message".
func ParsePreset(name string, r io.Reader, path string) (*Preset, error) {
	return parsePreset(name, r, path, path, nil)
}

// presetLine is one field of a preset file.
type presetLine struct {
	line        int
	name, value string
}

func parsePreset(name string, r io.Reader, path, source string, chain []string) (*Preset, error) {
	var lines []presetLine
	seen := map[string]int{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4<<10), MaxPresetLine)
	n := 1
	for ; sc.Scan(); n++ {
		text := sc.Text()
		if i := commentStart(text); i >= 0 {
			text = text[:i]
		}
		text = strings.TrimSpace(text)
		if text == "" {
			continue
		}
		field, value := text, ""
		if i := strings.IndexAny(text, " \t"); i >= 0 {
			field, value = text[:i], strings.TrimSpace(text[i+1:])
		}
		field = strings.ToLower(field)
		if !slices.Contains(presetFields, field) {
			return nil, fmt.Errorf("%s:%d: unknown field %q (fields: %s)", path, n, field, strings.Join(presetFields, ", "))
		}
		if value == "" {
			return nil, fmt.Errorf("%s:%d: %s has no value", path, n, field)
		}
		if prev, ok := seen[field]; ok {
			return nil, fmt.Errorf("%s:%d: %s is already set on line %d", path, n, field, prev)
		}
		seen[field] = n
		lines = append(lines, presetLine{line: n, name: field, value: value})
	}
	if err := sc.Err(); errors.Is(err, bufio.ErrTooLong) {
		return nil, fmt.Errorf("%s:%d: %w", path, n, ErrPresetLineTooLong)
	} else if err != nil {
		return nil, fmt.Errorf("%s:%d: %w", path, n, err)
	}
	sizeLines := 0
	for _, f := range []string{"data-size", "data-size-range", "data-size-list"} {
		if n, ok := seen[f]; ok {
			sizeLines++
			if sizeLines > 1 {
				return nil, fmt.Errorf("%s:%d: give one of data-size, data-size-range and data-size-list", path, n)
			}
		}
	}

	p := &Preset{Name: name, Source: source, Spec: DefaultSpec()}
	fields := map[string]bool{}
	if n, ok := seen["base"]; ok {
		base, err := lookupPreset(valueOf(lines, "base"), chain)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: base: %w", path, n, err)
		}
		p.Description, p.Spec, p.KeyStddevShare, p.PreloadFill = base.Description, base.Spec, base.KeyStddevShare, base.PreloadFill
		for _, f := range base.Fields {
			fields[f] = true
		}
	}
	for _, l := range lines {
		if err := p.set(l.name, l.value); err != nil {
			return nil, fmt.Errorf("%s:%d: %s: %w", path, l.line, l.name, err)
		}
		if l.name != "base" {
			fields[l.name] = true
		}
	}
	for f := range fields {
		p.Fields = append(p.Fields, f)
	}
	sort.Strings(p.Fields)
	check := p.Spec
	p.Finish(&check)
	if err := check.Validate(0); err != nil {
		return nil, fieldError(path, seen, err)
	}
	return p, nil
}

// commentStart returns the index of a '#' that starts a comment: at the
// start of the line or after white space.
func commentStart(s string) int {
	for i, c := range s {
		if c == '#' && (i == 0 || s[i-1] == ' ' || s[i-1] == '\t') {
			return i
		}
	}
	return -1
}

func valueOf(lines []presetLine, name string) string {
	for _, l := range lines {
		if l.name == name {
			return l.value
		}
	}
	return ""
}

var flagName = regexp.MustCompile(`--([a-z-]+)`)

// fieldError turns Validate's errors, which name flags, into errors that name
// the fields and the last line of the file involved.
func fieldError(path string, seen map[string]int, err error) error {
	var msgs []string
	for _, msg := range strings.Split(err.Error(), "\n") {
		line := 0
		for _, m := range flagName.FindAllStringSubmatch(msg, -1) {
			line = max(line, seen[m[1]])
		}
		msg = strings.ReplaceAll(msg, "--", "")
		if line > 0 {
			msgs = append(msgs, fmt.Sprintf("%s:%d: %s", path, line, msg))
		} else {
			msgs = append(msgs, fmt.Sprintf("%s: %s", path, msg))
		}
	}
	return errors.New(strings.Join(msgs, "\n"))
}

// set applies one field.
func (p *Preset) set(name, value string) error {
	s := &p.Spec
	var err error
	switch name {
	case "description":
		p.Description = value
	case "base":
		// applied first, by parsePreset
	case "ratio":
		s.Ratio, err = ParseRatio(value)
	case "key-prefix":
		s.KeyPrefix = value
	case "key-minimum":
		s.KeyMinimum, err = parseUint(value)
	case "key-maximum":
		s.KeyMaximum, err = parseUint(value)
	case "key-pattern":
		s.KeyPattern, err = ParseKeyPatterns(value)
	case "key-stddev":
		if strings.HasSuffix(value, "%") {
			var share float64
			share, err = parseShare(value)
			p.KeyStddevShare, s.KeyStddev = share, 0
		} else {
			s.KeyStddev, err = parsePositive(value)
			p.KeyStddevShare = 0
		}
	case "key-median":
		var m float64
		m, err = strconv.ParseFloat(value, 64)
		if err != nil || m < 0 {
			err = fmt.Errorf("%q is not a key number", value)
		}
		s.KeyMedian = &m
	case "key-zipf-exp":
		s.KeyZipfExp, err = parsePositive(value)
		if err == nil && s.KeyZipfExp >= 5 {
			err = fmt.Errorf("%s: must be above 0 and below 5", value)
		}
	case "data-size":
		s.DataSize, err = parseValueSize(value)
		s.DataSizeRange, s.DataSizeList = Range{}, nil
	case "data-size-range":
		s.DataSizeRange, err = ParseRange(value)
		s.DataSizeList = nil
	case "data-size-list":
		s.DataSizeList, err = ParseSizeList(value)
		s.DataSizeRange = Range{}
	case "random-data":
		s.RandomData, err = strconv.ParseBool(value)
		if err != nil {
			err = fmt.Errorf("%q is not true or false", value)
		}
	case "expiry-range":
		s.ExpiryRange, err = ParseExpiryRange(value)
	case "preload-fill":
		if !strings.HasSuffix(value, "%") {
			return fmt.Errorf("%q is not a percentage (for example 75%%)", value)
		}
		p.PreloadFill, err = parseShare(value)
	}
	return err
}

func parseUint(s string) (uint64, error) {
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a whole number of zero or more", s)
	}
	return n, nil
}

func parsePositive(s string) (float64, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || !(v > 0) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%q is not a number above zero", s)
	}
	return v, nil
}

// parseShare parses a percentage above 0, as a fraction.
func parseShare(s string) (float64, error) {
	v, err := units.ParsePercent(s)
	if err == nil && v == 0 {
		err = fmt.Errorf("%q: a percentage above 0%% is needed", s)
	}
	return v, err
}

// parseValueSize parses a value size: units.ParseBytes from 1 byte to the
// largest value a workload sends.
func parseValueSize(s string) (int, error) {
	n, err := units.ParseBytes(s)
	if errors.Is(err, units.ErrAmbiguousSize) {
		return 0, err
	}
	if err != nil || n < 1 || n > maxValueSize {
		return 0, fmt.Errorf("%q is not a size between 1 byte and %d MiB (for example 1024, 1KB or 4KiB)", s, maxValueSize>>20)
	}
	return n, nil
}
