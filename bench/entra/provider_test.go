package entra

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/redis/go-redis/v9/auth"
)

// manualClock is a Clock that moves only when the test says so.
type manualClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*manualTimer
}

type manualTimer struct {
	at time.Time
	ch chan time.Time
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) NewTimer(d time.Duration) (<-chan time.Time, func() bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &manualTimer{at: c.now.Add(d), ch: make(chan time.Time, 1)}
	c.timers = append(c.timers, t)
	return t.ch, func() bool { return c.remove(t) }
}

func (c *manualClock) remove(t *manualTimer) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, x := range c.timers {
		if x == t {
			c.timers = append(c.timers[:i], c.timers[i+1:]...)
			return true
		}
	}
	return false
}

// waitTimer waits until the provider waits on a timer, and returns when it
// fires.
func (c *manualClock) waitTimer(t *testing.T) time.Time {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		c.mu.Lock()
		if len(c.timers) > 0 {
			at := c.timers[0].at
			c.mu.Unlock()
			return at
		}
		c.mu.Unlock()
		time.Sleep(time.Millisecond)
	}
	t.Fatal("the provider set no timer within 5 s")
	return time.Time{}
}

// advanceTo moves the clock to at and fires the timers that are due.
func (c *manualClock) advanceTo(at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = at
	kept := c.timers[:0]
	for _, t := range c.timers {
		if !t.at.After(at) {
			t.ch <- at
			continue
		}
		kept = append(kept, t)
	}
	c.timers = kept
}

// step is one answer of a scriptedCredential.
type step struct {
	life time.Duration // the token's lifetime from the clock's now
	err  error
	same bool // return the previous token again
}

// scriptedCredential answers GetToken from a script, minting unsigned JWTs
// whose exp is the clock's now plus the step's life.
type scriptedCredential struct {
	clock *manualClock
	mu    sync.Mutex
	steps []step
	last  azcore.AccessToken
	calls int
	n     int
}

func (s *scriptedCredential) GetToken(_ context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if len(opts.Scopes) != 1 || opts.Scopes[0] != DefaultScope {
		return azcore.AccessToken{}, fmt.Errorf("scopes %v", opts.Scopes)
	}
	if len(s.steps) == 0 {
		return azcore.AccessToken{}, errors.New("script exhausted")
	}
	st := s.steps[0]
	s.steps = s.steps[1:]
	switch {
	case st.err != nil:
		return azcore.AccessToken{}, st.err
	case st.same:
		return s.last, nil
	}
	s.n++
	exp := s.clock.Now().Add(st.life)
	s.last = azcore.AccessToken{
		Token:     jwt(fmt.Sprintf(`{"oid":"oid-1","n":%d,"exp":%d.%03d}`, s.n, exp.Unix(), exp.Nanosecond()/1e6)),
		ExpiresOn: exp.Add(time.Hour), // the exp claim is earlier and wins
	}
	return s.last, nil
}

// recordingListener records what a provider tells it.
type recordingListener struct {
	mu     sync.Mutex
	next   []uint64
	errors []error
}

func (l *recordingListener) OnNext(c auth.Credentials) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.next = append(l.next, c.(*Credentials).Generation)
}

func (l *recordingListener) OnError(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errors = append(l.errors, err)
}

func (l *recordingListener) counts() (int, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.next), len(l.errors)
}

type noticeLog struct {
	mu      sync.Mutex
	notices []Notice
}

func (n *noticeLog) add(x Notice) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.notices = append(n.notices, x)
}

func (n *noticeLog) last(t *testing.T) Notice {
	t.Helper()
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(n.notices) == 0 {
		t.Fatal("no notice")
	}
	return n.notices[len(n.notices)-1]
}

func (n *noticeLog) len() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.notices)
}

func TestProviderSchedulesRetriesAndFansOut(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	clock := &manualClock{now: t0}
	failure := errors.New("AADSTS700024: client assertion is not within its valid time range")
	cred := &scriptedCredential{clock: clock, steps: []step{
		{life: 100 * time.Second}, // 1: acquired
		{err: failure},            // at 70 s
		{err: failure},            // retry after 0.8 s (jitter 0)
		{life: 100 * time.Second}, // retry after 1.6 s: renewed
		{same: true},              // at 70 % of the new one: the cached token
		{same: true},              // again: no second notice
		{err: failure},            // failures until past expiry
		{err: failure},
		{err: failure},
		{err: failure},
		{err: failure},
		{err: failure},
		{life: 50 * time.Second}, // renewed after expiry
	}}
	var log noticeLog
	p, err := New(Options{Credential: cred, Clock: clock, Jitter: func() float64 { return 0 }, Notify: log.add})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer p.Stop()

	c1 := p.Current()
	if c1.Generation != 1 || c1.User != "oid-1" || !c1.Expires.Equal(t0.Add(100*time.Second)) {
		t.Fatalf("first credentials %v, want token #1 of oid-1 expiring at t0+100s", c1)
	}
	if n := log.last(t); n.Kind != Acquired || !n.Next.Equal(t0.Add(70*time.Second)) {
		t.Fatalf("first notice %v next %s, want acquired with the refresh at t0+70s", n.Kind, n.Next)
	}
	l := &recordingListener{}
	got, unsubscribe, err := p.Subscribe(l)
	if err != nil || got.(*Credentials).Generation != 1 {
		t.Fatalf("Subscribe = %v, %v", got, err)
	}
	if _, again, err := p.Subscribe(l); err != nil || p.Subscribers() != 1 {
		t.Fatalf("subscribing twice: %d subscribers, %v", p.Subscribers(), err)
	} else {
		defer again()
	}

	// The schedule, in offsets from t0: each row is what the provider does
	// when its timer fires.
	expect := []struct {
		at        time.Duration
		kind      NoticeKind
		attempt   int
		next      time.Duration
		generaton uint64
	}{
		{70 * time.Second, Failed, 1, 70*time.Second + 800*time.Millisecond, 1},
		{70*time.Second + 800*time.Millisecond, Failed, 2, 72400 * time.Millisecond, 1},
		{72400 * time.Millisecond, Renewed, 0, 72400*time.Millisecond + 70*time.Second, 2},
		// The new token expires at 172.4 s; at 142.4 s 30 s are left, so the
		// cached token is asked for again after 30/8 s.
		{142400 * time.Millisecond, Unchanged, 0, 146150 * time.Millisecond, 2},
	}
	for i, e := range expect {
		fire := clock.waitTimer(t)
		if !fire.Equal(t0.Add(e.at)) {
			t.Fatalf("step %d: timer at t0+%s, want t0+%s", i, fire.Sub(t0), e.at)
		}
		clock.advanceTo(fire)
		clock.waitTimer(t)
		n := log.last(t)
		if n.Kind != e.kind || n.Attempt != e.attempt || !n.Next.Equal(t0.Add(e.next)) || n.Credentials.Generation != e.generaton {
			t.Fatalf("step %d: notice %v attempt %d next t0+%s token #%d; want %v attempt %d next t0+%s token #%d",
				i, n.Kind, n.Attempt, n.Next.Sub(t0), n.Credentials.Generation, e.kind, e.attempt, e.next, e.generaton)
		}
		if e.kind == Failed && !errors.Is(n.Err, failure) {
			t.Fatalf("step %d: notice error %v", i, n.Err)
		}
	}
	if next, errs := l.counts(); next != 1 || errs != 0 {
		t.Fatalf("listener got %d tokens and %d errors, want 1 and 0 (failures while the token is valid are not errors)", next, errs)
	}
	// The cached token again: no second notice.
	before := log.len()
	clock.advanceTo(clock.waitTimer(t))
	clock.waitTimer(t)
	if log.len() != before {
		t.Fatalf("a second 'unchanged' was reported: %v", log.last(t).Kind)
	}
	// Failures until the token has expired (172.4 s): the listener hears of
	// it once.
	for log.last(t).Credentials.Generation == 2 && clock.Now().Before(t0.Add(200*time.Second)) {
		clock.advanceTo(clock.waitTimer(t))
		clock.waitTimer(t)
		if n := log.last(t); n.Kind == Renewed {
			break
		}
	}
	n := log.last(t)
	if n.Kind != Renewed || n.Credentials.Generation != 3 {
		t.Fatalf("after the failures: %v token #%d, want a renewal to token #3", n.Kind, n.Credentials.Generation)
	}
	if !n.Time.After(t0.Add(172400 * time.Millisecond)) {
		t.Fatalf("token #3 came at t0+%s, before token #2 expired: the script did not reach expiry", n.Time.Sub(t0))
	}
	if next, errs := l.counts(); next != 2 || errs != 1 {
		t.Fatalf("listener got %d tokens and %d errors, want 2 and 1", next, errs)
	}
	if cred.calls != 13 {
		t.Fatalf("%d requests for tokens, want 13", cred.calls)
	}
	// Unsubscribed, a listener hears nothing more; unsubscribing twice is
	// harmless.
	if err := unsubscribe(); err != nil || unsubscribe() != nil || p.Subscribers() != 0 {
		t.Fatalf("unsubscribe: %v, %d subscribers left", err, p.Subscribers())
	}
}

func TestProviderStart(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		token    string
		expires  time.Time
		err      error
		user     string
		wantUser string
		wantExp  time.Time
		wantErr  error
	}{
		{name: "a JWT: the oid claim is the user", token: jwt(`{"oid":"o-1","exp":1795000000}`), wantUser: "o-1", wantExp: time.Unix(1795000000, 0).UTC()},
		{name: "a JWT and --entra-user", token: jwt(`{"oid":"o-1","exp":1795000000}`), user: "me", wantUser: "me", wantExp: time.Unix(1795000000, 0).UTC()},
		{name: "ExpiresOn earlier than exp wins", token: jwt(`{"oid":"o-1","exp":1795000000}`), expires: time.Unix(1794999000, 0), wantUser: "o-1", wantExp: time.Unix(1794999000, 0).UTC()},
		{name: "an opaque token with a user and ExpiresOn", token: "opaque", expires: t0.Add(time.Hour), user: "me", wantUser: "me", wantExp: t0.Add(time.Hour)},
		{name: "an opaque token without a user", token: "opaque", expires: t0.Add(time.Hour), wantErr: ErrNoPrincipal},
		{name: "a JWT without oid", token: jwt(`{"exp":1795000000}`), wantErr: ErrNoPrincipal},
		{name: "no expiry anywhere", token: jwt(`{"oid":"o"}`), wantErr: ErrNoExpiry},
		{name: "the credential fails", err: errors.New("az: not logged in"), wantErr: errors.New("az: not logged in")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cred := credentialFunc(func(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
				return azcore.AccessToken{Token: tt.token, ExpiresOn: tt.expires}, tt.err
			})
			p, err := New(Options{Credential: cred, User: tt.user, Clock: &manualClock{now: t0}})
			if err != nil {
				t.Fatal(err)
			}
			err = p.Start(context.Background())
			defer p.Stop()
			if tt.wantErr != nil {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr.Error()) {
					t.Fatalf("error %v, want %v", err, tt.wantErr)
				}
				if !strings.HasPrefix(err.Error(), "get a token for "+DefaultScope) {
					t.Fatalf("error %q does not say what was asked for", err)
				}
				if p.Current() != nil {
					t.Fatal("credentials after a failed start")
				}
				if _, _, err := p.CredentialsContext(context.Background()); !errors.Is(err, ErrNotStarted) {
					t.Fatalf("CredentialsContext after a failed start: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			user, pass, err := p.CredentialsContext(context.Background())
			if err != nil || user != tt.wantUser || pass != tt.token || !p.Current().Expires.Equal(tt.wantExp) {
				t.Fatalf("credentials %q %v expiring %s; want %q expiring %s", user, err, p.Current().Expires, tt.wantUser, tt.wantExp)
			}
		})
	}
}

func TestCredentialsNeverFormatTheToken(t *testing.T) {
	t.Parallel()
	c := &Credentials{Generation: 4, User: "o-1", Expires: time.Unix(1795000000, 0), token: "eyJsecret"}
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		if s := fmt.Sprintf(format, c); strings.Contains(s, "eyJsecret") || !strings.Contains(s, "o-1") {
			t.Errorf("%s gives %q", format, s)
		}
	}
}

func TestProviderOptions(t *testing.T) {
	t.Parallel()
	cred := credentialFunc(func(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
		return azcore.AccessToken{}, nil
	})
	for _, o := range []Options{
		{},
		{Credential: cred, Policy: Policy{Ratio: 1}},
		{Credential: cred, Policy: Policy{Ratio: -0.5}},
		{Credential: cred, Policy: Policy{Before: -time.Second}},
	} {
		if _, err := New(o); err == nil {
			t.Errorf("New(%+v) accepted", o.Policy)
		}
	}
	p, err := New(Options{Credential: cred})
	if err != nil {
		t.Fatal(err)
	}
	p.Stop() // never started: returns at once
	if err := p.Start(context.Background()); err == nil {
		t.Fatal("a stopped provider started")
	}
	if _, _, err := p.Subscribe(&recordingListener{}); !errors.Is(err, ErrNotStarted) {
		t.Fatalf("Subscribe before a token: %v", err)
	}
}

type credentialFunc func(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error)

func (f credentialFunc) GetToken(ctx context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return f(ctx, o)
}
