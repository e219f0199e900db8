package transport

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/binary"
	"io"
	"net"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/amrbench/amrbench/internal/benchtest"
)

// ping sends PING on c and reads the reply: over TLS 1.3 the server's
// session tickets come with it.
func ping(t *testing.T, c net.Conn) {
	t.Helper()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 16)
	if n, err := c.Read(buf); err != nil || string(buf[:n]) != "+PONG\r\n" {
		t.Fatalf("PING: %q, %v", buf[:n], err)
	}
}

// TestTLSConnectionsResumeTheFirstSession dials a TLS redis-server several
// times with one config, under each transport: the first connection
// verifies the certificate in a full handshake, the later ones resume its
// session.
func TestTLSConnectionsResumeTheFirstSession(t *testing.T) {
	s := benchtest.StartServer(t, benchtest.WithTLS("localhost", "127.0.0.1"))
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(s.TLSPort))
	for _, tr := range []Transport{TransportAuto, TransportStd} {
		t.Run(string(tr), func(t *testing.T) {
			cfg, err := TLSOptions{Enabled: true, CAPEM: s.Certs.CAPEM}.Config("localhost")
			if err != nil {
				t.Fatal(err)
			}
			dial := Dialer(DialOptions{Timeout: 5 * time.Second, TLS: cfg, Transport: tr})
			for i := range 3 {
				c, err := dial(context.Background(), "tcp", addr)
				if err != nil {
					t.Fatal(err)
				}
				ping(t, c)
				st := c.(*deadlineConn).Conn.(*tls.Conn).ConnectionState()
				_ = c.Close()
				if resumed := st.DidResume; resumed != (i > 0) {
					t.Fatalf("connection %d: resumed %v, want %v (TLS version %x)", i, resumed, i > 0, st.Version)
				}
				if len(st.PeerCertificates) == 0 || st.PeerCertificates[0].Subject.CommonName != "localhost" {
					t.Fatalf("connection %d: server certificate %v, want the one for localhost", i, st.PeerCertificates)
				}
			}
		})
	}
}

// recordCounter relays one connection and counts the TLS records the
// client sends (by their 5-byte headers) once counting is on.
type recordCounter struct {
	ln       net.Listener
	backend  string
	counting atomic.Bool
	records  atomic.Int64
}

func startRecordCounter(t *testing.T, backend string) *recordCounter {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rc := &recordCounter{ln: ln, backend: backend}
	t.Cleanup(func() { _ = ln.Close() })
	go rc.serve()
	return rc
}

func (rc *recordCounter) serve() {
	for {
		client, err := rc.ln.Accept()
		if err != nil {
			return
		}
		server, err := net.Dial("tcp", rc.backend)
		if err != nil {
			_ = client.Close()
			continue
		}
		go func() { _, _ = io.Copy(client, server); _ = client.Close() }()
		go func() {
			defer server.Close()
			r := bufio.NewReader(client)
			header := make([]byte, 5)
			for {
				if _, err := io.ReadFull(r, header); err != nil {
					return
				}
				if rc.counting.Load() {
					rc.records.Add(1)
				}
				body := make([]byte, binary.BigEndian.Uint16(header[3:]))
				if _, err := io.ReadFull(r, body); err != nil {
					return
				}
				if _, err := server.Write(append(header, body...)); err != nil {
					return
				}
			}
		}()
	}
}

// TestTLSSendsOneRecordPerPipeline sends pipelines of 16 commands through
// go-redis over TLS, under each transport, and counts the TLS records the
// server receives: one per pipeline, not one per command.
func TestTLSSendsOneRecordPerPipeline(t *testing.T) {
	s := benchtest.StartServer(t, benchtest.WithTLS("localhost", "127.0.0.1"))
	for _, tr := range []Transport{TransportAuto, TransportStd} {
		t.Run(string(tr), func(t *testing.T) {
			rc := startRecordCounter(t, net.JoinHostPort("127.0.0.1", strconv.Itoa(s.TLSPort)))
			cfg, err := TLSOptions{Enabled: true, CAPEM: s.Certs.CAPEM}.Config("localhost")
			if err != nil {
				t.Fatal(err)
			}
			client := redis.NewClient(&redis.Options{
				Addr:             rc.ln.Addr().String(),
				Protocol:         2,
				PoolSize:         1,
				PipelinePoolSize: -1, // pipelines on the one connection
				DisableIdentity:  true,
				WriteBufferSize:  4 << 10,
				ReadBufferSize:   4 << 10,
				Dialer:           Dialer(DialOptions{Timeout: 5 * time.Second, TLS: cfg, Transport: tr}),
			})
			defer client.Close()
			ctx := context.Background()
			if err := client.Ping(ctx).Err(); err != nil {
				t.Fatal(err)
			}
			const pipelines, depth = 50, 16
			rc.counting.Store(true)
			for i := range pipelines {
				p := client.Pipeline()
				for j := range depth {
					p.Set(ctx, "k"+strconv.Itoa(j), i, 0)
				}
				if _, err := p.Exec(ctx); err != nil {
					t.Fatal(err)
				}
			}
			if got := rc.records.Load(); got != pipelines {
				t.Fatalf("%d pipelines of %d SETs went out in %d TLS records, want one record each", pipelines, depth, got)
			}
		})
	}
}
