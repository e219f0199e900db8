package benchtest

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/amrbench/amrbench/internal/localserver"
)

// slotCount is the number of hash slots of a Redis Cluster.
const slotCount = 16384

// Cluster is a Redis Cluster of redis-server processes on loopback, owned by
// a test: primaries with the slots split evenly between them, and replicas
// when asked for.
type Cluster struct {
	// Nodes are the primaries, in slot order, then the replicas.
	Nodes []*ClusterNode
	// Certs are the certificates of a TLS cluster; nil otherwise.
	Certs *Certs

	nodeTimeout time.Duration
}

// ClusterNode is one redis-server of a Cluster.
type ClusterNode struct {
	*localserver.Server
	// ID is the node's cluster id.
	ID string
	// TLSPort is the TLS listener's port, or 0 without TLS.
	TLSPort int
	// BusPort is the cluster bus port.
	BusPort int
	// ReplicaOf is the ID of the primary this node was started as a replica
	// of; empty for a primary.
	ReplicaOf string
	// Admin is a plain connection to the node for the test's own checks.
	Admin *redis.Client

	stopped bool
}

// ClientPort is the port clients of the cluster reach the node on: the TLS
// port of a TLS cluster, the plain port otherwise.
func (n *ClusterNode) ClientPort() int {
	if n.TLSPort != 0 {
		return n.TLSPort
	}
	return n.Port
}

// ClientAddr is 127.0.0.1:ClientPort, the address CLUSTER SLOTS announces.
func (n *ClusterNode) ClientAddr() string {
	return net.JoinHostPort(n.Host, strconv.Itoa(n.ClientPort()))
}

// ClusterOption configures a test cluster.
type ClusterOption func(*clusterConfig)

type clusterConfig struct {
	primaries, replicas int
	tlsHosts            []string
	nodeTimeout         time.Duration
	args                []string
}

// WithPrimaries sets the number of primaries (default 3).
func WithPrimaries(n int) ClusterOption { return func(c *clusterConfig) { c.primaries = n } }

// WithReplicas gives every primary n replicas (default none).
func WithReplicas(n int) ClusterOption { return func(c *clusterConfig) { c.replicas = n } }

// WithClusterTLS makes the cluster speak TLS only to its clients (and on its
// bus), with a certificate valid for hosts (DNS names or IP addresses)
// signed by a CA generated for the test. The nodes keep a plain port for the
// test's own admin connections.
func WithClusterTLS(hosts ...string) ClusterOption {
	return func(c *clusterConfig) { c.tlsHosts = hosts }
}

// WithNodeTimeout sets cluster-node-timeout: how long a node may be
// unreachable before it is failed over (default 5 s, long enough that a
// busy test machine never fails a node over by accident).
func WithNodeTimeout(d time.Duration) ClusterOption {
	return func(c *clusterConfig) { c.nodeTimeout = d }
}

// WithClusterArgs passes extra arguments to every redis-server.
func WithClusterArgs(args ...string) ClusterOption {
	return func(c *clusterConfig) { c.args = append(c.args, args...) }
}

// StartCluster starts a Redis Cluster for the test and stops it when the
// test ends. It assigns the slots and introduces the nodes directly (CLUSTER
// ADDSLOTSRANGE, SET-CONFIG-EPOCH, MEET, REPLICATE) and returns once every
// node reports the cluster healthy.
func StartCluster(t testing.TB, opts ...ClusterOption) *Cluster {
	t.Helper()
	RequireRedisServer(t)
	cfg := clusterConfig{primaries: 3, nodeTimeout: 5 * time.Second}
	for _, o := range opts {
		o(&cfg)
	}
	c := &Cluster{nodeTimeout: cfg.nodeTimeout}
	var files CertFiles
	if len(cfg.tlsHosts) > 0 {
		c.Certs = NewCerts(t, cfg.tlsHosts...)
		files = c.Certs.WriteFiles(t, t.TempDir())
	}
	t.Cleanup(c.stop)
	total := cfg.primaries * (1 + cfg.replicas)
	for i := range total {
		c.Nodes = append(c.Nodes, c.startNode(t, cfg, files, i))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.form(ctx, cfg); err != nil {
		t.Fatalf("form the cluster: %v", err)
	}
	return c
}

func (c *Cluster) startNode(t testing.TB, cfg clusterConfig, files CertFiles, i int) *ClusterNode {
	t.Helper()
	dir := t.TempDir()
	busPort, err := localserver.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	n := &ClusterNode{BusPort: busPort}
	args := []string{
		"--cluster-enabled", "yes",
		"--cluster-config-file", filepath.Join(dir, "nodes.conf"),
		"--cluster-node-timeout", strconv.FormatInt(cfg.nodeTimeout.Milliseconds(), 10),
		"--cluster-port", strconv.Itoa(busPort),
		// A replica may always take over, however long its link was down.
		"--cluster-replica-validity-factor", "0",
		"--cluster-allow-replica-migration", "no",
		"--enable-debug-command", "yes",
		// Replicas sync at once instead of waiting for more replicas.
		"--repl-diskless-sync-delay", "0",
	}
	if c.Certs != nil {
		tlsPort, err := localserver.FreePort()
		if err != nil {
			t.Fatal(err)
		}
		n.TLSPort = tlsPort
		args = append(args,
			"--tls-port", strconv.Itoa(tlsPort),
			"--tls-cluster", "yes",
			"--tls-replication", "yes",
			"--tls-cert-file", files.Cert,
			"--tls-key-file", files.Key,
			"--tls-ca-cert-file", files.CA,
			// The cluster bus always asks the connecting node for a client
			// certificate.
			"--tls-client-cert-file", files.ClientCert,
			"--tls-client-key-file", files.ClientKey,
			"--tls-auth-clients", "no")
	}
	args = append(args, cfg.args...)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ls, err := localserver.StartRedis(ctx, localserver.Options{Dir: dir, Args: args})
	if err != nil {
		t.Fatalf("cluster node %d: %v", i, err)
	}
	n.Server = ls
	n.Admin = redis.NewClient(&redis.Options{Addr: ls.Addr(), Protocol: 2, DisableIdentity: true, MaxRetries: -1})
	id, err := n.Admin.ClusterMyID(ctx).Result()
	if err != nil {
		t.Fatalf("cluster node %d: CLUSTER MYID: %v", i, err)
	}
	n.ID = id
	return n
}

// form assigns the slots, introduces the nodes to each other, attaches the
// replicas and waits until the cluster is healthy.
func (c *Cluster) form(ctx context.Context, cfg clusterConfig) error {
	primaries := c.Nodes[:cfg.primaries]
	for i, n := range primaries {
		lo, hi := i*slotCount/len(primaries), (i+1)*slotCount/len(primaries)-1
		if err := n.Admin.ClusterAddSlotsRange(ctx, lo, hi).Err(); err != nil {
			return fmt.Errorf("node %d: ADDSLOTSRANGE: %w", i, err)
		}
		// Distinct epochs, as redis-cli --cluster create sets them, so no
		// collision has to be resolved before a failover can happen.
		if err := n.Admin.Do(ctx, "cluster", "set-config-epoch", i+1).Err(); err != nil {
			return fmt.Errorf("node %d: SET-CONFIG-EPOCH: %w", i, err)
		}
	}
	first := c.Nodes[0]
	for _, n := range c.Nodes[1:] {
		if err := first.Admin.Do(ctx, "cluster", "meet", n.Host, n.ClientPort(), n.BusPort).Err(); err != nil {
			return fmt.Errorf("MEET %s: %w", n.Addr(), err)
		}
	}
	if err := c.waitKnown(ctx); err != nil {
		return err
	}
	for i, n := range c.Nodes[cfg.primaries:] {
		primary := primaries[i%cfg.primaries]
		n.ReplicaOf = primary.ID
		if err := n.Admin.ClusterReplicate(ctx, primary.ID).Err(); err != nil {
			return fmt.Errorf("replica %s: REPLICATE: %w", n.Addr(), err)
		}
	}
	return c.WaitHealthy(ctx)
}

// waitKnown waits until every node knows every other.
func (c *Cluster) waitKnown(ctx context.Context) error {
	return poll(ctx, func() error {
		for _, n := range c.Nodes {
			info, err := clusterInfo(ctx, n.Admin)
			if err != nil {
				return err
			}
			if got := info["cluster_known_nodes"]; got != strconv.Itoa(len(c.Nodes)) {
				return fmt.Errorf("%s knows %s nodes of %d", n.Addr(), got, len(c.Nodes))
			}
		}
		return nil
	})
}

// WaitHealthy waits until every running node says the cluster is ok, every
// node announces the same slot map, and every replica is in sync with its
// primary.
func (c *Cluster) WaitHealthy(ctx context.Context) error {
	return poll(ctx, func() error {
		var first string
		for _, n := range c.Running() {
			info, err := clusterInfo(ctx, n.Admin)
			if err != nil {
				return err
			}
			if info["cluster_state"] != "ok" {
				return fmt.Errorf("%s: cluster_state %s", n.Addr(), info["cluster_state"])
			}
			//lint:ignore SA1019 go-redis's cluster client routes by CLUSTER SLOTS: wait for the map it will load
			slots, err := n.Admin.ClusterSlots(ctx).Result()
			if err != nil {
				return err
			}
			view := fmt.Sprint(slots)
			if first == "" {
				first = view
			} else if view != first {
				return fmt.Errorf("%s sees another slot map", n.Addr())
			}
			repl, err := n.Admin.Info(ctx, "replication").Result()
			if err != nil {
				return err
			}
			if strings.Contains(repl, "role:slave") && !strings.Contains(repl, "master_link_status:up") {
				return fmt.Errorf("replica %s is not in sync", n.Addr())
			}
		}
		return nil
	})
}

// poll calls check every 50 ms until it returns nil or ctx ends.
func poll(ctx context.Context, check func() error) error {
	for {
		err := check()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last: %v)", ctx.Err(), err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func clusterInfo(ctx context.Context, c *redis.Client) (map[string]string, error) {
	s, err := c.ClusterInfo(ctx).Result()
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok {
			m[k] = v
		}
	}
	return m, nil
}

// Seed is the address a client is given to find the cluster: the first
// primary's client port.
func (c *Cluster) Seed() (host string, port int) {
	return c.Nodes[0].Host, c.Nodes[0].ClientPort()
}

// Running returns the nodes that have not been stopped.
func (c *Cluster) Running() []*ClusterNode {
	var out []*ClusterNode
	for _, n := range c.Nodes {
		if !n.stopped {
			out = append(out, n)
		}
	}
	return out
}

// NodeByClientAddr returns the node announced as addr, or nil.
func (c *Cluster) NodeByClientAddr(addr string) *ClusterNode {
	for _, n := range c.Nodes {
		if n.ClientAddr() == addr {
			return n
		}
	}
	return nil
}

// NodeByID returns the node with the cluster id, or nil.
func (c *Cluster) NodeByID(id string) *ClusterNode {
	for _, n := range c.Nodes {
		if n.ID == id {
			return n
		}
	}
	return nil
}

// SlotOwner returns the primary serving slot, as the first running node
// sees it.
func (c *Cluster) SlotOwner(ctx context.Context, slot int) (*ClusterNode, error) {
	//lint:ignore SA1019 the owner as go-redis's cluster client, which routes by CLUSTER SLOTS, sees it
	slots, err := c.Running()[0].Admin.ClusterSlots(ctx).Result()
	if err != nil {
		return nil, err
	}
	for _, s := range slots {
		if slot >= int(s.Start) && slot <= int(s.End) && len(s.Nodes) > 0 {
			if n := c.NodeByID(s.Nodes[0].ID); n != nil {
				return n, nil
			}
		}
	}
	return nil, fmt.Errorf("no primary serves slot %d", slot)
}

// KeySlots returns the hash slot of every key, as the cluster computes it
// (CLUSTER KEYSLOT, pipelined).
func (c *Cluster) KeySlots(ctx context.Context, keys []string) (map[string]int, error) {
	pipe := c.Running()[0].Admin.Pipeline()
	cmds := make([]*redis.IntCmd, len(keys))
	for i, k := range keys {
		cmds[i] = pipe.ClusterKeySlot(ctx, k)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("CLUSTER KEYSLOT: %w", err)
	}
	out := make(map[string]int, len(keys))
	for i, k := range keys {
		out[k] = int(cmds[i].Val())
	}
	return out, nil
}

// MigrateSlot moves slot from one primary to another the way
// redis-cli --cluster reshard does: the target imports, the source
// migrates, the keys move with MIGRATE, and then both primaries (and the
// others) learn the new owner. pause is spent after each step, so that
// clients meet the slot in every state (ASK while migrating, MOVED after).
func (c *Cluster) MigrateSlot(ctx context.Context, slot int, from, to *ClusterNode, pause time.Duration) error {
	if err := to.Admin.Do(ctx, "cluster", "setslot", slot, "importing", from.ID).Err(); err != nil {
		return fmt.Errorf("slot %d: SETSLOT IMPORTING on %s: %w", slot, to.Addr(), err)
	}
	if err := from.Admin.Do(ctx, "cluster", "setslot", slot, "migrating", to.ID).Err(); err != nil {
		return fmt.Errorf("slot %d: SETSLOT MIGRATING on %s: %w", slot, from.Addr(), err)
	}
	sleep(ctx, pause)
	for {
		keys, err := from.Admin.ClusterGetKeysInSlot(ctx, slot, 100).Result()
		if err != nil {
			return fmt.Errorf("slot %d: GETKEYSINSLOT: %w", slot, err)
		}
		if len(keys) == 0 {
			break
		}
		args := []any{"migrate", to.Host, to.ClientPort(), "", 0, 5000, "keys"}
		for _, k := range keys {
			args = append(args, k)
		}
		if err := from.Admin.Do(ctx, args...).Err(); err != nil {
			return fmt.Errorf("slot %d: MIGRATE: %w", slot, err)
		}
	}
	sleep(ctx, pause)
	for _, n := range append([]*ClusterNode{to, from}, c.Running()...) {
		if err := n.Admin.Do(ctx, "cluster", "setslot", slot, "node", to.ID).Err(); err != nil {
			return fmt.Errorf("slot %d: SETSLOT NODE on %s: %w", slot, n.Addr(), err)
		}
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// Kill kills a node's process, as a crash would.
func (c *Cluster) Kill(n *ClusterNode) {
	n.stopped = true
	_ = n.Admin.Close()
	n.Stop()
}

// WaitFailover waits until a replica of the killed primary has taken over
// its slots and the cluster is healthy again, and returns the new primary.
func (c *Cluster) WaitFailover(ctx context.Context, killed *ClusterNode) (*ClusterNode, error) {
	var promoted *ClusterNode
	err := poll(ctx, func() error {
		for _, n := range c.Running() {
			if n.ReplicaOf != killed.ID {
				continue
			}
			role, err := n.Admin.Do(ctx, "role").Slice()
			if err != nil {
				return err
			}
			if len(role) > 0 && role[0] == "master" {
				promoted = n
				return nil
			}
		}
		return fmt.Errorf("no replica of %s has been promoted", killed.Addr())
	})
	if err != nil {
		return nil, err
	}
	return promoted, c.WaitHealthy(ctx)
}

// CommandStats are a node's counts for one command, from INFO
// commandstats.
type CommandStats struct {
	// Calls counts executions; Rejected counts commands refused before
	// they ran (MOVED, ASK, CLUSTERDOWN, TRYAGAIN, ...); Failed counts
	// commands that ran and returned an error.
	Calls, Rejected, Failed int64
}

// CommandStats returns each running node's command counts, keyed by node
// client address and lower-case command name.
func (c *Cluster) CommandStats(t testing.TB) map[string]map[string]CommandStats {
	t.Helper()
	out := map[string]map[string]CommandStats{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, n := range c.Running() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stats, err := commandStats(context.Background(), n.Admin)
			if err != nil {
				t.Errorf("%s: %v", n.Addr(), err)
				return
			}
			mu.Lock()
			out[n.ClientAddr()] = stats
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

// ResetStats zeroes every running node's statistics.
func (c *Cluster) ResetStats(t testing.TB) {
	t.Helper()
	for _, n := range c.Running() {
		if err := n.Admin.ConfigResetStat(context.Background()).Err(); err != nil {
			t.Fatalf("%s: CONFIG RESETSTAT: %v", n.Addr(), err)
		}
	}
}

func commandStats(ctx context.Context, c *redis.Client) (map[string]CommandStats, error) {
	info, err := c.Info(ctx, "commandstats").Result()
	if err != nil {
		return nil, fmt.Errorf("INFO commandstats: %w", err)
	}
	stats := map[string]CommandStats{}
	for _, line := range strings.Split(info, "\n") {
		name, rest, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok || !strings.HasPrefix(name, "cmdstat_") {
			continue
		}
		var s CommandStats
		for _, field := range strings.Split(rest, ",") {
			k, v, _ := strings.Cut(field, "=")
			n, _ := strconv.ParseInt(v, 10, 64)
			switch k {
			case "calls":
				s.Calls = n
			case "rejected_calls":
				s.Rejected = n
			case "failed_calls":
				s.Failed = n
			}
		}
		stats[strings.TrimPrefix(name, "cmdstat_")] = s
	}
	return stats, nil
}

// ConnectedClients returns each running node's connected_clients (INFO
// clients), keyed by node client address; the test's own admin connection
// is one of them.
func (c *Cluster) ConnectedClients(t testing.TB) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, n := range c.Running() {
		info, err := n.Admin.Info(context.Background(), "clients").Result()
		if err != nil {
			t.Fatalf("%s: INFO clients: %v", n.Addr(), err)
		}
		for _, line := range strings.Split(info, "\n") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(line), "connected_clients:"); ok {
				out[n.ClientAddr()], _ = strconv.Atoi(v)
			}
		}
	}
	return out
}

func (c *Cluster) stop() {
	for _, n := range c.Nodes {
		if n.Admin != nil {
			_ = n.Admin.Close()
		}
		if n.Server != nil {
			_ = n.Server.Close()
		}
	}
}
