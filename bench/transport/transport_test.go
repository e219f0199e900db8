package transport

import (
	"context"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/amrbench/amrbench/internal/benchtest"
)

func TestParseTransport(t *testing.T) {
	tests := []struct {
		in      string
		want    Transport
		wantErr bool
	}{
		{"", TransportAuto, false},
		{"auto", TransportAuto, false},
		{"std", TransportStd, false},
		{"raw", TransportRaw, !pollingSupported},
		{"fast", "", true},
		{"RAW", "", true},
	}
	for _, tt := range tests {
		got, err := ParseTransport(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseTransport(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
	if TransportStd.Raw() {
		t.Error("std makes raw system calls")
	}
	if TransportAuto.Raw() != pollingSupported || TransportRaw.Raw() != pollingSupported {
		t.Errorf("auto and raw: raw %v and %v, want %v on this platform", TransportAuto.Raw(), TransportRaw.Raw(), pollingSupported)
	}
}

// TestDialerChain checks what each transport puts under the lazy
// deadlines: Go's TCP connection for std, the raw one for auto, the polling
// one when the run's Waits may poll.
func TestDialerChain(t *testing.T) {
	if !pollingSupported {
		t.Skip("raw system calls are for Linux")
	}
	s := benchtest.StartServer(t)
	addr := net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
	tests := []struct {
		name  string
		opts  DialOptions
		check func(net.Conn) bool
	}{
		{"std", DialOptions{Transport: TransportStd, Waits: NewWaits(ReplyWaitPoll, false)}, func(c net.Conn) bool { _, ok := c.(*net.TCPConn); return ok }},
		{"auto, parking", DialOptions{Transport: TransportAuto}, func(c net.Conn) bool { _, ok := c.(*rawConn); return ok }},
		{"raw, polling", DialOptions{Transport: TransportRaw, Waits: NewWaits(ReplyWaitPoll, false)}, func(c net.Conn) bool { _, ok := c.(*pollConn); return ok }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Timeout = time.Second
			c, err := Dialer(tt.opts)(context.Background(), "tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			dc, ok := c.(*deadlineConn)
			if !ok || !tt.check(dc.Conn) {
				t.Fatalf("%s: chain %T over %T", tt.name, c, dc.Conn)
			}
			// And it carries a command.
			if _, err := c.Write([]byte("PING\r\n")); err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 16)
			_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
			if n, err := c.Read(buf); err != nil || string(buf[:n]) != "+PONG\r\n" {
				t.Fatalf("PING: %q, %v", buf[:n], err)
			}
		})
	}
}
