package record

import (
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/amrbench/amrbench/results"
)

// CmdLog is what one worker recorded for one command in one interval:
// count, hits, misses and the latencies of the successful operations, the
// failed ones by class (indexed by ClassIndex), and their times to failure
// (failures, made at the first).
type CmdLog struct {
	Count, Hits, Misses      int64
	Errors                   [NumClasses]int64
	Redirects                [NumClasses]int64 // moved and ask only
	BytesSent, BytesReceived int64
	// Response and Service are the latencies of the successful operations,
	// microseconds; in a closed loop only Service is recorded.
	Response, Service *hdrhistogram.PackedHistogram
	failures          *hdrhistogram.PackedHistogram
	failed            bool // failures holds this interval's
}

// RecordFailure records a failed operation's time to failure, us.
func (c *CmdLog) RecordFailure(us int64) {
	if c.failures == nil {
		c.failures = results.NewPackedHDR() // the first failure of the worker: rare
	}
	c.failed = true
	Record(c.failures, us, 1)
}

// ErrorSample is a failure's message, for the error events.
type ErrorSample struct {
	Class results.ErrorClass
	Text  string
}

// ShardLog is what one worker recorded for one shard of a cluster in one
// interval.
type ShardLog struct {
	Count     int64
	Errors    [NumClasses]int64
	Redirects [NumClasses]int64 // moved and ask only
	Response  *hdrhistogram.PackedHistogram
}

func (s *ShardLog) active() bool {
	return s.Count > 0 || s.Errors != [NumClasses]int64{} || s.Redirects != [NumClasses]int64{}
}

// Log is everything one worker recorded in one interval. A worker owns its
// log until it hands it to the recorder (Recorder.Rotate, Recorder.Finish):
// no lock is taken per operation, and there is one hand-off per worker per
// interval.
type Log struct {
	worker int
	// Index is the interval every recorded operation completed in.
	Index int64
	// End is the end of that interval; reaching it triggers the hand-off.
	End time.Time
	// through is set at hand-off: the worker has handed over everything it
	// will ever record for intervals up to and including through.
	through    int64
	final      bool      // the worker has finished
	finishedAt time.Time // when, for a final log
	// closedLoop logs record each latency once, in service: in a closed
	// loop the intended start is the send, so response time is the same
	// value and is filled from it when the log is merged.
	closedLoop bool
	// Cmds is indexed by workloads.Op.Stat.
	Cmds []CmdLog
	// Shards is indexed by shard number (cluster runs only); it grows when
	// a worker first meets a shard (Shard).
	Shards []ShardLog
	// LateStarts counts the operations sent after their due time.
	LateStarts int64
	// LateClient counts the late starts whose connection was free when they
	// fell due: the client itself was slow.
	LateClient int64
	// Dropped counts operations due but never sent (open loop).
	Dropped int64
	// Backoff is the time the worker's connection was down.
	Backoff time.Duration
	// Samples are failure messages the worker has not seen before.
	Samples []ErrorSample
	// OutOfRange counts the operations whose latency was beyond the
	// histograms' range, recorded at its top (Record).
	OutOfRange int64
	// Reauth is the worker's own re-AUTHs.
	Reauth ReauthLog
}

// Shard returns the log of shard i, growing the list if needed.
func (l *Log) Shard(i int) *ShardLog {
	for len(l.Shards) <= i {
		l.Shards = append(l.Shards, ShardLog{Response: results.NewPackedHDR()})
	}
	return &l.Shards[i]
}

func newLog(stats int) *Log {
	l := &Log{Cmds: make([]CmdLog, stats)}
	for k := range l.Cmds {
		l.Cmds[k].Response = results.NewPackedHDR()
		l.Cmds[k].Service = results.NewPackedHDR()
	}
	return l
}

func (l *Log) reset() {
	for k := range l.Cmds {
		c := &l.Cmds[k]
		resp, svc, fail := c.Response, c.Service, c.failures
		resp.Reset()
		svc.Reset()
		if fail != nil {
			fail.Reset()
		}
		*c = CmdLog{Response: resp, Service: svc, failures: fail}
	}
	for i := range l.Shards {
		s := &l.Shards[i]
		resp := s.Response
		resp.Reset()
		*s = ShardLog{Response: resp}
	}
	l.final, l.finishedAt, l.LateStarts, l.LateClient, l.OutOfRange, l.closedLoop = false, time.Time{}, 0, 0, 0, false
	l.Dropped, l.Backoff, l.Samples = 0, 0, l.Samples[:0]
	l.Reauth.reset()
}
