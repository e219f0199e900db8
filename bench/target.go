package bench

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/amrbench/amrbench/bench/cluster"
	"github.com/amrbench/amrbench/bench/entra"
	"github.com/amrbench/amrbench/bench/failure"
	"github.com/amrbench/amrbench/bench/reauth"
	"github.com/amrbench/amrbench/bench/transport"
	"github.com/amrbench/amrbench/internal/units"
	"github.com/amrbench/amrbench/results"
)

// clientName is what amrbench's connections call themselves (CLIENT LIST).
const clientName = "amrbench"

// Target is an opened, verified endpoint: the client library is configured,
// one connection has been made and authenticated, the server has said what
// it is and which clustering policy it follows. Workers draw their
// connections from it.
type Target struct {
	cfg  Config
	info results.Target
	// single serves one endpoint (Enterprise policy, non-clustered, plain
	// Redis); cluster serves an OSS cluster. Exactly one is set.
	single   *redis.Client
	cluster  *clusterTarget
	warnings []error
	// notes say how the endpoint was driven where it needed more than the
	// usual (Notes).
	notes []string
	// events holds the events of authentication until a run reports them.
	events *eventSink
	// entra is the Entra ID authentication; nil for other auth modes.
	entra *reauth.Auth
	// waits is how the connections wait for replies; nil: they park.
	waits *transport.Waits
	// dial is the dialer every connection is opened with, and conns counts
	// what it opens, closes and fails to open.
	dial  func(ctx context.Context, network, addr string) (net.Conn, error)
	conns *transport.Conns
}

// Open builds the client for cfg.Target and verifies it by connecting once:
// a wrong address, certificate or password fails here, with a message that
// names the cause, before any load is sent. It asks the endpoint CLUSTER
// SLOTS to learn (with --cluster-policy auto) or check its clustering
// policy, and for an OSS cluster connects once to every shard. With
// AuthEntra it gets the first token before it dials anything, and keeps
// renewing it until Close.
func Open(ctx context.Context, cfg Config) (*Target, error) {
	tc := cfg.Target
	tlsConfig, err := tc.TLS.Config(tc.Host)
	if err != nil {
		return nil, fmt.Errorf("TLS: %w", err)
	}
	t := &Target{cfg: cfg, events: &eventSink{}, conns: transport.NewConns()}
	t.conns.Notify(t.reachability)
	// Entra ID's token requests wait in the network poller (HTTP, the az
	// command's pipes), as the open loop's timers do: neither may be
	// starved by polling connections. (An Azure cache is not near enough
	// for polling to pay anyway.) Go's own connections (--transport std)
	// cannot poll.
	t.waits = transport.NewWaits(cfg.ReplyWait, cfg.OpenLoop() || tc.Auth == AuthEntra || !cfg.Transport.Raw())
	if tc.Auth == AuthEntra {
		if t.entra, err = startEntra(ctx, tc.Entra, t.events, cfg.Connections); err != nil {
			return nil, err
		}
	}
	opts := &redis.Options{
		Addr:       tc.Addr(),
		ClientName: clientName,
		// RESP2, as memtier and redis-benchmark speak it; the reply sizes
		// used for byte accounting assume it.
		Protocol:      2,
		Username:      tc.Username,
		Password:      tc.Password,
		DB:            tc.DB,
		TLSConfig:     tlsConfig,
		DialTimeout:   cfg.ConnectTimeout,
		DialerRetries: 1, // a failed dial is counted, not retried

		ReadTimeout:           cfg.Timeout,
		WriteTimeout:          cfg.Timeout,
		ContextTimeoutEnabled: false,
		// A benchmark counts failures; it must not hide them by retrying.
		MaxRetries: -1,
		// Exactly one connection per worker: the pool holds them all, and
		// pipelines run on the worker's own connection rather than on a
		// separate pipeline pool that would open connections of its own.
		PoolSize:         cfg.Connections,
		PipelinePoolSize: -1,
		PoolTimeout:      cfg.Timeout + cfg.ConnectTimeout,
		ReadBufferSize:   cfg.ReadBufferSize,
		WriteBufferSize:  cfg.WriteBufferSize,
		// CLIENT SETINFO on every connection is two more round trips per
		// connection and tells the server nothing a benchmark needs.
		DisableIdentity: true,
	}
	t.dial = transport.Dialer(transport.DialOptions{Timeout: cfg.ConnectTimeout, TLS: tlsConfig, Waits: t.waits, Transport: cfg.Transport, DeadlineSlack: cfg.Timeout / 10, Conns: t.conns})
	opts.Dialer = t.dial
	if t.entra != nil {
		// Each connection authenticates with the token current as it opens.
		// Workers send new tokens on their own connections (auth.go); a
		// cluster's pooled connections get them from go-redis (verify).
		opts.Username, opts.Password = "", ""
		opts.CredentialsProviderContext = t.entra.Provider().CredentialsContext
	}
	client := redis.NewClient(opts)
	if err := t.verify(ctx, client, opts); err != nil {
		_ = client.Close()
		t.entra.Stop()
		return nil, err
	}
	return t, nil
}

// verify connects once, learns what the server is and settles the
// clustering policy. For an OSS cluster, client becomes the connection that
// reads the slot map.
func (t *Target) verify(ctx context.Context, client *redis.Client, opts *redis.Options) error {
	tc := t.cfg.Target
	vctx, cancel := context.WithTimeout(ctx, t.cfg.ConnectTimeout+t.cfg.Timeout)
	defer cancel()
	if err := t.pingTarget(vctx, client); err != nil {
		var mismatch *FieldError
		if errors.As(err, &mismatch) {
			return err
		}
		// A proxy that closes the connection on a command it does not
		// support (twemproxy) closes it on the HELLO and CLIENT SETNAME
		// each connection opens with: connect without them instead.
		if !closedByPeer(err) {
			return explainConnectError(t.principal(), err)
		}
		_ = client.Close()
		opts.ClientName = ""
		opts.Dialer = transport.WithoutHello(opts.Dialer)
		client = redis.NewClient(opts)
		if err2 := client.Ping(vctx).Err(); err2 != nil {
			return explainConnectError(t.principal(), err)
		}
		t.notes = append(t.notes, "the endpoint closed the connection on HELLO (or CLIENT SETNAME), as a proxy does on a command it does not support (twemproxy does): the connections open without them, in RESP2, unnamed")
	}
	t.info = results.Target{
		Endpoint:      tc.Addr(),
		TLS:           tc.TLS.Enabled,
		TLSUnverified: tc.TLS.Enabled && tc.TLS.SkipVerify,
		Auth:          tc.Auth,
		Server:        serverVersion(vctx, client),
	}
	if t.entra != nil {
		cur := t.entra.Provider().Current()
		t.info.Credential, t.info.Principal, t.info.TokenExpires = tc.Entra.Credential, cur.User, cur.Expires.UTC()
	}
	slots, slotsErr := cluster.ReadSlots(vctx, client)
	found, findErr := cluster.Detect(slots, slotsErr)
	if errors.Is(findErr, cluster.ErrNoAnswer) && closedByPeer(slotsErr) && client.Ping(vctx).Err() == nil {
		// Closed on CLUSTER SLOTS, yet answering on a new connection: a
		// proxy without the CLUSTER commands.
		found, findErr = cluster.ProxyWithoutCluster(), nil
	}
	policy, reason := tc.ClusterPolicy, "given with --cluster-policy"
	if policy == cluster.PolicyAuto {
		if findErr != nil {
			return fmt.Errorf("connect to %s: %w", tc.Addr(), fieldErrorf([]string{"target.cluster_policy"}, "find its clustering policy (or give {target.cluster_policy}): %w", findErr))
		}
		policy, reason = found.Policy, found.Reason
	} else {
		warning, err := checkGivenPolicy(policy, found, findErr)
		if err != nil {
			return fmt.Errorf("connect to %s: %w", tc.Addr(), err)
		}
		if warning != nil {
			t.warnings = append(t.warnings, warning)
		}
	}
	t.info.ClusterPolicy, t.info.PolicyReason = string(policy), reason
	if policy != cluster.PolicyOSS {
		t.single = client
		return nil
	}
	if t.entra != nil {
		// A cluster's connections go back to their pools after every
		// command: go-redis sends each new token on them as they do
		// (StreamingCredentialsProvider), and reauth.Hook counts those AUTHs.
		streamed := *opts
		streamed.CredentialsProviderContext = nil
		streamed.StreamingCredentialsProvider = t.entra.Provider()
		opts = &streamed
		// The verified connection would not get new tokens: read the slot
		// map over one that does.
		_ = client.Close()
		seed := *opts
		seed.PoolSize = 1
		client = redis.NewClient(&seed)
		client.AddHook(reauth.Hook{Auth: t.entra})
	}
	// One connection reads the slot map for the whole run: the one just
	// verified, or, when its node fails, one to another node.
	nodeOpts := *opts
	nodeOpts.PoolSize = 1
	topo := cluster.NewTopology(tc.Addr(), client, func(addr string) *redis.Client {
		o := nodeOpts
		o.Addr = addr
		c := redis.NewClient(&o)
		if t.entra != nil {
			c.AddHook(reauth.Hook{Auth: t.entra})
		}
		return c
	}, t.cfg.ConnectTimeout+t.cfg.Timeout)
	if _, err := topo.Refresh(vctx); err != nil {
		return fmt.Errorf("connect to %s: read the cluster's slot map: %w", tc.Addr(), err)
	}
	ct, err := openCluster(vctx, t.cfg, opts, topo, t.entra)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", tc.Addr(), err)
	}
	t.cluster = ct
	t.info.Shards = cluster.PrimaryCount(topo.Current())
	t.entra.ReachEvery(t.ConnectionPlan().Total())
	return nil
}

// serverVersion asks the server for its version; servers that refuse INFO
// (or a stand-in without it) leave it empty.
func serverVersion(ctx context.Context, c *redis.Client) string {
	info, err := c.Info(ctx, "server").Result()
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "redis_version:"); ok {
			return "redis " + v
		}
	}
	return ""
}

// principal is the target configuration with the user name connections
// authenticate as: the token's principal for Entra ID.
func (t *Target) principal() TargetConfig {
	tc := t.cfg.Target
	if t.entra != nil {
		tc.Username = t.entra.Provider().Current().User
	}
	return tc
}

// explainConnectError turns the client library's error into one line that
// names the cause and, where there is one, the flag that fixes it.
func explainConnectError(tc TargetConfig, err error) error {
	addr := tc.Addr()
	var hostErr x509.HostnameError
	var authorityErr x509.UnknownAuthorityError
	var invalidErr x509.CertificateInvalidError
	var recordErr tls.RecordHeaderError
	switch {
	case errors.As(err, &hostErr):
		return fmt.Errorf("connect to %s: TLS: %w", addr, fieldErrorf([]string{"target.tls.sni", "target.tls.skip_verify"}, "%w (name the certificate's host with {target.tls.sni}, or skip verification with {target.tls.skip_verify})", hostErr))
	case errors.As(err, &authorityErr):
		return fmt.Errorf("connect to %s: TLS: %w", addr, fieldErrorf([]string{"target.tls.ca", "target.tls.skip_verify"}, "the server's certificate is signed by an authority this machine does not trust (give its CA with {target.tls.ca}, or skip verification with {target.tls.skip_verify}): %w", err))
	case errors.As(err, &invalidErr):
		return fmt.Errorf("connect to %s: TLS: %w", addr, invalidErr)
	case errors.As(err, &recordErr):
		return fmt.Errorf("connect to %s: %w", addr, noTLSAnswer("the server answered in plain text", err))
	case strings.Contains(err.Error(), "DB index is out of range"):
		return fmt.Errorf("connect to %s: %w", addr, fieldErrorf([]string{"target.db"}, "{target.db} %d: the server has no such database (a server has databases 0 to 15 unless its databases setting says otherwise; Azure Managed Redis has only 0)", tc.DB))
	case strings.Contains(err.Error(), "SELECT is not allowed in cluster mode"):
		return fmt.Errorf("connect to %s: %w", addr, fieldErrorf([]string{"target.db"}, "{target.db} %d: a cluster has database 0 only", tc.DB))
	case failure.Classify(err) == results.ErrAuth && tc.Auth == AuthEntra:
		return fmt.Errorf("connect to %s: the server refused the Entra ID token of principal %q (is this principal allowed on the cache, under its Authentication settings?): %w", addr, tc.Username, err)
	case failure.Classify(err) == results.ErrAuth:
		user := tc.Username
		if user == "" {
			user = "default"
		}
		return fmt.Errorf("connect to %s: authentication failed for user %q: %w", addr, user, err)
	case failure.Classify(err) == results.ErrTimeout:
		return fmt.Errorf("connect to %s: %w", addr, fieldErrorf([]string{"connect_timeout", "timeout"}, "timed out (see {connect_timeout} and {timeout}): %w", err))
	}
	return fmt.Errorf("connect to %s: %w", addr, err)
}

// Info describes the target for the result header.
func (t *Target) Info() results.Target { return t.info }

// Notes say what the user should know about how the target is driven that
// is not a warning: a proxy's connections left unnamed.
func (t *Target) Notes() []string { return t.notes }

// closedByPeer reports whether err is the server closing the connection
// (end of stream or a reset), as opposed to a reply, a refused dial or a
// timeout.
func closedByPeer(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET)
}

// Warnings are what the user should know before the run about how the
// target will be driven (a policy given that does not fit the endpoint),
// as FieldErrors.
func (t *Target) Warnings() []error { return t.warnings }

// OpenConnections returns the number of connections the client holds open.
func (t *Target) OpenConnections() int {
	if t.cluster != nil {
		return t.cluster.openConnections()
	}
	return int(t.single.PoolStats().TotalConns)
}

// Close closes every connection and stops renewing tokens.
func (t *Target) Close() error {
	defer t.entra.Stop()
	defer t.conns.CloseHandoffs()
	if t.cluster != nil {
		return t.cluster.close()
	}
	return t.single.Close()
}

// ConnectionPlan is how many connections a run opens to its target, and
// why: what counts against an Azure cache's connection limit.
type ConnectionPlan struct {
	// Workers is the number of workers (--connections).
	Workers int
	// Shards is the number of primaries of an OSS cluster, each of which
	// every worker reaches over a connection of its own; 0 for one
	// endpoint.
	Shards int
	// Topology is the number of connections that read the slot map.
	Topology int
}

// Total is the number of connections the run holds open.
func (p ConnectionPlan) Total() int {
	if p.Shards == 0 {
		return p.Workers
	}
	return p.Workers*p.Shards + p.Topology
}

// String explains Total: what counts against the cache's connection
// limit. (A pipeline opens no connection of its own.)
func (p ConnectionPlan) String() string {
	if p.Shards == 0 {
		return fmt.Sprintf("%s, one per worker", units.Plural(p.Total(), "connection"))
	}
	return fmt.Sprintf("%s: %s per shard (one per worker) × %s, plus %s reading the slot map",
		units.Plural(p.Total(), "connection"), units.FormatInt(p.Workers), units.Plural(p.Shards, "shard"), units.FormatInt(p.Topology))
}

// Warning returns a warning, as a FieldError, when Total exceeds limit (the
// SKU's connection limit; 0 means unknown), and nil otherwise.
func (p ConnectionPlan) Warning(limit int) error {
	if limit <= 0 || p.Total() <= limit {
		return nil
	}
	return fieldErrorf([]string{"connections"}, "%s exceed the target's limit of %d: the cache will refuse connections beyond it; lower {connections}", units.Plural(p.Total(), "connection"), limit)
}

// ConnectionPlan says how many connections a run against t opens.
func (t *Target) ConnectionPlan() ConnectionPlan {
	_, workers := t.cfg.SegmentConnections() // a segment opens its share
	p := ConnectionPlan{Workers: workers}
	if t.cluster != nil {
		p.Shards, p.Topology = t.info.Shards, 1
	}
	return p
}

// newSession returns a worker's connection, not yet opened.
func (t *Target) newSession() session {
	if t.cluster != nil {
		return &clusterSession{ct: t.cluster}
	}
	return &connSession{client: t.single, auth: t.entra.NewConn(), dial: t.dial, conns: t.conns, addr: t.cfg.Target.Addr(), dialTimeout: t.cfg.ConnectTimeout}
}

// reachability writes an unreachable event when every connection to addr
// has failed and a new one cannot be opened, and a reachable event when one
// can again.
func (t *Target) reachability(addr string, reachable bool, err error) {
	e := &results.Event{Time: time.Now().UTC(), Kind: results.EventReachable, Detail: addr + ": a connection opened again"}
	if !reachable {
		e.Kind = results.EventUnreachable
		e.Detail = fmt.Sprintf("%s: every connection failed and none can be opened (%s); reconnecting with back-off", addr, failure.Describe(err))
	}
	t.events.emit(e)
}

// shardRegistry returns the shards of an OSS cluster; nil for one endpoint.
func (t *Target) shardRegistry() *cluster.Registry {
	if t.cluster == nil {
		return nil
	}
	return t.cluster.shards
}

// session is one worker's connection to the target.
type session interface {
	// open dials and authenticates the connection.
	open(ctx context.Context) error
	// exec sends cmds (one command, or a pipeline) and reads every reply;
	// each command carries its own result and error.
	exec(ctx context.Context, cmds []redis.Cmder) error
	// reopen drops a broken connection; the next exec dials a new one
	// (down reports true until reconnect has).
	reopen()
	// down reports whether the connection was dropped and not opened again.
	down() bool
	// reconnect opens the connection again after reopen; a cluster's pools
	// open theirs as commands need them, and it returns nil.
	reconnect(ctx context.Context) error
	// suspectTopology says the target answered as if its topology changed
	// (the cluster is down); a cluster session reads the slot map again.
	suspectTopology()
	// shards returns the cluster's shards, or nil for one endpoint.
	shards() *cluster.Registry
	close()
}

// connSession is a session on a single, dedicated connection: go-redis's
// Conn, which keeps one connection of the pool for its owner.
//
// After a failure the worker reconnects it itself (reconnect), with its own
// back-off: it dials, and hands the connection to the pool's next dial
// (transport.Conns.Handoff). The pool never dials a refused connection of
// its own, so it never retries one at once, nor trips its breaker and
// probes on its own.
type connSession struct {
	client *redis.Client
	conn   *redis.Conn
	pipe   redis.Pipeliner
	// auth is the connection's Entra ID state, nil for other auth modes.
	auth        *entra.Conn
	dial        func(ctx context.Context, network, addr string) (net.Conn, error)
	conns       *transport.Conns
	addr        string
	dialTimeout time.Duration
	dropped     bool // reopened, not yet connected
}

var _ authSession = (*connSession)(nil)

func (s *connSession) open(ctx context.Context) error {
	s.conn = s.client.EphemeralConn() // closing it closes the connection
	s.pipe = s.conn.Pipeline()
	s.auth.Connected()
	return s.conn.Ping(ctx).Err()
}

func (s *connSession) connAuth() *entra.Conn { return s.auth }

func (s *connSession) authenticate(ctx context.Context, user, password string) error {
	return s.conn.AuthACL(ctx, user, password).Err()
}

func (s *connSession) exec(ctx context.Context, cmds []redis.Cmder) error {
	if len(cmds) == 1 {
		return s.conn.Process(ctx, cmds[0])
	}
	if err := s.pipe.BatchProcess(ctx, cmds...); err != nil {
		return err
	}
	_, err := s.pipe.Exec(ctx)
	return err
}

func (s *connSession) reopen() {
	_ = s.conn.Close()
	s.conn = s.client.EphemeralConn()
	s.pipe = s.conn.Pipeline()
	s.auth.Connected()
	s.dropped = true
}

func (s *connSession) down() bool { return s.dropped }

// reconnect dials the connection and opens it (the handshake, then PING)
// through the pool with the dialled connection handed over; a failure
// leaves it dropped.
func (s *connSession) reconnect(ctx context.Context) error {
	dctx, cancel := context.WithTimeout(ctx, s.dialTimeout)
	c, err := s.dial(dctx, "tcp", s.addr)
	cancel()
	if err != nil {
		return err
	}
	s.conns.Handoff(s.addr, c)
	s.auth.Connected() // it authenticates with the token current now
	if err := s.conn.Ping(ctx).Err(); err != nil {
		s.reopen()
		return err
	}
	s.dropped = false
	return nil
}

func (s *connSession) suspectTopology() {}

func (s *connSession) shards() *cluster.Registry { return nil }

func (s *connSession) close() {
	if s.conn != nil {
		_ = s.conn.Close()
	}
}
