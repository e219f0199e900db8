package reauth

import (
	"testing"
	"time"

	"github.com/amrbench/amrbench/bench/entra"
	"github.com/amrbench/amrbench/results"
)

// TestWaveEvents checks the reauth events that report waves of re-AUTHs:
// a complete wave and one cut short, as entra.Waves reports them (its own
// test follows the waves).
func TestWaveEvents(t *testing.T) {
	t.Parallel()
	var events []*results.Event
	a := &Auth{emit: func(e *results.Event) { events = append(events, e) }}
	t0 := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	a.waveEvent(entra.Wave{Token: 2, Start: t0, End: t0.Add(30 * time.Millisecond), Complete: true, Expected: 3, Reauthed: 2, Fresh: 1, Failed: 1,
		First: 10 * time.Millisecond, Last: 30 * time.Millisecond, Slowest: 4 * time.Millisecond})
	a.waveEvent(entra.Wave{Token: 3, Start: t0.Add(time.Second), End: t0.Add(2 * time.Second), Expected: 3, Reauthed: 1,
		First: 5 * time.Millisecond, Last: 5 * time.Millisecond, Slowest: time.Millisecond})

	want := []struct {
		outcome         string
		token           uint64
		count, failures int64
		detail          string
	}{
		{results.OutcomeComplete, 2, 2, 1, "token #2 sent on 2 of 3 connections from 10ms to 30ms after its renewal; slowest AUTH 4ms; 1 connection opened with it; 1 AUTH failed"},
		{results.OutcomePartial, 3, 1, 0, "token #3 sent on 1 of 3 connections from 5ms to 5ms after its renewal; slowest AUTH 1ms; 0 AUTH failed; cut short by the next token or the run's end"},
	}
	if len(events) != len(want) {
		t.Fatalf("%d events, want %d", len(events), len(want))
	}
	for i, e := range events {
		x := want[i]
		if e.Kind != results.EventReauth || e.Outcome != x.outcome || e.Token != x.token || e.Count != x.count || e.Failed != x.failures || e.Detail != x.detail {
			t.Errorf("event %d: %+v\nwant %+v", i, *e, x)
		}
	}
}
