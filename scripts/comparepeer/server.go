package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/amrbench/amrbench/internal/benchtest"
)

// server is the redis-server both tools drive: a plain port and a TLS port
// whose certificate names 127.0.0.1, signed by the CA in caFile.
type server struct {
	port, tlsPort int
	caFile        string
	version       string
	cmd           *exec.Cmd
}

// startRedis starts redis-server on free loopback ports with room for the
// connections.
func startRedis(bin, dir string, conns int) (*server, error) {
	certs, err := benchtest.GenerateCerts("127.0.0.1", "localhost")
	if err != nil {
		return nil, fmt.Errorf("TLS certificates: %w", err)
	}
	s := &server{caFile: filepath.Join(dir, "ca.pem")}
	files := map[string][]byte{s.caFile: certs.CAPEM, filepath.Join(dir, "server.pem"): certs.CertPEM, filepath.Join(dir, "server.key"): certs.KeyPEM}
	for path, data := range files {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return nil, err
		}
	}
	if s.port, err = freePort(); err != nil {
		return nil, err
	}
	if s.tlsPort, err = freePort(); err != nil {
		return nil, err
	}
	s.cmd = exec.Command(bin, "--port", strconv.Itoa(s.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", dir, "--maxclients", strconv.Itoa(max(10000, conns+100)), "--logfile", filepath.Join(dir, "redis.log"),
		"--tls-port", strconv.Itoa(s.tlsPort), "--tls-cert-file", filepath.Join(dir, "server.pem"),
		"--tls-key-file", filepath.Join(dir, "server.key"), "--tls-ca-cert-file", s.caFile, "--tls-auth-clients", "no")
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		if err := s.flushAll(); err == nil {
			if err := s.checkTLS(certs.CAPEM); err != nil {
				s.stop()
				return nil, fmt.Errorf("redis-server's TLS port: %w (is it built with TLS?)", err)
			}
			s.version = s.askVersion()
			return s, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.stop()
	return nil, errors.New("redis-server did not start")
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// cpuTime is the server's CPU time so far (user + system), from
// /proc/<pid>/stat.
func (s *server) cpuTime() (time.Duration, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		return 0, false
	}
	return parseProcStatCPU(string(b))
}

// clockTick is the kernel's USER_HZ, the unit of /proc's CPU times: 100 on
// every Linux platform Go runs on.
const clockTick = 10 * time.Millisecond

// parseProcStatCPU reads utime and stime, fields 14 and 15 of
// /proc/<pid>/stat, counted after the command name in parentheses (which
// may hold spaces).
func parseProcStatCPU(stat string) (time.Duration, bool) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, false
	}
	fields := strings.Fields(stat[i+1:])
	if len(fields) < 13 {
		return 0, false
	}
	utime, err1 := strconv.ParseUint(fields[11], 10, 64)
	stime, err2 := strconv.ParseUint(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(utime+stime) * clockTick, true
}

func (s *server) stop() { _ = s.cmd.Process.Kill(); _ = s.cmd.Wait() }

// command sends one inline command on a fresh plain connection and
// returns the reply's first line (and, for a bulk reply, its body).
func (s *server) command(cmd string) (string, error) {
	c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)), time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write([]byte(cmd + "\r\n")); err != nil {
		return "", err
	}
	r := bufio.NewReader(c)
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	if n, ok := strings.CutPrefix(strings.TrimSpace(line), "$"); ok {
		size, _ := strconv.Atoi(n)
		body := make([]byte, size+2)
		if _, err := io.ReadFull(r, body); err != nil {
			return "", err
		}
		return string(body[:size]), nil
	}
	return line, nil
}

// flushAll empties the server, so every run starts from the same state.
func (s *server) flushAll() error {
	line, err := s.command("FLUSHALL")
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "+OK") {
		return fmt.Errorf("FLUSHALL: %s", strings.TrimSpace(line))
	}
	return nil
}

// askVersion is "redis-server 7.0.15", or "redis-server".
func (s *server) askVersion() string {
	info, err := s.command("INFO server")
	if err == nil {
		for _, line := range strings.Split(info, "\n") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(line), "redis_version:"); ok {
				return "redis-server " + v
			}
		}
	}
	return "redis-server"
}

// checkTLS makes one TLS connection to the TLS port.
func (s *server) checkTLS(caPEM []byte) error {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	d := &net.Dialer{Timeout: 2 * time.Second}
	c, err := tls.DialWithDialer(d, "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(s.tlsPort)), &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12})
	if err != nil {
		return err
	}
	return c.Close()
}
