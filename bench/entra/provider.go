package entra

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sync"
	"sync/atomic"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/redis/go-redis/v9/auth"
)

// DefaultScope is the scope of Azure Cache for Redis and Azure Managed Redis
// tokens, the same in every cloud.
const DefaultScope = "https://redis.azure.com/.default"

// Errors a Provider returns.
var (
	// ErrNotStarted is returned for credentials asked of a Provider that has
	// no token yet.
	ErrNotStarted = errors.New("entra: the provider has no token yet")
	// ErrNoPrincipal is returned for a token without an oid claim when no
	// user name was given.
	ErrNoPrincipal = errors.New("the token has no oid claim to use as the user name")
	// ErrNoExpiry is returned for a token whose expiry is unknown.
	ErrNoExpiry = errors.New("the token has no expiry (no exp claim, no ExpiresOn)")
)

// Credentials are a user name and a token. Generation numbers the tokens a
// Provider has handed out, from 1. Formatting Credentials never shows the
// token.
type Credentials struct {
	Generation uint64
	// User is the user name sent with the token: the token's oid claim
	// unless the Provider was given one.
	User string
	// Expires is when the token expires (the earlier of its exp claim and
	// the credential's ExpiresOn).
	Expires time.Time
	// Received is when the Provider received the token.
	Received time.Time
	// RefreshAt is when the Provider will ask for the next token.
	RefreshAt time.Time
	token     string
}

var _ auth.Credentials = (*Credentials)(nil)

// BasicAuth returns the user name and the token, for AUTH.
func (c *Credentials) BasicAuth() (username, password string) { return c.User, c.token }

// RawCredentials returns the token.
func (c *Credentials) RawCredentials() string { return c.token }

// String describes the credentials without the token.
func (c *Credentials) String() string {
	return fmt.Sprintf("token #%d of principal %s, expires %s", c.Generation, c.User, c.Expires.Format(time.RFC3339))
}

// GoString is String, so that %#v cannot print the token either.
func (c *Credentials) GoString() string { return c.String() }

// NoticeKind says what a Notice reports.
type NoticeKind int

// Notice kinds.
const (
	// Acquired: the first token, got by Start.
	Acquired NoticeKind = iota + 1
	// Renewed: a new token, handed to every subscriber.
	Renewed
	// Unchanged: the credential returned the token the Provider already
	// holds (credentials that cache tokens renew them shortly before
	// expiry); the Provider asks again later. Reported once per token.
	Unchanged
	// Failed: a request for a token failed; the Provider retries with
	// back-off.
	Failed
)

// String names the kind.
func (k NoticeKind) String() string {
	switch k {
	case Acquired:
		return "acquired"
	case Renewed:
		return "renewed"
	case Unchanged:
		return "unchanged"
	case Failed:
		return "failed"
	}
	return fmt.Sprintf("NoticeKind(%d)", int(k))
}

// Notice reports what happened to a request for a token.
type Notice struct {
	Time time.Time
	Kind NoticeKind
	// Credentials are the credentials in force after the request.
	Credentials *Credentials
	// Attempt counts the failed requests in a row (Failed).
	Attempt int
	// Err is why the request failed (Failed).
	Err error
	// Next is when the Provider asks for a token next.
	Next time.Time
}

// Clock is a Provider's time source; tests give a manual one.
type Clock interface {
	Now() time.Time
	// NewTimer returns a channel that receives once d has passed, and a
	// function that stops the timer.
	NewTimer(d time.Duration) (<-chan time.Time, func() bool)
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) NewTimer(d time.Duration) (<-chan time.Time, func() bool) {
	t := time.NewTimer(d)
	return t.C, t.Stop
}

// Options configure a Provider.
type Options struct {
	// Credential gets the tokens. Required.
	Credential azcore.TokenCredential
	// Scope is the scope tokens are requested for; empty means DefaultScope.
	Scope string
	// User is the user name sent with the tokens; empty means each token's
	// oid claim.
	User string
	// Policy says when tokens are renewed; a zero Ratio means
	// DefaultRefreshRatio, a zero Before DefaultRefreshBefore.
	Policy Policy
	// RequestTimeout bounds each request for a token; zero means
	// DefaultRequestTimeout.
	RequestTimeout time.Duration
	// Notify, if set, is told about every request for a token, from the
	// Provider's goroutine. It must not block for long.
	Notify func(Notice)
	// Clock and Jitter (a source of numbers from 0 to 1) are for tests;
	// nil means the real clock and math/rand/v2.
	Clock  Clock
	Jitter func() float64
}

// Provider gets Entra ID tokens and keeps them fresh. It is safe for
// concurrent use.
type Provider struct {
	opts    Options
	current atomic.Pointer[Credentials]

	// mu orders subscriptions against renewals: a listener either subscribes
	// after a new token is current, and gets it from Subscribe, or is in the
	// list the new token is handed to.
	mu        sync.Mutex
	listeners map[auth.CredentialsListener]struct{}

	startOnce sync.Once
	stopOnce  sync.Once
	cancel    context.CancelFunc
	done      chan struct{}
}

var _ auth.StreamingCredentialsProvider = (*Provider)(nil)

// New returns a Provider that has no token yet: call Start.
func New(opts Options) (*Provider, error) {
	if opts.Credential == nil {
		return nil, errors.New("entra: no credential")
	}
	if opts.Scope == "" {
		opts.Scope = DefaultScope
	}
	if opts.Policy.Ratio == 0 {
		opts.Policy.Ratio = DefaultRefreshRatio
	}
	if !(opts.Policy.Ratio > 0 && opts.Policy.Ratio < 1) {
		return nil, fmt.Errorf("entra: refresh ratio %g: want above 0 and below 1", opts.Policy.Ratio)
	}
	if opts.Policy.Before == 0 {
		opts.Policy.Before = DefaultRefreshBefore
	}
	if opts.Policy.Before < 0 {
		return nil, fmt.Errorf("entra: refresh before %s: cannot be negative", opts.Policy.Before)
	}
	if opts.RequestTimeout <= 0 {
		opts.RequestTimeout = DefaultRequestTimeout
	}
	if opts.Clock == nil {
		opts.Clock = realClock{}
	}
	if opts.Jitter == nil {
		opts.Jitter = rand.Float64
	}
	return &Provider{opts: opts, listeners: map[auth.CredentialsListener]struct{}{}, done: make(chan struct{})}, nil
}

// Start gets the first token, then renews tokens in the background until ctx
// is done or Stop is called. It returns the error of the first request, if it
// fails; a Provider is started once.
func (p *Provider) Start(ctx context.Context) error {
	err := errors.New("entra: provider already started")
	p.startOnce.Do(func() {
		var c *Credentials
		c, err = p.fetch(ctx, 1)
		if err != nil {
			close(p.done)
			err = fmt.Errorf("get a token for %s: %w", p.opts.Scope, err)
			return
		}
		c.RefreshAt = p.opts.Policy.RefreshAt(c.Received, c.Expires, p.opts.Jitter())
		p.current.Store(c)
		p.notify(Notice{Time: c.Received, Kind: Acquired, Credentials: c, Next: c.RefreshAt})
		var loopCtx context.Context
		loopCtx, p.cancel = context.WithCancel(ctx)
		go p.loop(loopCtx)
	})
	return err
}

// Stop ends the renewals and waits for the Provider's goroutine to return.
// A Provider that was never started cannot be started after Stop.
func (p *Provider) Stop() {
	p.startOnce.Do(func() { close(p.done) })
	p.stopOnce.Do(func() {
		if p.cancel != nil {
			p.cancel()
		}
	})
	<-p.done
}

// Current returns the current credentials, or nil before Start succeeds. It
// is one atomic load.
func (p *Provider) Current() *Credentials { return p.current.Load() }

// CredentialsContext returns the current user name and token; it suits
// redis.Options.CredentialsProviderContext, which go-redis calls as it opens
// each connection.
func (p *Provider) CredentialsContext(context.Context) (username, password string, err error) {
	c := p.current.Load()
	if c == nil {
		return "", "", ErrNotStarted
	}
	return c.User, c.token, nil
}

// Subscribe returns the current credentials and hands every later token to
// listener until the returned function is called. Subscribing a listener
// again changes nothing; unsubscribing twice is harmless.
//
// A failed renewal is not passed to OnError while the current token is
// valid: go-redis closes a pooled connection on any OnError that is not a
// Redis reply, and the connection is good until the token expires. Once the
// token has expired and renewing it fails, OnError is called once for that
// token, since the server has closed those connections anyway.
func (p *Provider) Subscribe(listener auth.CredentialsListener) (auth.Credentials, auth.UnsubscribeFunc, error) {
	if listener == nil {
		return nil, nil, errors.New("entra: nil listener")
	}
	if !reflect.TypeOf(listener).Comparable() {
		return nil, nil, fmt.Errorf("entra: a listener of type %T cannot be told apart from another; pass a pointer", listener)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.current.Load()
	if c == nil {
		return nil, nil, ErrNotStarted
	}
	p.listeners[listener] = struct{}{}
	unsubscribe := func() error {
		p.mu.Lock()
		delete(p.listeners, listener)
		p.mu.Unlock()
		return nil
	}
	return c, unsubscribe, nil
}

// Subscribers returns the number of subscribed listeners.
func (p *Provider) Subscribers() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.listeners)
}

// loop renews the token until ctx is done.
func (p *Provider) loop(ctx context.Context) {
	defer close(p.done)
	cur := p.current.Load()
	next := cur.RefreshAt
	failures := 0
	var unchangedNoted, errorPassed uint64 // generations already reported
	for {
		timer, stop := p.opts.Clock.NewTimer(next.Sub(p.opts.Clock.Now()))
		select {
		case <-ctx.Done():
			stop()
			return
		case <-timer:
		}
		c, err := p.fetch(ctx, cur.Generation+1)
		if ctx.Err() != nil {
			return
		}
		now := p.opts.Clock.Now()
		switch {
		case err != nil:
			failures++
			next = now.Add(RetryDelay(failures, p.opts.Jitter()))
			p.notify(Notice{Time: now, Kind: Failed, Credentials: cur, Attempt: failures, Err: err, Next: next})
			if !now.Before(cur.Expires) && errorPassed != cur.Generation {
				errorPassed = cur.Generation
				for _, l := range p.subscribers() {
					l.OnError(fmt.Errorf("entra: the token expired at %s and renewing it failed: %w", cur.Expires.Format(time.RFC3339), err))
				}
			}
		case c.token == cur.token:
			failures = 0
			next = now.Add(UnchangedDelay(cur.Expires.Sub(now)))
			if unchangedNoted != cur.Generation {
				unchangedNoted = cur.Generation
				p.notify(Notice{Time: now, Kind: Unchanged, Credentials: cur, Next: next})
			}
		default:
			failures = 0
			c.RefreshAt = p.opts.Policy.RefreshAt(c.Received, c.Expires, p.opts.Jitter())
			next = c.RefreshAt
			cur = c
			p.mu.Lock()
			p.current.Store(c)
			listeners := p.listenersLocked()
			p.mu.Unlock()
			for _, l := range listeners {
				l.OnNext(c)
			}
			p.notify(Notice{Time: now, Kind: Renewed, Credentials: c, Next: next})
		}
	}
}

func (p *Provider) subscribers() []auth.CredentialsListener {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.listenersLocked()
}

func (p *Provider) listenersLocked() []auth.CredentialsListener {
	out := make([]auth.CredentialsListener, 0, len(p.listeners))
	for l := range p.listeners {
		out = append(out, l)
	}
	return out
}

// fetch requests a token and reads who it names and when it expires.
func (p *Provider) fetch(ctx context.Context, generation uint64) (*Credentials, error) {
	rctx, cancel := context.WithTimeout(ctx, p.opts.RequestTimeout)
	defer cancel()
	at, err := p.opts.Credential.GetToken(rctx, policy.TokenRequestOptions{Scopes: []string{p.opts.Scope}})
	if err != nil {
		return nil, err
	}
	received := p.opts.Clock.Now()
	user, expires := p.opts.User, at.ExpiresOn
	claims, perr := ParseToken(at.Token)
	if perr == nil {
		if user == "" {
			user = claims.OID
		}
		// The server enforces exp; trust the earlier of the two.
		if !claims.Expires.IsZero() && (expires.IsZero() || claims.Expires.Before(expires)) {
			expires = claims.Expires
		}
	}
	switch {
	case user == "" && perr != nil:
		return nil, fmt.Errorf("%w: %w", ErrNoPrincipal, perr)
	case user == "":
		return nil, ErrNoPrincipal
	case expires.IsZero():
		return nil, ErrNoExpiry
	}
	return &Credentials{Generation: generation, User: user, Expires: expires.UTC(), Received: received, token: at.Token}, nil
}

func (p *Provider) notify(n Notice) {
	if p.opts.Notify != nil {
		p.opts.Notify(n)
	}
}
