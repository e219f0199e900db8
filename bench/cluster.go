package bench

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/amrbench/amrbench/bench/cluster"
	"github.com/amrbench/amrbench/bench/reauth"
	"github.com/amrbench/amrbench/results"
)

// clusterTarget is an OSS cluster: a go-redis ClusterClient that reaches
// every primary directly, fed with slot maps by a topology, and a hook on
// every node's client that tells each operation which shard answered it.
type clusterTarget struct {
	client *redis.ClusterClient
	topo   *cluster.Topology
	shards *cluster.Registry
	// streamed is set when the nodes' connections get Entra ID tokens from
	// a StreamingCredentialsProvider (see clusterSession.open).
	streamed bool
}

// openCluster builds the cluster client over the slot map topo has read and
// connects once to every primary, so that an address the cluster announces
// but this machine cannot reach (a private endpoint's shards) fails here,
// named, before any load is sent. With Entra ID (auth not nil) every node's
// connections subscribe to the token provider, and reauth.Hook on every node
// client counts the AUTHs go-redis sends with new tokens.
func openCluster(ctx context.Context, cfg Config, node *redis.Options, topo *cluster.Topology, auth *reauth.Auth) (*clusterTarget, error) {
	ct := &clusterTarget{topo: topo, shards: cluster.NewRegistry(), streamed: node.StreamingCredentialsProvider != nil}
	ct.client = redis.NewClusterClient(&redis.ClusterOptions{
		Addrs:      []string{cfg.Target.Addr()},
		ClientName: node.ClientName,
		Protocol:   node.Protocol,
		Username:   node.Username,
		Password:   node.Password,
		// Entra ID: go-redis authenticates each connection with the current
		// token and sends it every new one (see auth.go).
		StreamingCredentialsProvider: node.StreamingCredentialsProvider,
		// The endpoint's host name, not the shard's address, is what the
		// certificate of every shard names: Azure announces shards by IP
		// address (go-redis issue 1698). transport.TLSOptions.Config sets ServerName.
		TLSConfig:     node.TLSConfig,
		DialTimeout:   node.DialTimeout,
		Dialer:        node.Dialer, // lazy deadlines, as for one endpoint
		DialerRetries: node.DialerRetries,
		ReadTimeout:   node.ReadTimeout,
		WriteTimeout:  node.WriteTimeout,
		// MOVED and ASK are followed, as every cluster client does, and
		// counted; nothing else is retried (the workers' commands say
		// NoRetry), so every failure is counted once.
		MaxRedirects: cluster.MaxRedirects,
		MaxRetries:   -1,
		// Per shard: one connection per worker, and no pipeline pool of its
		// own (go-redis v9.23 opens up to 10 more per node otherwise).
		PoolSize:         cfg.Connections,
		PipelinePoolSize: -1,
		PoolTimeout:      node.PoolTimeout,
		ReadBufferSize:   node.ReadBufferSize,
		WriteBufferSize:  node.WriteBufferSize,
		DisableIdentity:  true,
		// Keyed GET and SET route by slot; the routing-policy layer would
		// fetch COMMAND from the cluster for nothing.
		DisableRoutingPolicies: true,
		ClusterSlots:           topo.ClusterSlots,
	})
	ct.client.OnNewNode(func(rdb *redis.Client) {
		// NodeAddress is the address CLUSTER SLOTS announced. (go-redis
		// dials loopback addresses of a map given through ClusterSlots as
		// ":port", the same local listener.)
		rdb.AddHook(cluster.Hook{Shard: int32(ct.shards.IndexOf(rdb.NodeAddress()))})
		if auth != nil {
			rdb.AddHook(reauth.Hook{Auth: auth})
		}
	})
	masters, err := ct.masters(ctx)
	if err != nil {
		_ = ct.client.Close()
		return nil, err
	}
	for _, m := range masters {
		if err := m.Ping(ctx).Err(); err != nil {
			_ = ct.client.Close()
			return nil, fieldErrorf([]string{"target.cluster_policy"}, "shard %s, announced by CLUSTER SLOTS: %w (is every shard reachable from this machine? with a private endpoint the shard addresses may not be: {target.cluster_policy} enterprise drives the endpoint alone)", m.NodeAddress(), explainConnectError(cfg.Target, err))
		}
	}
	return ct, nil
}

// masters returns the client of every primary of the current slot map.
func (ct *clusterTarget) masters(ctx context.Context) ([]*redis.Client, error) {
	var mu sync.Mutex
	var out []*redis.Client
	err := ct.client.ForEachMaster(ctx, func(_ context.Context, c *redis.Client) error {
		mu.Lock()
		defer mu.Unlock()
		out = append(out, c)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the cluster's slot map: %w", err)
	}
	return out, nil
}

func (ct *clusterTarget) close() error {
	return errors.Join(ct.client.Close(), ct.topo.Close())
}

// openConnections counts the connections of every shard's pool and the
// topology's own.
func (ct *clusterTarget) openConnections() int {
	return int(ct.client.PoolStats().TotalConns) + ct.topo.OpenConnections()
}

// clusterSession is a worker's way into an OSS cluster. The worker shares
// the cluster client's per-shard pools with the others; as each worker has
// at most one command in flight per shard, a pool of one connection per
// worker always has a connection free, and no more are ever opened.
type clusterSession struct {
	ct   *clusterTarget
	pipe redis.Pipeliner
	// held are the connections open has made, one per primary, kept until
	// every worker has opened its own so that they are distinct.
	held []*redis.Conn
}

var _ session = (*clusterSession)(nil)

func (s *clusterSession) open(ctx context.Context) error {
	s.pipe = s.ct.client.Pipeline()
	masters, err := s.ct.masters(ctx)
	if err != nil {
		return err
	}
	for _, m := range masters {
		if s.ct.streamed {
			// go-redis v9.23.0's Client.Conn cannot dial a connection when a
			// StreamingCredentialsProvider is set (a nil pointer in its
			// initConn), so with Entra ID each shard is reached through its
			// pool, and the workers' connections open with their first
			// operations (each authenticated as it opens).
			if err := m.Ping(ctx).Err(); err != nil {
				return fmt.Errorf("shard %s: %w", m.NodeAddress(), err)
			}
			continue
		}
		conn := m.Conn()
		if err := conn.Ping(ctx).Err(); err != nil {
			_ = conn.Close()
			return fmt.Errorf("shard %s: %w", m.NodeAddress(), err)
		}
		s.held = append(s.held, conn)
	}
	return nil
}

// release returns the connections open made to the pools.
func (s *clusterSession) release() {
	for _, c := range s.held {
		_ = c.Close()
	}
	s.held = nil
}

func (s *clusterSession) exec(ctx context.Context, cmds []redis.Cmder) error {
	if len(cmds) == 1 {
		return s.ct.client.Process(ctx, cmds[0])
	}
	if err := s.pipe.BatchProcess(ctx, cmds...); err != nil {
		return err
	}
	_, err := s.pipe.Exec(ctx)
	return err
}

// reopen: the pool drops a broken connection itself and dials a new one
// when next needed; a broken connection to a shard may also mean the shard
// failed, so the slot map is read again.
func (s *clusterSession) reopen() { s.ct.topo.Nudge() }

func (s *clusterSession) suspectTopology() { s.ct.topo.Nudge() }

func (s *clusterSession) down() bool { return false }

func (s *clusterSession) reconnect(context.Context) error { return nil }

func (s *clusterSession) shards() *cluster.Registry { return s.ct.shards }

func (s *clusterSession) close() { s.release() }

// watchTopology reports an OSS cluster's slot map at the start of the run and
// every change of it as events, and keeps the cluster client's map fresh
// until the returned stop is called.
func watchTopology(ctx context.Context, t *Target, obs Observer, start time.Time) (stop func()) {
	ct := t.cluster
	_ = obs.Event(&results.Event{Time: start.UTC(), Kind: results.EventTopology, Detail: "at the start: " + cluster.Describe(ct.topo.Current())})
	ct.topo.SetEvents(func(at time.Time, detail string) {
		_ = obs.Event(&results.Event{Time: at.UTC(), Kind: results.EventTopology, Detail: detail})
	})
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		ct.topo.Watch(wctx, t.cfg.Interval, func() { ct.client.ReloadState(wctx) })
	}()
	return func() {
		cancel()
		<-done
		ct.topo.SetEvents(nil)
	}
}
