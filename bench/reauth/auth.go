package reauth

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/redis/go-redis/v9"

	"github.com/amrbench/amrbench/bench/entra"
	"github.com/amrbench/amrbench/bench/record"
	"github.com/amrbench/amrbench/internal/units"
	"github.com/amrbench/amrbench/results"
)

// Options are what a run's Entra ID authentication needs.
type Options struct {
	// Credential names the kind of TokenCredential, for error messages.
	Credential string
	// Scope is the scope tokens are requested for; User the user name sent
	// with them (empty: each token's oid claim).
	Scope, User string
	// Reauth sends every new token on every open connection before the old
	// one expires.
	Reauth bool
	// ReauthBefore is how long before its expiry a token is renewed at the
	// latest.
	ReauthBefore time.Duration
	// TokenCredential gets the tokens.
	TokenCredential azcore.TokenCredential
	// Emit receives the token-refresh and reauth events, from any
	// goroutine.
	Emit func(*results.Event)
	// Classify is the class an AUTH's error is counted under.
	Classify func(error) results.ErrorClass
}

// Auth is a run's Entra ID authentication: the token provider, the waves
// of re-AUTHs that follow each new token, and the re-AUTHs that no worker
// owns. A nil *Auth is a target that does not use Entra ID: its methods do
// nothing.
type Auth struct {
	opts     Options
	emit     func(*results.Event)
	provider *entra.Provider
	// waves is nil when re-AUTH is off.
	waves *entra.Waves
	// shared collects the AUTHs Hook sees, and those sent on idle
	// connections.
	shared record.SharedReauth
}

// Start gets the first token, before any connection opens, and starts
// renewing it. conns is the number of connections each token must reach.
// A principal that cannot be told is entra.ErrNoPrincipal, wrapped.
func Start(ctx context.Context, opts Options, conns int) (*Auth, error) {
	a := &Auth{opts: opts, emit: opts.Emit}
	if opts.Reauth {
		a.waves = entra.NewWaves(conns, a.waveEvent)
	}
	p, err := entra.New(entra.Options{
		Credential: opts.TokenCredential,
		Scope:      opts.Scope,
		User:       opts.User,
		Policy:     entra.Policy{Ratio: entra.DefaultRefreshRatio, Before: opts.ReauthBefore},
		Notify:     a.notice,
	})
	if err != nil {
		return nil, err
	}
	a.provider = p
	if err := p.Start(ctx); err != nil {
		what := "Entra ID"
		if opts.Credential != "" {
			what += " (" + opts.Credential + " credential)"
		}
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return a, nil
}

// Stop ends the token renewals.
func (a *Auth) Stop() {
	if a != nil {
		a.provider.Stop()
	}
}

// Provider returns the token provider, for go-redis's options and the
// connections that authenticate themselves.
func (a *Auth) Provider() *entra.Provider { return a.provider }

// Reauth reports whether new tokens are sent on open connections.
func (a *Auth) Reauth() bool { return a != nil && a.opts.Reauth }

// Shared returns the re-AUTHs that no worker owns, for the recorder.
func (a *Auth) Shared() *record.SharedReauth { return &a.shared }

// RecordIdle records an AUTH sent on an idle connection (while connections
// open, or during the preload), counted in the first interval written.
func (a *Auth) RecordIdle(latency time.Duration, err error, expired bool) {
	a.shared.Record(latency, a.class(err), expired)
}

// class is the class of a failed AUTH's error; empty when it succeeded.
func (a *Auth) class(err error) results.ErrorClass {
	if err == nil {
		return ""
	}
	return a.opts.Classify(err)
}

// notice turns the provider's notices into token-refresh events, and starts
// a re-AUTH wave for each new token.
func (a *Auth) notice(n entra.Notice) {
	c := n.Credentials
	e := &results.Event{
		Time: n.Time.UTC(), Kind: results.EventTokenRefresh, Outcome: n.Kind.String(),
		Principal: c.User, TokenExpires: c.Expires.UTC(), Token: c.Generation,
	}
	switch n.Kind {
	case entra.Acquired:
		e.Detail = fmt.Sprintf("token #1 for principal %s: expires %s (in %s); renewal at %s",
			c.User, stamp(c.Expires), span(c.Expires.Sub(n.Time)), stamp(n.Next))
		if life := c.Expires.Sub(c.Received); life <= a.opts.ReauthBefore {
			e.Detail += fmt.Sprintf(" (its lifetime, %s, is not longer than --reauth-before %s: it is renewed at 70 %% of it)", span(life), a.opts.ReauthBefore)
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
	a.emit(e)
}

// NewConn returns the authentication state of a new connection, or nil
// when the target does not use Entra ID.
func (a *Auth) NewConn() *entra.Conn {
	if a == nil {
		return nil
	}
	return entra.NewConn(a.provider, a.waves, a.opts.Reauth)
}

// EndWaves reports the wave in progress as cut short.
func (a *Auth) EndWaves(at time.Time) {
	if a != nil {
		a.waves.End(at)
	}
}

// ReachEvery sets the number of connections each token must reach: every
// pooled connection of a cluster, rather than one per worker.
func (a *Auth) ReachEvery(conns int) {
	if a != nil {
		a.waves.SetSize(conns)
	}
}

// Hook is a go-redis hook that counts and times the AUTH commands go-redis
// sends on pooled connections when the provider hands it a new token
// (StreamingCredentialsProvider). It passes every other command through at
// the cost of a type check. Add it to every node client of a
// redis.ClusterClient (ClusterOptions.OnNewNode); a redis.Client whose
// workers hold sticky connections re-AUTHs in the workers instead and must
// not have it, or AUTHs would be counted twice.
type Hook struct{ Auth *Auth }

var _ redis.Hook = Hook{}

// DialHook passes dials through.
func (h Hook) DialHook(next redis.DialHook) redis.DialHook { return next }

// ProcessHook counts and times AUTH commands.
func (h Hook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		args := cmd.Args()
		if len(args) != 3 {
			return next(ctx, cmd)
		}
		if name, _ := args[0].(string); name != "auth" && name != "AUTH" {
			return next(ctx, cmd)
		}
		gen := h.Auth.provider.Current().Generation
		start := time.Now()
		err := next(ctx, cmd)
		latency := time.Since(start)
		h.Auth.shared.Record(latency, h.Auth.class(err), false)
		if err == nil {
			h.Auth.waves.Reauthed(gen, time.Now(), latency)
		} else {
			h.Auth.waves.Failed(gen)
		}
		return err
	}
}

// ProcessPipelineHook passes pipelines through.
func (h Hook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// waveEvent reports a wave of re-AUTHs as a reauth event.
func (a *Auth) waveEvent(v entra.Wave) {
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
	a.emit(&results.Event{
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
