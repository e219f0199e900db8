package transport

import (
	"bytes"
	"context"
	"net"
)

// helloReply is what a connection that skips HELLO reads in its place: the
// error a server that does not know the command answers, so that go-redis
// goes on in RESP2 (AUTH where there is a password, then the rest of its
// setup) as it does against such a server.
const helloReply = "-ERR unknown command 'HELLO' (not sent: this endpoint closes the connection on commands it does not support)\r\n"

// WithoutHello wraps a dial function so that its connections never send
// HELLO, the command go-redis opens every connection with. Some proxies
// (twemproxy among them) close the connection on a command they do not
// support, and go-redis takes a closed connection during HELLO for a failed
// dial; it takes an error reply for a server without HELLO. The first write
// of each connection, if it is HELLO, is answered on the spot with that
// reply and never reaches the endpoint; everything after goes through.
func WithoutHello(dial func(ctx context.Context, network, addr string) (net.Conn, error)) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &helloConn{Conn: c}, nil
	}
}

// helloConn answers a first HELLO itself.
type helloConn struct {
	net.Conn
	wrote   bool
	pending []byte
}

func (c *helloConn) Write(p []byte) (int, error) {
	if !c.wrote {
		c.wrote = true
		if isHello(p) {
			c.pending = []byte(helloReply)
			return len(p), nil
		}
	}
	return c.Conn.Write(p)
}

func (c *helloConn) Read(p []byte) (int, error) {
	if len(c.pending) > 0 {
		n := copy(p, c.pending)
		c.pending = c.pending[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

// isHello reports whether p is one RESP command whose name is HELLO:
// "*<n>\r\n$5\r\nHELLO\r\n...".
func isHello(p []byte) bool {
	if len(p) == 0 || p[0] != '*' {
		return false
	}
	i := bytes.Index(p, []byte("\r\n"))
	if i < 0 {
		return false
	}
	rest := p[i+2:]
	const name = "$5\r\nHELLO\r\n"
	return len(rest) >= len(name) && bytes.EqualFold(rest[:len(name)], []byte(name))
}
