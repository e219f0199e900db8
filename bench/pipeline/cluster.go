package pipeline

import (
	"context"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"

	"github.com/amrbench/amrbench/bench/cluster"
	"github.com/amrbench/amrbench/bench/failure"
	"github.com/amrbench/amrbench/results"
	"github.com/amrbench/amrbench/workloads"
)

// clusterOp is a call's state against an OSS cluster.
//
// The call's reusable commands cannot serve a cluster: go-redis caches a
// command's hash slot in it the first time it routes it, and would route
// every later key of the command by the first one's slot. So a fresh
// command is made per operation (two small allocations), handed to the
// cluster client wrapped in an opCmd, through which the node hook reports
// which shard answered and which replies redirected it. And a GET cannot
// stream its raw reply as it does against one endpoint: the cluster client
// must see MOVED and ASK as errors to follow them. So GETs read their value
// into the call's own buffer (ZeroCopyStringCmd; a pipeline's commands are
// read by several shards' goroutines at once), and a miss takes go-redis's
// error path, as it does in any application using its cluster client.
type clusterOp struct {
	readBuf []byte
	zc      *redis.ZeroCopyStringCmd // this operation's command
	wrapped opCmd
	// generic is an arbitrary command's go-redis command, which parses its
	// reply (allocating) so that the cluster client sees MOVED and ASK.
	generic        *redis.Cmd
	wrappedGeneric opGenericCmd
	// route is the shard whose reply was final and the MOVED and ASK
	// replies on the way.
	route cluster.Route
}

// NewClusterCall returns a call for a cluster whose GET values are read
// into a buffer of bufSize bytes of its own (grown when a larger one comes).
// shapes are the workload's arbitrary commands.
func NewClusterCall(bufSize int, shapes []workloads.CommandShape) *Call {
	s := &Call{cl: &clusterOp{readBuf: make([]byte, bufSize)}}
	s.cl.wrapped.route = &s.cl.route
	s.cl.wrappedGeneric.route = &s.cl.route
	s.custom = newCustomCmds(shapes, &s.reply)
	return s
}

// prepareCluster makes the operation's fresh command.
func (s *Call) prepareCluster() {
	c := s.cl
	ctx := context.Background()
	c.route.Reset()
	if s.Op.Kind == workloads.Arbitrary {
		cc, sent := s.prepareCustom()
		c.generic = redis.NewCmd(ctx, cc.anyArgs...)
		if cc.firstKey > 0 {
			c.generic.SetFirstKeyPos(int8(min(cc.firstKey, 127)))
		}
		c.wrappedGeneric.Cmd = c.generic
		s.cmd, s.sent = &c.wrappedGeneric, sent
		return
	}
	switch {
	case s.Op.Kind == workloads.Get:
		c.zc = redis.NewZeroCopyStringCmd(ctx, c.readBuf, "get", &s.key)
	case s.Op.TTL > 0:
		c.zc = redis.NewZeroCopyStringCmd(ctx, c.readBuf, "set", &s.key, &s.value, "ex", &s.ttl)
	default:
		c.zc = redis.NewZeroCopyStringCmd(ctx, c.readBuf, "set", &s.key, &s.value)
	}
	c.zc.SetFirstKeyPos(1)
	c.wrapped.ZeroCopyStringCmd = c.zc
	s.cmd = &c.wrapped
}

// clusterResult reads the outcome of a cluster operation. A value larger
// than the buffer makes the buffer grow for the next operation.
func (s *Call) clusterResult() (Outcome, int64, results.ErrorClass, bool) {
	c := s.cl
	if s.Op.Kind == workloads.Arbitrary {
		return genericResult(c.generic)
	}
	out, received, class, broken, tooLarge := zeroCopyResult(c.zc, s.Op.Kind)
	if tooLarge > 0 {
		c.readBuf = make([]byte, tooLarge+2) // rare: a value someone else wrote
	}
	return out, received, class, broken
}

// opCmd is what a worker hands the cluster client: the operation's go-redis
// command, and its route for the node hook (cluster.Hook) to fill in.
type opCmd struct {
	*redis.ZeroCopyStringCmd
	route *cluster.Route
}

var _ cluster.Routed = (*opCmd)(nil)

// Route returns the operation's route.
func (c *opCmd) Route() *cluster.Route { return c.route }

// opGenericCmd is opCmd for an arbitrary command.
type opGenericCmd struct {
	*redis.Cmd
	route *cluster.Route
}

var _ cluster.Routed = (*opGenericCmd)(nil)

// Route returns the operation's route.
func (c *opGenericCmd) Route() *cluster.Route { return c.route }

// genericResult reads the outcome of an arbitrary command sent to a
// cluster. Its reply was parsed, so its size is computed back from the
// value as RESP2 (a status reply is counted as the bulk string go-redis
// turns it into: a few bytes more).
func genericResult(cmd *redis.Cmd) (Outcome, int64, results.ErrorClass, bool) {
	err := cmd.Err()
	switch {
	case err == nil:
		return OK, respSize(cmd.Val()), "", false
	case err == redis.Nil: //nolint:errorlint // go-redis returns the sentinel itself
		return OK, nilReplyBytes, "", false
	}
	class := failure.Classify(err)
	var received int64
	var rerr redis.Error
	if asRedisError(err, &rerr) {
		received = int64(len(rerr.Error())) + 3 // "-" message "\r\n"
	}
	return Failed, received, class, failure.BreaksConnection(class)
}

// respSize is the RESP2 size of a reply go-redis has parsed into v.
func respSize(v any) int64 {
	switch v := v.(type) {
	case nil:
		return nilReplyBytes
	case string:
		return bulkBytes(len(v))
	case int64:
		return int64(len(strconv.FormatInt(v, 10))) + 3 // ":" n "\r\n"
	case []any:
		n := arrayHeaderBytes(len(v))
		for _, e := range v {
			n += respSize(e)
		}
		return n
	case map[any]any: // RESP3 only; counted as its pairs
		n := arrayHeaderBytes(2 * len(v))
		for k, e := range v {
			n += respSize(k) + respSize(e)
		}
		return n
	default:
		return bulkBytes(len(fmt.Sprint(v)))
	}
}
