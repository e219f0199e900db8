package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/amrbench/amrbench/internal/benchtest"
	"github.com/amrbench/amrbench/results"
	"github.com/amrbench/amrbench/results/blobstore"
	"github.com/amrbench/amrbench/results/segment"
)

// segmentSpec describes a synthetic segment's result file.
type segmentSpec struct {
	seg       segment.Segment
	intervals int
	// stopped, when set, ends the run early with a stopped event.
	stopped bool
}

// writeSegments writes one result file per spec, as segments of one test
// started together at startAt with 1 s intervals, and returns their run
// directories.
func writeSegments(t *testing.T, root string, startAt time.Time, specs ...segmentSpec) []string {
	t.Helper()
	var dirs []string
	for _, sp := range specs {
		dir := filepath.Join(root, fmt.Sprintf("seg-%d", sp.seg.Index))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		f, err := os.Create(filepath.Join(dir, results.FileName))
		if err != nil {
			t.Fatal(err)
		}
		w := results.NewWriter(f)
		h := &results.Header{
			Tool: toolInfo(), RunID: fmt.Sprintf("20261123T120000Z-b10-%d", sp.seg.Index), Label: "b10",
			Start: startAt.Add(-2 * time.Second), Host: fmt.Sprintf("node-%d", sp.seg.Index), Segment: sp.seg.String(),
			Target: results.Target{Endpoint: "10.0.0.4:6379", ClusterPolicy: "non-clustered", Auth: "none"},
			Mode:   results.ModeClosed, IntervalS: 1, Connections: 4, Pipeline: 1, Percentiles: []float64{50, 99}, Seed: 7, StartAt: startAt,
			Config: json.RawMessage(`{"connections":12,"segment":"` + sp.seg.String() + `"}`),
		}
		if err := w.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		r := rand.New(rand.NewPCG(uint64(sp.seg.Index), 9))
		var ivs []*results.Interval
		for k := range sp.intervals {
			iv := &results.Interval{Index: int64(k), Connections: 4, Start: startAt.Add(time.Duration(k) * time.Second),
				End: startAt.Add(time.Duration(k+1) * time.Second), Commands: map[string]*results.CommandStats{}}
			if k == sp.intervals-1 { // the last reply came a little after the end
				iv.End = iv.End.Add(time.Duration(2+sp.seg.Index) * time.Millisecond)
			}
			for _, name := range []string{"GET", "SET"} {
				cs := results.NewCommandStats()
				for range 300 + r.IntN(200) {
					v := int64(80 + r.ExpFloat64()*300)
					cs.Count++
					_ = cs.Response.RecordValue(v)
					_ = cs.Service.RecordValue(v)
				}
				iv.Commands[name] = cs
			}
			if err := w.WriteInterval(iv); err != nil {
				t.Fatal(err)
			}
			ivs = append(ivs, iv)
		}
		if sp.stopped {
			at := ivs[len(ivs)-1].End
			if err := w.WriteEvent(&results.Event{Time: at, Kind: results.EventWarning, Code: results.WarnStoppedEarly, Detail: "SIGTERM at " + at.Format(time.RFC3339) + ", before the planned end"}); err != nil {
				t.Fatal(err)
			}
		}
		sum, err := results.Summarize(h, ivs)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.WriteSummary(sum); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, dir)
	}
	return dirs
}

func TestMergeRefusesAPartialTest(t *testing.T) {
	t.Parallel()
	startAt := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	whole := func(i int) segmentSpec { return segmentSpec{seg: segment.Segment{Index: i, Count: 3}, intervals: 4} }
	tests := []struct {
		name  string
		specs []segmentSpec
		want  []string
	}{
		{"a missing segment", []segmentSpec{whole(0), whole(2)}, []string{"warning: segment 1/3 is missing: the merged run carries 2 of 3 shares"}},
		{"a segment stopped early", []segmentSpec{whole(0), {seg: segment.Segment{Index: 1, Count: 3}, intervals: 2, stopped: true}, whole(2)},
			[]string{"seg-1 ended its measured window 2.0 s before the others (SIGTERM at 2026-11-23T12:00:02Z, before the planned end)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			dirs := writeSegments(t, root, startAt, tt.specs...)
			out := filepath.Join(root, "merged")
			res := cli(t, nil, append(append([]string{"merge"}, dirs...), "-o", out)...)
			if res.code != exitFailed {
				t.Fatalf("exit %d, want %d: %s", res.code, exitFailed, res.stderr)
			}
			for _, w := range append(tt.want, "not one whole test", "nothing written; --allow-partial merges them anyway") {
				if !strings.Contains(res.stderr, w) {
					t.Fatalf("stderr lacks %q:\n%s", w, res.stderr)
				}
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Fatalf("a refused merge wrote %s (%v)", out, err)
			}
			// --allow-partial merges, and the merged file keeps the warnings.
			res = cli(t, nil, append(append([]string{"merge", "--allow-partial"}, dirs...), "-o", out)...)
			if res.code != exitOK {
				t.Fatalf("--allow-partial: exit %d: %s", res.code, res.stderr)
			}
			run := readRun(t, out)
			var kept []string
			for _, e := range run.Events {
				if e.Kind == results.EventWarning && e.Source == "merge" {
					kept = append(kept, e.Detail)
				}
			}
			if len(kept) == 0 || !strings.Contains(strings.Join(kept, "\n"), strings.TrimPrefix(tt.want[0], "warning: ")) {
				t.Fatalf("the merged result keeps the warnings %q, want %q", kept, tt.want[0])
			}
		})
	}
}

// records reads a result file's records, keyed by type, with the fields
// that name where the merge read its inputs from left out.
func records(t *testing.T, dir string) []string {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, results.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatal(err)
		}
		if rec["type"] == results.TypeHeader {
			for _, s := range rec["sources"].([]any) {
				delete(s.(map[string]any), "file")
			}
		}
		b, _ := json.Marshal(rec)
		out = append(out, string(b))
	}
	return out
}

// uploadSegment copies a run directory's result file into the container,
// line by line, through the sink a run uses.
func uploadSegment(t *testing.T, az *benchtest.Azurite, url, dir string) {
	t.Helper()
	run := readRun(t, dir)
	seg, _ := segment.Parse(run.Header.Segment)
	loc, err := blobstore.ParseLocation(url)
	if err != nil {
		t.Fatal(err)
	}
	sink, err := blobstore.NewSink(loc, blobstore.Access{Transport: az.Client}, blobstore.SinkOptions{Segment: seg, Gather: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, results.FileName))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range bytes.SplitAfter(b, []byte("\n")) {
		if len(line) > 0 {
			_, _ = sink.Write(line)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if rep := sink.Close(ctx); rep.Lost != 0 {
		t.Fatal(rep)
	}
}

func TestMergeFromAContainerEqualsTheLocalMerge(t *testing.T) {
	t.Parallel()
	az := benchtest.StartAzurite(t)
	container := az.NewContainer(t)
	root := t.TempDir()
	startAt := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	var specs []segmentSpec
	for i := range 3 {
		specs = append(specs, segmentSpec{seg: segment.Segment{Index: i, Count: 3}, intervals: 5})
	}
	dirs := writeSegments(t, root, startAt, specs...)
	sasURL := az.SASURL(t, container)
	prefixed := func(prefix string) string {
		return strings.Replace(sasURL, "/"+container+"?", "/"+container+"/"+prefix+"?", 1)
	}
	for _, dir := range dirs {
		uploadSegment(t, az, prefixed("b10/2026-11-23"), dir)
	}
	for _, dir := range dirs[:2] { // a test whose third pod never wrote
		uploadSegment(t, az, prefixed("lost-one"), dir)
	}

	local := filepath.Join(root, "local")
	if res := cli(t, nil, append(append([]string{"merge"}, dirs...), "-o", local)...); res.code != exitOK {
		t.Fatalf("local merge: exit %d: %s", res.code, res.stderr)
	}
	want := records(t, local)

	azDir := t.TempDir()
	script, err := os.ReadFile(filepath.Join("testdata", "az"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(azDir, "az"), script, 0o755); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "SSL_CERT_FILE="+az.CAFile, "PATH="+azDir+string(os.PathListSeparator)+os.Getenv("PATH"), "AZ_OID="+azOID)
	merge := func(args ...string) (int, string) {
		cmd := exec.Command(binary(t), append([]string{"merge"}, args...)...)
		cmd.Env = env
		var stderr bytes.Buffer
		cmd.Stderr, cmd.Stdout = &stderr, &bytes.Buffer{}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return exitCode(t, cmd, 60*time.Second), stderr.String()
	}
	tests := []struct{ name, url, credential string }{
		{"a SAS URL", prefixed("b10/2026-11-23"), ""},
		{"a token from the Azure CLI", az.AccountURL + "/" + container + "/b10/2026-11-23", "azure-cli"},
	}
	for _, tt := range tests {
		out := filepath.Join(t.TempDir(), "merged")
		args := []string{tt.url, "-o", out}
		if tt.credential != "" {
			args = append(args, "--entra-credential", tt.credential)
		}
		code, stderr := merge(args...)
		if code != exitOK {
			t.Fatalf("%s: exit %d: %s", tt.name, code, stderr)
		}
		if strings.Contains(stderr, "sig=") || strings.Contains(stderr, jwtHeader) {
			t.Fatalf("%s: stderr shows a secret:\n%s", tt.name, stderr)
		}
		if !strings.Contains(stderr, "read 3 segments from "+az.AccountURL+"/"+container+"/b10/2026-11-23") {
			t.Fatalf("%s: stderr %s", tt.name, stderr)
		}
		got := records(t, out)
		if !slices.Equal(got, want) {
			for i := range min(len(got), len(want)) {
				if got[i] != want[i] {
					t.Fatalf("%s: record %d differs:\n%s\nlocal merge:\n%s", tt.name, i, got[i], want[i])
				}
			}
			t.Fatalf("%s: %d records, the local merge has %d", tt.name, len(got), len(want))
		}
		sources := readRun(t, out).Header.Sources
		if len(sources) != 3 || sources[1].File != az.AccountURL+"/"+container+"/b10/2026-11-23/seg-1-of-3/result.jsonl" {
			t.Fatalf("%s: sources %+v", tt.name, sources)
		}
	}

	// A segment that never wrote is named, and the merge refused.
	code, stderr := merge(prefixed("lost-one"), "-o", filepath.Join(t.TempDir(), "m"))
	if code != exitFailed || !strings.Contains(stderr, "segment 2/3 is missing") || !strings.Contains(stderr, "not one whole test") {
		t.Fatalf("a missing segment: exit %d: %s", code, stderr)
	}
	// Nothing under a prefix is an error, not an empty merge.
	code, stderr = merge(prefixed("nothing-here"), "-o", filepath.Join(t.TempDir(), "m"))
	if code != exitFailed || !strings.Contains(stderr, "no segment (seg-<i>-of-<n>/result.jsonl) under it") {
		t.Fatalf("an empty prefix: exit %d: %s", code, stderr)
	}
}
