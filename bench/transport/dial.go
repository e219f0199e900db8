package transport

import (
	"context"
	"crypto/tls"
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
}

// Dialer returns a dial function for go-redis. Its chain: TCP, with raw
// reads and writes where the platform has them (rawConn) or polling ones
// (pollConn) while o.Waits say so, unless o.Transport is std; TLS over it;
// and deadlines moved lazily on top (deadlineConn).
func Dialer(o DialOptions) func(ctx context.Context, network, addr string) (net.Conn, error) {
	timeout, tlsConfig, w, slack, raw := o.Timeout, o.TLS, o.Waits, o.DeadlineSlack, o.Transport.Raw()
	nd := &net.Dialer{
		Timeout:         timeout,
		KeepAliveConfig: net.KeepAliveConfig{Enable: true, Idle: 30 * time.Second, Interval: 5 * time.Second, Count: 3},
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := nd.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
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
				return nil, err
			}
		}
		return &deadlineConn{Conn: c, slack: slack}, nil
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
