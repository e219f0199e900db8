package benchtest

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TokenProxy is a RESP proxy over TLS in front of a redis-server that
// enforces Entra ID tokens the way Azure Managed Redis does. A connection
// must authenticate with AUTH <user> <token> (or HELLO … AUTH <user>
// <token>) where the token is a JWT whose oid claim is the user and whose
// exp has not passed; the proxy remembers, for each connection, the expiry
// of the token it authenticated with last, and closes the connection when
// that expiry passes, unless a fresh AUTH came first. Before that, every
// command other than AUTH and HELLO is refused with NOAUTH.
//
// The proxy reads the token's claims and does not check any signature: the
// tests mint unsigned tokens with MintToken. It writes its own RESP parsing
// and shares no code with the client it tests.
type TokenProxy struct {
	// Host and Port are where the proxy accepts TLS connections; Certs are
	// its certificates, valid for localhost and 127.0.0.1.
	Host  string
	Port  int
	Certs *Certs

	backend string
	delay   time.Duration
	ln      net.Listener
	wg      sync.WaitGroup

	accepted      atomic.Int64
	closedExpired atomic.Int64
	rejected      atomic.Int64

	mu    sync.Mutex
	conns []*proxyConn
}

// ProxyOption configures a TokenProxy.
type ProxyOption func(*TokenProxy)

// WithDelay holds each batch of commands for d before forwarding it, like a
// network round trip; it keeps the load of a long test small.
func WithDelay(d time.Duration) ProxyOption { return func(p *TokenProxy) { p.delay = d } }

// WithProxyCerts makes the proxy use certs (valid for localhost and
// 127.0.0.1), so that several proxies share one CA.
func WithProxyCerts(certs *Certs) ProxyOption { return func(p *TokenProxy) { p.Certs = certs } }

// StartTokenProxy starts a proxy in front of backend's plain port and stops
// it when the test ends.
func StartTokenProxy(t testing.TB, backend *Server, opts ...ProxyOption) *TokenProxy {
	t.Helper()
	return StartTokenProxyAt(t, backend.Addr(), opts...)
}

// StartTokenProxyAt starts a proxy in front of the plain Redis listener at
// backend (host:port), such as a cluster node's, and stops it when the test
// ends.
func StartTokenProxyAt(t testing.TB, backend string, opts ...ProxyOption) *TokenProxy {
	t.Helper()
	p := &TokenProxy{Host: "127.0.0.1", backend: backend}
	for _, o := range opts {
		o(p)
	}
	if p.Certs == nil {
		p.Certs = NewCerts(t, "localhost", "127.0.0.1")
	}
	pair, err := tls.X509KeyPair(p.Certs.CertPEM, p.Certs.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	p.ln, err = tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12})
	if err != nil {
		t.Fatal(err)
	}
	p.Port = p.ln.Addr().(*net.TCPAddr).Port
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

// Addr returns host:port of the proxy.
func (p *TokenProxy) Addr() string { return net.JoinHostPort(p.Host, strconv.Itoa(p.Port)) }

// ProxyConnStats is what one client connection did at the proxy.
type ProxyConnStats struct {
	// Auths counts AUTH commands accepted, HelloAuths HELLO … AUTH accepted.
	Auths, HelloAuths int64
	// Rejected counts AUTH and HELLO … AUTH refused.
	Rejected int64
	// ClosedExpired is set when the proxy closed the connection because its
	// token expired.
	ClosedExpired bool
}

// ProxyStats is what the proxy saw.
type ProxyStats struct {
	// Accepted counts connections accepted (TLS or not).
	Accepted int64
	// ClosedExpired counts connections closed because their token expired.
	ClosedExpired int64
	// Rejected counts refused authentications.
	Rejected int64
	// Conns has one entry per accepted connection, in order of acceptance.
	Conns []ProxyConnStats
}

// Stats returns what the proxy has seen so far.
func (p *TokenProxy) Stats() ProxyStats {
	s := ProxyStats{Accepted: p.accepted.Load(), ClosedExpired: p.closedExpired.Load(), Rejected: p.rejected.Load()}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.mu.Lock()
		s.Conns = append(s.Conns, c.stats)
		c.mu.Unlock()
	}
	return s
}

// MintToken returns an unsigned JWT naming oid whose exp is expires, to the
// millisecond.
func MintToken(oid string, expires time.Time) string {
	enc := base64.RawURLEncoding.EncodeToString
	ms := expires.UnixMilli()
	payload := fmt.Sprintf(`{"aud":"https://redis.azure.com","oid":%q,"iat":%d,"exp":%d.%03d}`, oid, time.Now().Unix(), ms/1000, ms%1000)
	return enc([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc([]byte(payload)) + "."
}

func (p *TokenProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.accepted.Add(1)
		pc := &proxyConn{proxy: p, client: c}
		p.mu.Lock()
		p.conns = append(p.conns, pc)
		p.mu.Unlock()
		p.wg.Add(1)
		go pc.serve()
	}
}

func (p *TokenProxy) close() {
	_ = p.ln.Close()
	p.mu.Lock()
	conns := append([]*proxyConn(nil), p.conns...)
	p.mu.Unlock()
	for _, c := range conns {
		c.shut(false)
	}
	p.wg.Wait()
}

// proxyConn is one client connection and its connection to the backend.
type proxyConn struct {
	proxy   *TokenProxy
	client  net.Conn
	backend net.Conn

	mu      sync.Mutex
	expires time.Time // of the token last accepted; zero before any
	timer   *time.Timer
	closed  bool
	stats   ProxyConnStats
}

// Replies the proxy gives itself, as Redis words them.
var (
	replyOK       = []byte("+OK\r\n")
	replyWrongArg = []byte("-ERR wrong number of arguments for 'auth' command\r\n")
	replyNoAuth   = []byte("-NOAUTH Authentication required.\r\n")
	replyWrongPW  = []byte("-WRONGPASS invalid username-password pair or user is disabled.\r\n")
	replyHelloNo  = []byte("-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time\r\n")
)

func (c *proxyConn) serve() {
	defer c.proxy.wg.Done()
	backend, err := net.Dial("tcp", c.proxy.backend)
	if err != nil {
		_ = c.client.Close()
		return
	}
	c.mu.Lock()
	c.backend = backend
	closed := c.closed
	c.mu.Unlock()
	if closed {
		_ = backend.Close()
		return
	}
	// replies holds, in command order, either a reply the proxy gives
	// itself or nil for "the backend's next reply".
	replies := make(chan []byte, 4096)
	relayed := make(chan struct{})
	go func() {
		c.relay(replies)
		close(relayed)
	}()
	c.forward(replies)
	close(replies)
	<-relayed
	c.shut(false)
}

// forward reads the client's commands, answers AUTH itself and sends the
// rest to the backend.
func (c *proxyConn) forward(replies chan<- []byte) {
	cr := bufio.NewReaderSize(c.client, 64<<10)
	bw := bufio.NewWriterSize(c.backend, 64<<10)
	var cmd command
	for {
		if err := cmd.read(cr); err != nil {
			return
		}
		switch strings.ToUpper(string(cmd.arg(0))) {
		case "AUTH":
			if cmd.n() != 3 {
				if cmd.n() == 2 {
					c.reject()
					replies <- replyWrongPW // AMR wants the object ID as the user
				} else {
					replies <- replyWrongArg
				}
				break
			}
			if c.authenticate(cmd.arg(1), cmd.arg(2), false) {
				replies <- replyOK
			} else {
				replies <- replyWrongPW
			}
		case "HELLO":
			forward, reply := c.hello(&cmd)
			if reply != nil {
				replies <- reply
				break
			}
			if _, err := bw.Write(forward); err != nil {
				return
			}
			replies <- nil
		default:
			if reply, ok := c.admit(); !ok {
				if reply == nil { // expired: the connection is being closed
					return
				}
				replies <- reply
				break
			}
			if _, err := bw.Write(cmd.raw); err != nil {
				return
			}
			replies <- nil
		}
		if cr.Buffered() == 0 && bw.Buffered() > 0 {
			if c.proxy.delay > 0 {
				time.Sleep(c.proxy.delay)
			}
			if err := bw.Flush(); err != nil {
				return
			}
		}
	}
}

// relay writes the replies to the client in order, reading the backend's
// where the backend answers.
func (c *proxyConn) relay(replies <-chan []byte) {
	br := bufio.NewReaderSize(c.backend, 64<<10)
	cw := bufio.NewWriterSize(c.client, 64<<10)
	failed := false
	for r := range replies {
		if failed {
			continue // drain, so forward never blocks
		}
		var err error
		if r != nil {
			_, err = cw.Write(r)
		} else {
			err = copyReply(br, cw)
		}
		if err == nil && len(replies) == 0 {
			err = cw.Flush()
		}
		if err != nil {
			failed = true
			c.shut(false)
		}
	}
}

// hello handles HELLO [protover [AUTH user pass] [SETNAME name]]: it returns
// the command to forward without its AUTH, or the reply to give instead.
func (c *proxyConn) hello(cmd *command) (forward, reply []byte) {
	var user, token []byte
	args := [][]byte{[]byte("HELLO")}
	for i := 1; i < cmd.n(); i++ {
		if strings.EqualFold(string(cmd.arg(i)), "AUTH") && i+2 < cmd.n() {
			user, token = cmd.arg(i+1), cmd.arg(i+2)
			i += 2
			continue
		}
		args = append(args, cmd.arg(i))
	}
	switch {
	case token != nil:
		if !c.authenticate(user, token, true) {
			return nil, replyWrongPW
		}
	default:
		if reply, ok := c.admit(); !ok {
			if reply == nil {
				return nil, replyNoAuth
			}
			return nil, replyHelloNo
		}
	}
	return encodeCommand(args), nil
}

// authenticate checks a token and, if it is current and names user, makes
// it the connection's token.
func (c *proxyConn) authenticate(user, token []byte, hello bool) bool {
	oid, exp, err := tokenClaims(string(token))
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil || oid != string(user) || !now.Before(exp) || c.closed {
		c.stats.Rejected++
		c.proxy.rejected.Add(1)
		return false
	}
	if hello {
		c.stats.HelloAuths++
	} else {
		c.stats.Auths++
	}
	c.expires = exp
	if c.timer == nil {
		c.timer = time.AfterFunc(exp.Sub(now), c.expire)
	} else {
		c.timer.Reset(exp.Sub(now))
	}
	return true
}

func (c *proxyConn) reject() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stats.Rejected++
	c.proxy.rejected.Add(1)
}

// admit says whether a command may pass: ok, or the reply to refuse it
// with; a nil reply means the token has expired and the connection is
// closed.
func (c *proxyConn) admit() (reply []byte, ok bool) {
	c.mu.Lock()
	expires := c.expires
	c.mu.Unlock()
	switch {
	case expires.IsZero():
		return replyNoAuth, false
	case !time.Now().Before(expires):
		c.expire()
		return nil, false
	}
	return nil, true
}

// expire closes the connection if its token has expired; a token renewed in
// the meantime moves the timer instead.
func (c *proxyConn) expire() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	if left := time.Until(c.expires); left > 0 {
		c.timer.Reset(left)
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	c.shut(true)
}

// shut closes both sides once; expired says it is for an expired token.
func (c *proxyConn) shut(expired bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	c.closed = true
	if expired {
		c.stats.ClosedExpired = true
		c.proxy.closedExpired.Add(1)
	}
	if c.timer != nil {
		c.timer.Stop()
	}
	_ = c.client.Close()
	if c.backend != nil {
		_ = c.backend.Close()
	}
}

// tokenClaims reads the oid and exp claims of an unsigned JWT.
func tokenClaims(token string) (oid string, exp time.Time, err error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "", time.Time{}, errors.New("not a JWT")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", time.Time{}, err
	}
	var claims struct {
		OID string  `json:"oid"`
		Exp float64 `json:"exp"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		return "", time.Time{}, err
	}
	if claims.Exp <= 0 {
		return "", time.Time{}, errors.New("no exp")
	}
	sec, frac := math.Modf(claims.Exp)
	return claims.OID, time.Unix(int64(sec), int64(math.Round(frac*1e3))*1e6), nil
}

// command is one RESP command read from a client: its raw bytes and the
// offsets of its arguments in them.
type command struct {
	raw  []byte
	args [][2]int
}

func (c *command) n() int { return len(c.args) }

func (c *command) arg(i int) []byte {
	if i >= len(c.args) {
		return nil
	}
	return c.raw[c.args[i][0]:c.args[i][1]]
}

// read reads one command: an array of bulk strings.
func (c *command) read(r *bufio.Reader) error {
	c.raw, c.args = c.raw[:0], c.args[:0]
	line, err := c.line(r)
	if err != nil {
		return err
	}
	if line[0] != '*' {
		return errors.New("inline commands are not supported")
	}
	n, err := strconv.Atoi(string(line[1:]))
	if err != nil || n < 1 || n > 1<<20 {
		return fmt.Errorf("bad array header %q", line)
	}
	for range n {
		line, err := c.line(r)
		if err != nil {
			return err
		}
		if line[0] != '$' {
			return fmt.Errorf("bad bulk header %q", line)
		}
		size, err := strconv.Atoi(string(line[1:]))
		if err != nil || size < 0 || size > 512<<20 {
			return fmt.Errorf("bad bulk header %q", line)
		}
		start := len(c.raw)
		c.raw = slices.Grow(c.raw, size+2)[:start+size+2]
		if _, err := io.ReadFull(r, c.raw[start:]); err != nil {
			return err
		}
		c.args = append(c.args, [2]int{start, start + size})
	}
	return nil
}

// line appends one CRLF-terminated line to raw and returns it without CRLF.
func (c *command) line(r *bufio.Reader) ([]byte, error) {
	l, err := r.ReadSlice('\n')
	if err != nil {
		return nil, err
	}
	if len(l) < 3 || l[len(l)-2] != '\r' {
		return nil, fmt.Errorf("bad line %q", l)
	}
	c.raw = append(c.raw, l...)
	return l[:len(l)-2], nil
}

func encodeCommand(args [][]byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n", len(a))
		b.Write(a)
		b.WriteString("\r\n")
	}
	return b.Bytes()
}

// copyReply copies one RESP2 or RESP3 reply from r to w.
func copyReply(r *bufio.Reader, w *bufio.Writer) error {
	line, err := r.ReadSlice('\n')
	for errors.Is(err, bufio.ErrBufferFull) { // a long simple string or error
		if _, err := w.Write(line); err != nil {
			return err
		}
		line, err = r.ReadSlice('\n')
	}
	if err != nil {
		return err
	}
	if _, err := w.Write(line); err != nil {
		return err
	}
	if len(line) < 3 {
		return fmt.Errorf("bad reply line %q", line)
	}
	n, _ := strconv.Atoi(string(line[1 : len(line)-2]))
	switch line[0] {
	case '$', '!', '=': // bulk string, bulk error, verbatim string
		if n >= 0 {
			if _, err := io.CopyN(w, r, int64(n)+2); err != nil {
				return err
			}
		}
	case '*', '~', '>': // array, set, push
		for range max(n, 0) {
			if err := copyReply(r, w); err != nil {
				return err
			}
		}
	case '%': // map
		for range 2 * max(n, 0) {
			if err := copyReply(r, w); err != nil {
				return err
			}
		}
	case '|': // attributes, then the reply they describe
		for range 2 * max(n, 0) {
			if err := copyReply(r, w); err != nil {
				return err
			}
		}
		return copyReply(r, w)
	}
	return nil
}
