package bench

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/amrbench/amrbench/bench/entra"
	"github.com/amrbench/amrbench/bench/failure"
	"github.com/amrbench/amrbench/bench/reauth"
	"github.com/amrbench/amrbench/results"
)

// Re-authentication of open connections.
//
// Azure closes a connection when the token it authenticated with expires,
// unless the client sends AUTH with a fresh token on it first. A target with
// AuthEntra has one entra.Provider, started before any connection opens;
// every connection authenticates with the provider's current token as it
// opens (go-redis calls CredentialsProviderContext), and every new token is
// sent on every open connection, staggered:
//
//   - A worker's connection is a go-redis sticky Conn, which go-redis never
//     returns to its pool during the run, so go-redis's own re-AUTH (done by a
//     pool hook when a connection is returned) would never reach it. The
//     worker does it instead: between two batches it sees, with one atomic
//     load, that a newer token exists, waits its turn (entra.Conn), and then
//     sends AUTH on its own connection, timed and counted apart from the
//     workload (interval "reauth" statistics).
//   - A client whose connections go back to the pool after each command (a
//     redis.ClusterClient) subscribes them to the provider with
//     StreamingCredentialsProvider and lets go-redis send AUTH; reauth.Hook,
//     added to each node client, counts and times those AUTHs into the same
//     statistics.
//
// Each new token starts a wave (entra.Waves); a reauth event reports it once
// every connection has the token (or when the next token or the run's end cuts it
// short). A connection that breaks after its token has expired was closed by
// the server for that reason: its errors count as ErrAuth.

// reauthSweep is how often connections that wait for the run to start are
// checked for a new token to send.
const reauthSweep = 100 * time.Millisecond

// startEntra gets the first token of a target with AuthEntra, before any
// connection opens, and starts renewing it (reauth.Start); conns is the
// number of connections each token must reach.
func startEntra(ctx context.Context, cfg EntraConfig, events *eventSink, conns int) (*reauth.Auth, error) {
	a, err := reauth.Start(ctx, reauth.Options{
		Credential: cfg.Credential, Scope: cfg.Scope, User: cfg.User,
		Reauth: cfg.Reauth, ReauthBefore: cfg.ReauthBefore, TokenCredential: cfg.TokenCredential,
		Emit: events.emit, Classify: failure.Classify,
	}, conns)
	if errors.Is(err, entra.ErrNoPrincipal) {
		return nil, fieldErrorf([]string{"target.entra.user"}, "%w; give the principal's object ID with {target.entra.user}", err)
	}
	return a, err
}

// authenticator sends AUTH on a session's own connection.
type authenticator interface {
	authenticate(ctx context.Context, user, password string) error
}

// authSession is a session that holds its own connection and so must send
// new tokens on it itself.
type authSession interface {
	authenticator
	// connAuth returns the connection's authentication state, or nil.
	connAuth() *entra.Conn
}

// reauthResult is one AUTH sent on a connection, and whether it failed
// because the server had closed the connection for its expired token.
type reauthResult struct {
	entra.Attempt
	expired bool
}

// sendNewToken sends the newest token on the connection of a if its turn
// has come (entra.Conn.Turn), and reports whether it sent one.
func sendNewToken(ctx context.Context, c *entra.Conn, a authenticator) (reauthResult, bool) {
	at, sent := c.Turn(ctx, a.authenticate)
	r := reauthResult{Attempt: at}
	if sent && at.Err != nil {
		r.expired = failure.Classify(at.Err) == results.ErrConnection && c.ExpiredAt(at.Done)
	}
	return r, sent
}

// errClass is the class of a failed AUTH's error; empty when it succeeded.
func errClass(err error) results.ErrorClass {
	if err == nil {
		return ""
	}
	return failure.Classify(err)
}

// eventSink passes events to the run's observer, holding those that come
// before the run starts (the first token is got by Open).
type eventSink struct {
	mu    sync.Mutex
	obs   Observer
	queue []*results.Event
	err   error
}

func (s *eventSink) emit(e *results.Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.obs == nil {
		s.queue = append(s.queue, e)
		return
	}
	if err := s.obs.Event(e); err != nil && s.err == nil {
		s.err = err
	}
}

// attach sends the held events to obs, and every later one.
func (s *eventSink) attach(obs Observer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.obs = obs
	for _, e := range s.queue {
		if err := obs.Event(e); err != nil && s.err == nil {
			s.err = err
		}
	}
	s.queue = nil
}

// detach stops sending events and returns the first error the observer
// returned; later events are held.
func (s *eventSink) detach() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.obs = nil
	err := s.err
	s.err = nil
	return err
}

// reauthIdle sends the newest token on an idle session's connection when its
// turn has come, outside a worker (while connections open, or during the
// preload), counting the AUTH for the first interval written.
func reauthIdle(ctx context.Context, a *reauth.Auth, sess session) {
	as, ok := sess.(authSession)
	if a == nil || !ok {
		return
	}
	c := as.connAuth()
	if c == nil || !c.NewerToken() {
		return
	}
	r, sent := sendNewToken(ctx, c, as)
	if !sent {
		return
	}
	a.RecordIdle(r.Done.Sub(r.Sent), r.Err, r.expired)
	if r.Err != nil && failure.BreaksConnection(failure.Classify(r.Err)) {
		sess.reopen()
	}
}

// reauthWhileOpening sends new tokens on the sessions marked ready while the
// others open, checking every reauthSweep, until the returned stop is
// called. A ready session is idle until the run starts, so this goroutine
// is its only user.
func reauthWhileOpening(ctx context.Context, a *reauth.Auth, sessions []session, ready []atomic.Bool) (stop func()) {
	if !a.Reauth() {
		return func() {}
	}
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(reauthSweep)
		defer tick.Stop()
		for {
			select {
			case <-quit:
				return
			case <-tick.C:
			}
			for i := range sessions {
				if ready[i].Load() {
					reauthIdle(ctx, a, sessions[i])
				}
			}
		}
	}()
	return func() { close(quit); <-done }
}
