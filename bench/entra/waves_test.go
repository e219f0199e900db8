package entra

import (
	"testing"
	"time"
)

func TestWaves(t *testing.T) {
	t.Parallel()
	var got []Wave
	w := NewWaves(3, func(v Wave) { got = append(got, v) })
	t0 := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	w.Begin(2, t0)
	w.Reauthed(2, t0.Add(10*time.Millisecond), time.Millisecond)
	w.Failed(2)
	w.Reauthed(1, t0.Add(11*time.Millisecond), time.Millisecond) // an older token: ignored
	w.Connected(2)                                               // opened with the token
	w.Reauthed(2, t0.Add(30*time.Millisecond), 4*time.Millisecond)
	w.Begin(3, t0.Add(time.Second))
	w.Reauthed(3, t0.Add(time.Second+5*time.Millisecond), time.Millisecond)
	w.End(t0.Add(2 * time.Second))
	w.End(t0.Add(3 * time.Second)) // nothing left

	want := []Wave{
		{Token: 2, Start: t0, End: t0.Add(30 * time.Millisecond), Complete: true, Expected: 3, Reauthed: 2, Fresh: 1, Failed: 1,
			First: 10 * time.Millisecond, Last: 30 * time.Millisecond, Slowest: 4 * time.Millisecond},
		{Token: 3, Start: t0.Add(time.Second), End: t0.Add(2 * time.Second), Expected: 3, Reauthed: 1,
			First: 5 * time.Millisecond, Last: 5 * time.Millisecond, Slowest: time.Millisecond},
	}
	if len(got) != len(want) {
		t.Fatalf("%d waves, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("wave %d: %+v\nwant %+v", i, got[i], want[i])
		}
	}
	var off *Waves // re-AUTH off: every method is a no-op
	off.Begin(1, t0)
	off.Reauthed(1, t0, 0)
	off.End(t0)
	if off.Size() != 0 {
		t.Error("a nil Waves has a size")
	}
}

func TestStaggerDelay(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ left, most time.Duration }{
		{3 * time.Second, time.Second}, // a third of what is left
		{time.Hour, MaxReauthSpread},   // capped
		{0, 0},                         // expired: at once
		{-time.Second, 0},              //
		{2 * time.Nanosecond, 0},       // too little to spread
	} {
		for range 100 {
			if d := StaggerDelay(tt.left); d < 0 || d > tt.most {
				t.Fatalf("StaggerDelay(%s) = %s, want 0 to %s", tt.left, d, tt.most)
			}
		}
	}
}
