package preamble

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/amrbench/amrbench/bench"
	"github.com/amrbench/amrbench/results"
	"github.com/amrbench/amrbench/results/segment"
)

// TestClockWarning warns, before the run, when a run that will be merged
// (--segment, --start-at) runs on a clock off the server's; a whole run, or
// a clock within the tolerance, says nothing.
func TestClockWarning(t *testing.T) {
	split := bench.DefaultConfig()
	split.Segment = segment.Segment{Index: 0, Count: 2}
	tests := []struct {
		name  string
		clock *results.ClockReading
		cfg   bench.Config
		warn  bool
	}{
		{"a split run off by 300 ms", &results.ClockReading{OffsetMS: -300, UncertaintyMS: 0.5}, split, true},
		{"a split run within the tolerance", &results.ClockReading{OffsetMS: 40, UncertaintyMS: 20}, split, false},
		{"an uncertain reading", &results.ClockReading{OffsetMS: 80, UncertaintyMS: 40}, split, false},
		{"a whole run", &results.ClockReading{OffsetMS: 900, UncertaintyMS: 1}, bench.DefaultConfig(), false},
		{"no reading", nil, split, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, stderr bytes.Buffer
			h := &results.Header{Clock: tt.clock, Start: time.Unix(0, 0)}
			if err := Clock(&stderr, results.NewWriter(&out), h, tt.cfg); err != nil {
				t.Fatal(err)
			}
			event := strings.Contains(out.String(), `"code":"clock-offset"`)
			if event != tt.warn || strings.Contains(stderr.String(), "warning: this host's clock") != tt.warn {
				t.Fatalf("event %v, stderr %q; want a warning: %v", event, stderr.String(), tt.warn)
			}
		})
	}
}

func TestLine(t *testing.T) {
	t.Parallel()
	target := results.Target{Endpoint: "cache:10000", Server: "redis 7.4", TLS: true, ClusterPolicy: "oss", PolicyReason: "CLUSTER SLOTS answered"}
	closed := bench.DefaultConfig()
	closed.Connections, closed.Pipeline, closed.Duration, closed.Warmup = 4, 1, 30*time.Second, 0
	open := closed
	open.Rate, open.Warmup = 50000, 5*time.Second
	for _, tt := range []struct {
		cfg  bench.Config
		want string
	}{
		{closed, "target cache:10000 (redis 7.4, TLS, oss: CLUSTER SLOTS answered); 4 connections, closed loop, pipeline 1, 30s measured; results in out"},
		{open, "target cache:10000 (redis 7.4, TLS, oss: CLUSTER SLOTS answered); 4 connections, open loop: 50k ops/s, pipeline 1, 30s measured after 5s of warmup; results in out"},
	} {
		if got := Line(target, tt.cfg, "out"); got != tt.want {
			t.Errorf("Line =\n%s\nwant\n%s", got, tt.want)
		}
	}
}
