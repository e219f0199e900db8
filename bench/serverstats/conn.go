package serverstats

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"
)

// A Dialer opens a connection to addr ("host:port"): TCP, or TLS with the
// load's configuration.
type Dialer func(ctx context.Context, addr string) (net.Conn, error)

// Credentials returns the user name and password a new connection
// authenticates with (AUTH); an empty password means no AUTH. With Entra ID
// it returns the object ID and a current token, so a connection the server
// closed when its token expired is reopened with a fresh one.
type Credentials func(ctx context.Context) (username, password string, err error)

// maxReply bounds a reply the sampler accepts: an INFO or CLUSTER NODES of
// the largest cluster is far smaller.
const maxReply = 64 << 20

// conn is the sampler's connection to one server. It speaks RESP2 and sends
// nothing but AUTH, INFO, CLUSTER NODES and PING: no HELLO, CLIENT SETNAME or
// CLIENT SETINFO, which proxies such as twemproxy answer by closing the
// connection.
type conn struct {
	c net.Conn
	r *bufio.Reader
	// password is the one the connection authenticated with.
	password string
}

// replyError is an error reply ("-NOPERM ...").
type replyError struct{ msg string }

func (e *replyError) Error() string { return e.msg }

// dial opens a connection to addr and authenticates it.
func dial(ctx context.Context, addr string, d Dialer, creds Credentials, timeout time.Duration) (*conn, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if d == nil {
		d = tcpDialer
	}
	nc, err := d(ctx, addr)
	if err != nil {
		return nil, err
	}
	c := &conn{c: nc, r: bufio.NewReaderSize(nc, 16<<10)}
	if err := c.authenticate(ctx, creds, timeout); err != nil {
		c.close()
		return nil, err
	}
	return c, nil
}

// authenticate sends AUTH with the current credentials, unless they are
// those the connection already holds: a connection kept across Entra ID
// tokens gets each new one before its old one expires and the server
// closes it. Errors never hold the password.
func (c *conn) authenticate(ctx context.Context, creds Credentials, timeout time.Duration) error {
	if creds == nil {
		return nil
	}
	user, password, err := creds(ctx)
	if err != nil {
		return fmt.Errorf("credentials: %w", err)
	}
	if password == "" || password == c.password {
		return nil
	}
	args := []string{"AUTH", password}
	if user != "" {
		args = []string{"AUTH", user, password}
	}
	if _, err := c.do(time.Now().Add(timeout), args...); err != nil {
		var re *replyError
		if errors.As(err, &re) {
			return fmt.Errorf("AUTH refused: %s", firstLine(re.msg))
		}
		return fmt.Errorf("AUTH: %w", err)
	}
	c.password = password
	return nil
}

func tcpDialer(ctx context.Context, addr string) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, "tcp", addr)
}

func (c *conn) close() { _ = c.c.Close() }

// do sends one command and returns its reply as text: a bulk or simple
// string, or an integer's digits. An error reply is a *replyError.
func (c *conn) do(deadline time.Time, args ...string) (string, error) {
	if err := c.c.SetDeadline(deadline); err != nil {
		return "", err
	}
	buf := make([]byte, 0, 64)
	buf = append(buf, '*')
	buf = strconv.AppendInt(buf, int64(len(args)), 10)
	buf = append(buf, '\r', '\n')
	for _, a := range args {
		buf = append(buf, '$')
		buf = strconv.AppendInt(buf, int64(len(a)), 10)
		buf = append(buf, '\r', '\n')
		buf = append(buf, a...)
		buf = append(buf, '\r', '\n')
	}
	if _, err := c.c.Write(buf); err != nil {
		return "", err
	}
	return c.reply()
}

// reply reads one RESP2 reply.
func (c *conn) reply() (string, error) {
	line, err := c.line()
	if err != nil {
		return "", err
	}
	if line == "" {
		return "", errors.New("empty reply line")
	}
	switch line[0] {
	case '+', ':':
		return line[1:], nil
	case '-':
		return "", &replyError{line[1:]}
	case '$':
		n, err := strconv.Atoi(line[1:])
		switch {
		case err != nil:
			return "", fmt.Errorf("bad bulk length %q", line)
		case n < 0:
			return "", nil
		case n > maxReply:
			return "", fmt.Errorf("a reply of %d bytes", n)
		}
		body := make([]byte, n+2)
		if _, err := io.ReadFull(c.r, body); err != nil {
			return "", err
		}
		return string(body[:n]), nil
	case '*':
		n, err := strconv.Atoi(line[1:])
		if err != nil {
			return "", fmt.Errorf("bad array length %q", line)
		}
		for range n { // not a reply the sampler asks for: read past it
			if _, err := c.reply(); err != nil {
				var re *replyError
				if !errors.As(err, &re) {
					return "", err
				}
			}
		}
		return "", fmt.Errorf("an array reply where text was expected")
	}
	return "", fmt.Errorf("unexpected reply %q", line)
}

func (c *conn) line() (string, error) {
	b, err := c.r.ReadSlice('\n')
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) {
			return "", errors.New("a reply line too long")
		}
		return "", err
	}
	if len(b) < 2 || b[len(b)-2] != '\r' {
		return "", fmt.Errorf("a reply line without CRLF: %q", b)
	}
	return string(b[:len(b)-2]), nil
}
