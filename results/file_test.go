package results

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// interval builds an interval whose GET histogram holds the given latencies
// and whose SET histogram holds half of them.
func interval(index int64, phase string, getLatencies ...int64) *Interval {
	get, set := NewCommandStats(), NewCommandStats()
	for i, v := range getLatencies {
		get.Count++
		get.Response.RecordValue(v)
		get.Service.RecordValue(v / 2)
		get.BytesSent += 20
		if i%2 == 0 {
			get.Hits++
			set.Count++
			set.Response.RecordValue(v)
			set.Service.RecordValue(v)
		} else {
			get.Misses++
		}
	}
	get.Errors = map[ErrorClass]int64{ErrTimeout: 1}
	return &Interval{
		Index: index, Phase: phase, Connections: 4,
		Start:    t0.Add(time.Duration(index) * time.Second),
		End:      t0.Add(time.Duration(index+1) * time.Second),
		Commands: map[string]*CommandStats{"GET": get, "SET": set},
	}
}

func header() *Header {
	return &Header{RunID: "r1", Start: t0, Host: "h", Segment: "0/1", Mode: "closed", IntervalS: 1, Connections: 4, Pipeline: 1, Percentiles: []float64{50, 99.9, 95}, CountExcludesErrors: true}
}

func writeRun(t *testing.T, intervals ...*Interval) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := NewWriter(&buf)
	if err := w.WriteHeader(header()); err != nil {
		t.Fatal(err)
	}
	for _, iv := range intervals {
		if err := w.WriteInterval(iv); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.WriteEvent(&Event{Time: t0, Kind: EventReconnect, Detail: "x", Count: 2}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	data := writeRun(t, interval(0, PhaseWarmup, 5), interval(1, "", 100, 200, 300), interval(2, "", 400))
	run, err := Read(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if run.Truncated || run.Summary != nil || len(run.Intervals) != 3 || len(run.Events) != 1 {
		t.Fatalf("read back truncated=%v summary=%v intervals=%d events=%d", run.Truncated, run.Summary, len(run.Intervals), len(run.Events))
	}
	if run.Header.Schema != Schema || run.Header.Type != TypeHeader {
		t.Fatalf("header schema %q type %q", run.Header.Schema, run.Header.Type)
	}
	get := run.Intervals[1].Commands["GET"]
	if get.Count != 3 || get.Hits != 2 || get.Misses != 1 || get.Response.TotalCount() != 3 || get.Response.Max() != 300 {
		t.Fatalf("GET of interval 1 = %+v (max %d)", get, get.Response.Max())
	}
	if get.Errors[ErrTimeout] != 1 {
		t.Fatalf("errors = %v", get.Errors)
	}
}

func TestSummarizeSkipsWarmupAndAddsExactly(t *testing.T) {
	t.Parallel()
	ivs := []*Interval{interval(0, PhaseWarmup, 9_000_000), interval(1, "", 100, 200, 300), interval(2, "", 400)}
	s, err := Summarize(header(), ivs)
	if err != nil {
		t.Fatal(err)
	}
	get, all := s.Commands["GET"], s.Commands[AllCommands]
	if s.DurationS != 2 || get.Count != 4 || get.OpsPerSec != 2 || all.Count != 4+3 {
		t.Fatalf("duration %v, GET count %d at %v/s, ALL %d", s.DurationS, get.Count, get.OpsPerSec, all.Count)
	}
	if got, _ := get.Response.At(50); got != 200 {
		t.Errorf("GET p50 = %d, want 200", got)
	}
	if get.Response.MaxMicros != 400 || get.Service.MaxMicros != 200 {
		t.Errorf("GET max response %d service %d, want 400 and 200 (the warmup interval's 9 s is excluded)", get.Response.MaxMicros, get.Service.MaxMicros)
	}
	if get.Errors[ErrTimeout] != 2 || len(get.Errors) != len(ErrorClasses) {
		t.Errorf("errors %v: want timeout 2 and every class present", get.Errors)
	}
	// The requested 95 joins the defaults; the summary carries them in order.
	var ps []float64
	for _, p := range get.Response.Percentiles {
		ps = append(ps, p.Percentile)
	}
	if want := []float64{50, 90, 95, 99, 99.9, 99.99}; !equalFloats(ps, want) {
		t.Errorf("percentiles %v, want %v", ps, want)
	}
}

func equalFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestSummaryJSONShape(t *testing.T) {
	t.Parallel()
	s, err := Summarize(header(), []*Interval{interval(0, "", 100, 200)})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	for _, want := range []string{`"type":"summary"`, `"duration_s":1`, `"achieved_rate":`, `"GET":{"count":2,"ops_per_sec":2,`,
		`"response":{"mean_us":`, `"p99.9_us":`, `"p99.99_us":`, `"max_us":`, `"errors":{`, `"auth":0`} {
		if !strings.Contains(text, want) {
			t.Errorf("summary JSON lacks %s:\n%s", want, text)
		}
	}
	var back Summary
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if v, ok := back.Commands["GET"].Response.At(50); !ok || v != 100 {
		t.Errorf("p50 read back = %d, %v", v, ok)
	}
}

func TestReadTruncatedFile(t *testing.T) {
	t.Parallel()
	data := writeRun(t, interval(0, "", 100), interval(1, "", 200), interval(2, "", 300))
	// Cut the file in the middle of the last interval line, as a killed
	// writer would leave it.
	lines := bytes.SplitAfter(data, []byte("\n"))
	var cut []byte
	for _, l := range lines[:3] { // header + intervals 0 and 1
		cut = append(cut, l...)
	}
	cut = append(cut, lines[3][:len(lines[3])/2]...)
	run, err := Read(bytes.NewReader(cut))
	if err != nil {
		t.Fatal(err)
	}
	if !run.Truncated || len(run.Intervals) != 2 || run.Intervals[1].Index != 1 {
		t.Fatalf("truncated=%v, %d intervals", run.Truncated, len(run.Intervals))
	}
	s, err := run.Summarize()
	if err != nil || s.Commands["GET"].Count != 2 {
		t.Fatalf("summary of truncated file: %v, %v", s, err)
	}
}

// TestSummarizeWithoutIntervals checks that a file in which nothing was
// measured is an error, not a summary of zeros.
func TestSummarizeWithoutIntervals(t *testing.T) {
	t.Parallel()
	cutInFirst := func() []byte {
		data := writeRun(t, interval(0, "", 100))
		lines := bytes.SplitAfter(data, []byte("\n"))
		return append(lines[0], lines[1][:len(lines[1])/2]...) // header, half of interval 0
	}
	tests := []struct {
		name    string
		data    []byte
		wantErr error
		wantGet int64
	}{
		{"header only", writeRun(t)[:bytes.IndexByte(writeRun(t), '\n')+1], ErrNoIntervals, 0},
		{"header and an event", writeRun(t), ErrNoIntervals, 0},
		{"cut inside the first interval", cutInFirst(), ErrNoIntervals, 0},
		{"killed in the warmup", writeRun(t, interval(-2, PhaseWarmup, 100), interval(-1, PhaseWarmup, 200)), ErrNoIntervals, 0},
		// One measured interval, even with no operation in it, is a result.
		{"one measured interval", writeRun(t, interval(-1, PhaseWarmup, 100), interval(0, "", 300)), nil, 1},
		{"one idle measured interval", writeRun(t, interval(0, "")), nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run, err := Read(bytes.NewReader(tt.data))
			if err != nil {
				t.Fatal(err)
			}
			s, err := run.Summarize()
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr != nil {
				if s != nil || err.Error() != "no measured interval" {
					t.Fatalf("summary %v, error %q", s, err)
				}
				return
			}
			if got := s.Commands["GET"].Count; got != tt.wantGet {
				t.Fatalf("GET count %d, want %d", got, tt.wantGet)
			}
		})
	}
}

func TestReadRejects(t *testing.T) {
	t.Parallel()
	good := writeRun(t, interval(0, "", 100))
	tests := []struct {
		name string
		data string
		want string
	}{
		{"not JSON", "hello\n", "line 1"},
		{"no header", `{"type":"interval"}` + "\n", "not an amrbench result file"},
		{"other schema", `{"type":"header","schema":"other/v9"}` + "\n", `schema "other/v9"`},
		{"corrupt middle line", strings.Replace(string(good), `"type":"interval"`, `"type":"interval","index":"x"`, 1), "line 2"},
		{"empty", "", "not an amrbench result file"},
	}
	for _, tt := range tests {
		_, err := Read(strings.NewReader(tt.data))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want containing %q", tt.name, err, tt.want)
		}
	}
	if _, err := Read(strings.NewReader("")); !errors.Is(err, ErrNotResultFile) {
		t.Errorf("empty file: %v is not ErrNotResultFile", err)
	}
}

func TestHistogramRangeIsNotClamped(t *testing.T) {
	t.Parallel()
	h := NewHistogram()
	hour := int64(time.Hour / time.Microsecond)
	for _, v := range []int64{1, hour, 2 * hour, 48 * hour} {
		if err := h.RecordValue(v); err != nil {
			t.Fatalf("recording %d µs: %v", v, err)
		}
	}
	if !h.ValuesAreEquivalent(h.Max(), 48*hour) {
		t.Fatalf("max %d, want about %d", h.Max(), 48*hour)
	}
	if p := NewPackedHDR(); p.RecordValue(48*hour) != nil {
		t.Fatal("packed histogram rejects 48 h")
	}
}

// endless is an io.Reader that never ends and never yields a newline, like
// /dev/zero; it counts what was read from it.
type endless struct{ read int64 }

func (e *endless) Read(p []byte) (int, error) {
	clear(p)
	e.read += int64(len(p))
	return len(p), nil
}

// TestReadBoundsLineLength checks that a file with an endless line (amrbench
// report /dev/zero) is refused once MaxLineBytes are read, naming the line,
// instead of being read into memory until the machine runs out of it.
func TestReadBoundsLineLength(t *testing.T) {
	t.Parallel()
	src := &endless{}
	_, err := Read(src)
	if !errors.Is(err, ErrLineTooLong) || !strings.HasPrefix(err.Error(), "line 1: ") {
		t.Fatalf("endless line: error %v, want line 1: ErrLineTooLong", err)
	}
	if src.read > MaxLineBytes+1<<20 {
		t.Fatalf("read %d bytes of an endless line, want at most about %d", src.read, MaxLineBytes)
	}

	// A long line after good ones is named by its number, and a line of
	// exactly the bound (newline included) is still read; read with a
	// smaller bound than MaxLineBytes keeps the test quick.
	good := writeRun(t, interval(0, "", 100))
	firstTwo := bytes.Join(bytes.SplitAfter(good, []byte("\n"))[:2], nil)
	const bound = 64 << 10
	if len(firstTwo) >= bound {
		t.Fatalf("the test's lines are %d bytes, more than the bound %d", len(firstTwo), bound)
	}
	pad := func(n int) []byte { // a record of unknown type, n bytes with its newline
		rec := []byte(`{"type":"padding","x":"`)
		rec = append(rec, bytes.Repeat([]byte("x"), n-len(rec)-3)...)
		return append(rec, "\"}\n"...)
	}
	atBound := append(append([]byte{}, firstTwo...), pad(bound)...)
	if run, err := read(bytes.NewReader(atBound), bound); err != nil || len(run.Intervals) != 1 {
		t.Fatalf("line of exactly the bound: %v", err)
	}
	overBound := append(append([]byte{}, firstTwo...), pad(bound+1)...)
	if _, err := read(bytes.NewReader(overBound), bound); !errors.Is(err, ErrLineTooLong) || !strings.HasPrefix(err.Error(), "line 3: ") {
		t.Fatalf("line 3 one byte over the bound: error %v, want line 3: ErrLineTooLong", err)
	}
}

// TestReadFileNamesFileAndLine checks the message a user sees for a file
// that is not a result file: the file, the line and what is wrong.
func TestReadFileNamesFileAndLine(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := dir + "/neg.jsonl"
	data := strings.Replace(string(writeRun(t, interval(0, "", 100))), `"count":1`, `"count":-7`, 1)
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := ReadFile(path)
	want := path + ": line 2: interval record: GET count is -7: a count cannot be negative"
	if err == nil || err.Error() != want {
		t.Fatalf("error %v, want %q", err, want)
	}
}

// TestReadRejectsNegativeCounts checks that every count a report renders
// or adds up is refused when negative, with the line and the field named.
func TestReadRejectsNegativeCounts(t *testing.T) {
	t.Parallel()
	iv := interval(0, "", 100, 200)
	iv.Shards = map[string]*ShardStats{"10.0.0.1:6379": {Count: 2, Errors: map[ErrorClass]int64{ErrMoved: 1}, Response: NewHistogram()}}
	iv.Reauth = &ReauthStats{Count: 1, Expired: 1, Latency: NewHistogram()}
	good := string(writeRun(t, iv))
	if _, err := Read(strings.NewReader(good)); err != nil {
		t.Fatalf("the file before its counts are made negative: %v", err)
	}
	tests := []struct {
		old, new string
		want     string
	}{
		{`"connections":4,"pipeline"`, `"connections":-4,"pipeline"`, "line 1: header record: connections is -4"},
		{`"pipeline":1`, `"pipeline":-1`, "line 1: header record: pipeline is -1"},
		{`"count":2,"hits":1`, `"count":-2,"hits":1`, "line 2: interval record: GET count is -2"},
		{`"hits":1`, `"hits":-1`, "line 2: interval record: GET hits is -1"},
		{`"misses":1`, `"misses":-1`, "line 2: interval record: GET misses is -1"},
		{`"errors":{"timeout":1}`, `"errors":{"timeout":-1}`, "line 2: interval record: GET errors timeout is -1"},
		{`"bytes_sent":40`, `"bytes_sent":-40`, "line 2: interval record: GET bytes_sent is -40"},
		{`"connections":4,"commands"`, `"connections":-4,"commands"`, "line 2: interval record: connections is -4"},
		{`"errors":{"moved":1}`, `"errors":{"moved":-1}`, "line 2: interval record: shard 10.0.0.1:6379 errors moved is -1"},
		{`"connections_expired":1`, `"connections_expired":-1`, "line 2: interval record: reauth connections_expired is -1"},
		{`"count":2}`, `"count":-2}`, "line 3: event record: count is -2"},
	}
	for _, tt := range tests {
		if !strings.Contains(good, tt.old) {
			t.Fatalf("the test file holds no %s: %s", tt.old, good)
		}
		data := strings.Replace(good, tt.old, tt.new, 1)
		_, err := Read(strings.NewReader(data))
		if !errors.Is(err, ErrNegativeCount) || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q...", tt.new, err, tt.want)
		}
		// Not a cut line: a negative count on a last line without its
		// newline is refused all the same.
		if _, err := Read(strings.NewReader(strings.TrimSuffix(data, "\n"))); tt.want[5] == '3' && !errors.Is(err, ErrNegativeCount) {
			t.Errorf("%s on a last line without newline: error %v, want ErrNegativeCount", tt.new, err)
		}
	}
}

// TestReadHalfDecodedHeader checks that a file whose only line is a whole
// header that fails to decode, without its newline, is an error naming the
// line: it used to read as a cut run with a half-decoded header. Only a
// line that is not whole JSON counts as cut.
func TestReadHalfDecodedHeader(t *testing.T) {
	t.Parallel()
	data := `{"type":"header","schema":"` + Schema + `","run_id":"r1","connections":"four"}`
	run, err := Read(strings.NewReader(data))
	if run != nil || err == nil || !strings.HasPrefix(err.Error(), "line 1: header record: ") {
		t.Fatalf("a header that does not decode: run %+v, error %v, want an error naming line 1", run, err)
	}
}

// TestReadRejectsNullStatistics checks that a command or shard whose
// statistics are null is refused naming the line: Totals used to panic on
// it (found by FuzzRead).
func TestReadRejectsNullStatistics(t *testing.T) {
	t.Parallel()
	head := `{"type":"header","schema":"` + Schema + `"}` + "\n"
	tests := []struct{ line, want string }{
		{`{"type":"interval","commands":{"GET":null}}`, "line 2: interval record: GET is null"},
		{`{"type":"interval","commands":{},"shards":{"10.0.0.1:6379":null}}`, "line 2: interval record: shard 10.0.0.1:6379 is null"},
		{`{"type":"summary","commands":{"ALL":null}}`, "line 2: summary record: ALL is null"},
	}
	for _, tt := range tests {
		_, err := Read(strings.NewReader(head + tt.line + "\n"))
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s: error %v, want %q", tt.line, err, tt.want)
		}
	}
}

// TestReadKeepsHistogramsSmall reads ten minutes of one-second intervals
// (two commands, two histograms each) and checks what they hold in memory:
// a dense histogram of this geometry takes about 250 KB whatever it holds,
// which made an hour's file 3.5 GB; sparse ones take what their buckets
// need.
func TestReadKeepsHistogramsSmall(t *testing.T) {
	const n = 600
	ivs := make([]*Interval, n)
	for i := range ivs {
		ivs[i] = interval(int64(i), "", 180, 210, 250, 330, 470, 900, 1500, 12000)
	}
	data := writeRun(t, ivs...)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	run, err := Read(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	held := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	if len(run.Intervals) != n {
		t.Fatalf("read %d intervals, want %d", len(run.Intervals), n)
	}
	perHistogram := held / (4 * n)
	t.Logf("%d intervals hold %d KB: %d bytes per histogram", n, held>>10, perHistogram)
	if perHistogram > 8<<10 {
		t.Fatalf("%d intervals hold %d MB: %d bytes per histogram", n, held>>20, perHistogram)
	}
	runtime.KeepAlive(run)
}
