package transport

import (
	"testing"
	"time"
)

// TestDeadlineConnKeep checks when a deadline in force stands for the one
// asked: only when it is at most slack earlier, never later, and never for
// "no deadline" on either side.
func TestDeadlineConnKeep(t *testing.T) {
	c := &deadlineConn{slack: 100 * time.Millisecond}
	asked := time.Unix(1_800_000_000, 0)
	tests := []struct {
		name string
		cur  time.Time
		t    time.Time
		want bool
	}{
		{"the same deadline", asked, asked, true},
		{"slightly earlier, within slack", asked.Add(-99 * time.Millisecond), asked, true},
		{"exactly slack earlier", asked.Add(-100 * time.Millisecond), asked, true},
		{"more than slack earlier", asked.Add(-101 * time.Millisecond), asked, false},
		{"later: a shorter timeout applies at once", asked.Add(time.Millisecond), asked, false},
		{"none in force", time.Time{}, asked, false},
		{"none asked", asked, time.Time{}, false},
		{"neither", time.Time{}, time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.keep(unixNanos(tt.cur), tt.t); got != tt.want {
				t.Errorf("keep(%v, %v) = %v, want %v", tt.cur, tt.t, got, tt.want)
			}
		})
	}
}
