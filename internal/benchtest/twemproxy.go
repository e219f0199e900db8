package benchtest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/amrbench/amrbench/internal/localserver"
)

// Twemproxy is twemproxy (nutcracker) in front of redis-servers, owned by a
// test: one endpoint that routes each key to one of its shards by a hash of
// the key, the way AMR's Enterprise clustering policy puts one proxy in
// front of a cache's shards. It is a real proxy, not Azure's, and has limits
// of its own: it closes the connection on a command it does not support
// (HELLO, CLIENT, CLUSTER, INFO, TIME, SELECT and more), so a client meets
// those as a closed connection rather than an error reply; and it passes no
// AUTH to its shards (it can require a password of its own, redis_auth,
// which this fixture does not set).
type Twemproxy struct {
	// Host and Port are where clients reach the proxy.
	Host string
	Port int
	// Shards are the redis-servers behind it, in the order of its
	// configuration.
	Shards []*Server
	// Dir holds its configuration and its log.
	Dir string

	cmd    *exec.Cmd
	exited chan struct{}
	mu     sync.Mutex
	output bytes.Buffer // the process's stdout and stderr
}

// Addr returns host:port of the proxy.
func (p *Twemproxy) Addr() string { return net.JoinHostPort(p.Host, strconv.Itoa(p.Port)) }

// RequireTwemproxy fails the test when nutcracker is not on PATH.
func RequireTwemproxy(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("nutcracker")
	if err != nil {
		t.Fatalf("nutcracker (twemproxy) is not on PATH: the Enterprise-policy tests need a real proxy (on Debian: apt-get install nutcracker)")
	}
	return bin
}

// StartTwemproxy starts shards redis-servers and twemproxy in front of
// them, on free loopback ports, and stops them when the test ends; opts
// apply to every shard. The proxy's configuration is written to Dir; its
// output is kept and shown when the test fails.
func StartTwemproxy(t testing.TB, shards int, opts ...Option) *Twemproxy {
	t.Helper()
	var servers []*Server
	for range shards {
		servers = append(servers, StartServer(t, opts...))
	}
	return StartTwemproxyFor(t, servers...)
}

// StartTwemproxyFor starts twemproxy in front of servers the test already
// runs, on a free loopback port, and stops it when the test ends.
func StartTwemproxyFor(t testing.TB, servers ...*Server) *Twemproxy {
	t.Helper()
	bin := RequireTwemproxy(t)
	p := &Twemproxy{Host: "127.0.0.1", Dir: t.TempDir(), Shards: servers}
	var lastErr error
	for range 5 { // a free port can be taken before the proxy binds it
		if lastErr = p.launch(t, bin); lastErr == nil {
			t.Cleanup(func() {
				p.stop()
				if t.Failed() {
					t.Logf("twemproxy on %s: configuration and output:\n%s\n%s", p.Addr(), p.config(), p.logs())
				}
			})
			return p
		}
	}
	t.Fatalf("start twemproxy: %v", lastErr)
	return nil
}

// config is the proxy's configuration: one pool, keys spread over the
// shards by ketama on FNV-1a, as twemproxy's own examples do; a shard is
// never ejected (a test's server does not fail by accident).
func (p *Twemproxy) config() string {
	var b strings.Builder
	fmt.Fprintf(&b, "amrbench:\n  listen: %s\n  hash: fnv1a_64\n  distribution: ketama\n  redis: true\n  preconnect: true\n  auto_eject_hosts: false\n  timeout: 5000\n  servers:\n", p.Addr())
	for i, s := range p.Shards {
		fmt.Fprintf(&b, "   - %s:1 shard%d\n", s.Addr(), i+1)
	}
	return b.String()
}

func (p *Twemproxy) launch(t testing.TB, bin string) error {
	t.Helper()
	port, err := localserver.FreePort()
	if err != nil {
		return err
	}
	stats, err := localserver.FreePort()
	if err != nil {
		return err
	}
	p.Port = port
	conf := filepath.Join(p.Dir, "nutcracker.yml")
	if err := os.WriteFile(conf, []byte(p.config()), 0o644); err != nil {
		return err
	}
	p.mu.Lock()
	p.output.Reset()
	p.mu.Unlock()
	cmd := exec.Command(bin, "-c", conf, "-s", strconv.Itoa(stats), "-a", "127.0.0.1",
		"-o", filepath.Join(p.Dir, "nutcracker.log"), "-p", filepath.Join(p.Dir, "nutcracker.pid"))
	cmd.Stdout, cmd.Stderr = p, p
	cmd.SysProcAttr = localserver.ChildProcAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start nutcracker: %w", err)
	}
	p.cmd, p.exited = cmd, make(chan struct{})
	go func() { _ = cmd.Wait(); close(p.exited) }()
	if err := p.waitReady(10 * time.Second); err != nil {
		p.stop()
		return fmt.Errorf("twemproxy on %s: %w; its output:\n%s", p.Addr(), err, p.logs())
	}
	return nil
}

// Write keeps the process's output.
func (p *Twemproxy) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.output.Write(b)
}

// logs returns the process's output and the end of its log file.
func (p *Twemproxy) logs() string {
	p.mu.Lock()
	out := p.output.String()
	p.mu.Unlock()
	log, _ := os.ReadFile(filepath.Join(p.Dir, "nutcracker.log"))
	lines := strings.Split(strings.TrimSpace(string(log)), "\n")
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return out + strings.Join(lines, "\n")
}

// waitReady sends PING through the proxy until a shard answers PONG.
func (p *Twemproxy) waitReady(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		select {
		case <-p.exited:
			return fmt.Errorf("the process exited")
		default:
		}
		err := ping(p.Addr())
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write([]byte("*1\r\n$4\r\nPING\r\n")); err != nil {
		return err
	}
	buf := make([]byte, 7)
	n, err := c.Read(buf)
	if err != nil {
		return err
	}
	if string(buf[:n]) != "+PONG\r\n" {
		return fmt.Errorf("PING answered %q", buf[:n])
	}
	return nil
}

// stop kills the proxy by its process id and waits for it to exit.
func (p *Twemproxy) stop() {
	if p.cmd == nil || p.cmd.Process == nil {
		return
	}
	_ = p.cmd.Process.Kill()
	<-p.exited
}

// ShardKeys returns the number of keys each shard holds (DBSIZE), in the
// order of Shards: how the proxy spread the keys it was sent.
func (p *Twemproxy) ShardKeys(t testing.TB) []int64 {
	t.Helper()
	var out []int64
	for _, s := range p.Shards {
		n, err := s.Admin.DBSize(context.Background()).Result()
		if err != nil {
			t.Fatalf("%s: DBSIZE: %v", s.Addr(), err)
		}
		out = append(out, n)
	}
	return out
}
