package openloop

import (
	"testing"
	"time"
)

// FuzzParseRamp feeds --rate-ramp values to ParseRamp. It never panics;
// what it accepts is a staircase of 1 to 1000 rising rates from FROM to at
// most TO, each held for a positive time.
func FuzzParseRamp(f *testing.F) {
	for _, seed := range []string{"10k:50k:10k:30s", "100:250:100", "1k:2k:1k:45", "1M:1M:1", "1.5M:2M:0.1M:1m30s",
		"1:1000:1", "0:1:1", "2:1:1", "1:2:0", "1:2:3:0s", "1:2:3:-1s", "1e9:1e9:1", "k:M:k", "::", "1:2:3:4:5"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRamp(s, time.Second)
		if err != nil {
			return
		}
		rates := r.Rates()
		if len(rates) < 1 || len(rates) > 1000 {
			t.Fatalf("%q: %d steps", s, len(rates))
		}
		if rates[0] != r.From || r.StepDuration <= 0 {
			t.Fatalf("%q: %+v, rates %v", s, r, rates)
		}
		for i, x := range rates {
			if !(x > 0) || x > r.To*(1+1e-9) || i > 0 && x <= rates[i-1] {
				t.Fatalf("%q: step %d of %v is %v", s, i+1, rates, x)
			}
		}
	})
}
