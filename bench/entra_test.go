package bench_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/amrbench/amrbench/bench"
	"github.com/amrbench/amrbench/bench/cluster"
	"github.com/amrbench/amrbench/bench/entra"
	"github.com/amrbench/amrbench/bench/failure"
	"github.com/amrbench/amrbench/bench/transport"
	"github.com/amrbench/amrbench/internal/benchtest"
	"github.com/amrbench/amrbench/results"
	"github.com/amrbench/amrbench/workloads"
)

const testOID = "4f7d2a9c-1b3e-4c5d-8e6f-0a1b2c3d4e5f"

// entraConfig is a run against the token proxy p with tokens from cred.
func entraConfig(p *benchtest.TokenProxy, cred *benchtest.TokenCredential, conns int, d time.Duration, reauth bool) bench.Config {
	cfg := bench.DefaultConfig()
	cfg.Target.Host, cfg.Target.Port = "localhost", p.Port
	cfg.Target.TLS = transport.TLSOptions{Enabled: true, CAPEM: p.Certs.CAPEM}
	cfg.Target.Auth = bench.AuthEntra
	cfg.Target.Entra = bench.EntraConfig{
		Credential: "test", Scope: bench.DefaultEntraScope, Reauth: reauth,
		ReauthBefore: bench.DefaultReauthBefore, TokenCredential: cred,
	}
	cfg.Connections, cfg.Duration, cfg.Requests = conns, d, 0
	cfg.ReplyWait = transport.ReplyWaitPark // see config; the proxy is in this process too
	return cfg
}

// authTotals adds up what the intervals say about authentication.
type authTotals struct {
	dataErrors, authErrors int64
	reauth                 *results.ReauthStats
	ops                    int64
	reconnects             int64
}

func totalsOf(t *testing.T, obs *collector) authTotals {
	t.Helper()
	a := authTotals{reauth: results.NewReauthStats()}
	for _, iv := range obs.intervals {
		if iv.Reauth == nil {
			t.Fatalf("interval %d has no reauth statistics", iv.Index)
		}
		if err := a.reauth.Add(iv.Reauth); err != nil {
			t.Fatal(err)
		}
		a.reconnects += iv.Reconnects
		for _, cs := range iv.Commands {
			a.ops += cs.Count
			a.dataErrors += cs.ErrorCount()
			a.authErrors += cs.Errors[results.ErrAuth]
		}
	}
	return a
}

func eventsOf(obs *collector, kind, outcome string) []*results.Event {
	var out []*results.Event
	for _, e := range obs.events {
		if e.Kind == kind && (outcome == "" || e.Outcome == outcome) {
			out = append(out, e)
		}
	}
	return out
}

// TestEntraReauthKeepsEveryConnectionOpen is the acceptance test:
// tokens living 3 to 5 s, 50 connections, 30 s; the proxy closes any
// connection whose token expires, and none may be closed.
func TestEntraReauthKeepsEveryConnectionOpen(t *testing.T) {
	t.Parallel()
	s := benchtest.StartServer(t)
	p := benchtest.StartTokenProxy(t, s, benchtest.WithDelay(25*time.Millisecond))
	cred := benchtest.NewTokenCredential(testOID, entra.DefaultScope, 3*time.Second, 5*time.Second)
	cfg := entraConfig(p, cred, 50, 30*time.Second, true)
	// Renew each token 2 s before it expires (at 1 to 3 s of its 3 to 5 s),
	// as the default renews real tokens 5 min before: the margin is for the
	// stagger and for a loaded test machine, not for luck.
	cfg.Target.Entra.ReauthBefore = 2 * time.Second
	obs, out := runBench(t, context.Background(), cfg, workloads.DefaultSpec())
	if out.Interrupted {
		t.Fatal("interrupted")
	}
	tot := totalsOf(t, obs)
	st := p.Stats()
	if tot.dataErrors != 0 || tot.reauth.ErrorCount() != 0 || st.ClosedExpired != 0 {
		for _, e := range obs.events {
			t.Logf("%s %s %s %s", e.Time.Format("15:04:05.000"), e.Kind, e.Outcome, e.Detail)
		}
		for _, iv := range obs.intervals {
			for n, c := range iv.Commands {
				if c.ErrorCount() > 0 {
					t.Logf("interval %d %s: %v", iv.Index, n, c.Errors)
				}
			}
		}
		for i, c := range st.Conns {
			if c.ClosedExpired || c.Rejected > 0 {
				t.Logf("proxy conn %d: %+v", i, c)
			}
		}
		t.Logf("proxy %+v", st.ClosedExpired)
	}
	if tot.dataErrors != 0 || tot.reauth.ErrorCount() != 0 || tot.reauth.Expired != 0 || tot.reconnects != 0 {
		t.Fatalf("errors: %d data, %d re-AUTH (%v), %d connections expired, %d reconnects; want none",
			tot.dataErrors, tot.reauth.ErrorCount(), tot.reauth.Errors, tot.reauth.Expired, tot.reconnects)
	}
	if st.ClosedExpired != 0 || st.Rejected != 0 {
		t.Fatalf("the proxy closed %d connections for expired tokens and refused %d AUTHs", st.ClosedExpired, st.Rejected)
	}
	if st.Accepted != 50 {
		t.Fatalf("the proxy accepted %d connections, want the 50 of the run and no reconnection", st.Accepted)
	}
	var proxyAuths int64
	for i, c := range st.Conns {
		// HELLO … AUTH as it opened, then AUTH with every new token.
		if c.HelloAuths != 1 || c.Auths < 2 {
			t.Errorf("connection %d: %d HELLO AUTH and %d AUTH, want 1 and more than 1", i, c.HelloAuths, c.Auths)
		}
		proxyAuths += c.Auths
	}
	if tot.reauth.Count != proxyAuths {
		t.Fatalf("the intervals count %d re-AUTHs, the proxy accepted %d", tot.reauth.Count, proxyAuths)
	}
	if n := tot.reauth.Latency.TotalCount(); n != tot.reauth.Count {
		t.Fatalf("re-AUTH latency histogram holds %d values for %d AUTHs", n, tot.reauth.Count)
	}
	if tot.ops == 0 {
		t.Fatal("no operation")
	}
	// Every token was renewed, each renewal is an event, and each wave
	// reached every connection (the last may be cut by the run's end).
	renewed := eventsOf(obs, results.EventTokenRefresh, results.OutcomeRenewed)
	if len(renewed) != cred.Calls()-1 || len(renewed) < 6 {
		t.Fatalf("%d renewal events for %d token requests", len(renewed), cred.Calls())
	}
	if n := len(eventsOf(obs, results.EventTokenRefresh, results.OutcomeAcquired)); n != 1 {
		t.Fatalf("%d acquired events, want 1", n)
	}
	waves := eventsOf(obs, results.EventReauth, "")
	if len(waves) != len(renewed) {
		t.Fatalf("%d reauth waves for %d renewals", len(waves), len(renewed))
	}
	var waveAuths int64
	for i, w := range waves {
		waveAuths += w.Count
		if w.Failed != 0 {
			t.Errorf("wave %d: %d AUTH failed: %s", i, w.Failed, w.Detail)
		}
		// Once every connection is open, every token reaches every one of
		// them (a token renewed while they open also reaches those opened
		// with it, and the next token may cut its wave short); the last
		// wave may be cut short by the run's end.
		if renewed[i].Time.After(out.Start) && i < len(waves)-1 && w.Outcome != results.OutcomeComplete {
			t.Errorf("wave %d: %s with %d connections: %s", i, w.Outcome, w.Count, w.Detail)
		}
	}
	if waveAuths != proxyAuths {
		t.Fatalf("the waves count %d AUTHs, the proxy %d", waveAuths, proxyAuths)
	}
	t.Logf("%d operations, %d tokens, %d re-AUTHs (p99 %d µs), %d connections, none closed",
		tot.ops, cred.Calls(), tot.reauth.Count, tot.reauth.Latency.ValueAtPercentile(99), st.Accepted)
}

// TestEntraWithoutReauthConnectionsAreClosed is the control: with re-AUTH
// off, the proxy closes every connection when its token expires, and the
// run counts those as auth errors.
func TestEntraWithoutReauthConnectionsAreClosed(t *testing.T) {
	t.Parallel()
	s := benchtest.StartServer(t)
	p := benchtest.StartTokenProxy(t, s, benchtest.WithDelay(25*time.Millisecond))
	cred := benchtest.NewTokenCredential(testOID, entra.DefaultScope, 3*time.Second, 5*time.Second)
	cfg := entraConfig(p, cred, 20, 8*time.Second, false)
	obs, _ := runBench(t, context.Background(), cfg, workloads.DefaultSpec())
	tot := totalsOf(t, obs)
	st := p.Stats()
	if st.ClosedExpired < 20 {
		t.Fatalf("the proxy closed %d connections for expired tokens, want every one of the 20 at least once", st.ClosedExpired)
	}
	if tot.reauth.Count != 0 {
		t.Fatalf("%d re-AUTHs with re-AUTH off", tot.reauth.Count)
	}
	if tot.reauth.Expired == 0 || tot.reauth.Expired > st.ClosedExpired || tot.authErrors < tot.reauth.Expired {
		t.Fatalf("%d connections counted as expired, %d auth errors; the proxy closed %d", tot.reauth.Expired, tot.authErrors, st.ClosedExpired)
	}
	if tot.reconnects < tot.reauth.Expired {
		t.Fatalf("%d reconnects for %d expired connections", tot.reconnects, tot.reauth.Expired)
	}
	if n := len(eventsOf(obs, results.EventReauth, "")); n != 0 {
		t.Fatalf("%d reauth waves with re-AUTH off", n)
	}
	t.Logf("%d operations, %d auth errors, %d connections closed by the proxy, %d counted as expired", tot.ops, tot.authErrors, st.ClosedExpired, tot.reauth.Expired)
}

// TestEntraRecoversAfterCredentialOutage: the credential fails until the
// token has expired and the server has closed every connection, then
// recovers; the connections come back with the new token and the run ends
// without errors.
func TestEntraRecoversAfterCredentialOutage(t *testing.T) {
	t.Parallel()
	s := benchtest.StartServer(t)
	p := benchtest.StartTokenProxy(t, s, benchtest.WithDelay(25*time.Millisecond))
	cred := benchtest.NewTokenCredential(testOID, entra.DefaultScope, 3*time.Second, 3*time.Second)
	cfg := entraConfig(p, cred, 5, 13*time.Second, true)
	cfg.Target.Entra.ReauthBefore = 2 * time.Second // renew 1 s into each 3 s token
	cfg.Interval = 500 * time.Millisecond
	outage := make(chan time.Time, 2)
	go func() {
		for cred.Calls() < 2 { // the first renewal succeeds
			time.Sleep(10 * time.Millisecond)
		}
		cred.Fail(benchtest.ErrCredentialFailure)
		outage <- time.Now()
		time.Sleep(5 * time.Second) // past the token's expiry
		cred.Fail(nil)
		outage <- time.Now()
	}()
	obs, _ := runBench(t, context.Background(), cfg, workloads.DefaultSpec())
	failedAt, recoveredAt := <-outage, <-outage
	tot := totalsOf(t, obs)
	if tot.authErrors == 0 || tot.reauth.Expired == 0 || p.Stats().ClosedExpired == 0 {
		t.Fatalf("no outage seen: %d auth errors, %d expired connections", tot.authErrors, tot.reauth.Expired)
	}
	var renewed *results.Event // the first token after the outage
	for _, e := range eventsOf(obs, results.EventTokenRefresh, results.OutcomeRenewed) {
		if e.Time.After(recoveredAt) {
			renewed = e
			break
		}
	}
	if renewed == nil || len(eventsOf(obs, results.EventTokenRefresh, results.OutcomeFailed)) < 2 {
		t.Fatalf("no renewal after the credential recovered at %s", recoveredAt)
	}
	// Once the new token is there, everything works again on every
	// connection: held connections reconnect at once.
	var after, errorsAfter int64
	var conns int
	for _, iv := range obs.intervals {
		if !iv.Start.After(renewed.Time.Add(100 * time.Millisecond)) {
			continue
		}
		conns = iv.Connections
		for _, cs := range iv.Commands {
			after += cs.Count
			errorsAfter += cs.ErrorCount()
		}
	}
	if after == 0 || errorsAfter != 0 || conns != 5 {
		for _, e := range obs.events {
			t.Logf("%s %s %s %s", e.Time.Format("15:04:05.000"), e.Kind, e.Outcome, e.Detail)
		}
		for _, iv := range obs.intervals {
			t.Logf("interval %d %s-%s conns %d reauth %d expired %d", iv.Index, iv.Start.Format("15:04:05.000"), iv.End.Format("15:04:05.000"), iv.Connections, iv.Reauth.Count, iv.Reauth.Expired)
		}
		t.Fatalf("after recovery: %d operations, %d errors, %d connections open", after, errorsAfter, conns)
	}
	// While no token was valid, each connection tried about once a second,
	// not once per operation.
	if limit := int64(5 * 2 * (recoveredAt.Sub(failedAt).Seconds() + 5)); tot.authErrors > limit {
		t.Fatalf("%d auth errors during a %s outage on 5 connections: reconnecting without pause", tot.authErrors, recoveredAt.Sub(failedAt))
	}
	t.Logf("%d auth errors, %d connections expired, %d operations after recovery", tot.authErrors, tot.reauth.Expired, after)
}

// TestEntraTokenRefused: a server that refuses the token fails Open with the
// principal named, the reason, and never the token.
func TestEntraTokenRefused(t *testing.T) {
	t.Parallel()
	s := benchtest.StartServer(t)
	p := benchtest.StartTokenProxy(t, s)
	cred := benchtest.NewTokenCredential(testOID, entra.DefaultScope, time.Hour, time.Hour)
	cfg := entraConfig(p, cred, 2, time.Second, true)
	cfg.Target.Entra.User = "someone-else" // the token names testOID
	_, err := bench.Open(context.Background(), cfg)
	if err == nil {
		t.Fatal("a token naming another principal was accepted")
	}
	if failure.Classify(err) != results.ErrAuth {
		t.Errorf("classified %q, want auth", failure.Classify(err))
	}
	msg := err.Error()
	for _, want := range []string{`the server refused the Entra ID token of principal "someone-else"`, "WRONGPASS"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if strings.Contains(msg, "eyJ") {
		t.Errorf("error %q shows the token", msg)
	}
	if st := p.Stats(); st.Rejected == 0 {
		t.Fatal("the proxy refused nothing")
	}
}

// TestEntraCredentialFailsBeforeAnyConnection: Open asks for the token
// first, and makes no connection without one.
func TestEntraCredentialFailsBeforeAnyConnection(t *testing.T) {
	t.Parallel()
	s := benchtest.StartServer(t)
	p := benchtest.StartTokenProxy(t, s)
	cred := benchtest.NewTokenCredential(testOID, entra.DefaultScope, time.Hour, time.Hour)
	cred.Fail(benchtest.ErrCredentialFailure)
	cfg := entraConfig(p, cred, 2, time.Second, true)
	_, err := bench.Open(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), "Entra ID (test credential): get a token for https://redis.azure.com/.default: AADSTS50058") {
		t.Fatalf("error %v", err)
	}
	if st := p.Stats(); st.Accepted != 0 {
		t.Fatalf("%d connections without a token", st.Accepted)
	}
}

// TestEntraOpenLoopIdleConnectionsKeepTheirToken: in an open loop at a low
// rate a connection sleeps longer between operations than a token has left
// after its renewal; it must still send the new token in time, or the
// server closes it and the next operation needs a new connection.
func TestEntraOpenLoopIdleConnectionsKeepTheirToken(t *testing.T) {
	t.Parallel()
	s := benchtest.StartServer(t)
	p := benchtest.StartTokenProxy(t, s)
	cred := benchtest.NewTokenCredential(testOID, entra.DefaultScope, 3*time.Second, 3*time.Second)
	cfg := entraConfig(p, cred, 4, 10*time.Second, true)
	cfg.Target.Entra.ReauthBefore = 2 * time.Second
	cfg.Rate = 1 // each connection sends every 4 s; each token has 2 s left when renewed
	cfg.Interval = 250 * time.Millisecond
	obs, _ := runBench(t, context.Background(), cfg, workloads.DefaultSpec())
	tot := totalsOf(t, obs)
	st := p.Stats()
	// A connection whose worker has sent its last operation (up to 4 s
	// before the end here) idles until the run closes it, and may be closed
	// by the proxy meanwhile, harmlessly. One closed while it was still
	// needed would have been dialled again.
	if st.Accepted != 4 || tot.dataErrors != 0 || tot.reauth.Expired != 0 || st.ClosedExpired > 4 {
		for _, e := range obs.events {
			t.Logf("%s %s %s %s", e.Time.Format("15:04:05.000"), e.Kind, e.Outcome, e.Detail)
		}
		t.Fatalf("%d connections dialled for 4, %d closed by the proxy for expired tokens; %d errors", st.Accepted, st.ClosedExpired, tot.dataErrors)
	}
	if tot.reauth.Count < 4*5 || tot.ops == 0 {
		t.Fatalf("%d re-AUTHs and %d operations over 10 s of 3 s tokens on 4 connections", tot.reauth.Count, tot.ops)
	}
}

// TestEntraClusterNodesGetEveryToken: an OSS cluster of three primaries,
// each behind its own token proxy and announcing the proxy's port in
// CLUSTER SLOTS, so that every connection the cluster client and the slot
// map reader open goes through a proxy. go-redis sends each new token on
// every pooled connection of every node (the provider is the cluster's
// StreamingCredentialsProvider); reauth.Hook counts them all; no connection
// is closed for an expired token.
func TestEntraClusterNodesGetEveryToken(t *testing.T) {
	t.Parallel()
	c := benchtest.StartCluster(t)
	certs := benchtest.NewCerts(t, "localhost", "127.0.0.1")
	ctx := context.Background()
	proxies := map[string]*benchtest.TokenProxy{}
	for _, n := range c.Nodes {
		p := benchtest.StartTokenProxyAt(t, n.Addr(), benchtest.WithProxyCerts(certs), benchtest.WithDelay(10*time.Millisecond))
		for _, kv := range [][2]string{{"cluster-announce-bus-port", strconv.Itoa(n.BusPort)}, {"cluster-announce-port", strconv.Itoa(p.Port)}} {
			if err := n.Admin.ConfigSet(ctx, kv[0], kv[1]).Err(); err != nil {
				t.Fatalf("CONFIG SET %s: %v", kv[0], err)
			}
		}
		proxies[p.Addr()] = p
	}
	// Wait until every node announces every primary at its proxy.
	deadline := time.Now().Add(20 * time.Second)
	for {
		announced := 0
		for _, n := range c.Nodes {
			slots, err := n.Admin.ClusterSlots(ctx).Result() //lint:ignore SA1019 the test reads what go-redis's cluster client routes by
			if err != nil {
				t.Fatal(err)
			}
			for _, sl := range slots {
				if proxies[sl.Nodes[0].Addr] != nil {
					announced++
				}
			}
		}
		if announced == len(c.Nodes)*len(c.Nodes) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the nodes do not announce their proxies within 20 s (%d of %d)", announced, len(c.Nodes)*len(c.Nodes))
		}
		time.Sleep(100 * time.Millisecond)
	}
	var seed *benchtest.TokenProxy
	for _, p := range proxies {
		seed = p
		break
	}
	cred := benchtest.NewTokenCredential(testOID, entra.DefaultScope, 3*time.Second, 3*time.Second)
	cfg := entraConfig(seed, cred, 4, 10*time.Second, true)
	cfg.Target.TLS.CAPEM = certs.CAPEM
	cfg.Target.ClusterPolicy = cluster.PolicyOSS
	cfg.Target.Entra.ReauthBefore = 2 * time.Second
	target, err := bench.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	if info := target.Info(); info.Shards != 3 || info.Principal != testOID {
		t.Fatalf("target %+v: want 3 shards and the principal", info)
	}
	wl, err := workloads.New(workloads.DefaultSpec(), cfg.Connections)
	if err != nil {
		t.Fatal(err)
	}
	obs := &collector{}
	if _, err := bench.Run(ctx, target, wl, obs); err != nil {
		t.Fatal(err)
	}
	tot := totalsOf(t, obs)
	var closed, proxyAuths, accepted int64
	for addr, p := range proxies {
		st := p.Stats()
		closed += st.ClosedExpired
		accepted += st.Accepted
		var auths int64
		for _, pc := range st.Conns {
			auths += pc.Auths
		}
		if auths == 0 {
			t.Errorf("node behind %s never received a new token", addr)
		}
		proxyAuths += auths
	}
	if tot.dataErrors != 0 || tot.ops == 0 {
		t.Fatalf("%d operations, %d errors", tot.ops, tot.dataErrors)
	}
	// go-redis sends a new token on a pooled connection when it returns to
	// its pool. It rejects a connection waiting for its AUTH when a command
	// asks for one and dials another instead (see
	// TestProviderWithGoRedisPoolReauth), so a pool can end up with more
	// connections than workers; with the pool's LIFO order a surplus one can
	// stay idle past its token, be closed by the server, and be dropped by
	// go-redis when next taken, unnoticed by any operation. Any other
	// connection closed for its token would have failed an operation.
	if surplus := accepted - int64(target.ConnectionPlan().Total()); closed > max(surplus, 0) {
		t.Fatalf("%d connections closed for expired tokens, more than the %d go-redis dialled beyond the plan", closed, surplus)
	}
	// Every AUTH sent during the run is counted. One may fail on a
	// connection go-redis closes as it sends it (its surplus connections,
	// above), after the proxy accepted it; none may be refused. go-redis
	// sends a pooled connection's AUTH from a goroutine of its own as the
	// connection returns to its pool, so one that returns as the run ends
	// may send it after the last interval: at most one per connection the
	// workers use.
	failed := tot.reauth.ErrorCount()
	if tot.reauth.Count-failed > proxyAuths || proxyAuths > tot.reauth.Count+int64(target.ConnectionPlan().Total()) || tot.reauth.Errors[results.ErrAuth] != 0 || failed*20 > tot.reauth.Count {
		t.Fatalf("the intervals count %d re-AUTHs (%v failed), the proxies accepted %d", tot.reauth.Count, tot.reauth.Errors, proxyAuths)
	}
	if n := len(eventsOf(obs, results.EventReauth, "")); n < 5 {
		t.Fatalf("%d re-AUTH waves over 10 s of 3 s tokens", n)
	}
	t.Logf("%d operations, %d tokens, %d re-AUTHs on 3 nodes; %d connections dialled for a plan of %d, %d idle ones closed for their token",
		tot.ops, cred.Calls(), tot.reauth.Count, accepted, target.ConnectionPlan().Total(), closed)
}
