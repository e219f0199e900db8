package bench

import (
	"bufio"
	"context"
	"errors"
	"net"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/amrbench/amrbench/bench/benchtest"
)

// TestJudge follows the choice of mode through windows of reads and empty
// polls.
func TestJudge(t *testing.T) {
	t0 := time.Unix(1000, 0)
	type window struct {
		at             time.Duration // since t0
		reads, empties int64
		wantPolling    bool
	}
	tests := []struct {
		name       string
		windows    []window
		wantSpells int
	}{
		{"parked at first, polling after the first window", []window{
			{0, 1024, 0, true},
			{10 * time.Millisecond, 1000, 24, true},
		}, 0},
		{"one bad window is polled through", []window{
			{0, 1024, 0, true},
			{10 * time.Millisecond, 20, 1004, true},
			{20 * time.Millisecond, 1000, 24, true},
			{30 * time.Millisecond, 20, 1004, true},
		}, 0},
		{"bad windows for less than minBadTime are polled through", []window{
			{0, 1024, 0, true},
			{10 * time.Millisecond, 20, 1004, true},
			{20 * time.Millisecond, 20, 1004, true},
			{30 * time.Millisecond, 20, 1004, true},
		}, 0},
		{"bad for minBadTime: park, and poll again after the back-off", []window{
			{0, 1024, 0, true},
			{10 * time.Millisecond, 20, 1004, true},
			{40 * time.Millisecond, 100, 924, true},
			{60 * time.Millisecond, 100, 924, false},
			{100 * time.Millisecond, 1024, 0, false}, // back-off: 100 ms from 60
			{160 * time.Millisecond, 1024, 0, true},
		}, 1},
		{"exactly maxEmptyPerRead per reply still polls", []window{
			{0, 1024, 0, true},
			{10 * time.Millisecond, 204, 816, true},
			{100 * time.Millisecond, 204, 816, true},
		}, 0},
		{"the back-off doubles while polling keeps failing", []window{
			{0, 1024, 0, true},
			{10 * time.Millisecond, 2, 1022, true},
			{60 * time.Millisecond, 2, 1022, false}, // parked until 160 ms
			{160 * time.Millisecond, 1024, 0, true},
			{170 * time.Millisecond, 2, 1022, true},
			{220 * time.Millisecond, 2, 1022, false}, // parked until 420 ms
			{400 * time.Millisecond, 1024, 0, false},
			{420 * time.Millisecond, 1024, 0, true},
		}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newReplyWaits(ReplyWaitAuto, false)
			for i, win := range tt.windows {
				w.reads.Store(win.reads)
				w.empties.Store(win.empties)
				w.judge(t0.Add(win.at))
				if got := w.polling.Load(); got != win.wantPolling {
					t.Fatalf("after window %d (%+v): polling %v, want %v", i, win, got, win.wantPolling)
				}
			}
			if s := w.summary(); s.Spells != tt.wantSpells {
				t.Fatalf("spells %d, want %d", s.Spells, tt.wantSpells)
			}
		})
	}
}

func TestNewReplyWaits(t *testing.T) {
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
		w := newReplyWaits(tt.mode, tt.openLoop)
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
// run to polling, and checks that the read goes on to return the reply, not
// the kick's deadline; then that a real deadline still fails a read.
func TestKickWakesAParkedRead(t *testing.T) {
	if !pollingSupported {
		t.Skip("reads do not poll on this platform")
	}
	s := benchtest.StartServer(t)
	w := newReplyWaits(ReplyWaitAuto, false)
	dial := dialer(time.Second, nil, w, 0)
	conn, err := dial(context.Background(), "tcp", net.JoinHostPort(s.Host, strconv.Itoa(s.Port)))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Write([]byte("DEBUG SLEEP 0.3\r\n")); err != nil {
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
	if el := time.Since(start); el < 250*time.Millisecond {
		t.Fatalf("the reply came after %v, before the server's 300 ms sleep ended", el)
	}
	// A deadline that passes still fails the read, polling or not.
	if err := conn.SetReadDeadline(time.Now().Add(50 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Write([]byte("DEBUG SLEEP 0.3\r\n")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 16)
	if _, err := conn.Read(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read past its deadline: %v, want a deadline error", err)
	}
}
