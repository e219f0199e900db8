package bench

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/amrbench/amrbench/bench/record"
	"github.com/amrbench/amrbench/bench/serverstats"
	"github.com/amrbench/amrbench/bench/transport"
	"github.com/amrbench/amrbench/results"
)

// ServerObserver is an optional interface of an Observer: with
// Config.ServerStats, it receives one record per interval of what every
// server of the target said about itself (serverstats).
type ServerObserver interface {
	ServerInterval(s *results.ServerInterval) error
}

// statsRun is a run's server stats sampler; a nil one samples nothing.
type statsRun struct{ sampler *serverstats.Sampler }

// statsObserver hands the sampler's records to the run's observer.
type statsObserver struct {
	ServerObserver
	events Observer
}

func (o statsObserver) Event(e *results.Event) error { return o.events.Event(e) }

// startServerStats starts reading every server of t at the interval
// boundaries of rec's run, when the run asks for it and obs takes the
// records: the endpoint, or every node of a
// cluster's slot map (primaries and replicas). Its connections are its own,
// dialled and authenticated as the load's are. A sampler that cannot start
// is a warning, never the run's failure.
func (t *Target) startServerStats(ctx context.Context, obs Observer, rec *record.Recorder) *statsRun {
	if tap, ok := obs.(*stepTap); ok { // a search's tap passes intervals on
		obs = tap.Observer
	}
	so, ok := obs.(ServerObserver)
	if !t.cfg.ServerStats || !ok {
		return nil
	}
	tc := t.cfg.Target
	tlsConfig, err := tc.TLS.Config(tc.Host)
	if err != nil {
		t.events.emit(warningEvent(fmt.Sprintf("server stats: TLS: %v; the run goes on without them", err)))
		return nil
	}
	dial := transport.Dialer(transport.DialOptions{Timeout: t.cfg.ConnectTimeout, TLS: tlsConfig})
	cfg := serverstats.Config{
		Servers:     t.statsServers(),
		Dial:        func(ctx context.Context, addr string) (net.Conn, error) { return dial(ctx, "tcp", addr) },
		Credentials: t.statsCredentials(),
		Interval:    t.cfg.Interval,
		Measured:    rec.Measured(),
		Timeout:     min(t.cfg.Timeout, serverstats.DefaultTimeout),
		LastIndex:   rec.LastIndex,
	}
	if t.cluster != nil {
		cfg.Discover = t.statsServers // replicas join, failovers promote
	}
	// The sampler outlives a cancelled run long enough to read the servers
	// once more when the load stops: the last interval gets its sample.
	s, err := serverstats.Start(context.WithoutCancel(ctx), cfg, statsObserver{so, obs})
	if err != nil {
		t.events.emit(warningEvent(fmt.Sprintf("%v; the run goes on without them", err)))
		return nil
	}
	return &statsRun{sampler: s}
}

// stop takes the sampler's last reading and returns the observer's error,
// if one stopped it.
func (r *statsRun) stop() error {
	if r == nil {
		return nil
	}
	return r.sampler.Stop()
}

// statsServers returns the servers to read: the endpoint, or every node of
// the cluster's current slot map, named as the interval records name shards.
func (t *Target) statsServers() []serverstats.Server {
	if t.cluster == nil {
		return []serverstats.Server{{Addr: t.cfg.Target.Addr(), Role: results.RolePrimary}}
	}
	var out []serverstats.Server
	seen := map[string]bool{}
	for _, s := range t.cluster.topo.Current() {
		for i, n := range s.Nodes {
			if n.Addr == "" || seen[n.Addr] {
				continue
			}
			seen[n.Addr] = true
			role := results.RolePrimary
			if i > 0 {
				role = results.RoleReplica
			}
			out = append(out, serverstats.Server{Addr: n.Addr, Role: role})
		}
	}
	return out
}

// statsCredentials returns how the sampler's connections authenticate: as
// the load's (the current Entra ID token, or the password).
func (t *Target) statsCredentials() serverstats.Credentials {
	if t.entra != nil {
		return t.entra.Provider().CredentialsContext
	}
	tc := t.cfg.Target
	if tc.Password == "" {
		return nil
	}
	return func(context.Context) (string, string, error) { return tc.Username, tc.Password, nil }
}

func warningEvent(detail string) *results.Event {
	return &results.Event{Type: results.TypeEvent, Time: time.Now(), Kind: results.EventWarning, Detail: detail}
}
