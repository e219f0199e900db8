package bench

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/amrbench/amrbench/results"
)

// clientName is what amrbench's connections call themselves (CLIENT LIST).
const clientName = "amrbench"

// Target is an opened, verified endpoint: the client library is configured,
// one connection has been made and authenticated, and the server has said
// what it is. Workers draw their connections from it.
type Target struct {
	cfg    Config
	client *redis.Client
	info   results.Target
}

// Open builds the client for cfg.Target and verifies it by connecting once:
// a wrong address, certificate or password fails here, with a message that
// names the cause, before any load is sent.
func Open(ctx context.Context, cfg Config) (*Target, error) {
	tc := cfg.Target
	tlsConfig, err := tc.TLS.Config(tc.Host)
	if err != nil {
		return nil, fmt.Errorf("TLS: %w", err)
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
	opts.Dialer = lazyDeadlines(redis.NewDialer(opts), cfg.Timeout/10)
	client := redis.NewClient(opts)
	t := &Target{cfg: cfg, client: client}
	if err := t.verify(ctx); err != nil {
		_ = client.Close()
		return nil, err
	}
	return t, nil
}

// verify connects once and learns what the server is.
func (t *Target) verify(ctx context.Context) error {
	tc := t.cfg.Target
	vctx, cancel := context.WithTimeout(ctx, t.cfg.ConnectTimeout+t.cfg.Timeout)
	defer cancel()
	if err := t.client.Ping(vctx).Err(); err != nil {
		return explainConnectError(tc, err)
	}
	t.info = results.Target{
		Endpoint:      tc.Addr(),
		TLS:           tc.TLS.Enabled,
		Auth:          tc.Auth,
		ClusterPolicy: PolicyNonClustered,
		PolicyReason:  "single endpoint",
		Server:        serverVersion(vctx, t.client),
	}
	if tc.ClusterPolicy != PolicyAuto {
		t.info.ClusterPolicy = tc.ClusterPolicy
		t.info.PolicyReason = "given with --cluster-policy"
	}
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
		return fmt.Errorf("connect to %s: TLS: %w (name the certificate's host with --sni, or skip verification with --tls-skip-verify)", addr, hostErr)
	case errors.As(err, &authorityErr):
		return fmt.Errorf("connect to %s: TLS: the server's certificate is signed by an authority this machine does not trust (give its CA with --cacert, or skip verification with --tls-skip-verify): %w", addr, err)
	case errors.As(err, &invalidErr):
		return fmt.Errorf("connect to %s: TLS: %w", addr, invalidErr)
	case errors.As(err, &recordErr):
		return fmt.Errorf("connect to %s: the server did not answer with TLS (drop --tls, or check the port): %w", addr, err)
	case Classify(err) == results.ErrAuth:
		user := tc.Username
		if user == "" {
			user = "default"
		}
		return fmt.Errorf("connect to %s: authentication failed for user %q: %w", addr, user, err)
	case Classify(err) == results.ErrTimeout:
		return fmt.Errorf("connect to %s: timed out (see --connect-timeout and --timeout): %w", addr, err)
	}
	return fmt.Errorf("connect to %s: %w", addr, err)
}

// Info describes the target for the result header.
func (t *Target) Info() results.Target { return t.info }

// OpenConnections returns the number of connections the client holds open.
func (t *Target) OpenConnections() int {
	return int(t.client.PoolStats().TotalConns)
}

// Close closes every connection.
func (t *Target) Close() error { return t.client.Close() }

// newSession returns a worker's connection, not yet opened.
func (t *Target) newSession() session { return &connSession{client: t.client} }

// session is one worker's connection to the target.
type session interface {
	// open dials and authenticates the connection.
	open(ctx context.Context) error
	// exec sends cmds (one command, or a pipeline) and reads every reply;
	// each command carries its own result and error.
	exec(ctx context.Context, cmds []redis.Cmder) error
	// reopen drops a broken connection; the next exec dials a new one.
	reopen()
	close()
}

// connSession is a session on a single, dedicated connection: go-redis's
// Conn, which keeps one connection of the pool for its owner.
type connSession struct {
	client *redis.Client
	conn   *redis.Conn
	pipe   redis.Pipeliner
}

func (s *connSession) open(ctx context.Context) error {
	s.conn = s.client.Conn()
	s.pipe = s.conn.Pipeline()
	return s.conn.Ping(ctx).Err()
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
	s.conn = s.client.Conn()
	s.pipe = s.conn.Pipeline()
}

func (s *connSession) close() {
	if s.conn != nil {
		_ = s.conn.Close()
	}
}
