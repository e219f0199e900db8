package segment

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestParseSegment(t *testing.T) {
	tests := []struct {
		in      string
		want    Segment
		wantErr string
	}{
		{"0/1", Segment{0, 1}, ""},
		{"2/3", Segment{2, 3}, ""},
		{" 1 / 4 ", Segment{1, 4}, ""}, // spaces are forgiven
		{"3/3", Segment{}, "must be below n"},
		{"-1/3", Segment{}, "must be below n"},
		{"1/0", Segment{}, "at least 1"},
		{"1", Segment{}, "not a segment"},
		{"a/b", Segment{}, "not a segment"},
		{"", Segment{}, "not a segment"},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Parse(%q) error %v, want one containing %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Parse(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestSegmentSharesCoverTheWholeOnce(t *testing.T) {
	for _, tt := range []struct {
		total uint64
		n     int
	}{
		{50, 3},      // uneven: 16, 17, 17
		{3, 3},       // one each
		{7, 1},       // the whole
		{1 << 62, 7}, // no overflow
	} {
		next := uint64(0)
		for i := range tt.n {
			lo, hi := Segment{i, tt.n}.Share(tt.total)
			if lo != next || hi < lo {
				t.Fatalf("total %d, segment %d/%d: [%d, %d), want it to start at %d", tt.total, i, tt.n, lo, hi, next)
			}
			next = hi
		}
		if next != tt.total {
			t.Fatalf("total %d in %d segments: shares end at %d", tt.total, tt.n, next)
		}
	}
	if lo, hi := (Segment{}).Share(10); lo != 0 || hi != 10 {
		t.Fatalf("the zero segment's share of 10 is [%d, %d), want the whole", lo, hi)
	}
	if lo, hi := (Segment{1, 3}).Share(50); hi-lo != 17 {
		t.Fatalf("segment 1/3 of 50 is [%d, %d)", lo, hi)
	}
}

func TestSegmentValidateAndJSON(t *testing.T) {
	if err := (Segment{2, 3}).Validate(2); err == nil {
		t.Fatal("2 connections in 3 segments: no error")
	}
	if err := (Segment{2, 3}).Validate(3); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(struct{ S Segment }{Segment{1, 3}})
	if err != nil || string(b) != `{"S":"1/3"}` {
		t.Fatalf("JSON %s %v", b, err)
	}
	var back struct{ S Segment }
	if err := json.Unmarshal(b, &back); err != nil || back.S != (Segment{1, 3}) {
		t.Fatalf("decoded %v %v", back.S, err)
	}
}

// TestWholeIsZeroOfOne holds the text result headers use for the whole test
// (results compares a header's segment with it).
func TestWholeIsZeroOfOne(t *testing.T) {
	if got := Whole.String(); got != "0/1" {
		t.Fatalf("the whole test is %q, want 0/1", got)
	}
}
