//go:build linux

package transport

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"
)

// rawPair returns a rawConn dialled to a loopback listener, and the
// listener's end of the connection.
func rawPair(t *testing.T) (*rawConn, *net.TCPConn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	peer, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	rc := newRawConn(c)
	if rc == nil {
		t.Fatal("newRawConn refused a TCP connection")
	}
	t.Cleanup(func() { rc.Close(); peer.Close() })
	return rc, peer.(*net.TCPConn)
}

// TestRawConnReadsAndWrites sends both ways and reads in pieces smaller than
// what came in: nothing is lost or repeated.
func TestRawConnReadsAndWrites(t *testing.T) {
	rc, peer := rawPair(t)
	if n, err := rc.Write([]byte("PING\r\n")); n != 6 || err != nil {
		t.Fatalf("Write: %d, %v; want 6, nil", n, err)
	}
	got := make([]byte, 6)
	if _, err := io.ReadFull(peer, got); err != nil || string(got) != "PING\r\n" {
		t.Fatalf("the peer read %q, %v; want PING", got, err)
	}
	if _, err := peer.Write([]byte("+PONG\r\n")); err != nil {
		t.Fatal(err)
	}
	var all []byte
	buf := make([]byte, 3)
	for len(all) < 7 {
		n, err := rc.Read(buf)
		if err != nil {
			t.Fatalf("Read after %q: %v", all, err)
		}
		all = append(all, buf[:n]...)
	}
	if string(all) != "+PONG\r\n" {
		t.Fatalf("read %q, want +PONG", all)
	}
	if n, err := rc.Read(nil); n != 0 || err != nil {
		t.Fatalf("an empty read: %d, %v; want 0, nil", n, err)
	}
}

// TestRawConnWriteWaitsForRoom writes far more than the socket buffers hold
// to a peer that starts reading late: the write waits for room and sends
// every byte, in order.
func TestRawConnWriteWaitsForRoom(t *testing.T) {
	rc, peer := rawPair(t)
	want := make([]byte, 16<<20)
	for i := range want {
		want[i] = byte(i * 7)
	}
	got := make(chan []byte, 1)
	go func() {
		time.Sleep(100 * time.Millisecond) // the writer fills the buffers and waits
		b, _ := io.ReadAll(peer)
		got <- b
	}()
	_ = rc.SetWriteDeadline(time.Now().Add(10 * time.Second)) // a write that stops making progress fails
	if n, err := rc.Write(want); n != len(want) || err != nil {
		t.Fatalf("Write: %d, %v; want %d, nil", n, err, len(want))
	}
	_ = rc.Conn.(*net.TCPConn).CloseWrite()
	if b := <-got; !bytes.Equal(b, want) {
		t.Fatalf("the peer read %d bytes, not the %d written", len(b), len(want))
	}
}

// TestConnConcurrentWrites writes from several goroutines at once, through a
// raw connection and through one that polls: each write arrives whole, none
// mixed into another.
func TestConnConcurrentWrites(t *testing.T) {
	tests := []struct {
		name string
		wrap func(rc *rawConn) net.Conn
	}{
		{"raw", func(rc *rawConn) net.Conn { return rc }},
		{"polling", func(rc *rawConn) net.Conn {
			return &pollConn{rawConn: rc, waits: NewWaits(ReplyWaitPoll, false)}
		}},
	}
	const writers, size = 4, 1 << 20
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc, peer := rawPair(t)
			c := tt.wrap(rc)
			got := make(chan []byte, 1)
			go func() {
				time.Sleep(50 * time.Millisecond) // the writers fill the buffers and wait
				b, _ := io.ReadAll(peer)
				got <- b
			}()
			_ = c.SetWriteDeadline(time.Now().Add(10 * time.Second))
			errs := make(chan error, writers)
			for w := range writers {
				go func() {
					n, err := c.Write(bytes.Repeat([]byte{byte('a' + w)}, size))
					if err == nil && n != size {
						err = io.ErrShortWrite
					}
					errs <- err
				}()
			}
			for range writers {
				if err := <-errs; err != nil {
					t.Fatalf("Write: %v", err)
				}
			}
			_ = rc.Conn.(*net.TCPConn).CloseWrite()
			b := <-got
			if len(b) != writers*size {
				t.Fatalf("the peer read %d bytes, want %d", len(b), writers*size)
			}
			seen := map[byte]bool{}
			for i := 0; i < len(b); i += size {
				block := b[i : i+size]
				if seen[block[0]] || !bytes.Equal(block, bytes.Repeat(block[:1], size)) {
					t.Fatalf("the write at byte %d is not one writer's whole write", i)
				}
				seen[block[0]] = true
			}
		})
	}
}

// TestRawConnErrors checks that a raw connection fails as a plain one does:
// the same errors, named "read" or "write", for a deadline, the peer's
// close, a reset and a closed connection.
func TestRawConnErrors(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(rc *rawConn, peer *net.TCPConn)
		write  bool // the call is a Write of 64 MB, else a Read
		wantOp string
		want   error
	}{
		{"read deadline", func(rc *rawConn, _ *net.TCPConn) {
			_ = rc.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		}, false, "read", os.ErrDeadlineExceeded},
		{"write deadline", func(rc *rawConn, _ *net.TCPConn) {
			_ = rc.SetWriteDeadline(time.Now().Add(50 * time.Millisecond)) // the peer never reads
		}, true, "write", os.ErrDeadlineExceeded},
		{"peer closed", func(_ *rawConn, peer *net.TCPConn) { peer.Close() }, false, "", io.EOF},
		{"reset", func(_ *rawConn, peer *net.TCPConn) {
			_ = peer.SetLinger(0) // close with a reset
			peer.Close()
		}, false, "read", syscall.ECONNRESET},
		{"closed", func(rc *rawConn, _ *net.TCPConn) { rc.Close() }, false, "read", net.ErrClosed},
	}
	big := make([]byte, 64<<20) // made before any deadline runs
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc, peer := rawPair(t)
			tt.setup(rc, peer)
			var n int
			var err error
			start := time.Now()
			if tt.write {
				n, err = rc.Write(big)
			} else {
				n, err = rc.Read(make([]byte, 16))
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %d, %v; want %v", n, err, tt.want)
			}
			if el := time.Since(start); el > 2*time.Second {
				t.Fatalf("failed after %v", el)
			}
			if tt.write {
				// What the write reports sent is what the peer gets.
				rc.Close()
				_ = peer.SetReadDeadline(time.Now().Add(10 * time.Second))
				if got, _ := io.Copy(io.Discard, peer); got != int64(n) {
					t.Errorf("a write past its deadline reported %d bytes sent; the peer read %d", n, got)
				}
			}
			if tt.wantOp == "" {
				return
			}
			var oe *net.OpError
			if !errors.As(err, &oe) || oe.Op != tt.wantOp {
				t.Errorf("error %v (%T): want a net.OpError named %q", err, err, tt.wantOp)
			}
			if tt.want == os.ErrDeadlineExceeded {
				if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
					t.Errorf("error %v is not a timeout", err)
				}
			}
		})
	}
}

// TestRawConnTryRead checks the polls: nothing in is "again", not an error;
// what came in is read; a closed peer is io.EOF.
func TestRawConnTryRead(t *testing.T) {
	rc, peer := rawPair(t)
	buf := make([]byte, 16)
	if n, again, err := rc.tryRead(buf); n != 0 || !again || err != nil {
		t.Fatalf("a poll with nothing in: %d, %v, %v; want 0, again, nil", n, again, err)
	}
	if _, err := peer.Write([]byte("+OK\r\n")); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		n, again, err := rc.tryRead(buf)
		if err != nil {
			t.Fatal(err)
		}
		if !again {
			if string(buf[:n]) != "+OK\r\n" {
				t.Fatalf("polled %q, want +OK", buf[:n])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the reply never came in")
		}
	}
	peer.Close()
	for {
		_, again, err := rc.tryRead(buf)
		if !again {
			if err != io.EOF {
				t.Fatalf("a poll after the peer closed: %v, want EOF", err)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the close never came in")
		}
	}
}
