package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/amrbench/amrbench/internal/benchtest"
	"github.com/amrbench/amrbench/results"
	"github.com/amrbench/amrbench/results/blobstore"
)

// prefixURL returns the container's SAS URL with prefix inserted before its
// query.
func prefixURL(sasURL, container, prefix string) string {
	return strings.Replace(sasURL, "/"+container+"?", "/"+container+"/"+prefix+"?", 1)
}

// readContainerBlob reads a blob of the container through the package's
// reader.
func readContainerBlob(t *testing.T, az *benchtest.Azurite, sasURL, name string) ([]byte, error) {
	t.Helper()
	loc, err := blobstore.ParseLocation(sasURL)
	if err != nil {
		t.Fatal(err)
	}
	r, err := blobstore.NewReader(loc, blobstore.Access{Transport: az.Client})
	if err != nil {
		t.Fatal(err)
	}
	rc, err := r.Open(context.Background(), name)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// processEnv is the environment of an amrbench process that trusts
// Azurite's certificate.
func processEnv(az *benchtest.Azurite, extra ...string) []string {
	return append(append(os.Environ(), "SSL_CERT_FILE="+az.CAFile), extra...)
}

// TestSegmentsInAContainerMergeToTheServersCount runs one test as three
// processes writing to a container, as the pods of amrbench k8s-job do:
// merging the container gives, record for record, the merge of the local
// run directories, and the server's own count; a second attempt at a
// segment is refused and changes nothing.
//
// It is not parallel: its three processes load the CPU for a few seconds,
// and the open-loop tests of this package measure rates.
func TestSegmentsInAContainerMergeToTheServersCount(t *testing.T) {
	az := benchtest.StartAzurite(t)
	container := az.NewContainer(t)
	sasURL := az.SASURL(t, container)
	resultsURL := prefixURL(sasURL, container, "b10/run-1")
	s := benchtest.StartServer(t)
	binary(t) // built before the start time is chosen
	s.ResetStats(t)
	root := t.TempDir()
	startAt := time.Now().Add(4 * time.Second).UTC().Format(time.RFC3339Nano)
	segmentArgs := func(i int, dir string) []string {
		return runArgs(s, "--connections", "6", "--rate", "6000", "--duration", "1500ms", "--interval", "250ms",
			"--segment", fmt.Sprintf("%d/3", i), "--start-at", startAt, "--seed", "7", "--out", dir, "-q", "--verdict-exit=false")
	}
	var dirs []string
	type proc struct {
		cmd    *exec.Cmd
		stderr *bytes.Buffer
	}
	var procs []proc
	for i := range 3 {
		dir := filepath.Join(root, fmt.Sprintf("seg-%d", i))
		dirs = append(dirs, dir)
		args := segmentArgs(i, dir)
		env := processEnv(az)
		if i == 0 { // as a pod gets it
			env = append(env, "AMRBENCH_RESULTS_URL="+resultsURL)
		} else {
			args = append(args, "--results-url", resultsURL)
		}
		cmd := exec.Command(binary(t), args...)
		cmd.Env = env
		var stderr bytes.Buffer
		cmd.Stderr, cmd.Stdout = &stderr, &bytes.Buffer{}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill() })
		procs = append(procs, proc{cmd, &stderr})
	}
	for i, p := range procs {
		if code := exitCode(t, p.cmd, 60*time.Second); code != 0 {
			t.Fatalf("segment %d/3: exit %d: %s", i, code, p.stderr)
		}
		if out := p.stderr.String(); !strings.Contains(out, "results in "+az.AccountURL+"/"+container+fmt.Sprintf("/b10/run-1/seg-%d-of-3: result.jsonl, ALL-service.hgrm, ALL.hgrm", i)) ||
			!strings.Contains(out, "report.html, summary.txt") || strings.Contains(out, "sig=") {
			t.Fatalf("segment %d/3 says:\n%s", i, out)
		}
	}
	calls := s.CommandCalls(t)

	local := filepath.Join(root, "local")
	res := cli(t, nil, append(append([]string{"merge"}, dirs...), "-o", local)...)
	checkMergeExit(t, res.code, local, res.stderr)
	fromBlob := filepath.Join(root, "from-blob")
	cmd := exec.Command(binary(t), "merge", resultsURL, "-o", fromBlob)
	cmd.Env = processEnv(az)
	var stderr bytes.Buffer
	cmd.Stderr, cmd.Stdout = &stderr, &bytes.Buffer{}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	checkMergeExit(t, exitCode(t, cmd, 60*time.Second), fromBlob, stderr.String())
	got, want := records(t, fromBlob), records(t, local)
	if !slices.Equal(got, want) {
		for i := range min(len(got), len(want)) {
			if got[i] != want[i] {
				t.Fatalf("record %d of the container's merge differs:\n%s\nlocal:\n%s", i, got[i], want[i])
			}
		}
		t.Fatalf("the container's merge has %d records, the local one %d", len(got), len(want))
	}
	run := readRun(t, fromBlob)
	get, set := run.Summary.Commands["GET"].Count, run.Summary.Commands["SET"].Count
	t.Logf("merged from the container: GET %d + SET %d = %d; redis-server commandstats: get %d + set %d", get, set, get+set, calls["get"], calls["set"])
	if get != calls["get"] || set != calls["set"] || get+set == 0 {
		t.Fatalf("merged GET %d SET %d; the server counted get %d set %d", get, set, calls["get"], calls["set"])
	}
	// The other files of each run directory are in the container too.
	for _, name := range []string{"summary.txt", "report.html", "ALL.hgrm", "intervals.hlog"} {
		want, _ := os.ReadFile(filepath.Join(dirs[1], name))
		got, err := readContainerBlob(t, az, sasURL, "b10/run-1/seg-1-of-3/"+name)
		if err != nil || !bytes.Equal(got, want) || len(want) == 0 {
			t.Fatalf("%s in the container: %d bytes (%v), the run directory's %d", name, len(got), err, len(want))
		}
	}

	// A second attempt at segment 1 is refused, and the first one's blob
	// stays as it was.
	before, _ := readContainerBlob(t, az, sasURL, "b10/run-1/seg-1-of-3/result.jsonl")
	again := exec.Command(binary(t), append(runArgs(s, "--connections", "6", "--rate", "1000", "--duration", "500ms", "--segment", "1/3",
		"--out", filepath.Join(root, "again"), "-q"), "--results-url", resultsURL)...)
	again.Env = processEnv(az)
	stderr.Reset()
	again.Stderr, again.Stdout = &stderr, &bytes.Buffer{}
	if err := again.Start(); err != nil {
		t.Fatal(err)
	}
	if code := exitCode(t, again, 60*time.Second); code != exitFailed || !strings.Contains(stderr.String(), "another attempt at this segment wrote it, and it is never overwritten") {
		t.Fatalf("second attempt: exit %d:\n%s", code, stderr.String())
	}
	after, _ := readContainerBlob(t, az, sasURL, "b10/run-1/seg-1-of-3/result.jsonl")
	if !bytes.Equal(before, after) || len(before) == 0 {
		t.Fatalf("the second attempt changed the first one's blob (%d bytes, now %d)", len(before), len(after))
	}
	if _, err := os.Stat(filepath.Join(root, "again", results.FileName)); err != nil {
		t.Fatalf("the second attempt's local results: %v", err)
	}
}

// TestAKilledWriterLeavesItsFinishedIntervals kills a run writing to a
// container with SIGKILL: the blob holds a whole-line prefix of the local
// result file, with every interval finished before the sink's last
// append.
func TestAKilledWriterLeavesItsFinishedIntervals(t *testing.T) {
	t.Parallel()
	az := benchtest.StartAzurite(t)
	container := az.NewContainer(t)
	sasURL := az.SASURL(t, container)
	s := benchtest.StartServer(t)
	dir := filepath.Join(t.TempDir(), "out")
	cmd := exec.Command(binary(t), append(runArgs(s, "--duration", "60s", "--interval", "200ms", "--connections", "4", "--out", dir, "-q"),
		"--results-url", prefixURL(sasURL, container, "killed"))...)
	cmd.Env = processEnv(az)
	cmd.Stderr, cmd.Stdout = &bytes.Buffer{}, &bytes.Buffer{}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	waitIntervals(t, dir, 5)
	finished := len(readRun(t, dir).Intervals)
	// The sink appends what gathered over a second: give it that, and a
	// little more, to append these.
	time.Sleep(2 * time.Second)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	localBytes, err := os.ReadFile(filepath.Join(dir, results.FileName))
	if err != nil {
		t.Fatal(err)
	}
	blob, err := readContainerBlob(t, az, sasURL, "killed/seg-0-of-1/result.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(localBytes, blob) || !bytes.HasSuffix(blob, []byte("\n")) {
		t.Fatalf("the blob (%d bytes) is not a whole-line prefix of the local file (%d bytes)", len(blob), len(localBytes))
	}
	run, err := results.Read(bytes.NewReader(blob))
	if err != nil || run.Truncated || run.Summary != nil {
		t.Fatalf("the killed run's blob: %v, truncated %v, summary %v", err, run != nil && run.Truncated, run != nil && run.Summary != nil)
	}
	if len(run.Intervals) < finished {
		t.Fatalf("the blob holds %d intervals; %d were finished 2 s before the kill", len(run.Intervals), finished)
	}
	for i, iv := range run.Intervals {
		if iv.Index != int64(i) {
			t.Fatalf("blob interval %d has index %d", i, iv.Index)
		}
	}
	t.Logf("killed with SIGKILL: the blob holds %d intervals of the local file's %d (%d finished 2 s before)", len(run.Intervals), len(readRun(t, dir).Intervals), finished)
}

// TestOneCredentialForTheCacheAndTheContainer runs with Entra ID (the Azure
// CLI's credential, through a stand-in az) against a token-enforcing proxy
// and writes to a container without a SAS: the one credential is asked for
// the cache's scope and for storage's, and the container takes the token.
func TestOneCredentialForTheCacheAndTheContainer(t *testing.T) {
	t.Parallel()
	az := benchtest.StartAzurite(t)
	container := az.NewContainer(t)
	w := newAzWorld(t, "SSL_CERT_FILE="+az.CAFile)
	dir := filepath.Join(t.TempDir(), "out")
	url := az.AccountURL + "/" + container + "/entra"
	code, _, stderr := w.run(t, "-n", "2000", "--connections", "4", "--out", dir, "-q", "--results-url", url)
	if code != exitOK {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	calls, err := os.ReadFile(filepath.Join(w.dir, "calls"))
	if err != nil {
		t.Fatal(err)
	}
	for _, resource := range []string{"--resource https://redis.azure.com", "--resource https://storage.azure.com"} {
		if !strings.Contains(string(calls), resource) {
			t.Fatalf("az was never asked for %s:\n%s", resource, calls)
		}
	}
	blob, err := readContainerBlob(t, az, az.SASURL(t, container), "entra/seg-0-of-1/result.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	local, _ := os.ReadFile(filepath.Join(dir, results.FileName))
	if !bytes.Equal(blob, local) || len(local) == 0 {
		t.Fatalf("the blob (%d bytes) is not the local result file (%d bytes)", len(blob), len(local))
	}
	assertNoToken(t, dir, stderr)
}
