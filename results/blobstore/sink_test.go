package blobstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/amrbench/amrbench/internal/benchtest"
	"github.com/amrbench/amrbench/results"
	"github.com/amrbench/amrbench/results/segment"
)

// The tests here run against Azurite, the Azure Storage emulator, started
// once for the package: real append blobs, conditional requests, SAS and
// bearer tokens. Each test has a container of its own.

var shared struct {
	once sync.Once
	az   *benchtest.Azurite
	err  error
}

// azurite returns the package's Azurite and a container of the test's own.
func azurite(t *testing.T) (*benchtest.Azurite, string) {
	t.Helper()
	benchtest.RequireAzurite(t)
	shared.once.Do(func() { shared.az, shared.err = benchtest.NewAzurite() })
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.az, shared.az.NewContainer(t)
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.az != nil {
		shared.az.Stop()
	}
	os.Exit(code)
}

// lines returns a header and n interval records as the result file holds
// them, one per line.
func lines(seg segment.Segment, n int) [][]byte {
	out := [][]byte{[]byte(fmt.Sprintf(`{"type":"header","schema":"amrbench.result/v1","segment":%q,"run_id":"r"}`+"\n", seg))}
	for i := range n {
		out = append(out, []byte(fmt.Sprintf(`{"type":"interval","index":%d,"commands":{"GET":{"count":%d}}}`+"\n", i, 1000+i)))
	}
	return out
}

func newLocation(t *testing.T, raw string) Location {
	t.Helper()
	loc, err := ParseLocation(raw)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// readBlob reads a segment's result blob back through a Reader.
func readBlob(t *testing.T, loc Location, access Access, name string) []byte {
	t.Helper()
	r, err := NewReader(loc, access)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := r.Open(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func closeSink(t *testing.T, s *Sink, limit time.Duration) Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	return s.Close(ctx)
}

func TestSinkAppendsEveryLineOnceWithAToken(t *testing.T) {
	t.Parallel()
	az, runs := azurite(t)
	cred := benchtest.NewStorageCredential(benchtest.StorageAudience)
	access := Access{Credential: cred, Transport: az.Client}
	loc := newLocation(t, az.AccountURL+"/"+runs+"/b10/2026-11-23")
	seg := segment.Segment{Index: 1, Count: 3}
	s, err := NewSink(loc, access, SinkOptions{Segment: seg, RunID: "r", Gather: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var want []byte
	for i, line := range lines(seg, 12) {
		start := time.Now()
		if _, err := s.Write(line); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d > 50*time.Millisecond {
			t.Fatalf("Write waited %s", d)
		}
		want = append(want, line...)
		if i%3 == 0 {
			time.Sleep(80 * time.Millisecond) // several appends, not one
		}
	}
	rep := closeSink(t, s, 30*time.Second)
	if rep.Lost != 0 || rep.Appended != 13 || rep.Err != nil {
		t.Fatalf("report %+v: %s", rep, rep)
	}
	if rep.Blob != az.AccountURL+"/"+runs+"/b10/2026-11-23/seg-1-of-3/result.jsonl" {
		t.Fatalf("blob %s", rep.Blob)
	}
	got := readBlob(t, loc, access, "b10/2026-11-23/seg-1-of-3/result.jsonl")
	if !bytes.Equal(got, want) {
		t.Fatalf("the blob holds\n%s\nwant\n%s", got, want)
	}
	for _, scope := range cred.Scopes() {
		if scope != StorageScope {
			t.Fatalf("asked for scope %q, want only %q", scope, StorageScope)
		}
	}
	if len(cred.Scopes()) == 0 {
		t.Fatal("no token was asked for")
	}
}

func TestSinkWorksWithASASURLAlone(t *testing.T) {
	t.Parallel()
	az, runs := azurite(t)
	sasURL := az.SASURL(t, runs)
	loc := newLocation(t, strings.Replace(sasURL, "/"+runs+"?", "/"+runs+"/p?", 1))
	if !loc.SAS || loc.Prefix != "p" {
		t.Fatalf("location %+v", loc)
	}
	access := Access{Transport: az.Client}
	seg := segment.Segment{Index: 0, Count: 1}
	s, err := NewSink(loc, access, SinkOptions{Segment: seg, Gather: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var want []byte
	for _, line := range lines(seg, 3) {
		_, _ = s.Write(line)
		want = append(want, line...)
	}
	rep := closeSink(t, s, 30*time.Second)
	if rep.Lost != 0 || rep.Appended != 4 {
		t.Fatalf("report %+v", rep)
	}
	if strings.Contains(rep.String(), "sig=") {
		t.Fatalf("the report shows the signature: %s", rep)
	}
	if err := s.Upload(context.Background(), "summary.txt", []byte("summary\n")); err != nil {
		t.Fatal(err)
	}
	if got := readBlob(t, loc, access, "p/seg-0-of-1/result.jsonl"); !bytes.Equal(got, want) {
		t.Fatalf("blob %q, want %q", got, want)
	}
	if got := readBlob(t, loc, access, "p/seg-0-of-1/summary.txt"); string(got) != "summary\n" {
		t.Fatalf("summary.txt %q", got)
	}
	// A second upload of the file is refused, and the first one stays.
	err = s.Upload(context.Background(), "summary.txt", []byte("other\n"))
	if err == nil || !strings.Contains(err.Error(), "exists already") {
		t.Fatalf("second upload: %v", err)
	}
	if got := readBlob(t, loc, access, "p/seg-0-of-1/summary.txt"); string(got) != "summary\n" {
		t.Fatalf("summary.txt overwritten: %q", got)
	}
	// Without the SAS, and with no credential, nothing is even tried.
	if _, err := NewSink(newLocation(t, az.AccountURL+"/"+runs+"/p"), access, SinkOptions{}); !errors.Is(err, ErrNoCredential) {
		t.Fatalf("no SAS, no credential: %v", err)
	}
}

func TestSinkRefusesATokenForAnotherScope(t *testing.T) {
	t.Parallel()
	az, runs := azurite(t)
	loc := newLocation(t, az.AccountURL+"/"+runs+"/p")
	// A token for the cache (https://redis.azure.com), not for storage.
	access := Access{Credential: benchtest.NewStorageCredential("https://redis.azure.com"), Transport: az.Client}
	seg := segment.Segment{Index: 0, Count: 2}
	s, err := NewSink(loc, access, SinkOptions{Segment: seg, Gather: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range lines(seg, 3) {
		_, _ = s.Write(line)
	}
	rep := closeSink(t, s, 30*time.Second)
	if rep.Appended != 0 || rep.Lost != 4 || !slices.Equal(rep.LostIntervals, []int64{0, 1, 2}) {
		t.Fatalf("report %+v", rep)
	}
	if !strings.Contains(rep.String(), "(intervals 0-2) did not reach") || !strings.Contains(rep.String(), "403 Forbidden (AuthenticationFailed)") {
		t.Fatalf("report says %q, want the intervals lost and the refusal", rep)
	}
	// Nothing was created.
	r, err := NewReader(loc, Access{Credential: benchtest.NewStorageCredential(benchtest.StorageAudience), Transport: az.Client})
	if err != nil {
		t.Fatal(err)
	}
	segs, err := r.Segments(context.Background())
	if err != nil || len(segs) != 0 {
		t.Fatalf("segments %v, %v: want none", segs, err)
	}
}

func TestSinkSecondAttemptNeverOverwrites(t *testing.T) {
	t.Parallel()
	az, runs := azurite(t)
	loc := newLocation(t, az.SASURL(t, runs))
	access := Access{Transport: az.Client}
	seg := segment.Segment{Index: 2, Count: 3}
	first, _ := NewSink(loc, access, SinkOptions{Segment: seg, Gather: 10 * time.Millisecond})
	var want []byte
	for _, line := range lines(seg, 2) {
		_, _ = first.Write(line)
		want = append(want, line...)
	}
	if rep := closeSink(t, first, 30*time.Second); rep.Lost != 0 {
		t.Fatalf("first attempt: %s", rep)
	}
	second, _ := NewSink(loc, access, SinkOptions{Segment: seg, Gather: 10 * time.Millisecond})
	for _, line := range lines(seg, 5) {
		_, _ = second.Write(line)
	}
	rep := closeSink(t, second, 30*time.Second)
	if rep.Appended != 0 || rep.Lost != 6 || !errors.Is(rep.Err, ErrSegmentExists) {
		t.Fatalf("second attempt: %+v", rep)
	}
	if got := readBlob(t, loc, access, "seg-2-of-3/result.jsonl"); !bytes.Equal(got, want) {
		t.Fatalf("the first attempt's blob changed:\n%s", got)
	}
}

// faultTransport sends requests to Azurite but can lose the replies of
// appends (the request landed, the writer never heard), or fail every
// request as if storage were unreachable.
type faultTransport struct {
	inner       *http.Client
	loseReplies atomic.Int32 // replies of appends still to lose
	down        atomic.Bool
	mu          sync.Mutex
	appends     int
}

func (f *faultTransport) Do(req *http.Request) (*http.Response, error) {
	if f.down.Load() {
		return nil, errors.New("dial tcp: connect: connection refused")
	}
	resp, err := f.inner.Do(req)
	if err == nil && req.URL.Query().Get("comp") == "appendblock" {
		f.mu.Lock()
		f.appends++
		f.mu.Unlock()
		if f.loseReplies.Add(-1) >= 0 {
			resp.Body.Close()
			return nil, errors.New("read tcp: connection reset by peer")
		}
	}
	return resp, err
}

func TestSinkRetryOfALandedAppendAddsNothing(t *testing.T) {
	t.Parallel()
	az, runs := azurite(t)
	loc := newLocation(t, az.SASURL(t, runs))
	ft := &faultTransport{inner: az.Client}
	ft.loseReplies.Store(3) // the first three appends land, their replies are lost
	access := Access{Transport: ft}
	seg := segment.Segment{Index: 0, Count: 3}
	s, _ := NewSink(loc, access, SinkOptions{Segment: seg, Gather: 10 * time.Millisecond})
	var want []byte
	for _, line := range lines(seg, 6) {
		_, _ = s.Write(line)
		want = append(want, line...)
		time.Sleep(40 * time.Millisecond)
	}
	rep := closeSink(t, s, 30*time.Second)
	if rep.Lost != 0 || rep.Appended != 7 {
		t.Fatalf("report %+v", rep)
	}
	if got := readBlob(t, loc, Access{Transport: az.Client}, "seg-0-of-3/result.jsonl"); !bytes.Equal(got, want) {
		t.Fatalf("the blob holds\n%s\nwant every line once:\n%s", got, want)
	}
	if left := ft.loseReplies.Load(); left > 0 {
		t.Fatalf("only %d of 3 replies were lost (%d appends sent): the test did not test", 3-left, ft.appends)
	}
}

func TestSinkRidesOutUnreachableStorage(t *testing.T) {
	t.Parallel()
	az, runs := azurite(t)
	loc := newLocation(t, az.SASURL(t, runs))
	ft := &faultTransport{inner: az.Client}
	access := Access{Transport: ft, TryTimeout: time.Second, Retries: 1}
	seg := segment.Segment{Index: 1, Count: 2}
	all := lines(seg, 9)
	t.Run("it comes back", func(t *testing.T) {
		s, _ := NewSink(loc, access, SinkOptions{Segment: seg, Gather: 10 * time.Millisecond})
		var want []byte
		for i, line := range all {
			if i == 3 {
				ft.down.Store(true)
			}
			if i == 7 {
				ft.down.Store(false)
			}
			start := time.Now()
			_, _ = s.Write(line)
			if d := time.Since(start); d > 50*time.Millisecond {
				t.Fatalf("Write waited %s while storage was down", d)
			}
			want = append(want, line...)
			time.Sleep(100 * time.Millisecond)
		}
		rep := closeSink(t, s, 30*time.Second)
		if rep.Lost != 0 || rep.Appended != len(all) {
			t.Fatalf("report %+v", rep)
		}
		if got := readBlob(t, loc, Access{Transport: az.Client}, "seg-1-of-2/result.jsonl"); !bytes.Equal(got, want) {
			t.Fatalf("blob\n%s\nwant\n%s", got, want)
		}
	})
	t.Run("it does not", func(t *testing.T) {
		seg := segment.Segment{Index: 0, Count: 2}
		all := lines(seg, 9)
		s, _ := NewSink(loc, access, SinkOptions{Segment: seg, Gather: 10 * time.Millisecond})
		for i, line := range all {
			if i == 4 { // header and intervals 0-2 reached it
				time.Sleep(300 * time.Millisecond)
				ft.down.Store(true)
			}
			_, _ = s.Write(line)
		}
		start := time.Now()
		rep := closeSink(t, s, 2*time.Second)
		if waited := time.Since(start); waited > 3*time.Second {
			t.Fatalf("Close took %s past its 2 s deadline", waited)
		}
		if rep.Appended != 4 || rep.Lost != 6 || !slices.Equal(rep.LostIntervals, []int64{3, 4, 5, 6, 7, 8}) {
			t.Fatalf("report %+v", rep)
		}
		if !strings.Contains(rep.String(), "(intervals 3-8) did not reach") || !strings.Contains(rep.String(), "connection refused") {
			t.Fatalf("report says %q", rep)
		}
		ft.down.Store(false)
		want := bytes.Join(all[:4], nil)
		if got := readBlob(t, loc, Access{Transport: az.Client}, "seg-0-of-2/result.jsonl"); !bytes.Equal(got, want) {
			t.Fatalf("blob\n%s\nwant\n%s", got, want)
		}
	})
}

func TestSinkDropsWhatItCannotQueue(t *testing.T) {
	t.Parallel()
	az, runs := azurite(t)
	loc := newLocation(t, az.SASURL(t, runs))
	ft := &faultTransport{inner: az.Client}
	ft.down.Store(true)
	seg := segment.Segment{Index: 0, Count: 1}
	all := lines(seg, 20)
	// Room for the header and about four intervals while storage is down.
	s, _ := NewSink(loc, Access{Transport: ft, TryTimeout: time.Second, Retries: 1}, SinkOptions{Segment: seg, QueueBytes: len(all[0]) + 4*len(all[1]) + 8, Gather: 10 * time.Millisecond})
	for _, line := range all {
		_, _ = s.Write(line)
	}
	ft.down.Store(false)
	rep := closeSink(t, s, 30*time.Second)
	if rep.Appended != 5 || rep.Lost != 16 || !slices.Equal(rep.LostIntervals, []int64{4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19}) {
		t.Fatalf("report %+v", rep)
	}
	want := bytes.Join(all[:5], nil)
	if got := readBlob(t, loc, Access{Transport: az.Client}, "seg-0-of-1/result.jsonl"); !bytes.Equal(got, want) {
		t.Fatalf("blob\n%s\nwant\n%s", got, want)
	}
}

func TestReaderListsAndStreamsSegments(t *testing.T) {
	t.Parallel()
	az, runs := azurite(t)
	cred := benchtest.NewStorageCredential(benchtest.StorageAudience)
	access := Access{Credential: cred, Transport: az.Client}
	want := map[segment.Segment][]byte{}
	for _, prefix := range []string{"b10", "b10-other"} {
		loc := newLocation(t, az.AccountURL+"/"+runs+"/"+prefix)
		for i := range 3 {
			seg := segment.Segment{Index: i, Count: 3}
			s, _ := NewSink(loc, access, SinkOptions{Segment: seg, Gather: 10 * time.Millisecond})
			var all []byte
			for _, line := range lines(seg, i+1) {
				_, _ = s.Write(line)
				all = append(all, line...)
			}
			if rep := closeSink(t, s, 30*time.Second); rep.Lost != 0 {
				t.Fatal(rep)
			}
			if prefix == "b10" {
				want[seg] = all
				if err := s.Upload(context.Background(), "summary.txt", []byte("x")); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	loc := newLocation(t, az.AccountURL+"/"+runs+"/b10")
	r, err := NewReader(loc, access)
	if err != nil {
		t.Fatal(err)
	}
	segs, err := r.Segments(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(segs) != 3 {
		t.Fatalf("%d segments under b10, want 3 (b10-other and summary.txt are not): %+v", len(segs), segs)
	}
	for i, sb := range segs {
		if sb.Segment != (segment.Segment{Index: i, Count: 3}) || sb.Name != fmt.Sprintf("b10/seg-%d-of-3/result.jsonl", i) || sb.Size != int64(len(want[sb.Segment])) {
			t.Fatalf("segment %d: %+v", i, sb)
		}
		if sb.URL != az.AccountURL+"/"+runs+"/"+sb.Name {
			t.Fatalf("URL %s", sb.URL)
		}
		rc, err := r.Open(context.Background(), sb.Name)
		if err != nil {
			t.Fatal(err)
		}
		run, err := results.Read(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if run.Header.Segment != sb.Segment.String() || len(run.Intervals) != i+1 {
			t.Fatalf("segment %s read back as %s with %d intervals", sb.Segment, run.Header.Segment, len(run.Intervals))
		}
	}
	if _, err := r.Open(context.Background(), "b10/seg-9-of-9/result.jsonl"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("a missing blob: %v", err)
	}
}
