package failure

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"testing"

	"github.com/amrbench/amrbench/results"
)

// TestClassifyReply checks the class of each error reply the server sends,
// by its prefix, and of the messages that name a wrong password.
func TestClassifyReply(t *testing.T) {
	tests := []struct {
		msg  string
		want results.ErrorClass
	}{
		{"MOVED 3999 127.0.0.1:6381", results.ErrMoved},
		{"ASK 3999 127.0.0.1:6381", results.ErrAsk},
		{"TRYAGAIN Multiple keys request during rehashing of slot", results.ErrTryAgain},
		{"CLUSTERDOWN The cluster is down", results.ErrClusterDown},
		{"OOM command not allowed when used memory > 'maxmemory'.", results.ErrOOM},
		{"NOAUTH Authentication required.", results.ErrAuth},
		{"WRONGPASS invalid username-password pair or user is disabled.", results.ErrAuth},
		{"ERR invalid password", results.ErrAuth},
		{"NOPERM this user has no permissions to run the 'set' command", results.ErrNoPerm},
		{"ERR unknown command 'FOO'", results.ErrOther},
		{"", results.ErrOther},
	}
	for _, tt := range tests {
		if got := ClassifyReply(tt.msg); got != tt.want {
			t.Errorf("ClassifyReply(%q) = %q, want %q", tt.msg, got, tt.want)
		}
	}
}

// TestClassify checks the client-side failures: a timeout, and everything
// else that stops a command as a lost connection.
func TestClassify(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want results.ErrorClass
	}{
		{"deadline", fmt.Errorf("read: %w", context.DeadlineExceeded), results.ErrTimeout},
		{"net timeout", &net.OpError{Op: "read", Net: "tcp", Err: timeoutError{}}, results.ErrTimeout},
		{"end of stream", io.EOF, results.ErrConnection},
		{"refused dial", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}, results.ErrConnection},
	}
	for _, tt := range tests {
		got := Classify(tt.err)
		if got != tt.want {
			t.Errorf("%s: Classify = %q, want %q", tt.name, got, tt.want)
		}
		if broken := BreaksConnection(got); !broken {
			t.Errorf("%s: class %q does not break the connection", tt.name, got)
		}
	}
	for _, c := range []results.ErrorClass{results.ErrMoved, results.ErrAuth, results.ErrOther, results.ErrClusterDown} {
		if BreaksConnection(c) {
			t.Errorf("an error reply of class %q breaks the connection", c)
		}
	}
	if !TopologySuspect(results.ErrClusterDown) || TopologySuspect(results.ErrMoved) {
		t.Error("only CLUSTERDOWN suggests the topology changed")
	}
}

// TestDescribeDropsTheLocalAddress checks that a connection's failure is
// described without its local address, which differs on every connection.
func TestDescribeDropsTheLocalAddress(t *testing.T) {
	err := &net.OpError{Op: "read", Net: "tcp",
		Source: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 53124},
		Addr:   &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 6379},
		Err:    errors.New("connection reset by peer")}
	if got, want := Describe(fmt.Errorf("wrapped: %w", err)), "read tcp 127.0.0.1:6379: connection reset by peer"; got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}
}

type timeoutError struct{}

func (timeoutError) Error() string   { return "i/o timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }
