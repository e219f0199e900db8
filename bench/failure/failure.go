package failure

import (
	"context"
	"errors"
	"net"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/amrbench/amrbench/internal/units"
	"github.com/amrbench/amrbench/results"
)

// Classify returns the class an operation's error is counted under.
func Classify(err error) results.ErrorClass {
	var rerr redis.Error
	if errors.As(err, &rerr) {
		return ClassifyReply(rerr.Error())
	}
	var netErr net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout()) {
		return results.ErrTimeout
	}
	// Everything else that stops a command on the client side (a reset or
	// closed connection, a failed dial, an exhausted pool) means the
	// connection is gone.
	return results.ErrConnection
}

// ClassifyReply classifies an error reply from the server by its prefix
// (the reply's message, without the "-").
func ClassifyReply(msg string) results.ErrorClass {
	prefix, _, _ := strings.Cut(msg, " ")
	switch prefix {
	case "MOVED":
		return results.ErrMoved
	case "ASK":
		return results.ErrAsk
	case "TRYAGAIN":
		return results.ErrTryAgain
	case "CLUSTERDOWN":
		return results.ErrClusterDown
	case "OOM":
		return results.ErrOOM
	case "NOAUTH", "WRONGPASS":
		return results.ErrAuth
	case "NOPERM":
		return results.ErrNoPerm
	}
	if strings.Contains(msg, "invalid username-password") || strings.Contains(msg, "invalid password") {
		return results.ErrAuth
	}
	return results.ErrOther
}

// Describe says in one line why an operation failed, for the error
// samples: the server's message for an error reply, and for a failure of
// the connection the client library's, without the local address (which
// differs on every connection and would make each message distinct).
func Describe(err error) string {
	var rerr redis.Error
	if errors.As(err, &rerr) {
		return units.OneLine(rerr)
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		c := *opErr
		c.Source = nil
		return units.OneLine(&c)
	}
	return units.OneLine(err)
}

// BreaksConnection reports whether a failure of this class means the
// connection can no longer be used and must be reopened.
func BreaksConnection(c results.ErrorClass) bool {
	return c == results.ErrTimeout || c == results.ErrConnection
}

// TopologySuspect reports whether a failure of this class says the cluster's
// topology may have changed under the client: the cluster is down, as it is
// while a failed primary is being replaced.
func TopologySuspect(c results.ErrorClass) bool {
	return c == results.ErrClusterDown
}
