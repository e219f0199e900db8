package localserver

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2"
)

// Kinds of local server.
const (
	KindRedisServer = "redis-server"
	KindInProcess   = "in-process"
)

// Server is a running local server.
type Server struct {
	// Kind is KindRedisServer or KindInProcess.
	Kind string
	// Host and Port are where it accepts plain connections.
	Host string
	Port int
	// Version is what the server reports (redis-server) or the stand-in's
	// name.
	Version string
	// Dir is the server's working directory; its log is Dir/redis.log.
	Dir string

	cmd    *exec.Cmd
	exited chan struct{}
	mini   *miniredis.Miniredis
	tmpDir bool
	// bin and extra are how it was launched, for Restart.
	bin   string
	extra []string
}

// Addr returns host:port of the plain listener.
func (s *Server) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// Description says what the server is, for people, and what its numbers
// are worth.
func (s *Server) Description() string {
	if s.Kind == KindInProcess {
		return "an in-process Redis stand-in (miniredis), not a server: its numbers describe nothing; install redis-server to measure this machine"
	}
	return s.Version + " started by amrbench on this machine: its numbers describe this machine, not a cache"
}

// RedisServerOnPath reports whether Start would start a redis-server
// process, rather than the in-process stand-in.
func RedisServerOnPath() bool {
	_, err := exec.LookPath("redis-server")
	return err == nil
}

// Options configures a redis-server process.
type Options struct {
	// Port is the plain port; 0 picks a free one.
	Port int
	// Dir is the working directory; empty makes a temporary one that Close
	// removes.
	Dir string
	// Args are extra redis-server arguments, such as "--tls-port", "6380".
	Args []string
	// Binary is the redis-server to run; empty finds it on PATH.
	Binary string
}

// ErrNoRedisServer is returned when redis-server is not on PATH.
var ErrNoRedisServer = errors.New("redis-server is not on PATH (on Debian: apt-get install redis-server)")

// Start starts the embedded default target: redis-server on a free loopback
// port when there is one on PATH, otherwise an in-process stand-in.
func Start(ctx context.Context) (*Server, error) {
	s, err := StartRedis(ctx, Options{})
	if errors.Is(err, ErrNoRedisServer) {
		return StartInProcess()
	}
	return s, err
}

// StartInProcess starts miniredis on a free loopback port.
func StartInProcess() (*Server, error) {
	m := miniredis.NewMiniRedis()
	if err := m.StartAddr("127.0.0.1:0"); err != nil {
		return nil, fmt.Errorf("start in-process server: %w", err)
	}
	port, _ := strconv.Atoi(m.Port())
	return &Server{Kind: KindInProcess, Host: m.Host(), Port: port, Version: "miniredis", mini: m}, nil
}

// StartRedis starts a redis-server process and waits until it answers PING.
// Persistence is off. The process is killed if this one dies.
func StartRedis(ctx context.Context, opts Options) (*Server, error) {
	bin := opts.Binary
	if bin == "" {
		var err error
		if bin, err = exec.LookPath("redis-server"); err != nil {
			return nil, ErrNoRedisServer
		}
	}
	s := &Server{Kind: KindRedisServer, Host: "127.0.0.1", Dir: opts.Dir}
	if s.Dir == "" {
		dir, err := os.MkdirTemp("", "amrbench-redis-")
		if err != nil {
			return nil, fmt.Errorf("start redis-server: %w", err)
		}
		s.Dir, s.tmpDir = dir, true
	}
	// A free port can be taken by someone else between our probe and the
	// server's bind; try a few.
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		port := opts.Port
		if port == 0 {
			p, err := FreePort()
			if err != nil {
				return nil, err
			}
			port = p
		}
		s.Port = port
		if lastErr = s.launch(ctx, bin, opts.Args); lastErr == nil {
			return s, nil
		}
		if opts.Port != 0 {
			break
		}
	}
	s.removeDir()
	return nil, lastErr
}

func (s *Server) launch(ctx context.Context, bin string, extra []string) error {
	if err := s.start(bin, extra); err != nil {
		return err
	}
	version, err := s.waitReady(ctx, 10*time.Second)
	if err != nil {
		s.kill()
		return fmt.Errorf("redis-server on port %d did not start: %w%s", s.Port, err, tail(filepath.Join(s.Dir, "redis.log")))
	}
	s.Version = version
	return nil
}

// start starts the process, without waiting for it.
func (s *Server) start(bin string, extra []string) error {
	s.bin, s.extra = bin, extra
	logPath := filepath.Join(s.Dir, "redis.log")
	args := append([]string{
		"--port", strconv.Itoa(s.Port),
		"--bind", s.Host,
		"--dir", s.Dir,
		"--save", "",
		"--appendonly", "no",
		"--logfile", logPath,
		"--daemonize", "no",
	}, extra...)
	cmd := exec.Command(bin, args...)
	cmd.SysProcAttr = ChildProcAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start redis-server: %w", err)
	}
	s.cmd = cmd
	exited := make(chan struct{})
	s.exited = exited
	go func() { _ = cmd.Wait(); close(exited) }()
	return nil
}

// Restart starts a server stopped by Stop again, on the same port and
// working directory, and waits until its log says it accepts connections.
// It never connects to it, so the new server's statistics count its
// clients' connections alone.
func (s *Server) Restart(ctx context.Context) error {
	logPath := filepath.Join(s.Dir, "redis.log")
	before := readyLines(logPath)
	if err := s.start(s.bin, s.extra); err != nil {
		return err
	}
	for readyLines(logPath) <= before {
		select {
		case <-s.exited:
			return fmt.Errorf("redis-server on port %d exited on restart%s", s.Port, tail(logPath))
		case <-ctx.Done():
			s.kill()
			return fmt.Errorf("redis-server on port %d did not restart: %w", s.Port, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
	return nil
}

// readyLines counts the lines of a server log saying it is ready.
func readyLines(logPath string) int {
	b, _ := os.ReadFile(logPath)
	return strings.Count(string(b), "Ready to accept connections")
}

// waitReady polls the server with PING until it answers, then asks its
// version.
func (s *Server) waitReady(ctx context.Context, limit time.Duration) (string, error) {
	deadline := time.Now().Add(limit)
	for {
		select {
		case <-s.exited:
			return "", errors.New("the process exited")
		default:
		}
		if v, err := s.probe(); err == nil {
			return v, nil
		} else if time.Now().After(deadline) {
			return "", err
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// probe sends PING and INFO server over a raw connection.
func (s *Server) probe() (string, error) {
	c, err := net.DialTimeout("tcp", s.Addr(), time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write([]byte("PING\r\nINFO server\r\n")); err != nil {
		return "", err
	}
	r := bufio.NewReader(c)
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	if !strings.HasPrefix(line, "+PONG") {
		return "", fmt.Errorf("PING answered %q", strings.TrimSpace(line))
	}
	header, err := r.ReadString('\n') // $<length>
	if err != nil || !strings.HasPrefix(header, "$") {
		return "redis-server", nil
	}
	for {
		l, err := r.ReadString('\n')
		if err != nil {
			return "redis-server", nil
		}
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "redis_version:"); ok {
			return "redis-server " + v, nil
		}
	}
}

// Close stops the server and removes a temporary working directory.
func (s *Server) Close() error {
	if s.mini != nil {
		s.mini.Close()
		return nil
	}
	s.kill()
	s.removeDir()
	return nil
}

// Stop kills the process (as a crash or a failed node would die) but keeps
// its working directory.
func (s *Server) Stop() { s.kill() }

// Signal sends sig to the redis-server process (e.g. SIGSTOP and SIGCONT to
// freeze and thaw it); it fails for the in-process server.
func (s *Server) Signal(sig os.Signal) error {
	if s.cmd == nil || s.cmd.Process == nil {
		return fmt.Errorf("%s: no server process to signal", s.Description())
	}
	return s.cmd.Process.Signal(sig)
}

func (s *Server) kill() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.exited
}

func (s *Server) removeDir() {
	if s.tmpDir {
		_ = os.RemoveAll(s.Dir)
	}
}

// FreePort returns a TCP port on loopback that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// tail returns the end of the server's log, to explain a failed start.
func tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil || len(b) == 0 {
		return ""
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 5 {
		lines = lines[len(lines)-5:]
	}
	return "; its log ends:\n" + strings.Join(lines, "\n")
}
