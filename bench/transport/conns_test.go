package transport

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"
)

func TestBackoffDoublesWithJitterAndResets(t *testing.T) {
	var b Backoff
	if d := b.Failed(); d != 0 {
		t.Fatalf("first attempt after a failure waits %s, want at once", d)
	}
	ceilings := []time.Duration{10, 20, 40, 80, 160, 320, 640, 1000, 1000, 1000}
	for i, c := range ceilings {
		ceiling := c * time.Millisecond
		d := b.Failed()
		if d < ceiling/2 || d > ceiling {
			t.Fatalf("failure %d: waits %s, want within [%s, %s]", i+2, d, ceiling/2, ceiling)
		}
	}
	if !b.Failing() {
		t.Fatal("not failing after failures")
	}
	b.Reset()
	if b.Failing() || b.Failed() != 0 {
		t.Fatal("a reset back-off does not start over")
	}
	// Jitter: connections that failed together do not retry together.
	seen := map[time.Duration]bool{}
	for range 20 {
		var c Backoff
		c.Failed()
		c.Failed()
		seen[c.Failed()] = true
	}
	if len(seen) < 5 {
		t.Fatalf("20 back-offs drew %d distinct waits", len(seen))
	}
}

// listener accepts connections on loopback and counts them, as a server's
// accepted-connections statistic does, and answers each with a byte.
type listener struct {
	net.Listener
	mu       sync.Mutex
	accepted int
}

func listen(t *testing.T) *listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := &listener{Listener: l}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			ln.mu.Lock()
			ln.accepted++
			ln.mu.Unlock()
			_, _ = c.Write([]byte("+"))
			t.Cleanup(func() { _ = c.Close() })
		}
	}()
	t.Cleanup(func() { _ = l.Close() })
	return ln
}

func (l *listener) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.accepted
}

// answered dials and reads the server's first byte.
func answered(t *testing.T, dial func(context.Context, string, string) (net.Conn, error), addr string) net.Conn {
	t.Helper()
	c, err := dial(context.Background(), "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Read(make([]byte, 1)); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestConnsCountReopensAndReachability dials a real listener through the
// Dialer: the connections opened first raise the high-water mark, those
// opened in place of closed ones are reopens once the server answers, as
// many as the listener accepted; a refused dial with none open makes the
// address unreachable, and the next dial that succeeds reachable again.
func TestConnsCountReopensAndReachability(t *testing.T) {
	ln := listen(t)
	addr := ln.Addr().String()
	conns := NewConns()
	type change struct {
		addr      string
		reachable bool
	}
	var changes []change
	conns.Notify(func(a string, reachable bool, err error) {
		if !reachable && err == nil {
			t.Error("unreachable without the dial's error")
		}
		changes = append(changes, change{a, reachable})
	})
	dial := Dialer(DialOptions{Timeout: time.Second, Conns: conns})
	ctx := context.Background()
	var open []net.Conn
	for range 3 {
		open = append(open, answered(t, dial, addr))
	}
	if conns.Reopened() != 0 || conns.Open() != 3 {
		t.Fatalf("after opening 3: %d reopened, %d open", conns.Reopened(), conns.Open())
	}
	// Two are lost and replaced; closing one twice counts once.
	_ = open[0].Close()
	_ = open[0].Close()
	_ = open[1].Close()
	for i := range 2 {
		open[i] = answered(t, dial, addr)
	}
	if conns.Reopened() != 2 || conns.Open() != 3 {
		t.Fatalf("after replacing 2: %d reopened, %d open", conns.Reopened(), conns.Open())
	}
	deadline := time.Now().Add(5 * time.Second)
	for ln.count() != 5 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if ln.count() != 5 {
		t.Fatalf("the listener accepted %d, want 5", ln.count())
	}

	// The server goes away: a refused dial while a connection is open
	// says nothing; once none is, the address is unreachable, once.
	_ = ln.Close()
	if _, err := dial(ctx, "tcp", addr); err == nil {
		t.Fatal("dial to a closed listener succeeded")
	}
	if len(changes) != 0 {
		t.Fatalf("unreachable with connections open: %v", changes)
	}
	for _, c := range open {
		_ = c.Close()
	}
	for range 2 {
		if _, err := dial(ctx, "tcp", addr); err == nil {
			t.Fatal("dial to a closed listener succeeded")
		}
	}
	if len(changes) != 1 || changes[0] != (change{addr, false}) {
		t.Fatalf("changes %v, want one unreachable", changes)
	}

	// It comes back on the same port: reachable, and a reopen.
	l2, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("the port was taken meanwhile: %v", err)
	}
	defer l2.Close()
	// Its kernel completes the connect, but the server never answers (a
	// server dying, or not yet serving): not a reopen.
	c, err := dial(ctx, "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 2 || changes[1] != (change{addr, true}) || conns.Reopened() != 2 {
		t.Fatalf("changes %v, %d reopened; want reachable again, still 2 reopened", changes, conns.Reopened())
	}
	_ = c.Close()
	go func() {
		for { // the first accepted is the one closed unanswered
			s, err := l2.Accept()
			if err != nil {
				return
			}
			_, _ = s.Write([]byte("+"))
			t.Cleanup(func() { _ = s.Close() })
		}
	}()
	c = answered(t, dial, addr)
	defer c.Close()
	if conns.Reopened() != 3 {
		t.Fatalf("%d reopened once the server answered, want 3", conns.Reopened())
	}
}

// TestHandoffIsTakenByTheNextDial leaves a connection dialled ahead for the
// next dial to its address, which takes it and dials nothing.
func TestHandoffIsTakenByTheNextDial(t *testing.T) {
	ln := listen(t)
	addr := ln.Addr().String()
	conns := NewConns()
	dial := Dialer(DialOptions{Timeout: time.Second, Conns: conns})
	ahead, err := dial(context.Background(), "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	conns.Handoff(addr, ahead)
	got, err := dial(context.Background(), "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	if got != ahead || conns.Open() != 1 {
		t.Fatalf("the dial took %v (open %d), want the connection left", got, conns.Open())
	}
	other, err := dial(context.Background(), "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	if other == ahead || conns.Open() != 2 {
		t.Fatal("a handed-off connection was given twice")
	}
	conns.Handoff(addr, other)
	conns.CloseHandoffs()
	if conns.Open() != 1 {
		t.Fatalf("%d open after the handoffs were closed, want 1", conns.Open())
	}
	_ = got.Close()
}
