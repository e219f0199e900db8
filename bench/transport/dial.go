package transport

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"time"
)

// DialOptions configure a Dialer.
type DialOptions struct {
	// Timeout bounds the dial and the TLS handshake.
	Timeout time.Duration
	// TLS, when set, runs TLS over the connection.
	TLS *tls.Config
	// Waits says how the connections wait for replies; nil: they park.
	// It is ignored when Transport is std.
	Waits *Waits
	// Transport chooses raw system calls or Go's net.Conn; empty is auto.
	Transport Transport
	// DeadlineSlack is how far a deadline in force may be earlier than the
	// one asked for before it is moved (see deadlineConn).
	DeadlineSlack time.Duration
	// Conns, when set, counts the connections dialled and closed, and the
	// failed dials.
	Conns *Conns
}

// Dialer returns a dial function for go-redis. Its chain: TCP, with raw
// reads and writes where the platform has them (rawConn) or polling ones
// (pollConn) while o.Waits say so, unless o.Transport is std; TLS over it;
// and deadlines moved lazily on top (deadlineConn). A dial to an address
// that o.Conns holds a connection for (Conns.Handoff) takes it, and dials
// nothing.
func Dialer(o DialOptions) func(ctx context.Context, network, addr string) (net.Conn, error) {
	timeout, tlsConfig, w, slack, conns, raw := o.Timeout, o.TLS, o.Waits, o.DeadlineSlack, o.Conns, o.Transport.Raw()
	nd := &net.Dialer{
		Timeout:         timeout,
		KeepAliveConfig: net.KeepAliveConfig{Enable: true, Idle: 30 * time.Second, Interval: 5 * time.Second, Count: 3},
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		if conns != nil {
			if c := conns.takeHandoff(addr); c != nil {
				return c, nil
			}
		}
		c, err := nd.DialContext(ctx, network, addr)
		if err != nil {
			if conns != nil && !errors.Is(ctx.Err(), context.Canceled) { // not a dial given up
				conns.failed(addr, err)
			}
			return nil, err
		}
		dc := &deadlineConn{slack: slack, conns: conns, addr: addr}
		if conns != nil {
			dc.reopen.Store(conns.opened(addr))
		}
		switch {
		case !raw: // Go's net.Conn as it is
		case w != nil:
			c = newPollConn(c, w)
		default:
			c = rawIO(c)
		}
		if tlsConfig != nil {
			if c, err = handshake(ctx, c, addr, tlsConfig, timeout); err != nil {
				if conns != nil {
					conns.closed(addr) // handshake closed it
				}
				return nil, err
			}
		}
		dc.Conn = c
		return dc, nil
	}
}

// handshake runs the TLS client handshake over c within timeout; it closes c
// when the handshake fails.
func handshake(ctx context.Context, c net.Conn, addr string, cfg *tls.Config, timeout time.Duration) (net.Conn, error) {
	if cfg.ServerName == "" {
		host, _, _ := net.SplitHostPort(addr)
		cfg = cfg.Clone()
		cfg.ServerName = host
	}
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	tc := tls.Client(c, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		_ = c.Close()
		return nil, err
	}
	return tc, nil
}
