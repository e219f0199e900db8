package transport

import (
	"math/rand/v2"
	"time"
)

// The reconnect back-off's bounds: a connection that keeps failing waits
// 10 ms before its second attempt, twice as long before each one after,
// and at most a second.
const (
	BackoffMin = 10 * time.Millisecond
	BackoffMax = time.Second
)

// Backoff is one connection's reconnect schedule: exponential, with jitter.
// The first attempt after a failure is immediate (a connection the server
// closed is usually replaced at once); every failure after it, before an
// operation has succeeded again, doubles the wait from BackoffMin to
// BackoffMax. Each wait is drawn from the upper half of its ceiling, so
// connections that failed together do not retry together. The zero value
// is ready to use. A Backoff belongs to one goroutine.
type Backoff struct {
	failures int
}

// Failed records a failure (the connection broke, or a dial failed) and
// returns how long to wait before the next attempt.
func (b *Backoff) Failed() time.Duration {
	b.failures++
	if b.failures == 1 {
		return 0
	}
	ceiling := BackoffMax
	if shift := b.failures - 2; shift < 7 { // 10 ms << 7 is past a second
		ceiling = min(BackoffMin<<shift, BackoffMax)
	}
	half := ceiling / 2
	return half + rand.N(half+1)
}

// Reset says the connection works again: an operation succeeded on it.
func (b *Backoff) Reset() { b.failures = 0 }

// Failing reports whether failures are recorded since the last Reset.
func (b *Backoff) Failing() bool { return b.failures > 0 }
