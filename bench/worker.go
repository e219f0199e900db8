package bench

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/amrbench/amrbench/workloads"
)

// worker drives one connection. Everything it touches per operation is its
// own: the generator, the commands, the log. The only shared state it reads
// per batch is the stop flag.
type worker struct {
	id      int
	gen     *workloads.Generator
	sess    session
	rec     *recorder
	stop    *atomic.Bool
	slots   []*slot
	cmds    []redis.Cmder
	readBuf []byte
	log     *workerLog
	// quota is the number of measured operations left; negative means the
	// run is bounded by time.
	quota int64
}

func newWorker(id int, gen *workloads.Generator, sess session, rec *recorder, stop *atomic.Bool, pipeline, maxValue int, quota int64) *worker {
	w := &worker{
		id:      id,
		gen:     gen,
		sess:    sess,
		rec:     rec,
		stop:    stop,
		quota:   quota,
		readBuf: make([]byte, maxValue+2), // +2: go-redis reads the CRLF along with the value
		cmds:    make([]redis.Cmder, pipeline),
	}
	w.slots = make([]*slot, pipeline)
	for i := range w.slots {
		w.slots[i] = newSlot(w.readBuf)
	}
	return w
}

// run sends batches of operations until the run stops, the quota is spent, or
// ctx is done. The closed loop: each batch is sent as soon as the replies of
// the previous one are in, so its intended start is its actual send.
func (w *worker) run(ctx context.Context) {
	now := time.Now()
	w.log = w.rec.newLog(w.id, w.rec.indexOf(now))
	defer func() { w.rec.finish(w.log, time.Now()) }()
	for !w.stop.Load() && w.quota != 0 {
		n := len(w.slots)
		if w.quota > 0 && int64(n) > w.quota {
			n = int(w.quota)
		}
		for i := range n {
			s := w.slots[i]
			w.gen.Next(&s.op)
			s.prepare()
			w.cmds[i] = s.cmd
		}
		sent := time.Now()
		if !sent.Before(w.log.end) {
			w.log = w.rec.rotate(w.log, sent)
		}
		_ = w.sess.exec(ctx, w.cmds[:n]) // each command carries its own error
		done := time.Now()
		if !done.Before(w.log.end) {
			w.log = w.rec.rotate(w.log, done)
		}
		w.account(n, sent, sent, done)
		if w.quota > 0 && !sent.Before(w.rec.measured) {
			w.quota -= int64(n)
		}
	}
}

// account records the batch of n operations: a batch has one intended start
// and one send, so every operation in it gets the batch's response and
// service time.
func (w *worker) account(n int, intended, sent, done time.Time) {
	response, service := micros(done.Sub(intended)), micros(done.Sub(sent))
	var perKind [workloads.NumOpKinds]int64
	broken, regrow := false, 0
	for i := range n {
		s := w.slots[i]
		kind := s.op.Kind
		perKind[kind]++
		c := &w.log.cmds[kind]
		c.count++
		c.bytesSent += s.sent
		out, received, err := s.result()
		c.bytesReceived += received
		switch out {
		case outcomeHit:
			c.hits++
		case outcomeMiss:
			c.misses++
		case outcomeHitTooLarge:
			c.hits++
			regrow = max(regrow, int(received))
		case outcomeError:
			c.errors[classIndex[Classify(err)]]++
			broken = broken || brokenConnection(err)
		}
	}
	for kind, k := range perKind {
		if k == 0 {
			continue
		}
		c := &w.log.cmds[kind]
		// Values are within the histogram's range by construction (7 days).
		_ = c.response.RecordValues(response, k)
		_ = c.service.RecordValues(service, k)
	}
	if broken {
		w.sess.reopen()
		w.log.reconnects++
	}
	if regrow > 0 {
		w.growReadBuffer(regrow)
	}
}

// growReadBuffer makes room for values larger than the workload writes
// (written by someone else): rare, so it may allocate.
func (w *worker) growReadBuffer(n int) {
	if n <= len(w.readBuf) {
		return
	}
	w.readBuf = make([]byte, n)
	for _, s := range w.slots {
		s.bind(w.readBuf)
	}
}

// micros converts a duration to whole microseconds, rounding to nearest.
func micros(d time.Duration) int64 {
	if d < 0 {
		return 0
	}
	return int64((d + 500*time.Nanosecond) / time.Microsecond)
}
