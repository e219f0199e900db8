package blobstore

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/streaming"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/appendblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"

	"github.com/amrbench/amrbench/results"
	"github.com/amrbench/amrbench/results/segment"
)

// SinkOptions configure a Sink.
type SinkOptions struct {
	// Segment is the segment the run measures; it names the blob directory.
	Segment segment.Segment
	// RunID is recorded in the blob's metadata, for people.
	RunID string
	// QueueBytes bounds the lines waiting to be appended while storage is
	// slow or unreachable (default 64 MiB); lines beyond it are dropped and
	// reported, so the run itself never waits.
	QueueBytes int
	// Gather is how long the sink lets lines gather before it appends them
	// (default 1 s): an append blob takes at most 50,000 appends, 13.9 h of
	// one a second. After 40,000 it gathers for 30 s.
	Gather time.Duration
}

// Sink appends a running segment's result file to the append blob
// PREFIX/seg-<i>-of-<n>/result.jsonl, in the background.
//
// The blob is created when the first line (the header) is appended, with
// If-None-Match: *, so a second attempt at a segment can never overwrite the
// first one's blob. Each append carries the blob's expected length
// (append-position condition): an append whose first try landed although
// its reply was lost is refused on its retry (412) and recognised by
// reading the blob's tail, so no record is ever written twice. Write never
// waits for storage: lines are queued, up to a bound, and appended by a
// goroutine; Close flushes within its context's deadline and reports what
// did not reach the blob.
type Sink struct {
	loc    Location
	opts   SinkOptions
	access Access
	name   string // the result blob's name
	client *appendblob.Client
	// attempt tells this writer's blob from another's: it is in the blob's
	// metadata, so a create whose reply was lost is recognised.
	attempt string

	mu      sync.Mutex
	queue   [][]byte // whole lines waiting, oldest first
	queued  int      // their bytes
	lost    []lostRecord
	failure error // the last error met; fatal once dead is set
	dead    bool  // the sink has given up: every line is lost
	written int   // lines appended

	wake    chan struct{}
	closing chan struct{}
	closed  sync.Once
	ctx     context.Context // cancelled when Close's deadline passes
	cancel  context.CancelFunc
	done    chan struct{}

	// Owned by the goroutine.
	created bool
	offset  int64
	blocks  int32
	// inflight is the batch of an append whose outcome is unknown (it
	// failed, but may have landed), and inflightLines its lines: the next
	// try sends exactly it again, so the blob can tell.
	inflight      []byte
	inflightLines int
}

// lostRecord is a record that did not reach the blob.
type lostRecord struct {
	kind  string
	index int64
	phase string
}

// maxAppend is the most bytes one append carries: the service takes 4 MiB
// per block in every API version.
const maxAppend = 4 << 20

// Retries of a failed append back off from retryMin to retryMax.
const (
	retryMin = 500 * time.Millisecond
	retryMax = 15 * time.Second
)

// ErrSegmentExists is returned when the segment's blob exists already,
// written by another attempt at the same segment.
var ErrSegmentExists = errors.New("the segment's result blob exists already: another attempt at this segment wrote it, and it is never overwritten")

// NewSink returns a sink for the segment under loc and starts its
// goroutine. It makes no request: the blob is created with the first line.
func NewSink(loc Location, access Access, opts SinkOptions) (*Sink, error) {
	if err := access.check(loc); err != nil {
		return nil, err
	}
	if opts.QueueBytes <= 0 {
		opts.QueueBytes = 64 << 20
	}
	if opts.Gather <= 0 {
		opts.Gather = time.Second
	}
	name := path.Join(loc.SegmentDir(opts.Segment), results.FileName)
	client, err := access.appendClient(loc, name)
	if err != nil {
		return nil, fmt.Errorf("blob %s: %w", name, err)
	}
	var nonce [12]byte
	_, _ = rand.Read(nonce[:])
	ctx, cancel := context.WithCancel(context.Background())
	s := &Sink{
		loc: loc, opts: opts, access: access, name: name, client: client,
		attempt: hex.EncodeToString(nonce[:]),
		wake:    make(chan struct{}, 1), closing: make(chan struct{}), done: make(chan struct{}),
		ctx: ctx, cancel: cancel,
	}
	go s.loop()
	return s, nil
}

// Name returns the result blob's URL, without any SAS.
func (s *Sink) Name() string { return s.loc.BlobDisplay(s.name) }

// Write queues p, one or more whole lines of the result file, for the blob.
// It never waits for storage and never fails: a line that cannot be queued
// is counted as lost and reported by Close.
func (s *Sink) Write(p []byte) (int, error) {
	line := bytes.Clone(p)
	s.mu.Lock()
	switch {
	case s.dead, s.queued+len(line) > s.opts.QueueBytes && len(s.queue) > 0:
		s.lost = append(s.lost, probe(line)...)
	default:
		s.queue = append(s.queue, line)
		s.queued += len(line)
	}
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return len(p), nil
}

// Report says what reached the blob.
type Report struct {
	// Blob is the result blob's URL, without any SAS.
	Blob string
	// Appended is the number of records appended.
	Appended int
	// Lost is the number of records that did not reach the blob, and
	// LostIntervals the indexes of the intervals among them.
	Lost          int
	LostIntervals []int64
	// Err is why (the last error met); nil when nothing was lost.
	Err error
}

// String says in a line what did not reach the blob.
func (r Report) String() string {
	if r.Lost == 0 {
		return fmt.Sprintf("%d records in %s", r.Appended, r.Blob)
	}
	what := fmt.Sprintf("%d records", r.Lost)
	if len(r.LostIntervals) > 0 {
		what += fmt.Sprintf(" (intervals %s)", formatIndexes(r.LostIntervals))
	}
	why := ""
	if r.Err != nil {
		why = ": " + describe(r.Err)
	}
	return fmt.Sprintf("%s did not reach %s%s; the local result file has them", what, r.Blob, why)
}

// formatIndexes writes runs of consecutive indexes as ranges: 3-7, 9.
func formatIndexes(xs []int64) string {
	var parts []string
	for i := 0; i < len(xs); {
		j := i
		for j+1 < len(xs) && xs[j+1] == xs[j]+1 {
			j++
		}
		if j > i {
			parts = append(parts, fmt.Sprintf("%d-%d", xs[i], xs[j]))
		} else {
			parts = append(parts, fmt.Sprint(xs[i]))
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
}

// Close appends what is queued, trying until ctx is done, then stops the
// sink and reports what did not reach the blob.
func (s *Sink) Close(ctx context.Context) Report {
	s.closed.Do(func() { close(s.closing) })
	select {
	case <-s.done:
	case <-ctx.Done():
		s.cancel() // abandons the request in flight
		<-s.done
	}
	s.cancel()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, line := range s.queue {
		s.lost = append(s.lost, probe(line)...)
	}
	s.queue, s.queued = nil, 0
	r := Report{Blob: s.Name(), Appended: s.written, Lost: len(s.lost)}
	for _, l := range s.lost {
		if l.kind == results.TypeInterval && l.phase != results.PhaseWarmup {
			r.LostIntervals = append(r.LostIntervals, l.index)
		}
	}
	slices.Sort(r.LostIntervals)
	if r.Lost > 0 {
		r.Err = s.failure
		if r.Err == nil {
			r.Err = ctx.Err()
		}
	}
	return r
}

// probe returns the records of lines, for a report of what was lost.
func probe(lines []byte) []lostRecord {
	var out []lostRecord
	for _, line := range bytes.SplitAfter(lines, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var rec struct {
			Type  string `json:"type"`
			Index int64  `json:"index"`
			Phase string `json:"phase"`
		}
		_ = json.Unmarshal(line, &rec) // an unreadable line is still one lost record
		out = append(out, lostRecord{rec.Type, rec.Index, rec.Phase})
	}
	return out
}

func (s *Sink) isClosing() bool {
	select {
	case <-s.closing:
		return true
	default:
		return false
	}
}

// loop appends queued lines until Close, retrying failed appends with
// back-off; it gives up on an error that trying again cannot cure.
func (s *Sink) loop() {
	defer close(s.done)
	delay := retryMin
	for {
		if !s.isClosing() {
			select {
			case <-s.wake:
			case <-s.closing:
			}
			gather := s.opts.Gather
			if s.blocks > 40_000 {
				gather = max(gather, 30*time.Second)
			}
			timer := time.NewTimer(gather)
			select {
			case <-timer.C:
			case <-s.closing:
			}
			timer.Stop()
		}
		err := s.drain()
		switch {
		case err == nil:
			delay = retryMin
			if s.isClosing() {
				return
			}
			continue
		case s.ctx.Err() != nil:
			return // Close's deadline: the last storage error says why
		case permanent(err):
			s.setFailure(err, true)
			return
		}
		s.setFailure(err, false)
		timer := time.NewTimer(delay)
		select {
		case <-timer.C:
		case <-s.ctx.Done():
			timer.Stop()
			return
		}
		delay = min(2*delay, retryMax)
		select { // try again at once, without waiting for a new line
		case s.wake <- struct{}{}:
		default:
		}
	}
}

func (s *Sink) setFailure(err error, fatal bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failure = err
	if fatal {
		s.dead = true
		for _, line := range s.queue {
			s.lost = append(s.lost, probe(line)...)
		}
		s.queue, s.queued = nil, 0
	}
}

// drain appends every queued line, in batches of whole lines.
func (s *Sink) drain() error {
	for {
		if s.inflight == nil {
			if !s.nextBatch() {
				return nil
			}
			continue
		}
		if !s.created {
			if err := s.create(); err != nil {
				return err
			}
		}
		if err := s.appendBatch(s.inflight); err != nil {
			return err
		}
		s.mu.Lock()
		s.queue = s.queue[s.inflightLines:]
		s.queued -= len(s.inflight)
		s.written += s.inflightLines
		s.mu.Unlock()
		s.inflight, s.inflightLines = nil, 0
	}
}

// nextBatch sets the next batch of queued lines in flight; false when none
// is queued.
func (s *Sink) nextBatch() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.queue) > 0 && len(s.queue[0]) > maxAppend { // too long for any append
		s.lost = append(s.lost, probe(s.queue[0])...)
		s.failure = fmt.Errorf("a record of %d bytes is longer than an append (%d)", len(s.queue[0]), maxAppend)
		s.queued -= len(s.queue[0])
		s.queue = s.queue[1:]
	}
	var batch []byte
	n := 0
	for _, line := range s.queue {
		if len(batch)+len(line) > maxAppend {
			break
		}
		batch = append(batch, line...)
		n++
	}
	if n == 0 {
		return false
	}
	s.inflight, s.inflightLines = batch, n
	return true
}

// metadataAttempt is the blob metadata key naming the writer's attempt.
const metadataAttempt = "amrbench_attempt"

// create creates the empty append blob, failing if it exists, unless it is
// this writer's own (a create whose reply was lost).
func (s *Sink) create() error {
	meta := map[string]*string{metadataAttempt: &s.attempt}
	if s.opts.RunID != "" {
		meta["amrbench_run"] = &s.opts.RunID
	}
	contentType := "application/x-ndjson"
	any := azcore.ETagAny
	_, err := s.client.Create(s.ctx, &appendblob.CreateOptions{
		Metadata:         meta,
		HTTPHeaders:      &blob.HTTPHeaders{BlobContentType: &contentType},
		AccessConditions: &blob.AccessConditions{ModifiedAccessConditions: &blob.ModifiedAccessConditions{IfNoneMatch: &any}},
	})
	if err != nil && bloberror.HasCode(err, bloberror.BlobAlreadyExists, bloberror.ConditionNotMet) {
		props, perr := s.client.GetProperties(s.ctx, nil)
		if perr != nil {
			return perr
		}
		if !s.ours(props.Metadata) || props.ContentLength == nil || *props.ContentLength != 0 {
			return permanentError{fmt.Errorf("%s: %w", s.name, ErrSegmentExists)}
		}
		err = nil
	}
	if err != nil {
		return err
	}
	s.created, s.offset = true, 0
	return nil
}

// ours reports whether blob metadata names this writer's attempt.
func (s *Sink) ours(meta map[string]*string) bool {
	for k, v := range meta {
		if strings.EqualFold(k, metadataAttempt) && v != nil && *v == s.attempt {
			return true
		}
	}
	return false
}

// appendBatch appends batch at the blob's expected end.
func (s *Sink) appendBatch(batch []byte) error {
	pos := s.offset
	resp, err := s.client.AppendBlock(s.ctx, streaming.NopCloser(bytes.NewReader(batch)), &appendblob.AppendBlockOptions{
		AppendPositionAccessConditions: &appendblob.AppendPositionAccessConditions{AppendPosition: &pos},
	})
	if err == nil {
		s.offset += int64(len(batch))
		if resp.BlobCommittedBlockCount != nil {
			s.blocks = *resp.BlobCommittedBlockCount
		}
		return nil
	}
	if !bloberror.HasCode(err, bloberror.AppendPositionConditionNotMet) {
		return err
	}
	// The blob is not where this writer left it: either an earlier try of
	// this very append landed (its reply was lost and the SDK retried), or
	// someone else appended.
	landed, lerr := s.landed(batch)
	if lerr != nil {
		return lerr
	}
	if !landed {
		return permanentError{fmt.Errorf("%s changed under this writer (another writer appends to it)", s.name)}
	}
	s.offset += int64(len(batch))
	return nil
}

// landed reports whether the blob ends with batch at the expected offset.
func (s *Sink) landed(batch []byte) (bool, error) {
	props, err := s.client.GetProperties(s.ctx, nil)
	if err != nil {
		return false, err
	}
	if props.ContentLength == nil || *props.ContentLength != s.offset+int64(len(batch)) {
		return false, nil
	}
	resp, err := s.client.DownloadStream(s.ctx, &blob.DownloadStreamOptions{Range: blob.HTTPRange{Offset: s.offset, Count: int64(len(batch))}})
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(io.LimitReader(resp.Body, int64(len(batch))+1))
	if err != nil {
		return false, err
	}
	return bytes.Equal(got, batch), nil
}

// Upload uploads a file of the run directory as the block blob
// PREFIX/seg-<i>-of-<n>/name, failing if it exists (a second attempt never
// overwrites the first).
func (s *Sink) Upload(ctx context.Context, name string, body []byte) error {
	if strings.Contains(name, "/") || name == results.FileName {
		return fmt.Errorf("upload %q: a file name of the run directory other than %s", name, results.FileName)
	}
	full := path.Join(s.loc.SegmentDir(s.opts.Segment), name)
	client, err := s.access.blockClient(s.loc, full)
	if err != nil {
		return fmt.Errorf("blob %s: %w", full, err)
	}
	any := azcore.ETagAny
	_, err = client.Upload(ctx, streaming.NopCloser(bytes.NewReader(body)), &blockblob.UploadOptions{
		AccessConditions: &blob.AccessConditions{ModifiedAccessConditions: &blob.ModifiedAccessConditions{IfNoneMatch: &any}},
	})
	if err != nil {
		if bloberror.HasCode(err, bloberror.BlobAlreadyExists, bloberror.ConditionNotMet) {
			return fmt.Errorf("upload %s: it exists already, from another attempt at this segment", full)
		}
		return fmt.Errorf("upload %s: %s", full, describe(err))
	}
	return nil
}
