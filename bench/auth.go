package bench

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/redis/go-redis/v9"

	"github.com/amrbench/amrbench/bench/entra"
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
//     load, that a newer token exists, waits a delay drawn at random within a
//     third of the time its current token has left (at most maxReauthSpread),
//     and then sends AUTH on its own connection, timed and counted apart from
//     the workload (interval "reauth" statistics).
//   - A client whose connections go back to the pool after each command (a
//     redis.ClusterClient) subscribes them to the provider with
//     StreamingCredentialsProvider and lets go-redis send AUTH; reauthHook,
//     added to each node client, counts and times those AUTHs into the same
//     statistics.
//
// Each new token starts a wave; a reauth event reports it once every
// connection has the token (or when the next token or the run's end cuts it
// short). A connection that breaks after its token has expired was closed by
// the server for that reason: its errors count as ErrAuth.

// Re-AUTH timing.
const (
	// maxReauthSpread bounds the window over which connections spread their
	// AUTH with a new token.
	maxReauthSpread = 30 * time.Second
	// expiryAllowance is how early before a token's expiry a broken
	// connection counts as closed for its token: clocks differ a little.
	expiryAllowance = time.Second
	// maxReauthRetry bounds the wait before a failed AUTH is tried again.
	maxReauthRetry = 10 * time.Second
	// reauthSweep is how often connections that wait for the run to start
	// are checked for a new token to send.
	reauthSweep = 100 * time.Millisecond
	// refusedHold is how long a connection whose token the server refused
	// waits before it reconnects, unless a new token comes first: without
	// it, every operation would be a connection attempt.
	refusedHold = time.Second
)

// entraAuth is a target's Entra ID authentication.
type entraAuth struct {
	cfg      EntraConfig
	provider *entra.Provider
	events   *eventSink
	// waves is nil when re-AUTH is off.
	waves *waveTracker
	// shared collects the AUTHs reauthHook sees.
	shared sharedReauth
}

// startEntra gets the first token, before any connection opens, and starts
// renewing it. conns is the number of connections each token must reach.
func startEntra(ctx context.Context, cfg EntraConfig, events *eventSink, conns int) (*entraAuth, error) {
	a := &entraAuth{cfg: cfg, events: events}
	if cfg.Reauth {
		a.waves = &waveTracker{events: events, expected: conns}
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
			return nil, fmt.Errorf("%s: %w; give the principal's object ID with --entra-user", what, err)
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
			e.Detail += fmt.Sprintf("; sending it on %d open connections", a.waves.size())
		}
	case entra.Unchanged:
		e.Detail = fmt.Sprintf("the credential returned token #%d again (credentials that cache tokens renew them shortly before expiry); asking again at %s",
			c.Generation, stamp(n.Next))
	case entra.Failed:
		e.Attempt, e.Error = n.Attempt, oneLine(n.Err)
		state := fmt.Sprintf("token #%d expires in %s", c.Generation, span(c.Expires.Sub(n.Time)))
		if !n.Time.Before(c.Expires) {
			state = fmt.Sprintf("token #%d expired %s ago: the server closes its connections and refuses new ones", c.Generation, span(n.Time.Sub(c.Expires)))
		}
		e.Detail = fmt.Sprintf("token request failed (%d in a row): %s; %s; retrying at %s", n.Attempt, e.Error, state, stamp(n.Next))
	}
	// The wave begins before the event is out, so that connections cannot
	// report to a wave that does not exist yet.
	if n.Kind == entra.Renewed && a.waves != nil {
		a.waves.begin(c.Generation, n.Time)
	}
	a.events.emit(e)
}

// newConnAuth returns the authentication state of a new connection, or nil
// when the target does not use Entra ID.
func (a *entraAuth) newConnAuth() *connAuth {
	if a == nil {
		return nil
	}
	return &connAuth{auth: a, provider: a.provider, reauth: a.cfg.Reauth}
}

// connAuth is the authentication state of one connection, owned by the
// goroutine that uses the connection.
type connAuth struct {
	auth     *entraAuth
	provider *entra.Provider
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

// connected records that the connection is being (re)opened: go-redis
// authenticates it with the current token.
func (c *connAuth) connected() {
	if c == nil {
		return
	}
	cur := c.provider.Current()
	c.token, c.expires, c.pending, c.failures = cur.Generation, cur.Expires, 0, 0
	if w := c.auth.waves; w != nil {
		w.connected(cur.Generation)
	}
}

// stale reports whether a newer token than the connection's exists and
// re-AUTH is on: one atomic load.
func (c *connAuth) stale() bool {
	return c.reauth && c.provider.Current().Generation != c.token
}

// attention reports whether the connection needs its authentication tended
// before the next batch: a newer token to send, or a hold.
func (c *connAuth) attention() bool { return c.hold || c.stale() }

// holdOff makes a connection whose token was refused wait before it
// reconnects.
func (c *connAuth) holdOff(now time.Time) {
	c.hold, c.holdUntil, c.holdToken = true, now.Add(refusedHold), c.provider.Current().Generation
}

// holding reports whether the connection is still held at now; when the
// hold ends, the connection will dial with the token current then.
func (c *connAuth) holding(now time.Time) bool {
	cur := c.provider.Current()
	if now.Before(c.holdUntil) && cur.Generation == c.holdToken {
		return true
	}
	c.hold = false
	c.token, c.expires, c.pending, c.failures = cur.Generation, cur.Expires, 0, 0
	if w := c.auth.waves; w != nil {
		w.connected(cur.Generation) // it dials with this token next
	}
	return false
}

// expiredAt reports whether the connection's token had expired at t, so
// that a connection breaking then was closed by the server for it.
func (c *connAuth) expiredAt(t time.Time) bool {
	return c != nil && !t.Before(c.expires.Add(-expiryAllowance))
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
	connAuth() *connAuth
}

// reauthResult is one AUTH sent by step.
type reauthResult struct {
	sent, done time.Time
	err        error
	// expired is set when the AUTH failed because the server had closed the
	// connection for its expired token.
	expired bool
}

// step sends the newest token on the connection if its turn has come; it
// reports whether it sent one. The caller checks stale first.
func (c *connAuth) step(ctx context.Context, a authenticator) (reauthResult, bool) {
	cur := c.provider.Current()
	now := time.Now()
	if c.pending != cur.Generation {
		c.pending, c.failures = cur.Generation, 0
		c.due = now.Add(staggerDelay(c.expires.Sub(now)))
	}
	if now.Before(c.due) {
		return reauthResult{}, false
	}
	user, token := cur.BasicAuth()
	r := reauthResult{sent: time.Now()}
	r.err = a.authenticate(ctx, user, token)
	r.done = time.Now()
	waves := c.auth.waves
	if r.err == nil {
		c.token, c.expires, c.pending = cur.Generation, cur.Expires, 0
		waves.reauthed(cur.Generation, r.done, r.done.Sub(r.sent))
		return r, true
	}
	waves.failed(cur.Generation)
	r.expired = Classify(r.err) == results.ErrConnection && c.expiredAt(r.done)
	c.failures++
	c.due = r.done.Add(min(time.Duration(c.failures)*time.Second, maxReauthRetry))
	return r, true
}

// staggerDelay draws the wait before a connection sends a new token: up to a
// third of the time its current token has left, at most maxReauthSpread.
func staggerDelay(left time.Duration) time.Duration {
	spread := min(left/3, maxReauthSpread)
	if spread <= 0 {
		return 0
	}
	return rand.N(spread)
}

// tendAuth is the worker's slow path for authentication, taken when
// attention says so. It reports whether the worker must skip the batch: the
// connection is held after a refused token, and the worker sleeps a little,
// handing over its log at interval ends as usual.
func (w *worker) tendAuth(ctx context.Context) bool {
	if w.auth.hold {
		now := time.Now()
		if !now.Before(w.log.end) {
			w.rotate(now)
		}
		if w.auth.holding(now) {
			time.Sleep(min(w.auth.holdUntil.Sub(now), 50*time.Millisecond))
			return true
		}
	}
	if w.auth.stale() {
		w.reauthenticate(ctx) // between batches, timed apart
	}
	return false
}

// reauthenticate sends the newest token on the worker's connection when its
// turn has come, and records the AUTH apart from the workload.
func (w *worker) reauthenticate(ctx context.Context) {
	r, sent := w.auth.step(ctx, w.authn)
	if !sent {
		return
	}
	if !r.done.Before(w.log.end) {
		w.rotate(r.done)
	}
	l := &w.log.reauth
	l.record(r.done.Sub(r.sent), r.err, r.expired)
	if r.err != nil && breaksConnection(Classify(r.err)) {
		w.sess.reopen()
		w.log.reconnects++
	}
}

// reauthLog is a worker's re-AUTH record for one interval.
type reauthLog struct {
	count, expired int64
	errors         [numClasses]int64
	latency        *hdrhistogram.PackedHistogram // created on first use: most runs never re-AUTH
}

func (l *reauthLog) record(latency time.Duration, err error, expired bool) {
	if l.latency == nil {
		l.latency = results.NewPackedHDR()
	}
	l.count++
	record(l.latency, micros(latency), 1) // bounded by the command timeout: never out of range
	if err != nil {
		class := Classify(err)
		if expired {
			class = results.ErrAuth
			l.expired++
		}
		l.errors[classIndex[class]]++
	}
}

func (l *reauthLog) reset() {
	h := l.latency
	if h != nil {
		h.Reset()
	}
	*l = reauthLog{latency: h}
}

func (l *reauthLog) empty() bool { return l.count == 0 && l.expired == 0 }

// addTo adds the log to s.
func (l *reauthLog) addTo(s *results.ReauthStats) {
	s.Count += l.count
	s.Expired += l.expired
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
		l.latency.MergeInto(s.Latency.Histogram) // same geometry: exact
	}
}

// sharedReauth collects re-AUTHs seen by reauthHook, from any goroutine;
// AUTH is rare, so a lock is fine.
type sharedReauth struct {
	mu  sync.Mutex
	log reauthLog
}

func (s *sharedReauth) record(latency time.Duration, err error, expired bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log.record(latency, err, expired)
}

// drainInto adds what was collected to st and starts afresh.
func (s *sharedReauth) drainInto(st *results.ReauthStats) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log.addTo(st)
	s.log.reset()
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
		h.auth.shared.record(latency, err, false)
		if err == nil {
			h.auth.waves.reauthed(gen, time.Now(), latency)
		} else {
			h.auth.waves.failed(gen)
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

// waveTracker follows each token from its renewal until every connection has
// it, and reports each wave as a reauth event. Its methods are safe on a nil
// tracker (re-AUTH off).
type waveTracker struct {
	mu       sync.Mutex
	events   *eventSink
	expected int
	cur      *wave
}

// wave is the spread of one token over the connections.
type wave struct {
	token            uint64
	start            time.Time
	reauthed, fresh  int
	failed           int64
	first, last, max time.Duration // first and last AUTH after start; slowest AUTH
}

// size returns the number of connections each token must reach.
func (w *waveTracker) size() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.expected
}

// begin starts the wave of a new token, ending the previous one.
func (w *waveTracker) begin(token uint64, at time.Time) {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.endLocked(at)
	w.cur = &wave{token: token, start: at}
}

// reauthed records a connection that sent the token.
func (w *waveTracker) reauthed(token uint64, at time.Time, latency time.Duration) {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	v := w.cur
	if v == nil || v.token != token {
		return
	}
	after := at.Sub(v.start)
	if v.reauthed == 0 {
		v.first = after
	}
	v.reauthed++
	v.last, v.max = after, max(v.max, latency)
	w.completeLocked(at)
}

// connected records a connection opened with the token: it needs no AUTH.
func (w *waveTracker) connected(token uint64) {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if v := w.cur; v != nil && v.token == token {
		v.fresh++
		w.completeLocked(time.Now())
	}
}

// failed records a failed AUTH with the token.
func (w *waveTracker) failed(token uint64) {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if v := w.cur; v != nil && v.token == token {
		v.failed++
	}
}

// end reports the wave in progress, if any, as cut short by the run's end.
func (w *waveTracker) end(at time.Time) {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.endLocked(at)
}

func (w *waveTracker) completeLocked(at time.Time) {
	if v := w.cur; v != nil && v.reauthed+v.fresh >= w.expected {
		w.report(v, at, results.OutcomeComplete)
		w.cur = nil
	}
}

func (w *waveTracker) endLocked(at time.Time) {
	if v := w.cur; v != nil {
		w.report(v, at, results.OutcomePartial)
		w.cur = nil
	}
}

func (w *waveTracker) report(v *wave, at time.Time, outcome string) {
	var b strings.Builder
	fmt.Fprintf(&b, "token #%d sent on %d of %s", v.token, v.reauthed, plural(w.expected, "connection"))
	if v.reauthed > 0 {
		fmt.Fprintf(&b, " from %s to %s after its renewal; slowest AUTH %s", span(v.first), span(v.last), span(v.max))
	}
	if v.fresh > 0 {
		fmt.Fprintf(&b, "; %s opened with it", plural(v.fresh, "connection"))
	}
	fmt.Fprintf(&b, "; %d AUTH failed", v.failed)
	if outcome == results.OutcomePartial {
		b.WriteString("; cut short by the next token or the run's end")
	}
	w.events.emit(&results.Event{
		Time: at.UTC(), Kind: results.EventReauth, Outcome: outcome, Token: v.token,
		Count: int64(v.reauthed), Failed: v.failed, Detail: b.String(),
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

// oneLine joins a multi-line error into one line.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

// endWaves reports the wave in progress as cut short.
func (a *entraAuth) endWaves(at time.Time) {
	if a != nil {
		a.waves.end(at)
	}
}

// reachEvery sets the number of connections each token must reach: every
// pooled connection of a cluster, rather than one per worker.
func (a *entraAuth) reachEvery(conns int) {
	if a == nil || a.waves == nil {
		return
	}
	a.waves.mu.Lock()
	defer a.waves.mu.Unlock()
	a.waves.expected = conns
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
	if c == nil || !c.stale() {
		return
	}
	r, sent := c.step(ctx, as)
	if !sent {
		return
	}
	a.shared.record(r.done.Sub(r.sent), r.err, r.expired)
	if r.err != nil && breaksConnection(Classify(r.err)) {
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
