package entra

import (
	"sync"
	"time"
)

// Waves follows each token from its renewal until every connection has it
// (a wave), and reports each wave when it is complete, or cut short by the
// next token or the end. Its methods are safe for concurrent use, and do
// nothing on a nil Waves (re-AUTH off).
type Waves struct {
	mu       sync.Mutex
	expected int
	cur      *Wave
	report   func(Wave)
}

// Wave is the spread of one token over the connections.
type Wave struct {
	// Token is the token's generation; Start is its renewal.
	Token uint64
	Start time.Time
	// End is when the wave was reported; Complete is set when every
	// connection had the token then.
	End      time.Time
	Complete bool
	// Expected is the number of connections the token had to reach.
	Expected int
	// Reauthed counts the connections that sent the token with AUTH, Fresh
	// those opened with it, Failed the AUTHs that failed.
	Reauthed, Fresh int
	Failed          int64
	// First and Last are the first and last AUTH after Start; Slowest is
	// the slowest AUTH.
	First, Last, Slowest time.Duration
}

// NewWaves returns a tracker of waves over expected connections, which
// calls report for each wave, under its lock.
func NewWaves(expected int, report func(Wave)) *Waves {
	return &Waves{expected: expected, report: report}
}

// Size returns the number of connections each token must reach.
func (w *Waves) Size() int {
	if w == nil {
		return 0
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.expected
}

// SetSize sets the number of connections each token must reach.
func (w *Waves) SetSize(n int) {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.expected = n
}

// Begin starts the wave of a new token, ending the previous one.
func (w *Waves) Begin(token uint64, at time.Time) {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.endLocked(at)
	w.cur = &Wave{Token: token, Start: at}
}

// Reauthed records a connection that sent the token.
func (w *Waves) Reauthed(token uint64, at time.Time, latency time.Duration) {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	v := w.cur
	if v == nil || v.Token != token {
		return
	}
	after := at.Sub(v.Start)
	if v.Reauthed == 0 {
		v.First = after
	}
	v.Reauthed++
	v.Last, v.Slowest = after, max(v.Slowest, latency)
	w.completeLocked(at)
}

// Connected records a connection opened with the token: it needs no AUTH.
func (w *Waves) Connected(token uint64) {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if v := w.cur; v != nil && v.Token == token {
		v.Fresh++
		w.completeLocked(time.Now())
	}
}

// Failed records a failed AUTH with the token.
func (w *Waves) Failed(token uint64) {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if v := w.cur; v != nil && v.Token == token {
		v.Failed++
	}
}

// End reports the wave in progress, if any, as cut short.
func (w *Waves) End(at time.Time) {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.endLocked(at)
}

func (w *Waves) completeLocked(at time.Time) {
	if v := w.cur; v != nil && v.Reauthed+v.Fresh >= w.expected {
		w.finishLocked(at, true)
	}
}

func (w *Waves) endLocked(at time.Time) {
	if w.cur != nil {
		w.finishLocked(at, false)
	}
}

func (w *Waves) finishLocked(at time.Time, complete bool) {
	v := *w.cur
	w.cur = nil
	v.End, v.Complete, v.Expected = at, complete, w.expected
	if w.report != nil {
		w.report(v)
	}
}
