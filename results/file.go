package results

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// Writer appends records to a result file. Every record is written and
// flushed to the operating system as one line before Write returns, so a
// killed process leaves every finished record on disk. It is safe for
// concurrent use.
type Writer struct {
	mu  sync.Mutex
	w   io.Writer
	buf bytes.Buffer
}

// NewWriter returns a Writer appending to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// WriteHeader writes the header record.
func (w *Writer) WriteHeader(h *Header) error {
	h.Type, h.Schema = TypeHeader, Schema
	return w.write(h)
}

// WriteInterval writes an interval record.
func (w *Writer) WriteInterval(iv *Interval) error {
	iv.Type = TypeInterval
	return w.write(iv)
}

// WriteEvent writes an event record.
func (w *Writer) WriteEvent(e *Event) error {
	e.Type = TypeEvent
	return w.write(e)
}

// WriteServer writes a server record.
func (w *Writer) WriteServer(s *ServerInterval) error {
	s.Type = TypeServer
	return w.write(s)
}

// WriteAzureMetrics writes an Azure Monitor record.
func (w *Writer) WriteAzureMetrics(a *AzureMetrics) error {
	a.Type = TypeAzureMetrics
	return w.write(a)
}

// WriteSummary writes the summary record.
func (w *Writer) WriteSummary(s *Summary) error {
	s.Type = TypeSummary
	return w.write(s)
}

func (w *Writer) write(rec any) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Reset()
	enc := json.NewEncoder(&w.buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(rec); err != nil { // Encode ends the line with '\n'
		return fmt.Errorf("encode result record: %w", err)
	}
	// One Write per record: a reader sees a whole line or a cut one, never
	// two records interleaved.
	if _, err := w.w.Write(w.buf.Bytes()); err != nil {
		return fmt.Errorf("write result record: %w", err)
	}
	return nil
}

// Run is a result file read back.
type Run struct {
	Header    *Header
	Intervals []*Interval
	Events    []*Event
	// Server holds the servers' own statistics, one record per interval,
	// in the order written; empty when the run did not read them.
	Server []*ServerInterval
	// Azure holds what Azure Monitor recorded about the cache; empty
	// unless the run was given the cache's resource ID.
	Azure []*AzureMetrics
	// Summary is the summary record, or nil if the file has none (the run was
	// killed before writing it).
	Summary *Summary
	// Truncated is set when the file ends in the middle of a line; everything
	// before that line was read.
	Truncated bool
}

// NamedRun is a run and the name it is shown under: usually the file or run
// directory it was read from. merge.Runs, compare and plan take runs so named.
type NamedRun struct {
	Name string
	Run  *Run
}

// ErrNotResultFile is returned when the first record is not an amrbench
// header.
var ErrNotResultFile = errors.New("not an amrbench result file")

// MaxLineBytes bounds one line of a result file, so that a file that is not
// one (/dev/zero, a binary, one endless line) is refused after reading that
// much instead of being read into memory whole.
//
// The longest line amrbench writes is an interval of a cluster run: two
// histograms per command and one per shard, each a V2 compressed
// histogram. A histogram of a busy second (a million operations spread over
// six decades, 10 µs to 10 s) encodes to about 17 KB, so an interval of an
// X700 in the OSS policy (384 shards) is about 7 MB; a histogram with every
// one of its 31,744 buckets filled with large counts, which no run records,
// encodes to 235 KB (an interval with 2 commands and 3 shards: 1.6 MB). The
// bound leaves ten times the first, and costs a reader of a hostile file no
// more than 64 MiB.
const MaxLineBytes = 64 << 20

// ErrLineTooLong is returned for a line longer than MaxLineBytes.
var ErrLineTooLong = fmt.Errorf("a line longer than %d MiB, more than any result record holds", MaxLineBytes>>20)

// Read reads a result file. A last line cut short (a killed writer) is
// skipped and reported in Run.Truncated; a malformed line elsewhere, a line
// longer than MaxLineBytes or a negative count is an error naming its line
// number. Records of unknown types are skipped, so newer files with
// additional record types remain readable.
func Read(r io.Reader) (*Run, error) {
	return read(r, MaxLineBytes)
}

// read is Read with lines of at most maxLine bytes.
func read(r io.Reader, maxLine int) (*Run, error) {
	br := bufio.NewReaderSize(r, 256<<10)
	run := &Run{}
	var line []byte
	for lineNo := 1; ; lineNo++ {
		var err error
		line, err = readLine(br, line[:0], maxLine)
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("line %d: %w", lineNo, err)
		}
		last := errors.Is(err, io.EOF)
		if len(bytes.TrimSpace(line)) > 0 {
			if perr := run.add(line, lineNo); perr != nil {
				// Only a line cut short (invalid JSON) is a cut; a whole
				// record that is unsound is an error wherever it is.
				if last && !bytes.HasSuffix(line, []byte("\n")) && errors.As(perr, new(*json.SyntaxError)) {
					run.Truncated = true
					break
				}
				return nil, perr
			}
		}
		if last {
			break
		}
	}
	if run.Header == nil {
		return nil, ErrNotResultFile
	}
	run.normalizeCounts()
	return run, nil
}

// normalizeCounts gives a file written before counts excluded errors the
// meaning of today's: its counts included the failed operations, which are
// also in errors, so they are subtracted, from the intervals' commands and
// shards and from the summary's commands, whose rates are scaled to match.
// (The latency histograms of such a file hold the failures too; that
// cannot be undone.) The header is then marked as counting successes.
func (run *Run) normalizeCounts() {
	if run.Header.CountExcludesErrors {
		return
	}
	for _, iv := range run.Intervals {
		for _, cs := range iv.Commands {
			cs.Count = max(cs.Count-cs.ErrorCount(), 0)
		}
		for _, ss := range iv.Shards {
			ss.Count = max(ss.Count-ss.ErrorCount(), 0)
		}
	}
	if s := run.Summary; s != nil {
		for name, cs := range s.Commands {
			was := cs.Count
			cs.Count = max(cs.Count-cs.ErrorCount(), 0)
			if was > 0 {
				cs.OpsPerSec *= float64(cs.Count) / float64(was)
			}
			cs.ErrorRate = errorRate(cs.ErrorCount(), cs.Count)
			if name == AllCommands {
				s.AchievedRate = cs.OpsPerSec
				s.ErrorsTotal, s.ErrorRate = cs.ErrorCount(), cs.ErrorRate
			}
		}
		for _, ss := range s.Shards {
			was := ss.Count
			ss.Count = max(ss.Count-ss.ErrorCount(), 0)
			if was > 0 {
				ss.OpsPerSec *= float64(ss.Count) / float64(was)
			}
		}
	}
	run.Header.CountExcludesErrors = true
}

// readLine appends the next line of br, with its '\n', to buf and returns
// it; io.EOF when the input ends (a last line without '\n' comes with it),
// ErrLineTooLong when the line would pass maxLine bytes.
func readLine(br *bufio.Reader, buf []byte, maxLine int) ([]byte, error) {
	for {
		frag, err := br.ReadSlice('\n')
		if len(buf)+len(frag) > maxLine {
			return buf, ErrLineTooLong
		}
		buf = append(buf, frag...)
		if !errors.Is(err, bufio.ErrBufferFull) {
			return buf, err
		}
	}
}

func (run *Run) add(line []byte, lineNo int) error {
	var probe struct {
		Type   string `json:"type"`
		Schema string `json:"schema"`
	}
	if err := json.Unmarshal(line, &probe); err != nil {
		if run.Header == nil {
			return fmt.Errorf("line %d: %w (%w)", lineNo, ErrNotResultFile, err)
		}
		return fmt.Errorf("line %d: %w", lineNo, err)
	}
	if run.Header == nil && probe.Type != TypeHeader {
		return fmt.Errorf("line %d: %w (first record is %q, want a header)", lineNo, ErrNotResultFile, probe.Type)
	}
	var rec interface{ check() error }
	switch probe.Type {
	case TypeHeader:
		if run.Header != nil {
			return fmt.Errorf("line %d: a second header", lineNo)
		}
		if probe.Schema != Schema {
			return fmt.Errorf("line %d: schema %q, this build reads %q", lineNo, probe.Schema, Schema)
		}
		rec = &Header{}
	case TypeInterval:
		rec = &Interval{}
	case TypeEvent:
		rec = &Event{}
	case TypeSummary:
		rec = &Summary{}
	case TypeServer:
		rec = &ServerInterval{}
	case TypeAzureMetrics:
		rec = &AzureMetrics{}
	default:
		return nil
	}
	// A record joins the run only once it is whole and sound.
	if err := json.Unmarshal(line, rec); err != nil {
		return fmt.Errorf("line %d: %s record: %w", lineNo, probe.Type, err)
	}
	if err := rec.check(); err != nil {
		return fmt.Errorf("line %d: %s record: %w", lineNo, probe.Type, err)
	}
	switch r := rec.(type) {
	case *Header:
		run.Header = r
	case *Interval:
		run.Intervals = append(run.Intervals, r)
	case *Event:
		run.Events = append(run.Events, r)
	case *Summary:
		run.Summary = r
	case *ServerInterval:
		run.Server = append(run.Server, r)
	case *AzureMetrics:
		run.Azure = append(run.Azure, r)
	}
	return nil
}

// ReadFile reads the result file at path; a directory is taken to be a run
// directory holding result.jsonl.
func ReadFile(path string) (*Run, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		path = path + string(os.PathSeparator) + FileName
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	run, err := Read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return run, nil
}

// FileName is the name of the result file in a run directory.
const FileName = "result.jsonl"

// Summarize computes the run's summary from its header, intervals and
// events (never from a summary record, which a truncated file lacks). It
// returns ErrNoIntervals when the file holds no measured interval.
func (run *Run) Summarize() (*Summary, error) {
	s, err := Summarize(run.Header, run.Intervals)
	if err != nil {
		return nil, err
	}
	if s.Auth, err = SummarizeAuth(run.Header, run.Intervals, run.Events); err != nil {
		return nil, err
	}
	s.Warnings = Warnings(run.Events)
	s.ErrorSamples = ErrorSamples(run.Events)
	s.Servers = SummarizeServers(run)
	s.Verdict = Decide(run.Header, s, FindServerBound(run.Intervals, run.Server))
	return s, nil
}

// MeasuredStart returns where the run's measured window starts by its
// host's clock: --start-at if it was given, else the start of interval 0 as
// the intervals place it. Warmup intervals lie before it.
//
// Interval k of a run covers [start + k*interval, start + (k+1)*interval),
// except that the first begins no earlier than the load did and the last
// ends when the last reply arrived.
func (run *Run) MeasuredStart() time.Time {
	if !run.Header.StartAt.IsZero() {
		return run.Header.StartAt
	}
	interval := run.Header.IntervalDuration()
	ivs := run.Intervals
	switch {
	case len(ivs) == 0:
		return run.Header.Start
	case len(ivs) == 1 || interval <= 0:
		return ivs[0].Start.Add(-time.Duration(ivs[0].Index) * interval)
	default: // the first interval's end is on the grid even when its start is not
		return ivs[0].End.Add(-time.Duration(ivs[0].Index+1) * interval)
	}
}
