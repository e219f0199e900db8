package record

import (
	"sync"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/amrbench/amrbench/results"
)

// ReauthLog is a worker's re-AUTH record for one interval.
type ReauthLog struct {
	count int64
	// Expired counts the connections the server had closed for their
	// expired token.
	Expired int64
	errors  [NumClasses]int64
	latency *hdrhistogram.PackedHistogram // created on first use: most runs never re-AUTH
}

// Record records one AUTH that took latency; class is its error's, empty
// when it succeeded, and expired says it failed because the server had
// closed the connection for its expired token (counted as an auth error).
func (l *ReauthLog) Record(latency time.Duration, class results.ErrorClass, expired bool) {
	if l.latency == nil {
		l.latency = results.NewPackedHDR()
	}
	l.count++
	Record(l.latency, Micros(latency), 1) // bounded by the command timeout: never out of range
	if class != "" {
		if expired {
			class = results.ErrAuth
			l.Expired++
		}
		l.errors[ClassIndex[class]]++
	}
}

func (l *ReauthLog) reset() {
	h := l.latency
	if h != nil {
		h.Reset()
	}
	*l = ReauthLog{latency: h}
}

func (l *ReauthLog) empty() bool { return l.count == 0 && l.Expired == 0 }

// addTo adds the log to s.
func (l *ReauthLog) addTo(s *results.ReauthStats) {
	s.Count += l.count
	s.Expired += l.Expired
	for i, n := range l.errors {
		if n == 0 {
			continue
		}
		if s.Errors == nil {
			s.Errors = map[results.ErrorClass]int64{}
		}
		s.Errors[results.ErrorClasses[i]] += n
	}
	if l.latency != nil {
		_ = s.Latency.AddPacked(l.latency) // same geometry: exact
	}
}

// SharedReauth collects re-AUTHs that no worker owns (those go-redis sends
// on pooled connections), from any goroutine; AUTH is rare, so a lock is
// fine.
type SharedReauth struct {
	mu  sync.Mutex
	log ReauthLog
}

// Record records one AUTH, as ReauthLog.Record does.
func (s *SharedReauth) Record(latency time.Duration, class results.ErrorClass, expired bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log.Record(latency, class, expired)
}

// DrainInto adds what was collected to st and starts afresh.
func (s *SharedReauth) DrainInto(st *results.ReauthStats) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log.addTo(st)
	s.log.reset()
}
