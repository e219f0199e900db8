package transport

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"time"
)

// SpeaksTLS reports whether the server at addr answers a TLS handshake as a
// TLS server does: it completes it, or refuses it with a TLS alert (a
// client certificate it wants, a version it does not take). It verifies
// nothing and sends nothing after the handshake: it only tells a client
// that spoke plain RESP to a TLS port what the port wanted.
func SpeaksTLS(ctx context.Context, addr string, timeout time.Duration) bool {
	return probe(ctx, addr, timeout, func(ctx context.Context, c net.Conn) bool {
		host, _, _ := net.SplitHostPort(addr)
		tc := tls.Client(c, &tls.Config{ServerName: host, InsecureSkipVerify: true}) //nolint:gosec // a probe of the protocol: nothing is sent over it
		err := tc.HandshakeContext(ctx)
		var opErr *net.OpError
		return err == nil || errors.As(err, &opErr) && opErr.Op == "remote error" // crypto/tls's name for an alert the server sent
	})
}

// SpeaksPlainRESP reports whether the server at addr answers an inline PING
// in plain text with a RESP status or error reply (+PONG, -NOAUTH, -DENIED
// …): a Redis port without TLS. It tells a client whose TLS handshake got
// no answer — Redis reads a ClientHello as the start of an inline command
// and waits for its end — why, without waiting for the connect timeout.
func SpeaksPlainRESP(ctx context.Context, addr string, timeout time.Duration) bool {
	return probe(ctx, addr, timeout, func(_ context.Context, c net.Conn) bool {
		if _, err := c.Write([]byte("PING\r\n")); err != nil {
			return false
		}
		var first [1]byte
		if _, err := c.Read(first[:]); err != nil {
			return false
		}
		return first[0] == '+' || first[0] == '-'
	})
}

// probe opens a plain TCP connection to addr and asks it what ask does,
// the whole within timeout; false when it cannot connect.
func probe(ctx context.Context, addr string, timeout time.Duration, ask func(context.Context, net.Conn) bool) bool {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return false
	}
	defer c.Close()
	if deadline, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(deadline)
	}
	return ask(ctx, c)
}
