package bench

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/amrbench/amrbench/bench/entra"
	"github.com/amrbench/amrbench/bench/reauth"
	"github.com/amrbench/amrbench/internal/benchtest"
	"github.com/amrbench/amrbench/results"
)

// TestMain silences go-redis's own log lines, as the command does: the pool
// re-AUTH test makes go-redis log every connection it passes over. Started
// as a delay proxy (benchtest.StartDelayProxy), the binary is one instead.
func TestMain(m *testing.M) {
	if benchtest.DelayProxyMain() {
		return
	}
	redis.SetLogger(quietLogger{})
	m.Run()
}

type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...any) {}

// TestProviderWithGoRedisPoolReauth is the seam a cluster client uses: the
// provider set as a client's StreamingCredentialsProvider, go-redis sending
// AUTH on each pooled connection as it returns to the pool, and reauth.Hook
// counting those AUTHs into the interval statistics. Connections are taken
// from the pool per command here, as a redis.ClusterClient does.
func TestProviderWithGoRedisPoolReauth(t *testing.T) {
	t.Parallel()
	s := benchtest.StartServer(t)
	p := benchtest.StartTokenProxy(t, s, benchtest.WithDelay(10*time.Millisecond))
	cred := benchtest.NewTokenCredential("5e0c0b3a-2f4d-4a51-9d3c-7b2e1f0a9c88", entra.DefaultScope, 3*time.Second, 4*time.Second)
	events := &eventSink{}
	const conns = 6
	a, err := startEntra(context.Background(), EntraConfig{
		Credential: "test", Scope: entra.DefaultScope, Reauth: true, ReauthBefore: 2 * time.Second, TokenCredential: cred,
	}, events, conns)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Stop()
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(p.Certs.CAPEM)
	client := redis.NewClient(&redis.Options{
		Addr: p.Addr(), Protocol: 2, DisableIdentity: true, PoolSize: conns, MaxRetries: -1, PipelinePoolSize: -1,
		TLSConfig:                    &tls.Config{RootCAs: roots, ServerName: "localhost", MinVersion: tls.VersionTLS12},
		StreamingCredentialsProvider: a.Provider(),
	})
	defer client.Close()
	client.AddHook(reauth.Hook{Auth: a})

	ctx := context.Background()
	var ops, failed atomic.Int64
	var wg sync.WaitGroup
	deadline := time.Now().Add(8 * time.Second)
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				if err := client.Set(ctx, "k", "v", 0).Err(); err != nil {
					failed.Add(1)
				}
				ops.Add(1)
			}
		}()
	}
	wg.Wait()

	// A re-AUTH wave may be under way as the commands stop: the proxy can
	// have accepted an AUTH whose reply the hook has not yet seen. With no
	// command sent any more, the two counts must meet.
	got := results.NewReauthStats()
	var st benchtest.ProxyStats
	var proxyAuths int64
	for wait := time.Now().Add(2 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		st = p.Stats()
		a.Shared().DrainInto(got)
		proxyAuths = 0
		for _, c := range st.Conns {
			proxyAuths += c.Auths
		}
		if got.Count == proxyAuths || time.Now().After(wait) {
			break
		}
	}
	if failed.Load() != 0 || st.ClosedExpired != 0 {
		t.Fatalf("%d of %d commands failed, %d connections closed for expired tokens", failed.Load(), ops.Load(), st.ClosedExpired)
	}
	if got.Count == 0 || got.Count != proxyAuths || got.ErrorCount() != 0 {
		t.Fatalf("the hook counted %d re-AUTHs (%v errors), the proxy accepted %d", got.Count, got.Errors, proxyAuths)
	}
	if got.Latency.TotalCount() != got.Count {
		t.Fatalf("latency histogram holds %d values for %d AUTHs", got.Latency.TotalCount(), got.Count)
	}
	// Each open connection is subscribed once; closed ones unsubscribed.
	if open := int(client.PoolStats().TotalConns); a.Provider().Subscribers() != open {
		t.Fatalf("%d connections subscribed to the provider, %d open", a.Provider().Subscribers(), open)
	}
	// go-redis (v9.23.0) rejects a connection marked for re-AUTH when a
	// command asks the pool for one, and after a few rejections dials a new
	// connection instead, closing surplus ones later: under constant load,
	// part of the re-authentication is done by reconnecting. Worth knowing
	// when reading a cluster run's connection counts.
	t.Logf("%d commands, %d tokens, %d re-AUTHs by go-redis, %d connections dialled for a pool of %d",
		ops.Load(), cred.Calls(), got.Count, st.Accepted, conns)
}
