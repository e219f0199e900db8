package blobresults

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/amrbench/amrbench/internal/units"
	"github.com/amrbench/amrbench/results"
	"github.com/amrbench/amrbench/results/blobstore"
)

// resultsFlushDeadline bounds how long a run, at its end, waits for its
// last records and files to reach the container: well within the 30 s a
// Kubernetes pod is given after SIGTERM.
const resultsFlushDeadline = 15 * time.Second

// errResultsIncomplete is returned when records of the result file did not
// reach the container: the run is complete on this machine, but a pod's
// files go with it.
var errResultsIncomplete = errors.New("the results did not all reach the container")

// Close flushes the result blob of sink (nil: no container), then uploads
// every other file of the run directory dir as a block blob, within
// resultsFlushDeadline. It says on stderr what did not reach the container,
// and fails when records of the result file did not.
func Close(ctx context.Context, stderr io.Writer, sink *blobstore.Sink, dir string) error {
	if sink == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), resultsFlushDeadline)
	defer cancel()
	rep := sink.Close(ctx)
	if rep.Lost > 0 {
		fmt.Fprintf(stderr, "amrbench: warning: %s\n", rep)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var uploaded, failed []string
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if !e.IsDir() && e.Name() != results.FileName {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	for _, name := range names {
		body, err := os.ReadFile(filepath.Join(dir, name))
		if err == nil {
			err = sink.Upload(ctx, name, body)
		}
		if err != nil {
			failed = append(failed, name)
			fmt.Fprintf(stderr, "amrbench: warning: %v\n", err)
			continue
		}
		uploaded = append(uploaded, name)
	}
	if rep.Lost > 0 {
		return fmt.Errorf("%w: %s", errResultsIncomplete, rep)
	}
	fmt.Fprintf(stderr, "amrbench: results in %s: %s\n", strings.TrimSuffix(rep.Blob, "/"+results.FileName), strings.Join(append([]string{results.FileName}, uploaded...), ", "))
	if len(failed) > 0 {
		fmt.Fprintf(stderr, "amrbench: warning: %s did not reach the container; result.jsonl did, and renders them again\n", strings.Join(failed, ", "))
	}
	return nil
}

// ReadSegments reads every segment kept under loc, reached with access,
// checking that each one's header names the segment its place does, and
// says on stderr how many it read.
func ReadSegments(ctx context.Context, stderr io.Writer, loc blobstore.Location, access blobstore.Access) ([]results.NamedRun, error) {
	reader, err := blobstore.NewReader(loc, access)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", loc, err)
	}
	segs, err := reader.Segments(ctx)
	if err != nil {
		return nil, err
	}
	if len(segs) == 0 {
		return nil, fmt.Errorf("%s: no segment (seg-<i>-of-<n>/%s) under it", loc, results.FileName)
	}
	var runs []results.NamedRun
	for _, sb := range segs {
		body, err := reader.Open(ctx, sb.Name)
		if err != nil {
			return nil, err
		}
		run, err := results.Read(body)
		body.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", sb.URL, err)
		}
		if run.Header.Segment != sb.Segment.String() {
			return nil, fmt.Errorf("%s: its header says segment %s", sb.URL, run.Header.Segment)
		}
		runs = append(runs, results.NamedRun{Name: sb.URL, Run: run})
	}
	fmt.Fprintf(stderr, "amrbench: read %s from %s\n", units.Plural(int64(len(runs)), "segment"), loc)
	return runs, nil
}
