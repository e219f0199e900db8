package stopsignal

import (
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/amrbench/amrbench/results"
)

func TestStopEvent(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 23, 12, 0, 10, 0, time.UTC)
	end := at.Add(20 * time.Second)
	e := Event(Stop{Signal: syscall.SIGTERM, At: at}, true, end, true, at)
	if e == nil || e.Kind != results.EventWarning || e.Code != results.WarnStoppedEarly || !e.Time.Equal(at) ||
		e.Detail != "SIGTERM at 2026-11-23T12:00:10Z, 20s before the planned end; every finished interval is in the results" {
		t.Fatalf("event %+v", e)
	}
	if e := Event(Stop{Signal: os.Interrupt, At: at}, true, time.Time{}, true, at); e == nil || !strings.HasPrefix(e.Detail, "SIGINT at") {
		t.Fatalf("a run without a planned end: %+v", e)
	}
	if Early(Stop{Signal: syscall.SIGTERM, At: end.Add(time.Millisecond)}, true, end) {
		t.Fatal("a signal after the planned end is early")
	}
	if !Early(Stop{Signal: syscall.SIGTERM, At: end.Add(time.Hour)}, true, time.Time{}) {
		t.Fatal("a signal to a run without a planned end is not early")
	}
	if Early(Stop{}, false, end) {
		t.Fatal("no signal is early")
	}
	if e := Event(Stop{}, false, end, false, end); e != nil {
		t.Fatalf("no signal: %+v", e)
	}
	if e := Event(Stop{}, false, end, true, at); e == nil || e.Code != results.WarnStoppedEarly || !e.Time.Equal(at) ||
		!strings.HasPrefix(e.Detail, "the run was stopped before its end (interrupted)") {
		t.Fatalf("interrupted without a signal: %+v", e)
	}
}

func TestNamesAndExitCodes(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		sig  os.Signal
		name string
		code int
	}{{os.Interrupt, "SIGINT", 130}, {syscall.SIGTERM, "SIGTERM", 143}, {syscall.SIGHUP, "hangup", 129}} {
		if got := Name(tt.sig); got != tt.name {
			t.Errorf("Name(%v) = %q, want %q", tt.sig, got, tt.name)
		}
		if got := ExitCode(tt.sig); got != tt.code {
			t.Errorf("ExitCode(%v) = %d, want %d", tt.sig, got, tt.code)
		}
	}
	err := Stop{Signal: syscall.SIGTERM, At: time.Now()}
	if err.Error() != "stopped by SIGTERM" {
		t.Errorf("Stop.Error() = %q", err.Error())
	}
}
