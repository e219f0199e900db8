package live

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/amrbench/amrbench/bench"
	"github.com/amrbench/amrbench/report"
	"github.com/amrbench/amrbench/results"
)

// newPlain returns an observer off a terminal, its standard error and its
// result file.
func newPlain(quiet bool) (*Observer, *bytes.Buffer, *bytes.Buffer) {
	var stderr, file bytes.Buffer
	h := &results.Header{IntervalS: 1}
	return New(Options{Stderr: &stderr, Header: h, Writer: results.NewWriter(&file), Quiet: quiet, Duration: time.Minute}), &stderr, &file
}

func TestObserverWritesEveryRecordAndPrintsPlainLines(t *testing.T) {
	t.Parallel()
	o, stderr, file := newPlain(false)
	end := time.Date(2026, 11, 23, 12, 0, 1, 0, time.UTC)
	iv := &results.Interval{Index: 0, Start: end.Add(-time.Second), End: end, Connections: 2}
	events := []*results.Event{
		{Time: end, Kind: results.EventUnreachable, Detail: "10.0.0.1:6380: connection refused"},
		{Time: end, Kind: results.EventReplyWait, Detail: "polled"},
	}
	for _, e := range events {
		if err := o.Event(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := o.Interval(iv); err != nil {
		t.Fatal(err)
	}
	if err := o.Event(&results.Event{Time: end, Kind: results.EventReachable, Detail: "10.0.0.1:6380: open again"}); err != nil {
		t.Fatal(err)
	}
	if err := o.Interval(iv); err != nil {
		t.Fatal(err)
	}
	o.Progress(bench.StageConnect, 600, 600)
	o.Finish()
	line := report.LiveLine(o.header, iv)
	want := "amrbench: unreachable: 10.0.0.1:6380: connection refused\n" +
		line + "  UNREACHABLE 10.0.0.1:6380: reconnecting\n" +
		"amrbench: reachable: 10.0.0.1:6380: open again\n" +
		line + "\n" +
		"amrbench: opened 600 connections in "
	if got := stderr.String(); !strings.HasPrefix(got, want) || !strings.HasSuffix(got, " s\n") || strings.ContainsAny(got, "\r\x1b") {
		t.Fatalf("stderr:\n%q\nwant it to begin:\n%q", got, want)
	}
	// Every record is in the result file, the reply wait too.
	if n := strings.Count(file.String(), "\n"); n != 5 {
		t.Fatalf("%d records in the result file, want 5:\n%s", n, file.String())
	}
}

func TestQuietObserverPrintsOnlyWarningsAndUnreachable(t *testing.T) {
	t.Parallel()
	o, stderr, file := newPlain(true)
	now := time.Now()
	_ = o.Interval(&results.Interval{End: now})
	_ = o.Event(&results.Event{Time: now, Kind: results.EventReachable, Detail: "a:1: open"})
	_ = o.Event(&results.Event{Time: now, Kind: results.EventWarning, Detail: "w"})
	_ = o.Event(&results.Event{Time: now, Kind: results.EventUnreachable, Detail: "a:1: down"})
	o.Progress(bench.StagePreload, 10, 10)
	if got, want := stderr.String(), "amrbench: warning: w\namrbench: unreachable: a:1: down\n"; got != want {
		t.Fatalf("stderr %q, want %q", got, want)
	}
	if n := strings.Count(file.String(), "\n"); n != 4 {
		t.Fatalf("%d records in the result file, want 4", n)
	}
}

func TestSmallConnectStageShowsNoProgress(t *testing.T) {
	t.Parallel()
	o, stderr, _ := newPlain(false)
	o.Progress(bench.StageConnect, connectProgressMin-1, connectProgressMin-1)
	o.Progress(bench.StagePreload, 0, 0)
	if stderr.Len() != 0 {
		t.Fatalf("stderr %q, want nothing", stderr.String())
	}
}
