package entra

import (
	"context"
	"math/rand/v2"
	"time"
)

// Re-AUTH of open connections.
//
// Azure closes a connection when the token it authenticated with expires,
// unless the client sends AUTH with a fresh token on it first. Every new
// token is therefore sent on every open connection, staggered: a connection
// that sees a newer token than its own waits its turn, a delay drawn at
// random within a third of the time its current token has left (at most
// MaxReauthSpread), and then sends AUTH. Conn keeps one connection's side of
// this; Waves follows each token until every connection has it.

// Re-AUTH timing.
const (
	// MaxReauthSpread bounds the window over which connections spread their
	// AUTH with a new token.
	MaxReauthSpread = 30 * time.Second
	// ExpiryAllowance is how early before a token's expiry a broken
	// connection counts as closed for its token: clocks differ a little.
	ExpiryAllowance = time.Second
	// MaxReauthRetry bounds the wait before a failed AUTH is tried again.
	MaxReauthRetry = 10 * time.Second
	// RefusedHold is how long a connection whose token the server refused
	// waits before it reconnects, unless a new token comes first: without
	// it, every operation would be a connection attempt.
	RefusedHold = time.Second
)

// Conn is the re-AUTH state of one connection, owned by the goroutine that
// uses the connection: which token it authenticated with, when its turn to
// send a newer one comes, and whether it is held after the server refused
// its token.
type Conn struct {
	provider *Provider
	waves    *Waves
	reauth   bool
	// token and expires are the generation and expiry of the token the
	// connection authenticated with last.
	token   uint64
	expires time.Time
	// pending is the newer token waiting for its turn at due; failures
	// counts its failed AUTHs.
	pending  uint64
	due      time.Time
	failures int
	// hold is set after the server refused the connection's token: it is
	// not used before holdUntil, or before a token newer than holdToken.
	hold      bool
	holdUntil time.Time
	holdToken uint64
}

// NewConn returns the state of a new connection authenticated by p's
// tokens. With reauth, newer tokens are sent on it (Turn); waves, which may
// be nil, follows them.
func NewConn(p *Provider, waves *Waves, reauth bool) *Conn {
	return &Conn{provider: p, waves: waves, reauth: reauth}
}

// Connected records that the connection is being (re)opened: it
// authenticates with the current token.
func (c *Conn) Connected() {
	if c == nil {
		return
	}
	c.adopt(c.provider.Current())
}

// adopt makes cur the connection's token, with no turn pending.
func (c *Conn) adopt(cur *Credentials) {
	c.token, c.expires, c.pending, c.failures = cur.Generation, cur.Expires, 0, 0
	c.waves.Connected(cur.Generation)
}

// NewerToken reports whether a newer token than the connection's exists
// and re-AUTH is on: one atomic load.
func (c *Conn) NewerToken() bool {
	return c.reauth && c.provider.Current().Generation != c.token
}

// NeedsAttention reports whether the connection's authentication must be
// tended before the next batch: a newer token to send, or a hold.
func (c *Conn) NeedsAttention() bool { return c.hold || c.NewerToken() }

// TurnDue is when the connection's turn to send the pending token comes;
// the zero time before a turn is drawn (Turn draws it).
func (c *Conn) TurnDue() time.Time { return c.due }

// HoldOff makes a connection whose token was refused wait before it
// reconnects.
func (c *Conn) HoldOff(now time.Time) {
	c.hold, c.holdUntil, c.holdToken = true, now.Add(RefusedHold), c.provider.Current().Generation
}

// Held reports whether the connection is on hold (HoldOff), until HeldAt
// says the hold is over and EndHold ends it.
func (c *Conn) Held() bool { return c.hold }

// HoldUntil is when the hold ends, unless a newer token comes first.
func (c *Conn) HoldUntil() time.Time { return c.holdUntil }

// HeldAt reports whether a held connection must still wait at now: its
// hold has not run out, and no newer token has come.
func (c *Conn) HeldAt(now time.Time) bool {
	return c.hold && now.Before(c.holdUntil) && c.provider.Current().Generation == c.holdToken
}

// EndHold ends the hold: the connection dials with the token current now.
func (c *Conn) EndHold() {
	c.hold = false
	c.adopt(c.provider.Current())
}

// ExpiredAt reports whether the connection's token had expired at t, so
// that a connection breaking then was closed by the server for it.
func (c *Conn) ExpiredAt(t time.Time) bool {
	return c != nil && !t.Before(c.expires.Add(-ExpiryAllowance))
}

// Attempt is one AUTH sent by Turn.
type Attempt struct {
	Sent, Done time.Time
	Err        error
}

// Turn sends the newest token on the connection with send if its turn has
// come, and reports whether it sent one. The caller checks NewerToken
// first. The first call for a new token draws the turn; a failed AUTH is
// tried again after a back-off.
func (c *Conn) Turn(ctx context.Context, send func(ctx context.Context, user, password string) error) (Attempt, bool) {
	cur := c.provider.Current()
	now := time.Now()
	if c.pending != cur.Generation {
		c.pending, c.failures = cur.Generation, 0
		c.due = now.Add(StaggerDelay(c.expires.Sub(now)))
	}
	if now.Before(c.due) {
		return Attempt{}, false
	}
	user, token := cur.BasicAuth()
	a := Attempt{Sent: time.Now()}
	a.Err = send(ctx, user, token)
	a.Done = time.Now()
	if a.Err == nil {
		c.token, c.expires, c.pending = cur.Generation, cur.Expires, 0
		c.waves.Reauthed(cur.Generation, a.Done, a.Done.Sub(a.Sent))
		return a, true
	}
	c.waves.Failed(cur.Generation)
	c.failures++
	c.due = a.Done.Add(min(time.Duration(c.failures)*time.Second, MaxReauthRetry))
	return a, true
}

// StaggerDelay draws the wait before a connection sends a new token: up to
// a third of the time its current token has left, at most MaxReauthSpread.
func StaggerDelay(left time.Duration) time.Duration {
	spread := min(left/3, MaxReauthSpread)
	if spread <= 0 {
		return 0
	}
	return rand.N(spread)
}
