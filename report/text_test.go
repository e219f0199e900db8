package report

import (
	"testing"

	"github.com/amrbench/amrbench/internal/units"
	"github.com/amrbench/amrbench/results"
)

func TestDescribeLoadCountsInWords(t *testing.T) {
	tests := []struct {
		name           string
		conns, cpus    int
		reconnects     int64
		want, wantMore string
	}{
		{"one of each", 1, 1, 1, "closed loop, 1 connection, pipeline 1, 2.0 s measured, amrbench on 1 CPU",
			"Reconnects: 1 connection was reopened after connection errors.\n"},
		{"several", 8, 4, 3, "closed loop, 8 connections, pipeline 1, 2.0 s measured, amrbench on 4 CPUs",
			"Reconnects: 3 connections were reopened after connection errors.\n"},
		// An older file does not say how many CPUs amrbench had.
		{"CPUs unknown", 2, 0, 0, "closed loop, 2 connections, pipeline 1, 2.0 s measured", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &results.Header{Mode: results.ModeClosed, Connections: tt.conns, Pipeline: 1}
			h.Tool.CPUs = tt.cpus
			s := &results.Summary{DurationS: 2, Reconnects: tt.reconnects}
			if got := describeLoad(h, s); got != tt.want {
				t.Errorf("load %q, want %q", got, tt.want)
			}
			if got := describeRunIntegrity(h, s); got != tt.wantMore {
				t.Errorf("integrity %q, want %q", got, tt.wantMore)
			}
		})
	}
}

func TestPlural(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{
		{0, "0 errors were"},
		{1, "1 error was"}, // the only singular
		{2, "2 errors were"},
		{1000, "1000 errors were"},
	}
	for _, tt := range tests {
		if got := units.Plural(tt.n, "error") + " " + were(tt.n); got != tt.want {
			t.Errorf("%d: %q, want %q", tt.n, got, tt.want)
		}
	}
}
