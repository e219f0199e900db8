package record

import (
	"testing"

	"github.com/amrbench/amrbench/bench/transport"
)

// TestPolledShare follows the connections' counts from one interval to the
// next: the share of an interval's reads made polling, and, for an
// interval whose counts the connections have not handed on yet, the mode
// they are in.
func TestPolledShare(t *testing.T) {
	t.Parallel()
	steps := []struct {
		name string
		now  transport.ReplyWaitStats
		want float64
	}{
		{"all polled", transport.ReplyWaitStats{Polled: 100, Polling: true}, 1},
		{"a quarter polled", transport.ReplyWaitStats{Polled: 125, Parked: 75}, 0.25},
		{"nothing handed on, polling", transport.ReplyWaitStats{Polled: 125, Parked: 75, Polling: true}, 1},
		{"nothing handed on, parked", transport.ReplyWaitStats{Polled: 125, Parked: 75}, 0},
		{"parked only", transport.ReplyWaitStats{Polled: 125, Parked: 175, Polling: true}, 0},
	}
	var now transport.ReplyWaitStats
	r := &Recorder{ReplyWaits: func() transport.ReplyWaitStats { return now }}
	for _, s := range steps {
		now = s.now
		if got := r.polledShare(); got != s.want {
			t.Errorf("%s: polled share %v, want %v", s.name, got, s.want)
		}
	}
	if got := (&Recorder{}).polledShare(); got != 0 {
		t.Errorf("without reply waits: %v, want 0", got)
	}
}
