package results

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

// TestCountsBeyondInt64AreRefused checks that counts whose sums pass
// 2^63-1 — each one valid, as the reader checks them — are refused with
// ErrCountOverflow wherever they are added up, instead of wrapping round to
// the negative totals reports used to render.
func TestCountsBeyondInt64AreRefused(t *testing.T) {
	t.Parallel()
	const big = math.MaxInt64/2 + 1 // two of them pass MaxInt64
	at := func(i int64) *Interval {
		return &Interval{Type: TypeInterval, Index: i, Start: t0.Add(time.Duration(i) * time.Second), End: t0.Add(time.Duration(i+1) * time.Second),
			Commands: map[string]*CommandStats{}}
	}
	with := func(iv *Interval, name string, count int64, errs map[ErrorClass]int64) *Interval {
		cs := NewCommandStats()
		cs.Count, cs.Errors = count, errs
		cs.Response.RecordValue(100)
		cs.Service.RecordValue(100)
		iv.Commands[name] = cs
		return iv
	}
	tests := []struct {
		name      string
		intervals []*Interval
	}{
		{"two commands into ALL", []*Interval{with(with(at(0), "GET", big, nil), "SET", big, nil)}},
		{"one command over two intervals", []*Interval{with(at(0), "GET", big, nil), with(at(1), "GET", big, nil)}},
		{"errors by class", []*Interval{with(at(0), "GET", 1, map[ErrorClass]int64{ErrTimeout: big, ErrConnection: big})}},
		{"count and errors: the operations issued", []*Interval{with(at(0), "GET", big, map[ErrorClass]int64{ErrTimeout: big})}},
		{"late starts", func() []*Interval {
			a, b := with(at(0), "GET", 1, nil), with(at(1), "GET", 1, nil)
			a.LateStarts, b.LateStarts = big, big
			return []*Interval{a, b}
		}()},
		{"shards", func() []*Interval {
			iv := with(at(0), "GET", 2, nil)
			iv.Shards = map[string]*ShardStats{"a:1": {Count: big, Response: NewHistogram()}, "b:1": {Count: big, Response: NewHistogram()}}
			return []*Interval{iv}
		}()},
	}
	for _, tt := range tests {
		_, err := Summarize(header(), tt.intervals)
		if !errors.Is(err, ErrCountOverflow) {
			t.Errorf("%s: %v, want ErrCountOverflow", tt.name, err)
		}
	}
	// Just below the limit is a count like any other.
	s, err := Summarize(header(), []*Interval{with(with(at(0), "GET", math.MaxInt64-10, nil), "SET", 10, nil)})
	if err != nil || s.Commands[AllCommands].Count != math.MaxInt64 {
		t.Fatalf("counts adding up to 2^63-1: %v, %+v", err, s)
	}

	// Two intervals of two machines, each sound, whose sum is not.
	if err := with(at(0), "GET", big, nil).Add(with(at(0), "GET", big, nil)); !errors.Is(err, ErrCountOverflow) {
		t.Errorf("adding two intervals whose counts pass 2^63-1: %v, want ErrCountOverflow", err)
	}
	late := with(at(0), "GET", 1, nil)
	late.LateStarts = big
	if err := late.Add(late); !errors.Is(err, ErrCountOverflow) {
		t.Errorf("adding two intervals whose late starts pass 2^63-1: %v, want ErrCountOverflow", err)
	}
}

// TestReadRefusesARecordWhoseCountsOverflow checks the reader's side: one
// record whose count and errors, each valid, add up past 2^63-1 is refused
// naming its line, as a negative count is, before anything renders it.
func TestReadRefusesARecordWhoseCountsOverflow(t *testing.T) {
	t.Parallel()
	head := `{"type":"header","schema":"` + Schema + `"}` + "\n"
	tests := []struct{ line, want string }{
		{`{"type":"interval","commands":{"GET":{"count":9223372036854775807,"errors":{"timeout":1}}}}`, "line 2: interval record: GET count and errors: "},
		{`{"type":"interval","commands":{"GET":{"count":1,"errors":{"timeout":9223372036854775807,"oom":1}}}}`, "line 2: interval record: GET count and errors: "},
		{`{"type":"interval","commands":{},"shards":{"a:1":{"count":9223372036854775807,"errors":{"moved":1}}}}`, "line 2: interval record: shard a:1 count and errors: "},
		{`{"type":"summary","commands":{"ALL":{"count":4611686018427387904,"errors":{"timeout":4611686018427387904}}}}`, "line 2: summary record: ALL count and errors: "},
	}
	for _, tt := range tests {
		_, err := Read(strings.NewReader(head + tt.line + "\n"))
		if !errors.Is(err, ErrCountOverflow) || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q... (ErrCountOverflow)", tt.line, err, tt.want)
		}
	}
	// At the limit exactly, the record is sound.
	if _, err := Read(strings.NewReader(head + `{"type":"interval","commands":{"GET":{"count":9223372036854775806,"errors":{"timeout":1}}}}` + "\n")); err != nil {
		t.Errorf("count and errors adding up to 2^63-1: %v", err)
	}
}
