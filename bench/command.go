package bench

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"unsafe"

	"github.com/redis/go-redis/v9"

	"github.com/amrbench/amrbench/workloads"
)

// slot is one operation of a worker's pipeline, with the go-redis commands it
// reuses from one operation to the next.
//
// go-redis writes a command's arguments when the command is sent; the
// arguments here are pointers to the slot's own key, value and TTL fields,
// which alias the operation's bytes (unsafe.String, no copy) and are
// rewritten before each send. The commands read their replies into the
// worker's read buffer (ZeroCopyStringCmd), so neither sending nor receiving
// allocates on our side.
type slot struct {
	op    workloads.Op
	key   string
	value string
	ttl   int64
	get   *redis.ZeroCopyStringCmd
	set   *redis.ZeroCopyStringCmd
	setex *redis.ZeroCopyStringCmd
	cmd   *redis.ZeroCopyStringCmd // the command of the current operation
	sent  int64                    // request bytes of the current operation
}

func newSlot(readBuf []byte) *slot {
	s := &slot{}
	s.bind(readBuf)
	return s
}

// bind (re)creates the slot's commands over readBuf.
func (s *slot) bind(readBuf []byte) {
	ctx := context.Background()
	s.get = redis.NewZeroCopyStringCmd(ctx, readBuf, "get", &s.key)
	s.set = redis.NewZeroCopyStringCmd(ctx, readBuf, "set", &s.key, &s.value)
	s.setex = redis.NewZeroCopyStringCmd(ctx, readBuf, "set", &s.key, &s.value, "ex", &s.ttl)
}

// prepare points the slot's arguments at s.op and chooses its command.
func (s *slot) prepare() {
	op := &s.op
	s.key = unsafe.String(unsafe.SliceData(op.Key), len(op.Key))
	switch {
	case op.Kind == workloads.Get:
		s.cmd = s.get
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
}

// outcome is what a reply said.
type outcome uint8

const (
	outcomeOK outcome = iota
	outcomeHit
	outcomeMiss
	outcomeError
	// outcomeHitTooLarge is a hit whose value did not fit the read buffer;
	// the reply was read and discarded, and the buffer must grow.
	outcomeHitTooLarge
)

// result reads the outcome of the slot's last command and the reply bytes.
func (s *slot) result() (outcome, int64, error) {
	err := s.cmd.Err()
	switch {
	case err == nil:
		if s.op.Kind == workloads.Get {
			return outcomeHit, bulkBytes(s.cmd.Val()), nil
		}
		return outcomeOK, okReplyBytes, nil
	case errors.Is(err, redis.Nil):
		return outcomeMiss, nilReplyBytes, nil
	}
	if n, ok := tooLargeValue(err); ok {
		return outcomeHitTooLarge, bulkBytes(n), nil
	}
	var rerr redis.Error
	if errors.As(err, &rerr) {
		return outcomeError, int64(len(rerr.Error())) + 3, err // "-" message "\r\n"
	}
	return outcomeError, 0, err
}

// tooLargeValue recognises go-redis's "buffer too small: need N bytes" and
// returns N.
func tooLargeValue(err error) (int, bool) {
	rest, ok := strings.CutPrefix(err.Error(), "redis: buffer too small: need ")
	if !ok {
		return 0, false
	}
	n, convErr := strconv.Atoi(strings.Fields(rest)[0])
	return n, convErr == nil
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
