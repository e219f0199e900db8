package workloads

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// Defaults for a Spec, chosen to match memtier_benchmark where it has one.
const (
	DefaultKeyPrefix   = "key:"
	DefaultKeyMinimum  = 0
	DefaultKeyMaximum  = 99999
	DefaultDataSize    = 32
	DefaultZipfExp     = 1.0
	DefaultSetRatio    = 1
	DefaultGetRatio    = 10
	randomDataSlack    = 4096 // extra random bytes so values start at varied offsets
	maxValueSize       = 512 << 20
	maxKeyPatternRange = math.MaxUint64 - 1
)

// Ratio is the SET:GET mix, as memtier's --ratio spells it: Sets SETs for every
// Gets GETs, interleaved deterministically.
type Ratio struct {
	Sets int `json:"sets"`
	Gets int `json:"gets"`
}

// String returns the ratio as "S:G".
func (r Ratio) String() string { return fmt.Sprintf("%d:%d", r.Sets, r.Gets) }

// KeyPatterns holds the key pattern of each side of the mix.
type KeyPatterns struct {
	Set KeyPattern `json:"set"`
	Get KeyPattern `json:"get"`
}

// String returns the patterns as "S:G", e.g. "R:R".
func (p KeyPatterns) String() string { return string(p.Set) + ":" + string(p.Get) }

// Range is an inclusive range of whole numbers. The zero Range means "not set".
type Range struct {
	Min int64 `json:"min"`
	Max int64 `json:"max"`
}

// IsZero reports whether the range is unset.
func (r Range) IsZero() bool { return r.Min == 0 && r.Max == 0 }

// String returns the range as "MIN-MAX".
func (r Range) String() string { return fmt.Sprintf("%d-%d", r.Min, r.Max) }

// SizeWeight is one entry of a --data-size-list: values of Size bytes are
// chosen with probability Weight / (sum of weights).
type SizeWeight struct {
	Size   int `json:"size"`
	Weight int `json:"weight"`
}

// Spec describes a SET/GET workload. The zero value is not valid; start from
// DefaultSpec.
type Spec struct {
	Ratio      Ratio       `json:"ratio"`
	KeyPrefix  string      `json:"key_prefix"`
	KeyMinimum uint64      `json:"key_minimum"`
	KeyMaximum uint64      `json:"key_maximum"`
	KeyPattern KeyPatterns `json:"key_pattern"`
	// KeyStddev is the standard deviation of the G pattern; 0 means a sixth
	// of the key range, as memtier does.
	KeyStddev float64 `json:"key_stddev,omitempty"`
	// KeyMedian is the centre of the G pattern; nil means the middle of the
	// key range.
	KeyMedian *float64 `json:"key_median,omitempty"`
	// KeyZipfExp is the exponent of the Z pattern, in (0, 5).
	KeyZipfExp float64 `json:"key_zipf_exp,omitempty"`
	// DataSize is the fixed value size in bytes, used when neither
	// DataSizeRange nor DataSizeList is set.
	DataSize      int          `json:"data_size"`
	DataSizeRange Range        `json:"data_size_range,omitzero"`
	DataSizeList  []SizeWeight `json:"data_size_list,omitempty"`
	RandomData    bool         `json:"random_data"`
	// ExpiryRange is the SET expiry in seconds, drawn uniformly from the
	// range; the zero range means no expiry.
	ExpiryRange Range `json:"expiry_range,omitzero"`
	// Seed makes the operation sequence of every connection reproducible.
	Seed uint64 `json:"seed"`
	// Commands, when set, replace the SET/GET mix (Ratio and KeyPattern are
	// then unused), as memtier's --command does: each is sent its ratio of
	// times in turn, its keys drawn by its own pattern from the key range.
	Commands []Command `json:"commands,omitempty"`
}

// DefaultSpec returns the workload amrbench runs when no workload flag is
// given: 1:10 SET:GET, uniform keys 0..99999, 32-byte values.
func DefaultSpec() Spec {
	return Spec{
		Ratio:      Ratio{Sets: DefaultSetRatio, Gets: DefaultGetRatio},
		KeyPrefix:  DefaultKeyPrefix,
		KeyMinimum: DefaultKeyMinimum,
		KeyMaximum: DefaultKeyMaximum,
		KeyPattern: KeyPatterns{Set: Uniform, Get: Uniform},
		KeyZipfExp: DefaultZipfExp,
		DataSize:   DefaultDataSize,
	}
}

// KeyCount returns the number of keys in the key range.
func (s *Spec) KeyCount() uint64 { return s.KeyMaximum - s.KeyMinimum + 1 }

// MaxValueSize returns the largest value the spec can produce.
func (s *Spec) MaxValueSize() int {
	switch {
	case len(s.DataSizeList) > 0:
		m := 0
		for _, sw := range s.DataSizeList {
			m = max(m, sw.Size)
		}
		return m
	case !s.DataSizeRange.IsZero():
		return int(s.DataSizeRange.Max)
	default:
		return s.DataSize
	}
}

// MeanValueSize returns the expected value size in bytes.
func (s *Spec) MeanValueSize() float64 {
	switch {
	case len(s.DataSizeList) > 0:
		var sum, weights float64
		for _, sw := range s.DataSizeList {
			sum += float64(sw.Size) * float64(sw.Weight)
			weights += float64(sw.Weight)
		}
		return sum / weights
	case !s.DataSizeRange.IsZero():
		return float64(s.DataSizeRange.Min+s.DataSizeRange.Max) / 2
	default:
		return float64(s.DataSize)
	}
}

// Validate checks the spec for values no workload can run with. connections
// is the number of connections that will share it (the P pattern needs at
// least one key per connection). Errors name the flag the value came from.
func (s *Spec) Validate(connections int) error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	switch {
	case len(s.Commands) > 0:
		errs = append(errs, s.validateCommands()...)
	case s.Ratio.Sets < 0 || s.Ratio.Gets < 0:
		add("--ratio %s: both sides must be zero or more", s.Ratio)
	case s.Ratio.Sets == 0 && s.Ratio.Gets == 0:
		add("--ratio 0:0: at least one side must be above zero")
	}
	if s.KeyMinimum > s.KeyMaximum {
		add("--key-minimum %d is above --key-maximum %d", s.KeyMinimum, s.KeyMaximum)
	} else if s.KeyMaximum-s.KeyMinimum > maxKeyPatternRange {
		add("--key-minimum..--key-maximum spans too many keys")
	}
	for _, p := range []KeyPattern{s.KeyPattern.Set, s.KeyPattern.Get} {
		if !p.valid() && len(s.Commands) == 0 {
			add("--key-pattern %s: unknown pattern %q (use R, S, G, Z or P)", s.KeyPattern, string(p))
		}
	}
	if s.Uses(Parallel) && connections > 0 && s.KeyMinimum <= s.KeyMaximum && s.KeyCount() < uint64(connections) {
		add("--key-pattern P gives each connection its own keys: %d keys cannot be shared by %d connections", s.KeyCount(), connections)
	}
	if s.Uses(Gaussian) && (s.KeyStddev < 0 || math.IsNaN(s.KeyStddev) || math.IsInf(s.KeyStddev, 0)) {
		add("--key-stddev %g: must be a positive number", s.KeyStddev)
	}
	if s.Uses(Gaussian) && s.KeyMedian != nil && !(*s.KeyMedian >= float64(s.KeyMinimum) && *s.KeyMedian <= float64(s.KeyMaximum)) { // NaN too
		add("--key-median %g: must lie within --key-minimum..--key-maximum (%d..%d)", *s.KeyMedian, s.KeyMinimum, s.KeyMaximum)
	}
	if s.Uses(Zipf) && !(s.KeyZipfExp > 0 && s.KeyZipfExp < 5) {
		add("--key-zipf-exp %g: must be above 0 and below 5", s.KeyZipfExp)
	}
	errs = append(errs, s.validateSizes()...)
	if !s.ExpiryRange.IsZero() {
		r := s.ExpiryRange
		if r.Min < 0 || r.Max < 0 {
			add("--expiry-range %s: seconds cannot be negative", r)
		} else if r.Min > r.Max {
			add("--expiry-range %s: minimum is above maximum", r)
		}
	}
	return errors.Join(errs...)
}

func (s *Spec) validateSizes() []error {
	var errs []error
	switch {
	case len(s.DataSizeList) > 0:
		total := 0
		for _, sw := range s.DataSizeList {
			if sw.Size <= 0 || sw.Size > maxValueSize {
				errs = append(errs, fmt.Errorf("--data-size-list: size %d must be between 1 and %d bytes", sw.Size, maxValueSize))
			}
			if sw.Weight <= 0 {
				errs = append(errs, fmt.Errorf("--data-size-list: weight %d of size %d must be above zero", sw.Weight, sw.Size))
			}
			total += sw.Weight
		}
		if total > math.MaxInt32 {
			errs = append(errs, errors.New("--data-size-list: weights add up to too much"))
		}
	case !s.DataSizeRange.IsZero():
		r := s.DataSizeRange
		if r.Min <= 0 || r.Max <= 0 {
			errs = append(errs, fmt.Errorf("--data-size-range %s: sizes must be above zero", r))
		} else if r.Min > r.Max {
			errs = append(errs, fmt.Errorf("--data-size-range %s: minimum is above maximum", r))
		} else if r.Max > maxValueSize {
			errs = append(errs, fmt.Errorf("--data-size-range %s: at most %d bytes", r, maxValueSize))
		}
	default:
		if s.DataSize <= 0 || s.DataSize > maxValueSize {
			errs = append(errs, fmt.Errorf("--data-size %d: must be between 1 and %d bytes", s.DataSize, maxValueSize))
		}
	}
	return errs
}

// Uses reports whether some operation of the workload draws its keys by p.
func (s *Spec) Uses(p KeyPattern) bool {
	if len(s.Commands) > 0 {
		for _, c := range s.Commands {
			if c.KeyPattern == p && c.Ratio > 0 {
				return true
			}
		}
		return false
	}
	return (s.KeyPattern.Set == p && s.Ratio.Sets > 0) || (s.KeyPattern.Get == p && s.Ratio.Gets > 0)
}

// Describe says what the workload does in one line, for people.
func (s *Spec) Describe() string {
	var b strings.Builder
	if len(s.Commands) > 0 {
		fmt.Fprintf(&b, "%s, keys %s%d..%s%d, values ", s.describeCommands(), s.KeyPrefix, s.KeyMinimum, s.KeyPrefix, s.KeyMaximum)
	} else {
		fmt.Fprintf(&b, "SET:GET %s, keys %s%d..%s%d (", s.Ratio, s.KeyPrefix, s.KeyMinimum, s.KeyPrefix, s.KeyMaximum)
		if s.KeyPattern.Set == s.KeyPattern.Get {
			b.WriteString(s.KeyPattern.Set.describe(s))
		} else {
			fmt.Fprintf(&b, "SET %s, GET %s", s.KeyPattern.Set.describe(s), s.KeyPattern.Get.describe(s))
		}
		b.WriteString("), values ")
	}
	switch {
	case len(s.DataSizeList) > 0:
		parts := make([]string, len(s.DataSizeList))
		for i, sw := range s.DataSizeList {
			parts[i] = fmt.Sprintf("%d B×%d", sw.Size, sw.Weight)
		}
		b.WriteString(strings.Join(parts, ", "))
	case !s.DataSizeRange.IsZero():
		fmt.Fprintf(&b, "%d-%d B", s.DataSizeRange.Min, s.DataSizeRange.Max)
	default:
		fmt.Fprintf(&b, "%d B", s.DataSize)
	}
	if s.RandomData {
		b.WriteString(" random")
	}
	if !s.ExpiryRange.IsZero() {
		fmt.Fprintf(&b, ", expiry %d-%d s", s.ExpiryRange.Min, s.ExpiryRange.Max)
	}
	fmt.Fprintf(&b, ", seed %d", s.Seed)
	return b.String()
}

func (p KeyPattern) describe(s *Spec) string {
	switch p {
	case Uniform:
		return "uniform"
	case Sequential:
		return "sequential"
	case Gaussian:
		return "gaussian"
	case Zipf:
		return fmt.Sprintf("zipf %g", s.KeyZipfExp)
	case Parallel:
		return "parallel"
	}
	return string(p)
}
