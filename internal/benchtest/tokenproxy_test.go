package benchtest_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/amrbench/amrbench/internal/benchtest"
)

// proxyClient returns a one-connection client of the proxy that sends
// nothing on connecting unless user and token are given.
func proxyClient(t *testing.T, p *benchtest.TokenProxy, user, token string) *redis.Client {
	t.Helper()
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(p.Certs.CAPEM)
	c := redis.NewClient(&redis.Options{
		Addr: p.Addr(), Protocol: 2, Username: user, Password: token, DisableIdentity: true,
		PoolSize: 1, MaxRetries: -1, PipelinePoolSize: -1,
		TLSConfig: &tls.Config{RootCAs: roots, ServerName: "localhost", MinVersion: tls.VersionTLS12},
	})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func TestTokenProxyEnforcesTokens(t *testing.T) {
	t.Parallel()
	s := benchtest.StartServer(t)
	p := benchtest.StartTokenProxy(t, s)
	ctx := context.Background()
	const oid = "9f3c1c1e-0000-4000-8000-000000000001"

	// Before any AUTH, commands are refused.
	anon := proxyClient(t, p, "", "")
	if err := anon.Set(ctx, "k", "v", 0).Err(); err == nil || !strings.HasPrefix(err.Error(), "NOAUTH") {
		t.Fatalf("SET before AUTH: %v, want NOAUTH", err)
	}
	// Tokens that are expired, name someone else, or are not JWTs are
	// refused; the connection stays unauthenticated.
	for _, bad := range []struct{ user, token string }{
		{oid, benchtest.MintToken(oid, time.Now().Add(-time.Second))},
		{"someone-else", benchtest.MintToken(oid, time.Now().Add(time.Minute))},
		{oid, "not-a-jwt"},
	} {
		if err := anon.Do(ctx, "AUTH", bad.user, bad.token).Err(); err == nil || !strings.HasPrefix(err.Error(), "WRONGPASS") {
			t.Fatalf("AUTH %s with a bad token: %v, want WRONGPASS", bad.user, err)
		}
	}
	if err := anon.Do(ctx, "AUTH", benchtest.MintToken(oid, time.Now().Add(time.Minute))).Err(); err == nil {
		t.Fatal("AUTH with a token and no user was accepted")
	}

	// A token good for 600 ms, renewed at 300 ms for 1.5 s: the connection
	// lives past the first expiry, then is closed at the second.
	start := time.Now()
	if err := anon.Do(ctx, "AUTH", oid, benchtest.MintToken(oid, start.Add(600*time.Millisecond))).Err(); err != nil {
		t.Fatalf("AUTH with a current token: %v", err)
	}
	if err := anon.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatalf("SET after AUTH: %v", err)
	}
	time.Sleep(300 * time.Millisecond)
	if err := anon.Do(ctx, "AUTH", oid, benchtest.MintToken(oid, start.Add(1500*time.Millisecond))).Err(); err != nil {
		t.Fatalf("re-AUTH: %v", err)
	}
	time.Sleep(time.Until(start.Add(900 * time.Millisecond)))
	if v, err := anon.Get(ctx, "k").Result(); err != nil || v != "v" {
		t.Fatalf("GET after the first token's expiry, with a renewed one: %q %v", v, err)
	}
	time.Sleep(time.Until(start.Add(1700 * time.Millisecond)))
	if err := anon.Get(ctx, "k").Err(); err == nil {
		t.Fatal("GET succeeded after the connection's token expired")
	}

	// go-redis's own handshake, HELLO 2 AUTH user token, authenticates too.
	hello := proxyClient(t, p, oid, benchtest.MintToken(oid, time.Now().Add(time.Minute)))
	if err := hello.Set(ctx, "k2", "v", 0).Err(); err != nil {
		t.Fatalf("SET over a HELLO-authenticated connection: %v", err)
	}

	st := p.Stats()
	if st.Accepted != 2 || st.ClosedExpired != 1 || len(st.Conns) != 2 {
		t.Fatalf("stats %+v: want 2 accepted, 1 closed at expiry", st)
	}
	if c := st.Conns[0]; c.Auths != 2 || c.Rejected != 4 || !c.ClosedExpired {
		t.Fatalf("first connection %+v: want 2 AUTHs, 4 refused, closed at expiry", c)
	}
	if c := st.Conns[1]; c.HelloAuths != 1 || c.Auths != 0 || c.ClosedExpired {
		t.Fatalf("second connection %+v: want one HELLO AUTH", c)
	}
	// The backend holds what went through.
	if v, err := s.Admin.Get(ctx, "k2").Result(); err != nil || v != "v" {
		t.Fatalf("backend k2 = %q %v", v, err)
	}
}
