package benchtest

import (
	"net"
	"sync"
	"testing"
	"time"
)

// DelayProxy is a TCP proxy that holds back everything the server sends for
// a fixed time, so that a local redis-server answers as a distant one would:
// each reply arrives delay after the server wrote it. Requests pass at once.
type DelayProxy struct {
	// Host and Port are where the proxy accepts connections.
	Host string
	Port int

	backend string
	delay   time.Duration
	ln      net.Listener
	wg      sync.WaitGroup
	mu      sync.Mutex
	conns   []net.Conn
}

// StartDelayProxy starts a proxy in front of backend (host:port) that
// delays the server's replies by delay; it stops with the test.
func StartDelayProxy(t testing.TB, backend string, delay time.Duration) *DelayProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("delay proxy: %v", err)
	}
	addr := ln.Addr().(*net.TCPAddr)
	p := &DelayProxy{Host: addr.IP.String(), Port: addr.Port, backend: backend, delay: delay, ln: ln}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

func (p *DelayProxy) accept() {
	defer p.wg.Done()
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		server, err := net.Dial("tcp", p.backend)
		if err != nil {
			_ = client.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, client, server)
		p.mu.Unlock()
		p.wg.Add(2)
		go func() {
			defer p.wg.Done()
			forward(server, client, 0)
		}()
		go func() {
			defer p.wg.Done()
			forward(client, server, p.delay)
		}()
	}
}

// chunk is what one read from the server brought, and when it may go on.
type chunk struct {
	data []byte
	due  time.Time
}

// forward copies from src to dst, each read held back by delay, in order;
// it closes both ends when either fails.
func forward(dst, src net.Conn, delay time.Duration) {
	defer func() { _ = dst.Close(); _ = src.Close() }()
	if delay == 0 {
		buf := make([]byte, 32<<10)
		for {
			n, err := src.Read(buf)
			if n > 0 {
				if _, werr := dst.Write(buf[:n]); werr != nil {
					return
				}
			}
			if err != nil {
				return
			}
		}
	}
	queue := make(chan chunk, 4096)
	go func() {
		defer close(queue)
		for {
			buf := make([]byte, 32<<10)
			n, err := src.Read(buf)
			if n > 0 {
				queue <- chunk{data: buf[:n], due: time.Now().Add(delay)}
			}
			if err != nil {
				return
			}
		}
	}()
	for c := range queue {
		time.Sleep(time.Until(c.due))
		if _, err := dst.Write(c.data); err != nil {
			return
		}
	}
}

func (p *DelayProxy) close() {
	_ = p.ln.Close()
	p.mu.Lock()
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}
