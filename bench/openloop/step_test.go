package openloop

import (
	"math"
	"slices"
	"testing"
	"time"
)

func TestStepDueIsAbsolute(t *testing.T) {
	t.Parallel()
	t0 := time.Unix(1000, 0)
	s := &Step{Rate: 4000, Start: t0, End: t0.Add(time.Second)}
	tests := []struct {
		m    uint64
		want time.Duration
		ok   bool
	}{
		{0, 0, true},
		{1, 250 * time.Microsecond, true},       // 1/4000 s
		{3999, 999750 * time.Microsecond, true}, // the last one before the end
		{4000, 0, false},                        // due at the end: past the step
		{1 << 40, 0, false},
	}
	for _, tt := range tests {
		due, ok := s.Due(tt.m)
		if ok != tt.ok || (ok && due.Sub(t0) != tt.want) {
			t.Errorf("due(%d) = %v, %v; want +%v, %v", tt.m, due.Sub(t0), ok, tt.want, tt.ok)
		}
	}
	// A count-bounded step ends after count operations.
	c := &Step{Rate: 10, Start: t0, Count: 3}
	if _, ok := c.Due(2); !ok {
		t.Error("operation 2 of 3 refused")
	}
	if _, ok := c.Due(3); ok {
		t.Error("operation 3 of 3 accepted")
	}
	// Striping: N connections together send every operation exactly once.
	const conns = 7
	seen := map[uint64]bool{}
	for i := range conns {
		for m := uint64(i); ; m += conns {
			if _, ok := s.Due(m); !ok {
				break
			}
			seen[m] = true
		}
	}
	if len(seen) != 4000 {
		t.Fatalf("7 connections cover %d operations of 4000", len(seen))
	}
}

func TestParseRamp(t *testing.T) {
	t.Parallel()
	r, err := ParseRamp("10k:50k:10k:30s", time.Minute)
	if err != nil || r.StepDuration != 30*time.Second || !slices.Equal(r.Rates(), []float64{10000, 20000, 30000, 40000, 50000}) {
		t.Fatalf("ramp = %+v %v, %v", r, r.Rates(), err)
	}
	r, err = ParseRamp("100:250:100", 5*time.Second)
	if err != nil || r.StepDuration != 5*time.Second || !slices.Equal(r.Rates(), []float64{100, 200}) {
		t.Fatalf("ramp without a duration = %+v %v, %v", r, r.Rates(), err)
	}
	r, err = ParseRamp("1k:2k:1k:45", time.Second) // seconds, as --duration takes them
	if err != nil || r.StepDuration != 45*time.Second {
		t.Fatalf("ramp with bare seconds = %+v, %v", r, err)
	}
	for _, bad := range []string{"10k:5k:1k", "10k", "1:2:3:soon", "0:10:1", "1:1e6:1", "1:2:1:0", "1:2:1:-5"} {
		if _, err := ParseRamp(bad, time.Second); err == nil {
			t.Errorf("ParseRamp(%q) accepted", bad)
		}
	}
}

// drive runs a search to its end against a server that meets the
// objectives up to limit, and returns the rates it tried.
func drive(s *Search, limit float64) []float64 {
	var tried []float64
	for {
		r, ok := s.Next()
		if !ok {
			return tried
		}
		tried = append(tried, r)
		s.Record(r, r <= limit)
	}
}

// TestSearchBrackets runs the search against a server whose limit is known:
// it must double until a step fails, then bisect to within the precision,
// never reporting a rate above the limit.
func TestSearchBrackets(t *testing.T) {
	t.Parallel()
	for _, limit := range []float64{3000, 9130, 50000, 777} {
		s := &Search{Start: 1000, Precision: 0.02, MaxSteps: 30, Cap: 1e7}
		tried := drive(s, limit)
		if s.highest > limit || s.lowest <= limit || (s.lowest-s.highest) > 0.02*s.lowest+1 {
			t.Errorf("limit %v: bracket [%v, %v] after %v", limit, s.highest, s.lowest, tried)
		}
		if len(tried) > 15 {
			t.Errorf("limit %v: %d steps: %v", limit, len(tried), tried)
		}
	}
	// A staircase is climbed first, then the search bisects.
	s := &Search{Ramp: []float64{10, 20, 30, 40}, Start: 10, Precision: 0.05, MaxSteps: 20, Cap: 1e6}
	tried := drive(s, 25)
	if !slices.Equal(tried[:3], []float64{10, 20, 30}) || s.highest < 24 || s.highest > 25 {
		t.Fatalf("ramp then bisection tried %v, found %v", tried, s.highest)
	}
	// The climb stops at the cap.
	s = &Search{Start: 1000, Precision: 0.02, MaxSteps: 30, Cap: 5000}
	if tried := drive(s, 1e12); slices.Max(tried) > 5000 {
		t.Fatalf("search tried %v, above its cap", tried)
	}
	if s.highest != 5000 {
		t.Fatalf("highest %v, want the cap 5000", s.highest)
	}
}

func TestRoundRate(t *testing.T) {
	t.Parallel()
	for in, want := range map[float64]float64{9125: 9130, 12345.6: 12300, 50: 50, 0.4: 1, 1e6 + 1: 1e6} {
		if got := roundRate(in); math.Abs(got-want) > 1e-6 {
			t.Errorf("roundRate(%v) = %v, want %v", in, got, want)
		}
	}
}
