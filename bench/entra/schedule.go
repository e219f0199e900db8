package entra

import "time"

// Defaults of a Provider's refresh policy.
const (
	// DefaultRefreshRatio is the share of a token's lifetime after which a
	// new token is requested (go-redis-entraid's default too).
	DefaultRefreshRatio = 0.7
	// DefaultRefreshBefore is how long before its expiry a token is renewed
	// at the latest. Microsoft asks for a new token to be sent at least three
	// minutes before the old one expires.
	DefaultRefreshBefore = 5 * time.Minute
	// DefaultRequestTimeout bounds one request for a token.
	DefaultRequestTimeout = 30 * time.Second
	// RefreshJitter is the largest share of the time to the refresh by which
	// the refresh is moved earlier, so that many clients started together do
	// not ask for tokens together.
	RefreshJitter = 0.1
	// MinRetryDelay and MaxRetryDelay bound the back-off between failed
	// requests for a token.
	MinRetryDelay = time.Second
	MaxRetryDelay = 30 * time.Second
	// maxUnchangedDelay bounds the wait before asking again a credential that
	// returned the token it already held.
	maxUnchangedDelay = time.Minute
)

// Policy says when tokens are renewed.
type Policy struct {
	// Ratio is the share of a token's lifetime after which it is renewed,
	// above 0 and below 1.
	Ratio float64
	// Before is how long before expiry a token is renewed at the latest. A
	// token whose whole life is shorter than Before is renewed at Ratio of
	// its life: renewing it at once would ask for tokens without pause.
	Before time.Duration
}

// RefreshAt returns when to ask for a new token, for a token received at
// received that expires at expires: at Ratio of its lifetime, or Before
// before its expiry if that is earlier, moved earlier by jitter (0 to 1)
// times RefreshJitter of the wait. The time comes from the token alone; no
// lifetime is assumed.
func (p Policy) RefreshAt(received, expires time.Time, jitter float64) time.Time {
	life := expires.Sub(received)
	if life <= 0 {
		return received
	}
	wait := time.Duration(float64(life) * p.Ratio)
	if latest := life - p.Before; latest > 0 && latest < wait {
		wait = latest
	}
	wait -= time.Duration(float64(wait) * RefreshJitter * clamp01(jitter))
	return received.Add(wait)
}

// RetryDelay returns the wait after the attempt-th failed request in a row
// (1 for the first): MinRetryDelay doubling up to MaxRetryDelay, scaled by
// 0.8 to 1.2 with jitter (0 to 1).
func RetryDelay(attempt int, jitter float64) time.Duration {
	d := MinRetryDelay
	for i := 1; i < attempt && d < MaxRetryDelay; i++ {
		d *= 2
	}
	d = min(d, MaxRetryDelay)
	return time.Duration(float64(d) * (0.8 + 0.4*clamp01(jitter)))
}

// UnchangedDelay returns the wait before asking again a credential that
// returned the token it already holds, which credentials that cache tokens
// do until shortly before expiry (MSAL: five minutes): an eighth of the time
// the token has left, between MinRetryDelay and a minute.
func UnchangedDelay(left time.Duration) time.Duration {
	return min(max(left/8, MinRetryDelay), maxUnchangedDelay)
}

func clamp01(x float64) float64 {
	switch {
	case x < 0 || x != x:
		return 0
	case x > 1:
		return 1
	}
	return x
}
