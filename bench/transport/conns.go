package transport

import (
	"net"
	"sync"
	"sync/atomic"
)

// Conns keeps count of the connections a Dialer opens and closes, so that a
// run can say how many the server accepted to replace lost ones, and when
// an endpoint (or a shard) became unreachable and reachable again.
//
// A connection opened while fewer were open than the most ever open at once
// replaces one that was lost: a reopen, counted when the server first
// answers on it. Every connection a run opens before its load (and any it
// opens to grow, as pools that dial on demand do) raises that high-water
// mark instead. So Reopened counts the connections the server accepted for
// the ones lost, whoever dialled them: a worker, a pool, or a pool's probe
// of a failed node. (A connect that the kernel of a dying server completes,
// but no server ever answers, is not one.)
//
// An address is unreachable from a failed dial to it while no connection to
// it is open, until a dial to it succeeds.
type Conns struct {
	mu       sync.Mutex
	open     int
	most     int
	addrs    map[string]*addrConns
	notify   func(addr string, reachable bool, err error)
	reopened atomic.Int64
}

type addrConns struct {
	open  int
	down  bool
	ready []net.Conn // left by Handoff
}

// NewConns returns an empty count.
func NewConns() *Conns { return &Conns{addrs: map[string]*addrConns{}} }

// Notify sets the function told when an address becomes unreachable
// (reachable false, with the dial's error) or reachable again. It is called
// from the goroutine that dialled, outside any lock.
func (c *Conns) Notify(fn func(addr string, reachable bool, err error)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.notify = fn
}

// Reopened returns the number of connections opened to replace lost ones.
func (c *Conns) Reopened() int64 { return c.reopened.Load() }

// Open returns the number of connections open.
func (c *Conns) Open() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.open
}

func (c *Conns) addr(a string) *addrConns {
	s := c.addrs[a]
	if s == nil {
		s = &addrConns{}
		c.addrs[a] = s
	}
	return s
}

// opened counts a connection to addr that the server accepted, and
// reports whether it replaces one lost (countReopen counts it when the
// server answers).
func (c *Conns) opened(addr string) (replaces bool) {
	c.mu.Lock()
	c.open++
	if c.open > c.most {
		c.most = c.open
	} else {
		replaces = true
	}
	s := c.addr(addr)
	s.open++
	back := s.down
	s.down = false
	notify := c.notify
	c.mu.Unlock()
	if back && notify != nil {
		notify(addr, true, nil)
	}
	return replaces
}

// countReopen counts a connection that replaced a lost one and that the
// server has answered on.
func (c *Conns) countReopen() { c.reopened.Add(1) }

// closed counts a connection to addr closed.
func (c *Conns) closed(addr string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.open--
	c.addr(addr).open--
}

// failed counts a failed dial to addr.
func (c *Conns) failed(addr string, err error) {
	c.mu.Lock()
	s := c.addr(addr)
	lost := !s.down && s.open <= 0
	if lost {
		s.down = true
	}
	notify := c.notify
	c.mu.Unlock()
	if lost && notify != nil {
		notify(addr, false, err)
	}
}

// Handoff leaves c, a connection to addr dialled ahead of time, for the
// next dial to addr, which takes it instead of dialling. A worker that
// reconnects dials itself, with its own back-off, and then asks the client
// library's pool for a connection: the pool, which would retry a refused
// dial at once and then probe on its own, only takes the one dialled. (The
// pool dials in a goroutine of its own, so the connection cannot travel in
// a context; connections to one address are alike, so whichever dial to it
// comes next may take it.)
func (c *Conns) Handoff(addr string, conn net.Conn) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.addr(addr).ready = append(c.addr(addr).ready, conn)
}

// takeHandoff returns a connection to addr left by Handoff, or nil.
func (c *Conns) takeHandoff(addr string) net.Conn {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.addrs[addr]
	if s == nil || len(s.ready) == 0 {
		return nil
	}
	conn := s.ready[0]
	s.ready = s.ready[1:]
	return conn
}

// CloseHandoffs closes the connections left by Handoff that no dial took.
func (c *Conns) CloseHandoffs() {
	c.mu.Lock()
	var left []net.Conn
	for _, s := range c.addrs {
		left = append(left, s.ready...)
		s.ready = nil
	}
	c.mu.Unlock()
	for _, conn := range left {
		_ = conn.Close()
	}
}
