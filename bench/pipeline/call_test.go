package pipeline

import (
	"errors"
	"strings"
	"testing"

	"github.com/amrbench/amrbench/results"
	"github.com/amrbench/amrbench/workloads"
)

func TestRequestBytes(t *testing.T) {
	tests := []struct {
		name string
		got  int64
		want string
	}{
		{"GET", getRequestBytes(len("key:1")), "*2\r\n$3\r\nget\r\n$5\r\nkey:1\r\n"},
		{"SET", setRequestBytes(len("key:1"), len("xxxxxxxxxx"), 0), "*3\r\n$3\r\nset\r\n$5\r\nkey:1\r\n$10\r\nxxxxxxxxxx\r\n"},
		{"SET EX", setRequestBytes(len("key:1"), 3, 120), "*5\r\n$3\r\nset\r\n$5\r\nkey:1\r\n$3\r\nxxx\r\n$2\r\nex\r\n$3\r\n120\r\n"},
		{"bulk reply", bulkBytes(12), "$12\r\nhello, world\r\n"},
	}
	for _, tt := range tests {
		if tt.got != int64(len(tt.want)) {
			t.Errorf("%s: %d bytes, want %d", tt.name, tt.got, len(tt.want))
		}
	}
}

// TestGetReplies checks how a GET's raw reply is read: hit, miss, an error
// reply by class, with its exact size.
func TestGetReplies(t *testing.T) {
	tests := []struct {
		reply string
		out   Outcome
		class results.ErrorClass
	}{
		{"$5\r\nhello\r\n", Hit, ""},
		{"$0\r\n\r\n", Hit, ""},
		{"$-1\r\n", Miss, ""},
		{"-MOVED 3999 127.0.0.1:6381\r\n", Failed, results.ErrMoved},
		{"-OOM command not allowed when used memory > 'maxmemory'.\r\n", Failed, results.ErrOOM},
		{"-NOAUTH Authentication required.\r\n", Failed, results.ErrAuth},
		{"-ERR unknown command\r\n", Failed, results.ErrOther},
	}
	for _, tt := range tests {
		s := NewCall(make([]byte, 4), nil)
		s.Op = workloads.Op{Kind: workloads.Get, Key: []byte("k")}
		s.Prepare()
		// Feed the reply as go-redis does: the first line, then the value
		// through ReadFrom.
		line, rest, _ := strings.Cut(tt.reply, "\r\n")
		_, _ = s.reply.Write([]byte(line))
		_, _ = s.reply.Write([]byte("\r\n"))
		if rest != "" {
			if _, err := s.reply.ReadFrom(strings.NewReader(rest)); err != nil {
				t.Fatal(err)
			}
		}
		out, n, class, broken := s.Result()
		if out != tt.out || class != tt.class || n != int64(len(tt.reply)) || broken {
			t.Errorf("%q: outcome %v class %q %d bytes broken %v; want %v %q %d", tt.reply, out, class, n, broken, tt.out, tt.class, len(tt.reply))
		}
	}
}

// TestClusterPrepareAllocatesOnlyTheCommand bounds the cost of the fresh
// command a cluster operation needs: the command and its argument list.
func TestClusterPrepareAllocatesOnlyTheCommand(t *testing.T) {
	s := NewClusterCall(64, nil)
	s.Op.Key = []byte("key:1")
	if allocs := testing.AllocsPerRun(1000, func() { s.Prepare() }); allocs > 2 {
		t.Fatalf("%.1f allocations per cluster operation, want at most 2", allocs)
	}
}

// TestClusterFailureText checks the error sample of a failed cluster
// operation: the message of its own command, for the mix's commands and for
// arbitrary ones (which have no ZeroCopyStringCmd).
func TestClusterFailureText(t *testing.T) {
	shapes := []workloads.CommandShape{{Verb: "incr", Args: 2, FirstKey: 1}}
	tests := []struct {
		name string
		op   workloads.Op
		err  string
	}{
		{"GET", workloads.Op{Kind: workloads.Get, Key: []byte("k")}, "CLUSTERDOWN The cluster is down"},
		{"arbitrary", workloads.Op{Kind: workloads.Arbitrary, Key: []byte("k"), Args: [][]byte{[]byte("incr"), []byte("k")}}, "WRONGTYPE Operation against a key holding the wrong kind of value"},
	}
	for _, tt := range tests {
		s := NewClusterCall(64, shapes)
		s.Op = tt.op
		s.Prepare().SetErr(errors.New(tt.err))
		if got := s.FailureText(); got != tt.err {
			t.Errorf("%s: failure text %q, want %q", tt.name, got, tt.err)
		}
	}
}
