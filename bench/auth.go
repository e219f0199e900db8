package bench

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/amrbench/amrbench/bench/entra"
	"github.com/amrbench/amrbench/bench/record"
	"github.com/amrbench/amrbench/internal/units"
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
//     StreamingCredentialsProvider and lets go-redis send AUTH; reauthHook,
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

// entraAuth is a target's Entra ID authentication.
type entraAuth struct {
	cfg      EntraConfig
	provider *entra.Provider
	events   *eventSink
	// waves is nil when re-AUTH is off.
	waves *entra.Waves
	// shared collects the AUTHs reauthHook sees.
	shared record.SharedReauth
}

// startEntra gets the first token, before any connection opens, and starts
// renewing it. conns is the number of connections each token must reach.
func startEntra(ctx context.Context, cfg EntraConfig, events *eventSink, conns int) (*entraAuth, error) {
	a := &entraAuth{cfg: cfg, events: events}
	if cfg.Reauth {
		a.waves = entra.NewWaves(conns, a.waveEvent)
	}
	p, err := entra.New(entra.Options{
		Credential: cfg.TokenCredential,
		Scope:      cfg.Scope,
		User:       cfg.User,
		Policy:     entra.Policy{Ratio: entra.DefaultRefreshRatio, Before: cfg.ReauthBefore},
		Notify:     a.notice,
	})
	if err != nil {
		return nil, err
	}
	a.provider = p
	if err := p.Start(ctx); err != nil {
		what := "Entra ID"
		if cfg.Credential != "" {
			what += " (" + cfg.Credential + " credential)"
		}
		if errors.Is(err, entra.ErrNoPrincipal) {
			return nil, fieldErrorf([]string{"target.entra.user"}, "%s: %w; give the principal's object ID with {target.entra.user}", what, err)
		}
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return a, nil
}

// stop ends the token renewals.
func (a *entraAuth) stop() {
	if a != nil {
		a.provider.Stop()
	}
}

// notice turns the provider's notices into token-refresh events, and starts
// a re-AUTH wave for each new token.
func (a *entraAuth) notice(n entra.Notice) {
	c := n.Credentials
	e := &results.Event{
		Time: n.Time.UTC(), Kind: results.EventTokenRefresh, Outcome: n.Kind.String(),
		Principal: c.User, TokenExpires: c.Expires.UTC(), Token: c.Generation,
	}
	switch n.Kind {
	case entra.Acquired:
		e.Detail = fmt.Sprintf("token #1 for principal %s: expires %s (in %s); renewal at %s",
			c.User, stamp(c.Expires), span(c.Expires.Sub(n.Time)), stamp(n.Next))
		if life := c.Expires.Sub(c.Received); life <= a.cfg.ReauthBefore {
			e.Detail += fmt.Sprintf(" (its lifetime, %s, is not longer than --reauth-before %s: it is renewed at 70 %% of it)", span(life), a.cfg.ReauthBefore)
		}
	case entra.Renewed:
		e.Detail = fmt.Sprintf("token #%d: expires %s (in %s); renewal at %s", c.Generation, stamp(c.Expires), span(c.Expires.Sub(n.Time)), stamp(n.Next))
		if a.waves != nil {
			e.Detail += fmt.Sprintf("; sending it on %s open connections", units.FormatInt(a.waves.Size()))
		}
	case entra.Unchanged:
		e.Detail = fmt.Sprintf("the credential returned token #%d again (credentials that cache tokens renew them shortly before expiry); asking again at %s",
			c.Generation, stamp(n.Next))
	case entra.Failed:
		e.Attempt, e.Error = n.Attempt, units.OneLine(n.Err)
		state := fmt.Sprintf("token #%d expires in %s", c.Generation, span(c.Expires.Sub(n.Time)))
		if !n.Time.Before(c.Expires) {
			state = fmt.Sprintf("token #%d expired %s ago: the server closes its connections and refuses new ones", c.Generation, span(n.Time.Sub(c.Expires)))
		}
		e.Detail = fmt.Sprintf("token request failed (%d in a row): %s; %s; retrying at %s", n.Attempt, e.Error, state, stamp(n.Next))
	}
	// The wave begins before the event is out, so that connections cannot
	// report to a wave that does not exist yet.
	if n.Kind == entra.Renewed && a.waves != nil {
		a.waves.Begin(c.Generation, n.Time)
	}
	a.events.emit(e)
}

// newConnAuth returns the authentication state of a new connection, or nil
// when the target does not use Entra ID.
func (a *entraAuth) newConnAuth() *entra.Conn {
	if a == nil {
		return nil
	}
	return entra.NewConn(a.provider, a.waves, a.cfg.Reauth)
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
		r.expired = Classify(at.Err) == results.ErrConnection && c.ExpiredAt(at.Done)
	}
	return r, sent
}

// errClass is the class of a failed AUTH's error; empty when it succeeded.
func errClass(err error) results.ErrorClass {
	if err == nil {
		return ""
	}
	return Classify(err)
}

// reauthHook is a go-redis hook that counts and times the AUTH commands
// go-redis sends on pooled connections when the provider hands it a new
// token (StreamingCredentialsProvider). It passes every other command
// through at the cost of a type check. Add it to every node client of a
// redis.ClusterClient (ClusterOptions.OnNewNode); a redis.Client whose
// workers hold sticky connections re-AUTHs in the workers instead and must
// not have it, or AUTHs would be counted twice.
type reauthHook struct{ auth *entraAuth }

var _ redis.Hook = reauthHook{}

func (h reauthHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h reauthHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		args := cmd.Args()
		if len(args) != 3 {
			return next(ctx, cmd)
		}
		if name, _ := args[0].(string); name != "auth" && name != "AUTH" {
			return next(ctx, cmd)
		}
		gen := h.auth.provider.Current().Generation
		start := time.Now()
		err := next(ctx, cmd)
		latency := time.Since(start)
		h.auth.shared.Record(latency, errClass(err), false)
		if err == nil {
			h.auth.waves.Reauthed(gen, time.Now(), latency)
		} else {
			h.auth.waves.Failed(gen)
		}
		return err
	}
}

func (h reauthHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
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

// waveEvent reports a wave of re-AUTHs as a reauth event.
func (a *entraAuth) waveEvent(v entra.Wave) {
	var b strings.Builder
	fmt.Fprintf(&b, "token #%d sent on %s of %s", v.Token, units.FormatInt(v.Reauthed), units.Plural(v.Expected, "connection"))
	if v.Reauthed > 0 {
		fmt.Fprintf(&b, " from %s to %s after its renewal; slowest AUTH %s", span(v.First), span(v.Last), span(v.Slowest))
	}
	if v.Fresh > 0 {
		fmt.Fprintf(&b, "; %s opened with it", units.Plural(v.Fresh, "connection"))
	}
	fmt.Fprintf(&b, "; %s AUTH failed", units.FormatInt(v.Failed))
	outcome := results.OutcomeComplete
	if !v.Complete {
		outcome = results.OutcomePartial
		b.WriteString("; cut short by the next token or the run's end")
	}
	a.events.emit(&results.Event{
		Time: v.End.UTC(), Kind: results.EventReauth, Outcome: outcome, Token: v.Token,
		Count: int64(v.Reauthed), Failed: v.Failed, Detail: b.String(),
	})
}

// stamp formats a moment for event details, to the millisecond.
func stamp(t time.Time) string { return t.UTC().Format("15:04:05.000Z") }

// span formats a duration for event details: to 10 µs below 10 ms, to the
// millisecond below a minute, to the second above.
func span(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	switch {
	case d < 10*time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	case d < time.Minute:
		return d.Round(time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

// endWaves reports the wave in progress as cut short.
func (a *entraAuth) endWaves(at time.Time) {
	if a != nil {
		a.waves.End(at)
	}
}

// reachEvery sets the number of connections each token must reach: every
// pooled connection of a cluster, rather than one per worker.
func (a *entraAuth) reachEvery(conns int) {
	if a != nil {
		a.waves.SetSize(conns)
	}
}

// reauthIdle sends the newest token on an idle session's connection when its
// turn has come, outside a worker (while connections open, or during the
// preload), counting the AUTH for the first interval written.
func (a *entraAuth) reauthIdle(ctx context.Context, sess session) {
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
	a.shared.Record(r.Done.Sub(r.Sent), errClass(r.Err), r.expired)
	if r.Err != nil && breaksConnection(Classify(r.Err)) {
		sess.reopen()
	}
}

// reauthWhileOpening sends new tokens on the sessions marked ready while the
// others open, checking every reauthSweep, until the returned stop is
// called. A ready session is idle until the run starts, so this goroutine
// is its only user.
func (a *entraAuth) reauthWhileOpening(ctx context.Context, sessions []session, ready []atomic.Bool) (stop func()) {
	if a == nil || !a.cfg.Reauth {
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
					a.reauthIdle(ctx, sessions[i])
				}
			}
		}
	}()
	return func() { close(quit); <-done }
}
