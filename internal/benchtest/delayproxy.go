package benchtest

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// DelayProxy is a TCP proxy that holds back everything the server sends for
// a fixed time, so that a local redis-server answers as a distant one would:
// each reply arrives delay after the server wrote it. Requests pass at once.
// It runs in a process of its own (the test binary, started again), as a
// distant server would: a proxy in the test's process would share its Go
// scheduler with the client under test.
//
// Blackhole makes it a network that drops every packet for a while: nothing
// passes either way and new connections reach nothing, and then what was
// held passes, as TCP's retransmissions would deliver it once the path is
// back.
type DelayProxy struct {
	// Host and Port are where the proxy accepts connections.
	Host string
	Port int

	// control is the proxy process's standard input: commands, one a line.
	control io.Writer

	backend string
	delay   time.Duration
	gate    gate
	ln      net.Listener
	wg      sync.WaitGroup
	mu      sync.Mutex
	conns   []net.Conn
	closed  bool
}

// gate holds traffic while it is shut.
type gate struct {
	mu   sync.Mutex
	open chan struct{} // closed while the gate is open; nil before the first shut
}

// shut holds everything that passes the gate from now until d has passed.
func (g *gate) shut(d time.Duration) {
	g.mu.Lock()
	open := make(chan struct{})
	g.open = open
	g.mu.Unlock()
	time.AfterFunc(d, func() { close(open) })
}

// pass waits while the gate is shut.
func (g *gate) pass() {
	g.mu.Lock()
	open := g.open
	g.mu.Unlock()
	if open != nil {
		<-open
	}
}

// Blackhole makes the proxy pass nothing for d, starting now: no byte either
// way, no new connection to the server. What was held passes afterwards.
func (p *DelayProxy) Blackhole(t testing.TB, d time.Duration) {
	t.Helper()
	if _, err := fmt.Fprintf(p.control, "blackhole %s\n", d); err != nil {
		t.Fatalf("delay proxy: %v", err)
	}
}

// delayProxyEnv, set to "backend delay", makes the test binary a delay
// proxy (DelayProxyMain).
const delayProxyEnv = "AMRBENCH_DELAY_PROXY"

// StartDelayProxy starts a proxy process in front of backend (host:port)
// that delays the server's replies by delay (0: none); it stops with the
// test. The test binary's TestMain must call DelayProxyMain first.
func StartDelayProxy(t testing.TB, backend string, delay time.Duration) *DelayProxy {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatalf("delay proxy: %v", err)
	}
	cmd := exec.Command(self, "-test.run=^$") // should the hook be missing, no tests run
	cmd.Env = append(os.Environ(), delayProxyEnv+"="+backend+" "+delay.String())
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatalf("delay proxy: %v", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatalf("delay proxy: %v", err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("delay proxy: %v", err)
	}
	t.Cleanup(func() {
		_ = stdin.Close() // the proxy stops when its input ends
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("delay proxy: %v", err)
			}
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
			t.Errorf("delay proxy: still running 5 s after its input ended; killed")
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("delay proxy: no address: %v", err)
	}
	host, port, err := net.SplitHostPort(strings.TrimSpace(line))
	if err != nil {
		t.Fatalf("delay proxy: address %q: %v", line, err)
	}
	p := &DelayProxy{Host: host, backend: backend, delay: delay, control: stdin}
	if p.Port, err = strconv.Atoi(port); err != nil {
		t.Fatalf("delay proxy: port %q: %v", port, err)
	}
	return p
}

// DelayProxyMain runs the delay proxy when the test binary was started as
// one by StartDelayProxy, until its standard input ends, and then reports
// true: TestMain must then return without running the tests.
func DelayProxyMain() bool {
	spec, ok := os.LookupEnv(delayProxyEnv)
	if !ok {
		return false
	}
	backend, d, _ := strings.Cut(spec, " ")
	delay, err := time.ParseDuration(d)
	if err != nil {
		fmt.Fprintf(os.Stderr, "delay proxy: %s=%q: %v\n", delayProxyEnv, spec, err)
		return true
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintf(os.Stderr, "delay proxy: %v\n", err)
		return true
	}
	p := &DelayProxy{backend: backend, delay: delay, ln: ln}
	p.wg.Add(1)
	go p.accept()
	fmt.Println(ln.Addr().String())
	commands := bufio.NewScanner(os.Stdin)
	for commands.Scan() {
		if d, ok := strings.CutPrefix(commands.Text(), "blackhole "); ok {
			if hold, err := time.ParseDuration(d); err == nil {
				p.gate.shut(hold)
			}
		}
	}
	p.close()
	return true
}

func (p *DelayProxy) accept() {
	defer p.wg.Done()
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.gate.pass() // a blackhole drops the connection's SYN: it waits
		server, err := net.Dial("tcp", p.backend)
		if err != nil {
			_ = client.Close()
			continue
		}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			_, _ = client.Close(), server.Close()
			return
		}
		p.conns = append(p.conns, client, server)
		p.mu.Unlock()
		p.wg.Add(2)
		go func() {
			defer p.wg.Done()
			forward(server, client, 0, &p.gate)
		}()
		go func() {
			defer p.wg.Done()
			forward(client, server, p.delay, &p.gate)
		}()
	}
}

// chunk is what one read from the server brought, and when it may go on.
type chunk struct {
	data []byte
	due  time.Time
}

// forward copies from src to dst, each read held back by delay and while
// g is shut, in order; it closes both ends when either fails.
func forward(dst, src net.Conn, delay time.Duration, g *gate) {
	defer func() { _ = dst.Close(); _ = src.Close() }()
	if delay == 0 {
		buf := make([]byte, 32<<10)
		for {
			n, err := src.Read(buf)
			if n > 0 {
				g.pass()
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
	done := make(chan struct{})
	defer close(done)
	go func() {
		defer close(queue)
		for {
			buf := make([]byte, 32<<10)
			n, err := src.Read(buf)
			if n > 0 {
				select {
				case queue <- chunk{data: buf[:n], due: time.Now().Add(delay)}:
				case <-done:
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	for c := range queue {
		time.Sleep(time.Until(c.due))
		g.pass()
		if _, err := dst.Write(c.data); err != nil {
			return
		}
	}
}

func (p *DelayProxy) close() {
	_ = p.ln.Close()
	p.mu.Lock()
	p.closed = true
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}
