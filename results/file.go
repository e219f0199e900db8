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
	// Summary is the summary record, or nil if the file has none (the run was
	// killed before writing it).
	Summary *Summary
	// Truncated is set when the file ends in the middle of a line; everything
	// before that line was read.
	Truncated bool
}

// NamedRun is a run and the name it is shown under: usually the file or run
// directory it was read from. Merge, compare and plan take runs so named.
type NamedRun struct {
	Name string
	Run  *Run
}

// ErrNotResultFile is returned when the first record is not an amrbench
// header.
var ErrNotResultFile = errors.New("not an amrbench result file")

// Read reads a result file. A last line cut short (a killed writer) is
// skipped and reported in Run.Truncated; a malformed line elsewhere is an
// error naming its line number. Records of unknown types are skipped, so
// newer files with additional record types remain readable.
func Read(r io.Reader) (*Run, error) {
	br := bufio.NewReaderSize(r, 256<<10)
	run := &Run{}
	for lineNo := 1; ; lineNo++ {
		line, err := br.ReadBytes('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("line %d: %w", lineNo, err)
		}
		last := errors.Is(err, io.EOF)
		if len(bytes.TrimSpace(line)) > 0 {
			if perr := run.add(line, lineNo); perr != nil {
				if last && !bytes.HasSuffix(line, []byte("\n")) {
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

func (run *Run) add(line []byte, lineNo int) error {
	var probe struct {
		Type   string `json:"type"`
		Schema string `json:"schema"`
	}
	if err := json.Unmarshal(line, &probe); err != nil {
		if run.Header == nil {
			return fmt.Errorf("line %d: %w (%v)", lineNo, ErrNotResultFile, err)
		}
		return fmt.Errorf("line %d: %w", lineNo, err)
	}
	if run.Header == nil && probe.Type != TypeHeader {
		return fmt.Errorf("line %d: %w (first record is %q, want a header)", lineNo, ErrNotResultFile, probe.Type)
	}
	var rec any
	switch probe.Type {
	case TypeHeader:
		if run.Header != nil {
			return fmt.Errorf("line %d: a second header", lineNo)
		}
		if probe.Schema != Schema {
			return fmt.Errorf("line %d: schema %q, this build reads %q", lineNo, probe.Schema, Schema)
		}
		run.Header = &Header{}
		rec = run.Header
	case TypeInterval:
		iv := &Interval{}
		run.Intervals = append(run.Intervals, iv)
		rec = iv
	case TypeEvent:
		e := &Event{}
		run.Events = append(run.Events, e)
		rec = e
	case TypeSummary:
		run.Summary = &Summary{}
		rec = run.Summary
	default:
		return nil
	}
	if err := json.Unmarshal(line, rec); err != nil {
		switch probe.Type { // do not keep a half-decoded record
		case TypeInterval:
			run.Intervals = run.Intervals[:len(run.Intervals)-1]
		case TypeEvent:
			run.Events = run.Events[:len(run.Events)-1]
		case TypeSummary:
			run.Summary = nil
		}
		return fmt.Errorf("line %d: %s record: %w", lineNo, probe.Type, err)
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
	s.Verdict = Decide(run.Header, s)
	return s, nil
}
