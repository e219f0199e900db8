package openloop

import (
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// A Step is one stretch of an open-loop schedule at a constant rate.
// Operation m of the step (counting from 0 over all connections) is due at
//
//	start + m / rate
//
// an absolute schedule: a late operation never shifts the ones after it, so
// the offered load does not drift. Connection i of N sends the operations
// m ≡ i (mod N). The step ends at end (operations due at or after it belong
// to no step) or after count operations, whichever limit is set.
type Step struct {
	// Phase names the step in the results.
	Phase string
	// Rate is the step's rate in operations per second over all
	// connections.
	Rate  float64
	Start time.Time
	End   time.Time // zero: no end in time
	Count uint64    // zero: no limit in operations
	// finished counts the workers that have sent every operation due in
	// the step and received its reply: a worker that fell behind is still
	// sending them after end. lastFinish is when the last of them finished
	// (Unix nanoseconds; 0 until then).
	finished   atomic.Int32
	lastFinish atomic.Int64
}

// A Schedule says when operation m (counting from 0 over all connections)
// is due, and false when m is past its end: a pure function, as vegeta's
// Pacer, made absolute. Connection i of N takes the operations m ≡ i
// (mod N).
type Schedule interface {
	Due(m uint64) (time.Time, bool)
}

var _ Schedule = (*Step)(nil)

// FinishWorker notes that one more of the run's workers has done every
// operation of the step, at now.
func (s *Step) FinishWorker(now time.Time, workers int) {
	if int(s.finished.Add(1)) == workers {
		s.lastFinish.Store(now.UnixNano())
	}
}

// DoneBy reports whether every worker had finished the step by t.
func (s *Step) DoneBy(t time.Time) bool {
	f := s.lastFinish.Load()
	return f != 0 && f <= t.UnixNano()
}

// FinishedAt returns when the last worker finished the step, and false
// while one has not.
func (s *Step) FinishedAt() (time.Time, bool) {
	f := s.lastFinish.Load()
	return time.Unix(0, f), f != 0
}

// Due returns when operation m is due, and false when m is past the step.
func (s *Step) Due(m uint64) (time.Time, bool) {
	if s.Count > 0 && m >= s.Count {
		return time.Time{}, false
	}
	d := s.Start.Add(time.Duration(float64(m) * float64(time.Second) / s.Rate))
	if !s.End.IsZero() && !d.Before(s.End) {
		return time.Time{}, false
	}
	return d, true
}

// Len returns the number of operations of the step, over all connections,
// and false for a step without an end in time or in operations.
func (s *Step) Len() (uint64, bool) {
	if s.Count > 0 {
		return s.Count, true
	}
	if s.End.IsZero() {
		return 0, false
	}
	// The first m that Due refuses: estimated, then settled by Due itself
	// so that both agree whatever the rounding.
	n := uint64(max(0, math.Ceil(s.End.Sub(s.Start).Seconds()*s.Rate)))
	for n > 0 {
		if _, ok := s.Due(n - 1); ok {
			break
		}
		n--
	}
	for {
		if _, ok := s.Due(n); !ok {
			return n, true
		}
		n++
	}
}

// Left returns how many of the operations m, m+conns, m+2·conns, ... of a
// connection are in the step: those it has yet to send when m is its next.
// A step without an end has no count: 0.
func (s *Step) Left(m uint64, conns int) uint64 {
	n, ok := s.Len()
	if !ok || m >= n {
		return 0
	}
	return (n - m + uint64(conns) - 1) / uint64(conns)
}

// Plan is the list of steps of a run, published one by one: all at once
// for a constant rate or a staircase, one at a time for a search that picks
// each rate after judging the last step. Workers wait for the next step.
type Plan struct {
	// Workers is the number of workers that run the steps.
	Workers int
	mu      sync.Mutex
	steps   []*Step
	changed chan struct{} // closed when a step is added or the plan ends
	over    bool
}

// NewPlan returns an empty plan whose steps workers run.
func NewPlan(workers int) *Plan {
	return &Plan{Workers: workers, changed: make(chan struct{})}
}

// Add publishes the next step.
func (p *Plan) Add(s *Step) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.steps = append(p.steps, s)
	close(p.changed)
	p.changed = make(chan struct{})
}

// Finish says no step will follow.
func (p *Plan) Finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.over {
		p.over = true
		close(p.changed)
	}
}

// Get returns step i if it is published; otherwise whether the plan is over
// and a channel closed when that changes.
func (p *Plan) Get(i int) (s *Step, over bool, changed <-chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if i < len(p.steps) {
		return p.steps[i], false, nil
	}
	return nil, p.over, p.changed
}

// At returns the step whose operations are done at t: the step whose time
// span holds t, or else the last step begun by t while its workers are
// still sending its operations (they fell behind: draining is true, and no
// new operation is due); nil when there is none.
func (p *Plan) At(t time.Time) (s *Step, draining bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var last *Step
	for _, s := range p.steps {
		if t.Before(s.Start) {
			continue
		}
		if s.End.IsZero() || t.Before(s.End) {
			return s, false
		}
		last = s
	}
	if last != nil && !last.DoneBy(t) {
		return last, true
	}
	return nil, false
}
