package benchtest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/amrbench/amrbench/internal/localserver"
)

// Server is a redis-server process owned by a test.
type Server struct {
	*localserver.Server
	// TLSPort is the TLS listener's port, or 0 without TLS.
	TLSPort int
	// Certs are the certificates the TLS listener uses.
	Certs *Certs
	// Admin is a plain connection to the server for the test's own checks.
	Admin *redis.Client
}

// Option configures a test server.
type Option func(*serverConfig)

type serverConfig struct {
	tlsHosts []string
	users    []string // ACL SETUSER rules
	args     []string
}

// WithTLS adds a TLS listener whose certificate is valid for hosts (DNS
// names or IP addresses), signed by a CA generated for the test.
func WithTLS(hosts ...string) Option {
	return func(c *serverConfig) { c.tlsHosts = hosts }
}

// WithUser adds an ACL user with the given password and full access.
func WithUser(name, password string) Option {
	return func(c *serverConfig) {
		c.users = append(c.users, fmt.Sprintf("%s on >%s ~* &* +@all", name, password))
	}
}

// WithACLUser adds an ACL user with the given password and rules, e.g.
// "~* +@all -get" for one who may run every command but GET.
func WithACLUser(name, password, rules string) Option {
	return func(c *serverConfig) {
		c.users = append(c.users, fmt.Sprintf("%s on >%s %s", name, password, rules))
	}
}

// WithArgs passes extra arguments to redis-server.
func WithArgs(args ...string) Option {
	return func(c *serverConfig) { c.args = append(c.args, args...) }
}

// RequireRedisServer fails the test when redis-server is not on PATH.
func RequireRedisServer(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("%v: the integration tests need a real redis-server", localserver.ErrNoRedisServer)
	}
	return bin
}

// StartServer starts a redis-server for the test and stops it when the test
// ends.
func StartServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	RequireRedisServer(t)
	var cfg serverConfig
	for _, o := range opts {
		o(&cfg)
	}
	dir := t.TempDir()
	// DEBUG SLEEP lets tests stall the server on purpose.
	args := append([]string{"--enable-debug-command", "yes"}, cfg.args...)
	s := &Server{}
	if len(cfg.tlsHosts) > 0 {
		s.Certs = NewCerts(t, cfg.tlsHosts...)
		files := s.Certs.WriteFiles(t, dir)
		port, err := localserver.FreePort()
		if err != nil {
			t.Fatal(err)
		}
		s.TLSPort = port
		args = append(args,
			"--tls-port", strconv.Itoa(port),
			"--tls-cert-file", files.Cert,
			"--tls-key-file", files.Key,
			"--tls-ca-cert-file", files.CA,
			"--tls-auth-clients", "optional")
	}
	if len(cfg.users) > 0 {
		aclFile := filepath.Join(dir, "users.acl")
		lines := []string{"user default on nopass ~* &* +@all"}
		for _, u := range cfg.users {
			lines = append(lines, "user "+u)
		}
		if err := os.WriteFile(aclFile, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, "--aclfile", aclFile)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ls, err := localserver.StartRedis(ctx, localserver.Options{Dir: dir, Args: args})
	if err != nil {
		t.Fatal(err)
	}
	s.Server = ls
	s.Admin = redis.NewClient(&redis.Options{Addr: ls.Addr(), Protocol: 2, DisableIdentity: true})
	t.Cleanup(func() {
		_ = s.Admin.Close()
		_ = ls.Close()
	})
	return s
}

// CommandCalls returns the server's call counts per command, from INFO
// commandstats, keyed by lower-case command name.
func (s *Server) CommandCalls(t testing.TB) map[string]int64 {
	t.Helper()
	calls := map[string]int64{}
	for name, st := range s.CommandStats(t) {
		calls[name] = st.Calls
	}
	return calls
}

// ConnectionsReceived reads INFO stats total_connections_received over a
// connection of its own, which it counts too: the connections the server
// has accepted since it started.
func (s *Server) ConnectionsReceived(t testing.TB) int64 {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), Protocol: 2, DisableIdentity: true, PoolSize: 1, MaxRetries: -1})
	defer c.Close()
	info, err := c.Info(context.Background(), "stats").Result()
	if err != nil {
		t.Fatalf("INFO stats: %v", err)
	}
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "total_connections_received:"); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				t.Fatalf("INFO stats: total_connections_received %q", v)
			}
			return n
		}
	}
	t.Fatal("INFO stats has no total_connections_received")
	return 0
}

// CommandStats returns the server's counts per command, from INFO
// commandstats, keyed by lower-case command name.
func (s *Server) CommandStats(t testing.TB) map[string]CommandStats {
	t.Helper()
	stats, err := commandStats(context.Background(), s.Admin)
	if err != nil {
		t.Fatal(err)
	}
	return stats
}

// Pause freezes the server process (SIGSTOP), as a server stuck in a long
// fork or a stalled VM would be: its port still accepts connections, it
// answers nothing. Resume thaws it.
func (s *Server) Pause(t testing.TB) {
	t.Helper()
	if err := s.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
}

// Resume thaws a server frozen by Pause (SIGCONT).
func (s *Server) Resume(t testing.TB) {
	t.Helper()
	if err := s.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
}

// ResetStats zeroes the server's statistics (CONFIG RESETSTAT).
func (s *Server) ResetStats(t testing.TB) {
	t.Helper()
	if err := s.Admin.ConfigResetStat(context.Background()).Err(); err != nil {
		t.Fatalf("CONFIG RESETSTAT: %v", err)
	}
}
