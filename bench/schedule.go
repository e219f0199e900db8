package bench

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// A step is one stretch of an open-loop schedule at a constant rate.
// Operation m of the step (counting from 0 over all connections) is due at
//
//	start + m / rate
//
// an absolute schedule: a late operation never shifts the ones after it, so
// the offered load does not drift. Connection i of N sends the operations
// m ≡ i (mod N). The step ends at end (operations due at or after it belong
// to no step) or after count operations, whichever limit is set.
type step struct {
	phase string
	rate  float64
	start time.Time
	end   time.Time // zero: no end in time
	count uint64    // zero: no limit in operations
	// finished counts the workers that have sent every operation due in
	// the step and received its reply: a worker that fell behind is still
	// sending them after end. lastFinish is when the last of them finished
	// (Unix nanoseconds; 0 until then).
	finished   atomic.Int32
	lastFinish atomic.Int64
}

// finishWorker notes that one more of the run's workers has done every
// operation of the step, at now.
func (s *step) finishWorker(now time.Time, workers int) {
	if int(s.finished.Add(1)) == workers {
		s.lastFinish.Store(now.UnixNano())
	}
}

// doneBy reports whether every worker had finished the step by t.
func (s *step) doneBy(t time.Time) bool {
	f := s.lastFinish.Load()
	return f != 0 && f <= t.UnixNano()
}

// finishedAt returns when the last worker finished the step, and false
// while one has not.
func (s *step) finishedAt() (time.Time, bool) {
	f := s.lastFinish.Load()
	return time.Unix(0, f), f != 0
}

// due returns when operation m is due, and false when m is past the step.
func (s *step) due(m uint64) (time.Time, bool) {
	if s.count > 0 && m >= s.count {
		return time.Time{}, false
	}
	d := s.start.Add(time.Duration(float64(m) * float64(time.Second) / s.rate))
	if !s.end.IsZero() && !d.Before(s.end) {
		return time.Time{}, false
	}
	return d, true
}

// stepPlan is the list of steps of a run, published one by one: all at once
// for a constant rate or a staircase, one at a time for a search that picks
// each rate after judging the last step. Workers wait for the next step.
type stepPlan struct {
	workers int // the workers that run the steps
	mu      sync.Mutex
	steps   []*step
	changed chan struct{} // closed when a step is added or the plan ends
	over    bool
}

func newStepPlan(workers int) *stepPlan {
	return &stepPlan{workers: workers, changed: make(chan struct{})}
}

// add publishes the next step.
func (p *stepPlan) add(s *step) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.steps = append(p.steps, s)
	close(p.changed)
	p.changed = make(chan struct{})
}

// finish says no step will follow.
func (p *stepPlan) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.over {
		p.over = true
		close(p.changed)
	}
}

// get returns step i if it is published; otherwise whether the plan is over
// and a channel closed when that changes.
func (p *stepPlan) get(i int) (s *step, over bool, changed <-chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if i < len(p.steps) {
		return p.steps[i], false, nil
	}
	return nil, p.over, p.changed
}

// at returns the step whose operations are done at t: the step whose time
// span holds t, or else the last step begun by t while its workers are
// still sending its operations (they fell behind: draining is true, and no
// new operation is due); nil when there is none.
func (p *stepPlan) at(t time.Time) (s *step, draining bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var last *step
	for _, s := range p.steps {
		if t.Before(s.start) {
			continue
		}
		if s.end.IsZero() || t.Before(s.end) {
			return s, false
		}
		last = s
	}
	if last != nil && !last.doneBy(t) {
		return last, true
	}
	return nil, false
}

// Ramp is a staircase of rates: From, From+Step, ... up to To, each held
// for StepDuration.
type Ramp struct {
	From, To, Step float64
	StepDuration   time.Duration
}

// Rates returns the rates of the staircase.
func (r Ramp) Rates() []float64 {
	var rates []float64
	for x := r.From; x <= r.To*(1+1e-9); x += r.Step {
		rates = append(rates, x)
	}
	return rates
}

// ParseRamp parses "FROM:TO:STEP[:STEP_DURATION]", rates accepting k and M
// suffixes ("10k:100k:10k:30s"); a missing duration is defaultStep.
func ParseRamp(s string, defaultStep time.Duration) (Ramp, error) {
	parts := strings.Split(s, ":")
	if len(parts) < 3 || len(parts) > 4 {
		return Ramp{}, fmt.Errorf("%q is not FROM:TO:STEP[:STEP_DURATION]", s)
	}
	var r Ramp
	for i, dst := range []*float64{&r.From, &r.To, &r.Step} {
		v, err := ParseRate(parts[i])
		if err != nil {
			return Ramp{}, fmt.Errorf("%q: %w", s, err)
		}
		*dst = v
	}
	r.StepDuration = defaultStep
	if len(parts) == 4 {
		d, err := ParseDuration(parts[3])
		if err != nil || d <= 0 {
			return Ramp{}, fmt.Errorf("%q: step duration %q is not a duration such as 30s", s, parts[3])
		}
		r.StepDuration = d
	}
	if r.To < r.From {
		return Ramp{}, fmt.Errorf("%q: TO is below FROM", s)
	}
	if len(r.Rates()) > 1000 {
		return Ramp{}, fmt.Errorf("%q: more than 1000 steps", s)
	}
	return r, nil
}

// ParseRate parses a rate in operations per second: "50000", "50k", "1.5M".
func ParseRate(s string) (float64, error) {
	t := strings.TrimSpace(s)
	mult := 1.0
	switch {
	case strings.HasSuffix(t, "k"), strings.HasSuffix(t, "K"):
		mult, t = 1e3, t[:len(t)-1]
	case strings.HasSuffix(t, "M"), strings.HasSuffix(t, "m"):
		mult, t = 1e6, t[:len(t)-1]
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || !(v > 0) || math.IsInf(v, 0) || v*mult > 1e9 {
		return 0, fmt.Errorf("%q is not a rate above 0 ops/s (for example 50000, 50k or 1.5M)", s)
	}
	return v * mult, nil
}

// FormatRate writes a rate the way ParseRate reads it, compactly.
func FormatRate(r float64) string {
	switch {
	case r >= 1e6 && math.Mod(r, 1e4) == 0:
		return strconv.FormatFloat(r/1e6, 'f', -1, 64) + "M"
	case r >= 1e3 && math.Mod(r, 10) == 0:
		return strconv.FormatFloat(r/1e3, 'f', -1, 64) + "k"
	default:
		return strconv.FormatFloat(r, 'f', -1, 64)
	}
}

// stepPhase names step i (0-based) at rate r.
func stepPhase(i int, r float64) string {
	return fmt.Sprintf("step %d: %s ops/s", i+1, FormatRate(r))
}

// search decides the rates of a --find-max run: it doubles the rate (or
// climbs a staircase) until a step fails, then bisects between the highest
// rate that met the objectives and the lowest that did not, until they are
// within precision of each other or maxSteps steps have run.
type search struct {
	ramp      []float64 // rates to climb first; empty: double from start
	start     float64
	precision float64
	maxSteps  int
	cap       float64

	steps   int
	highest float64 // highest rate that met the objectives
	lowest  float64 // lowest rate that failed; 0 until one has
}

// next returns the rate of the next step, or false when the search is done.
func (s *search) next() (float64, bool) {
	if s.steps >= s.maxSteps {
		return 0, false
	}
	var r float64
	switch {
	case s.lowest == 0 && s.steps < len(s.ramp):
		r = s.ramp[s.steps]
	case s.lowest == 0 && s.steps == 0:
		r = s.start
	case s.lowest == 0:
		if s.highest >= s.cap {
			return 0, false
		}
		r = math.Min(math.Max(s.highest, s.start)*2, s.cap)
	default:
		if s.lowest-s.highest <= s.precision*s.lowest {
			return 0, false
		}
		r = (s.highest + s.lowest) / 2
	}
	return roundRate(r), true
}

// record notes the outcome of a step at rate r.
func (s *search) record(r float64, met bool) {
	s.steps++
	if met {
		s.highest = math.Max(s.highest, r)
	} else if s.lowest == 0 || r < s.lowest {
		s.lowest = r
	}
}

// roundRate keeps three significant figures, so steps have readable rates.
func roundRate(r float64) float64 {
	if r < 100 {
		return math.Max(1, math.Round(r))
	}
	mag := math.Pow(10, math.Floor(math.Log10(r))-2)
	return math.Round(r/mag) * mag
}

// ParseDuration parses a duration such as 30s or 5m, or a bare number of
// seconds as memtier's --test-time takes it ("90", "0.5"); never negative.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if secs, err := strconv.ParseFloat(s, 64); err == nil {
		if secs < 0 || math.IsNaN(secs) || secs > math.MaxInt64/float64(time.Second) {
			return 0, fmt.Errorf("%q is not a duration of zero or more", s)
		}
		return time.Duration(secs * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration (for example 30s, 5m or 90)", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("%q: a duration cannot be negative", s)
	}
	return d, nil
}
