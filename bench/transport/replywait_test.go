package transport

import (
	"bufio"
	"context"
	"errors"
	"net"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/amrbench/amrbench/internal/benchtest"
)

// TestJudge follows the choice of mode through windows of reads and empty
// polls.
func TestJudge(t *testing.T) {
	if !pollingSupported {
		t.Skip("reads do not poll on this platform")
	}
	t0 := time.Unix(1000, 0)
	const ms = time.Millisecond
	type window struct {
		at             time.Duration // since t0
		reads, empties int64
		wantPolling    bool
	}
	good, bad := [2]int64{1000, 24}, [2]int64{500, 524}
	w := func(at time.Duration, counts [2]int64, polling bool) window {
		return window{at, counts[0], counts[1], polling}
	}
	tests := []struct {
		name       string
		started    bool
		windows    []window
		wantSpells int
	}{
		{"parked until the load starts", false, []window{
			w(0, good, false),
			w(5000*ms, good, false),
		}, 0},
		{"polling from the start of the load", true, []window{
			w(0, good, true),
			w(10*ms, good, true),
		}, 0},
		{"the load's polling is a try: it ends at its first bad window", true, []window{
			w(0, good, true),
			w(500*ms, bad, false), // park until 600 ms
			w(590*ms, good, false),
			w(600*ms, good, true), // the next try
			w(700*ms, bad, false), // park until 900 ms: the back-off doubled
			w(890*ms, good, false),
			w(900*ms, good, true),
		}, 2},
		{"a try that polls well for trialLength is trusted: one bad window is polled through", true, []window{
			w(0, good, true),
			w(1000*ms, good, true), // trusted
			w(1010*ms, bad, true),
			w(1020*ms, good, true),
			w(1030*ms, bad, true),
		}, 0},
		{"trusted: bad windows for less than minBadTime are polled through", true, []window{
			w(0, good, true),
			w(1000*ms, good, true),
			w(1010*ms, bad, true),
			w(1020*ms, bad, true),
			w(1030*ms, bad, true),
		}, 0},
		{"exactly maxEmptyPerRead per reply is a good window", true, []window{
			w(0, [2]int64{512, 512}, true),
			w(1000*ms, [2]int64{512, 512}, true),
			w(1100*ms, [2]int64{512, 512}, true),
		}, 0},
		{"trusted, then bad for minBadTime: park, and try again after the back-off", true, []window{
			w(0, good, true),
			w(1000*ms, good, true),
			w(1010*ms, bad, true),
			w(1040*ms, bad, true),
			w(1060*ms, bad, false), // bad since 1010 ms: park until 1160 ms
			w(1100*ms, good, false),
			w(1160*ms, good, true), // the try
			w(2160*ms, good, true), // trusted again: the back-off is back to 100 ms
			w(2170*ms, bad, true),  // polled through
			w(2230*ms, bad, false), // park until 2330 ms
			w(2320*ms, good, false),
			w(2330*ms, good, true),
		}, 2},
		{"windows good and bad by turns never hold a try, so tries grow rarer", true, []window{
			w(0, good, true),
			w(10*ms, bad, false), // park until 110 ms
			w(110*ms, good, true),
			w(120*ms, good, true), // good, but not yet for trialLength
			w(130*ms, bad, false), // park until 330 ms
			w(330*ms, good, true),
			w(340*ms, bad, false), // park until 740 ms
			w(730*ms, good, false),
			w(740*ms, good, true),
			w(750*ms, good, true),
			w(760*ms, bad, false), // park until 1560 ms
			w(1550*ms, good, false),
		}, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rw := NewWaits(ReplyWaitAuto, false)
			if tt.started {
				rw.Start()
			}
			var polled, empties int64 // in the windows judged while polling
			for i, win := range tt.windows {
				if rw.polling.Load() {
					rw.polled.Store(win.reads)
					polled, empties = polled+win.reads, empties+win.empties
				} else {
					rw.parked.Store(win.reads)
				}
				rw.empties.Store(win.empties)
				rw.mu.Lock()
				rw.judge(t0.Add(win.at))
				rw.mu.Unlock()
				if got := rw.polling.Load(); got != win.wantPolling {
					t.Fatalf("after window %d (%+v): polling %v, want %v", i, win, got, win.wantPolling)
				}
			}
			s := rw.Summary()
			if s.Spells != tt.wantSpells {
				t.Fatalf("spells %d, want %d", s.Spells, tt.wantSpells)
			}
			if s.Empties != empties || s.Polled != polled {
				t.Fatalf("summary counts %d empty polls over %d polled reads, want %d over %d", s.Empties, s.Polled, empties, polled)
			}
			// The summary tells the mode, and after the load the mode it
			// ended in.
			last := len(tt.windows) > 0 && tt.windows[len(tt.windows)-1].wantPolling
			if s.Polling != last {
				t.Fatalf("summary polling %v, want %v", s.Polling, last)
			}
			rw.Stop()
			if s := rw.Summary(); s.Polling != last || rw.polling.Load() {
				t.Fatalf("after the load: summary polling %v, want %v; connections polling %v", s.Polling, last, rw.polling.Load())
			}
		})
	}
}

func TestNewReplyWaits(t *testing.T) {
	if !pollingSupported {
		t.Skip("reads do not poll on this platform")
	}
	tests := []struct {
		mode        ReplyWait
		openLoop    bool
		wantNil     bool
		wantPolling bool
	}{
		{ReplyWaitAuto, false, false, false},
		{ReplyWaitPoll, false, false, true},
		{ReplyWaitPark, false, true, false},
		{ReplyWaitAuto, true, true, false}, // the open loop's timers wait in the network poller
		{ReplyWaitPoll, true, true, false},
	}
	for _, tt := range tests {
		w := NewWaits(tt.mode, tt.openLoop)
		if (w == nil) != tt.wantNil {
			t.Errorf("%s, open loop %v: nil %v, want %v", tt.mode, tt.openLoop, w == nil, tt.wantNil)
			continue
		}
		if w != nil && w.polling.Load() != tt.wantPolling {
			t.Errorf("%s: polling %v at the start, want %v", tt.mode, w.polling.Load(), tt.wantPolling)
		}
	}
	if _, err := ParseReplyWait("spin"); err == nil {
		t.Error("ParseReplyWait accepted spin")
	}
}

// TestKickWakesAParkedRead parks a read on a stalled server, switches the
// run to polling, and checks that the read wakes and polls, and goes on to
// return the reply, not the kick's deadline; then that a real deadline
// still fails a read.
func TestKickWakesAParkedRead(t *testing.T) {
	if !pollingSupported {
		t.Skip("reads do not poll on this platform")
	}
	s := benchtest.StartServer(t)
	w := NewWaits(ReplyWaitAuto, false)
	dial := Dialer(DialOptions{Timeout: time.Second, Waits: w})
	conn, err := dial(context.Background(), "tcp", net.JoinHostPort(s.Host, strconv.Itoa(s.Port)))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Write([]byte("DEBUG SLEEP 1\r\n")); err != nil {
		t.Fatal(err)
	}
	type reply struct {
		line string
		err  error
	}
	got := make(chan reply, 1)
	start := time.Now()
	go func() {
		line, err := bufio.NewReader(conn).ReadString('\n')
		got <- reply{line, err}
	}()
	time.Sleep(100 * time.Millisecond) // the read is parked by now
	w.mu.Lock()
	w.set(true)
	w.mu.Unlock()
	r := <-got
	if r.err != nil || r.line != "+OK\r\n" {
		t.Fatalf("read after the kick: %q, %v; want +OK", r.line, r.err)
	}
	// Woken, the read polled, in vain while the server slept, until
	// polling stopped: a parked read that was not woken would not have.
	if s := w.Summary(); s.Spells == 0 {
		t.Fatalf("after the kick the read did not poll: %+v", s)
	}
	if el := time.Since(start); el < 900*time.Millisecond {
		t.Fatalf("the reply came after %v, before the server's 1 s sleep ended", el)
	}
	// A deadline that passes still fails a polling read.
	w.mu.Lock()
	w.set(true)
	w.mu.Unlock()
	if err := conn.SetReadDeadline(time.Now().Add(50 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Write([]byte("DEBUG SLEEP 0.5\r\n")); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	buf := make([]byte, 16)
	if _, err := conn.Read(buf); !errors.Is(err, os.ErrDeadlineExceeded) || time.Since(start) > 400*time.Millisecond {
		t.Fatalf("read past its deadline: %v after %v, want a deadline error at 50 ms", err, time.Since(start))
	}
}
