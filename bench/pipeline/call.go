package pipeline

import (
	"bytes"
	"context"
	"io"
	"strconv"
	"strings"
	"unsafe"

	"github.com/redis/go-redis/v9"

	"github.com/amrbench/amrbench/bench/cluster"
	"github.com/amrbench/amrbench/bench/failure"
	"github.com/amrbench/amrbench/results"
	"github.com/amrbench/amrbench/workloads"
)

// Call is one operation of a worker's pipeline: one pipeline position, with the go-redis commands it
// reuses from one operation to the next.
//
// go-redis writes a command's arguments when the command is sent; the
// arguments here are pointers to the call's own key, value and TTL fields,
// which alias the operation's bytes (unsafe.String, no copy) and are
// rewritten before each send.
//
// Replies: a GET has two commands, and the worker picks the cheaper for
// what its GETs have been finding. getRaw streams the raw reply into the
// call's replySink (RawWriteToCmd), which keeps the first line and counts the
// bytes: a miss is then not an error inside go-redis; but a hit costs an
// allocation and a copy. getInto reads the value into the worker's buffer
// (ZeroCopyStringCmd): a hit costs nothing, a miss go-redis's error path,
// which allocates 21 times for a command sent alone and twice for one in a
// pipeline (BenchmarkHotPath). A SET reads its "+OK" into a small buffer
// (ZeroCopyStringCmd). An arbitrary command (--command) streams its raw
// reply into the replySink as a raw GET does, whatever the reply's type:
// replies without a bulk string cost nothing, each bulk string go-redis's
// one allocation.
type Call struct {
	// Op is the operation: the worker draws it (workloads.Generator.Next)
	// before Prepare.
	Op      workloads.Op
	key     string
	value   string
	ttl     int64
	reply   replySink
	getRaw  *redis.RawWriteToCmd
	getInto *redis.ZeroCopyStringCmd
	set     *redis.ZeroCopyStringCmd
	setex   *redis.ZeroCopyStringCmd
	// custom holds a reusable request per arbitrary command of the
	// workload, indexed by workloads.Op.Command.
	custom []customCmd
	cmd    redis.Cmder // the command of the current operation
	sent   int64       // request bytes of the current operation
	// readInto selects getInto for GETs; tooLarge is set when a value did
	// not fit the buffer, and getInto must not be used again.
	readInto, tooLarge bool
	// cl is the call's state against an OSS cluster, nil otherwise.
	cl *clusterOp
}

// customCmd is a call's reusable request for one arbitrary command: its
// arguments after the name are pointers to strings rewritten for every
// operation (aliasing the operation's bytes, as key and value do).
type customCmd struct {
	args    []string
	anyArgs []any // the name, then &args[1], &args[2], ...
	raw     *redis.RawWriteToCmd
	// firstKey is the position of the first key argument (0: none), for a
	// cluster's routing.
	firstKey int
}

// newCustomCmds prepares a request per arbitrary command shape, replying
// into reply.
func newCustomCmds(shapes []workloads.CommandShape, reply *replySink) []customCmd {
	custom := make([]customCmd, len(shapes))
	for i, sh := range shapes {
		c := &custom[i]
		c.args = make([]string, sh.Args)
		c.anyArgs = make([]any, sh.Args)
		c.anyArgs[0] = sh.Verb // a plain string: go-redis names the command by it
		for j := 1; j < sh.Args; j++ {
			c.anyArgs[j] = &c.args[j]
		}
		c.raw = redis.NewRawWriteToCmd(context.Background(), reply, c.anyArgs...)
		c.firstKey = sh.FirstKey
	}
	return custom
}

// prepareCustom points the arbitrary command's arguments at s.Op.Args and
// returns the request's size in bytes.
func (s *Call) prepareCustom() (c *customCmd, sent int64) {
	op := &s.Op
	c = &s.custom[op.Command]
	sent = arrayHeaderBytes(len(op.Args)) + bulkBytes(len(op.Args[0]))
	for i := 1; i < len(op.Args); i++ {
		a := op.Args[i]
		c.args[i] = unsafe.String(unsafe.SliceData(a), len(a))
		sent += bulkBytes(len(a))
	}
	return c, sent
}

// NewCall returns a call whose GET values are read through buf: drained
// piecewise by getRaw, read whole by getInto (which needs it to hold the
// value and its CRLF). shapes are the workload's arbitrary commands.
func NewCall(buf []byte, shapes []workloads.CommandShape) *Call {
	s := &Call{}
	s.reply.scratch = buf
	s.custom = newCustomCmds(shapes, &s.reply)
	ctx := context.Background()
	s.getRaw = redis.NewRawWriteToCmd(ctx, &s.reply, "get", &s.key)
	s.getInto = redis.NewZeroCopyStringCmd(ctx, buf, "get", &s.key)
	okBuf := make([]byte, 8)
	s.set = redis.NewZeroCopyStringCmd(ctx, okBuf, "set", &s.key, &s.value)
	s.setex = redis.NewZeroCopyStringCmd(ctx, okBuf, "set", &s.key, &s.value, "ex", &s.ttl)
	return s
}

// Prepare points the call's arguments at s.Op and returns the command to
// send: the call's own, reused from one operation to the next, or, against
// a cluster, a fresh one.
func (s *Call) Prepare() redis.Cmder {
	op := &s.Op
	s.key = unsafe.String(unsafe.SliceData(op.Key), len(op.Key))
	switch {
	case op.Kind == workloads.Arbitrary:
		c, sent := s.prepareCustom()
		s.reply.reset()
		s.cmd, s.sent = c.raw, sent
	case op.Kind == workloads.Get && s.readInto:
		s.cmd = s.getInto
		s.sent = getRequestBytes(len(op.Key))
	case op.Kind == workloads.Get:
		s.reply.reset()
		s.cmd = s.getRaw
		s.sent = getRequestBytes(len(op.Key))
	case op.TTL > 0:
		s.value = unsafe.String(unsafe.SliceData(op.Value), len(op.Value))
		s.ttl = op.TTL
		s.cmd = s.setex
		s.sent = setRequestBytes(len(op.Key), len(op.Value), op.TTL)
	default:
		s.value = unsafe.String(unsafe.SliceData(op.Value), len(op.Value))
		s.cmd = s.set
		s.sent = setRequestBytes(len(op.Key), len(op.Value), 0)
	}
	if s.cl != nil {
		s.prepareCluster()
	}
	return s.cmd
}

// Sent is the size in bytes of the prepared operation's request.
func (s *Call) Sent() int64 { return s.sent }

// SetReadInto chooses how GETs read their values from the next Prepare on:
// into the buffer NewCall was given when into is set (it must hold every
// value), raw otherwise (see Call).
func (s *Call) SetReadInto(into bool) { s.readInto, s.tooLarge = into, false }

// TooLarge reports whether the last GET read into the buffer found a value
// larger than it: GETs must read raw from now on (SetReadInto).
func (s *Call) TooLarge() bool { return s.tooLarge }

// Route is the shard that answered the last operation against a cluster and
// the redirects on the way; nil for one endpoint.
func (s *Call) Route() *cluster.Route {
	if s.cl == nil {
		return nil
	}
	return &s.cl.route
}

// Answer feeds reply to the call as go-redis streams a raw reply from the
// server, for a session that answers without one (the benchmarks of the
// recording path); only a GET read raw and an arbitrary command read it.
func (s *Call) Answer(reply []byte) { _, _ = s.reply.Write(reply) }

// Outcome is what a reply said.
type Outcome uint8

// The outcomes of an operation.
const (
	// OK is a success that is neither a hit nor a miss (a SET, an
	// arbitrary command).
	OK Outcome = iota
	// Hit is a GET that found its key.
	Hit
	// Miss is a GET that did not.
	Miss
	// Failed is an error: a reply of the server's, a timeout or a broken
	// connection.
	Failed
)

// Result reads the outcome of the call's last command: the reply bytes, and
// for a failure its class and whether the connection is broken.
func (s *Call) Result() (out Outcome, received int64, class results.ErrorClass, broken bool) {
	switch {
	case s.cl != nil:
		return s.clusterResult()
	case s.cmd == s.getRaw:
		return s.rawResult(s.getRaw.Err(), true)
	case s.Op.Kind == workloads.Arbitrary:
		return s.rawResult(s.custom[s.Op.Command].raw.Err(), false)
	}
	zc := s.cmd.(*redis.ZeroCopyStringCmd) // getInto, set or setex
	out, received, class, broken, tooLarge := zeroCopyResult(zc, s.Op.Kind)
	if tooLarge > 0 {
		// go-redis drops a connection after a value too large for the
		// buffer, though it read the value out; the worker must reopen it.
		s.tooLarge, broken = true, true
	}
	return out, received, class, broken
}

// rawResult reads the outcome of a raw command (a GET by getRaw when get
// is set, an arbitrary command otherwise) from the reply's first line, or
// from cmdErr, the command's error, for a timeout or a broken connection.
// An arbitrary command's reply that is not an error is a success: like
// memtier, amrbench does not guess what a hit is for a command it does not
// know.
func (s *Call) rawResult(cmdErr error, get bool) (out Outcome, received int64, class results.ErrorClass, broken bool) {
	if cmdErr != nil {
		class = failure.Classify(cmdErr)
		return Failed, 0, class, failure.BreaksConnection(class)
	}
	r := &s.reply
	head := r.head[:r.headLen]
	switch {
	case len(head) > 0 && head[0] == '-':
		line, _, _ := bytes.Cut(head[1:], []byte("\r\n"))
		return Failed, r.n, failure.ClassifyReply(string(line)), false
	case !get:
		return OK, r.n, "", false
	case bytes.HasPrefix(head, nilReply):
		return Miss, r.n, "", false
	case len(head) > 0 && head[0] == '$':
		return Hit, r.n, "", false
	default: // a reply GET never gives: count it, do not guess
		return Failed, r.n, results.ErrOther, false
	}
}

// FailureText says why the call's last command failed, in one line, for
// the error samples: it is read only for failures, and only until the
// worker holds enough samples of their class.
func (s *Call) FailureText() string {
	switch {
	case s.cl != nil: // this operation's fresh command, wrapped
		return failure.Describe(s.cmd.Err())
	case s.cmd == s.getRaw:
		if err := s.getRaw.Err(); err != nil {
			return failure.Describe(err)
		}
		r := &s.reply
		line, _, found := bytes.Cut(r.head[:r.headLen], []byte("\r\n"))
		text := strings.TrimPrefix(string(line), "-")
		if !found && r.headLen == len(r.head) {
			text += "…" // longer than the head the sink keeps
		}
		return text
	}
	return failure.Describe(s.cmd.Err())
}

// zeroCopyResult reads the outcome of a ZeroCopyStringCmd. tooLarge is the
// size of a GET's value that did not fit the command's buffer: go-redis
// read and dropped it, so it counts as a hit.
func zeroCopyResult(cmd *redis.ZeroCopyStringCmd, kind workloads.OpKind) (out Outcome, received int64, class results.ErrorClass, broken bool, tooLarge int) {
	err := cmd.Err()
	switch {
	case err == nil && kind == workloads.Get:
		return Hit, bulkBytes(cmd.Val()), "", false, 0
	case err == nil:
		return OK, okReplyBytes, "", false, 0
	case err == redis.Nil: //nolint:errorlint // go-redis returns the sentinel itself
		return Miss, nilReplyBytes, "", false, 0
	}
	if n, ok := tooLargeValue(err); ok && kind == workloads.Get {
		return Hit, bulkBytes(n), "", false, n
	}
	class = failure.Classify(err)
	var rerr redis.Error
	if asRedisError(err, &rerr) {
		received = int64(len(rerr.Error())) + 3 // "-" message "\r\n"
	}
	return Failed, received, class, failure.BreaksConnection(class), 0
}

// tooLargeValue recognises go-redis's "buffer too small: need N bytes" and
// returns N.
func tooLargeValue(err error) (int, bool) {
	rest, ok := strings.CutPrefix(err.Error(), "redis: buffer too small: need ")
	if !ok {
		return 0, false
	}
	fields := strings.Fields(rest)
	if len(fields) == 0 {
		return 0, false
	}
	n, convErr := strconv.Atoi(fields[0])
	return n, convErr == nil
}

// asRedisError is errors.As for redis.Error, kept apart so the common path
// (no error) never reaches it.
func asRedisError(err error, target *redis.Error) bool {
	if e, ok := err.(redis.Error); ok {
		*target = e
		return true
	}
	return false
}

var nilReply = []byte("$-1\r")

// replySink receives a GET's raw reply: it keeps the start of the first line
// (enough to tell a hit, a miss and an error class apart, and to keep most
// error messages whole) and counts every byte. It discards the value
// through the worker's scratch buffer, so it does not allocate whatever the
// value's size.
type replySink struct {
	n       int64
	head    [128]byte
	headLen int
	scratch []byte
}

func (r *replySink) reset() { r.n, r.headLen = 0, 0 }

// Write keeps the first bytes and counts all of them.
func (r *replySink) Write(p []byte) (int, error) {
	if r.headLen < len(r.head) {
		r.headLen += copy(r.head[r.headLen:], p)
	}
	r.n += int64(len(p))
	return len(p), nil
}

// ReadFrom drains a value without a buffer of io.Copy's own.
// It is called for a bulk string's payload only, after the first line has
// been written, so nothing of it goes into head.
func (r *replySink) ReadFrom(src io.Reader) (int64, error) {
	var total int64
	for {
		n, err := src.Read(r.scratch)
		total += int64(n)
		r.n += int64(n)
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}

// RESP2 sizes, for exact byte accounting without wrapping the connection.
const (
	okReplyBytes  = 5 // "+OK\r\n"
	nilReplyBytes = 5 // "$-1\r\n"
)

// bulkBytes is the size of a RESP bulk string of n bytes: "$n\r\n" data "\r\n".
func bulkBytes(n int) int64 { return int64(1 + decimalDigits(uint64(n)) + 2 + n + 2) }

func arrayHeaderBytes(n int) int64 { return int64(1 + decimalDigits(uint64(n)) + 2) }

func getRequestBytes(keyLen int) int64 {
	return arrayHeaderBytes(2) + bulkBytes(3) + bulkBytes(keyLen)
}

func setRequestBytes(keyLen, valueLen int, ttl int64) int64 {
	if ttl > 0 {
		return arrayHeaderBytes(5) + bulkBytes(3) + bulkBytes(keyLen) + bulkBytes(valueLen) +
			bulkBytes(2) + bulkBytes(decimalDigits(uint64(ttl)))
	}
	return arrayHeaderBytes(3) + bulkBytes(3) + bulkBytes(keyLen) + bulkBytes(valueLen)
}

func decimalDigits(n uint64) int {
	d := 1
	for n >= 10 {
		n /= 10
		d++
	}
	return d
}
