package transport

import (
	"bufio"
	"context"
	"net"
	"strings"
	"testing"
)

func TestIsHello(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want bool
	}{
		{"*4\r\n$5\r\nhello\r\n$1\r\n2\r\n", true},
		{"*1\r\n$5\r\nHELLO\r\n", true},
		{"*2\r\n$3\r\nGET\r\n$5\r\nhello\r\n", false},
		{"*1\r\n$4\r\nPING\r\n", false},
		{"PING\r\n", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := isHello([]byte(tt.in)); got != tt.want {
			t.Errorf("isHello(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// TestWithoutHello dials a listener through WithoutHello: the first HELLO
// is answered on the spot and never reaches the other end; what follows
// does, and its reply comes back.
func TestWithoutHello(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	got := make(chan string, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			got <- err.Error()
			return
		}
		defer c.Close()
		line, _ := bufio.NewReader(c).ReadString('\n')
		got <- line
		_, _ = c.Write([]byte("+PONG\r\n"))
	}()
	var d net.Dialer
	c, err := WithoutHello(d.DialContext)(context.Background(), "tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("*2\r\n$5\r\nHELLO\r\n$1\r\n2\r\n")); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(c)
	reply, err := r.ReadString('\n')
	if err != nil || !strings.HasPrefix(reply, "-ERR unknown command 'HELLO'") {
		t.Fatalf("HELLO answered %q, %v", reply, err)
	}
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		t.Fatal(err)
	}
	if first := <-got; first != "PING\r\n" {
		t.Fatalf("the other end first read %q, want PING (HELLO must not reach it)", first)
	}
	if reply, err := r.ReadString('\n'); err != nil || reply != "+PONG\r\n" {
		t.Fatalf("PING answered %q, %v", reply, err)
	}
}
