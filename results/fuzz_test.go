package results

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// seedRun returns a result file holding every kind of record, for the seed
// corpus of FuzzRead.
func seedRun(f *testing.F) []byte {
	f.Helper()
	var buf bytes.Buffer
	w := NewWriter(&buf)
	h := header()
	h.Target = Target{Endpoint: "127.0.0.1:6379", ClusterPolicy: "oss", Auth: "entra", Shards: 3}
	h.Config = json.RawMessage(`{"connections":4}`)
	h.SLO = []string{"p99<2ms"}
	must := func(err error) {
		if err != nil {
			f.Fatal(err)
		}
	}
	must(w.WriteHeader(h))
	for i := range 3 {
		iv := interval(int64(i), []string{PhaseWarmup, "step 1: 1k ops/s", ""}[i], 100, 2000, 30000)
		iv.TargetRate, iv.LateStarts, iv.Reconnects = 1000, 2, 1
		iv.Shards = map[string]*ShardStats{"10.0.0.1:6379": {Count: 3, Errors: map[ErrorClass]int64{ErrMoved: 1}, Response: NewHistogram()}}
		iv.Reauth = NewReauthStats()
		iv.Reauth.Count = 1
		must(iv.Reauth.Latency.RecordValue(250))
		must(w.WriteInterval(iv))
	}
	must(w.WriteEvent(&Event{Time: t0, Kind: EventTokenRefresh, Outcome: OutcomeRenewed, Token: 2, Detail: "x"}))
	must(w.WriteEvent(&Event{Time: t0, Kind: EventReauth, Outcome: OutcomePartial, Count: 3, Failed: 1}))
	run, err := Read(bytes.NewReader(buf.Bytes()))
	must(err)
	s, err := run.Summarize()
	must(err)
	must(w.WriteSummary(s))
	return buf.Bytes()
}

// FuzzRead feeds result files to Read. Read never panics; what it accepts,
// Summarize either summarises or refuses, and writing it again gives a file
// that reads back the same (merge writes what it read).
func FuzzRead(f *testing.F) {
	good := seedRun(f)
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add(bytes.ReplaceAll(good, []byte(`"count":3`), []byte(`"count":-3`)))
	f.Add([]byte(`{"type":"header","schema":"` + Schema + `"}` + "\n" + `{"type":"interval","commands":{"GET":{"count":1,"response":"HISTFAAAACR4nJNpmSzMwMDAxQABzFCaEUzOmNZg/wEi0NzIyLQcAG0uBHk="}}}` + "\n"))
	f.Add([]byte("\x00\x00\n\n{}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		run, err := Read(bytes.NewReader(data))
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("a multi-line error: %q", err)
			}
			return
		}
		if run.Header == nil {
			t.Fatal("Read accepted a file without a header")
		}
		if s, err := run.Summarize(); err == nil && s == nil {
			t.Fatal("Summarize returned neither a summary nor an error")
		}
		again, ok := rewrite(t, run)
		if !ok {
			return // a record the writer cannot encode (a time beyond year 9999): an error, not a panic
		}
		back, err := Read(bytes.NewReader(again))
		if err != nil {
			t.Fatalf("a file written from what Read accepted does not read back: %v\n%s", err, again)
		}
		if len(back.Intervals) != len(run.Intervals) || len(back.Events) != len(run.Events) || (back.Summary == nil) != (run.Summary == nil) {
			t.Fatalf("read back %d intervals, %d events, summary %v; wrote %d, %d, %v",
				len(back.Intervals), len(back.Events), back.Summary != nil, len(run.Intervals), len(run.Events), run.Summary != nil)
		}
		if twice, ok := rewrite(t, back); !ok || !bytes.Equal(twice, again) {
			t.Fatalf("writing the file read back differs:\n%s\n%s", again, twice)
		}
	})
}

// rewrite writes run as a result file; false if a record cannot be encoded.
func rewrite(t *testing.T, run *Run) ([]byte, bool) {
	t.Helper()
	var buf bytes.Buffer
	w := NewWriter(&buf)
	h := *run.Header
	if w.WriteHeader(&h) != nil {
		return nil, false
	}
	for _, iv := range run.Intervals {
		if w.WriteInterval(iv) != nil {
			return nil, false
		}
	}
	for _, e := range run.Events {
		if w.WriteEvent(e) != nil {
			return nil, false
		}
	}
	if run.Summary != nil && w.WriteSummary(run.Summary) != nil {
		return nil, false
	}
	return buf.Bytes(), true
}

// FuzzHistogramJSON feeds strings to the histogram decoder, the one part of
// a result file (and of an HdrHistogram interval log line) that is not
// plain JSON: V2 compressed base64. It never panics; what it decodes,
// encodes to a string that decodes to an equal histogram.
func FuzzHistogramJSON(f *testing.F) {
	h := NewHistogram()
	for _, v := range []int64{1, 2, 100, 1000, 123456, HistogramHighest} {
		if err := h.RecordValue(v); err != nil {
			f.Fatal(err)
		}
	}
	enc, err := h.MarshalJSON()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(enc))
	empty, _ := NewHistogram().MarshalJSON()
	f.Add(string(empty))
	f.Add(`"HISTFAAAACR4nJNpmSzMwMDAxQABzFCaEUzOmNZg/wEi0NzIyLQcAG0uBHk="`)
	f.Add(`null`)
	f.Add(`"HISTFAAAAAh4nAMAAAAAAQ=="`)
	f.Add(`"AAAA"`)
	f.Fuzz(func(t *testing.T, s string) {
		var got Histogram
		if err := json.Unmarshal([]byte(s), &got); err != nil || got.PackedHistogram == nil {
			return
		}
		enc, err := json.Marshal(&got)
		if err != nil {
			t.Fatalf("a decoded histogram does not encode: %v", err)
		}
		var back Histogram
		if err := json.Unmarshal(enc, &back); err != nil {
			t.Fatalf("an encoded histogram does not decode: %v", err)
		}
		if !back.Equals(&got) {
			t.Fatalf("decode(encode(h)) differs from h: %s", enc)
		}
	})
}

// FuzzParseObjective feeds --slo texts to ParseObjectives. It never panics;
// what it accepts has a canonical String that parses to the same objective.
func FuzzParseObjective(f *testing.F) {
	for _, seed := range []string{"p99<2ms", "p99.9<=10ms", "service:p99<1ms", "GET:p99.99<5ms", "service:GET:p50<500us",
		"SET:response:p90<1.5µs", "ALL:p100<1h", "p99<2ms,p99.9<10ms", "p0.0001<1us", "p99>2ms", "p99<0.5us", ",", ":::"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		objs, err := ParseObjectives([]string{s})
		if err != nil {
			return
		}
		for _, o := range objs {
			if !(o.Percentile > 0 && o.Percentile <= 100) || o.Limit < time.Microsecond {
				t.Fatalf("%q: accepted %+v", s, o)
			}
			back, err := ParseObjective(o.String())
			if err != nil {
				t.Fatalf("%q: canonical form %q does not parse: %v", s, o.String(), err)
			}
			back.Text = o.Text
			if back != o {
				t.Fatalf("%q: canonical form %q parses to %+v, want %+v", s, o.String(), back, o)
			}
		}
	})
}
