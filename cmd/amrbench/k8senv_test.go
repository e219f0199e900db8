package main

import (
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/amrbench/amrbench/results"
)

func TestCheckJobIndex(t *testing.T) {
	t.Parallel()
	tests := []struct {
		index string
		seg   results.Segment
		want  string
	}{
		{"", results.Segment{Index: 2, Count: 3}, ""},
		{"2", results.Segment{Index: 2, Count: 3}, ""},
		{"1", results.Segment{Index: 2, Count: 3}, "--segment 2/3 disagrees with JOB_COMPLETION_INDEX 1: a pod of an Indexed Job runs --segment $(JOB_COMPLETION_INDEX)/3"},
		{"x", results.Segment{Index: 0, Count: 3}, `JOB_COMPLETION_INDEX "x" is not an index`},
	}
	for _, tt := range tests {
		env := &environment{getenv: func(k string) string { return map[string]string{"JOB_COMPLETION_INDEX": tt.index}[k] }}
		err := checkJobIndex(env, tt.seg)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%q with %s: %v", tt.index, tt.seg, err)
		case tt.want != "" && (err == nil || err.Error() != tt.want):
			t.Errorf("%q with %s: %v, want %q", tt.index, tt.seg, err, tt.want)
		case tt.want != "":
			if _, ok := err.(usageError); !ok {
				t.Errorf("%q: %T is not a usage error", tt.index, err)
			}
		}
	}
}

func TestPodPlacement(t *testing.T) {
	t.Parallel()
	env := &environment{getenv: func(k string) string {
		return map[string]string{"AMRBENCH_NODE_NAME": "aks-loadgen-1", "AMRBENCH_POD_NAME": "bench-1-x7k2p"}[k]
	}}
	if node, pod := podPlacement(env); node != "aks-loadgen-1" || pod != "bench-1-x7k2p" {
		t.Fatalf("node %q pod %q", node, pod)
	}
}

func TestStopEvent(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 23, 12, 0, 10, 0, time.UTC)
	end := at.Add(20 * time.Second)
	e := stopEvent(stopSignal{sig: syscall.SIGTERM, at: at}, true, end)
	if e == nil || e.Kind != results.EventStopped || !e.Time.Equal(at) || e.Detail != "SIGTERM at 2026-11-23T12:00:10Z, 20s before the planned end" {
		t.Fatalf("event %+v", e)
	}
	if e := stopEvent(stopSignal{sig: os.Interrupt, at: at}, true, time.Time{}); e == nil || !strings.HasPrefix(e.Detail, "SIGINT at") {
		t.Fatalf("a run without a planned end: %+v", e)
	}
	if e := stopEvent(stopSignal{sig: syscall.SIGTERM, at: end.Add(time.Millisecond)}, true, end); e != nil {
		t.Fatalf("a signal after the end: %+v", e)
	}
	if e := stopEvent(stopSignal{}, false, end); e != nil {
		t.Fatalf("no signal: %+v", e)
	}
}
