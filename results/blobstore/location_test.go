package blobstore

import (
	"strings"
	"testing"

	"github.com/amrbench/amrbench/results/segment"
)

func TestParseLocation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw                        string
		container, prefix, display string
		containerURL               string
		sas                        bool
		wantErr                    string
	}{
		{raw: "https://acct.blob.core.windows.net/runs/b10/2026-11-23/", container: "runs", prefix: "b10/2026-11-23",
			display: "https://acct.blob.core.windows.net/runs/b10/2026-11-23", containerURL: "https://acct.blob.core.windows.net/runs"},
		{raw: "https://acct.blob.core.windows.net/runs", container: "runs", display: "https://acct.blob.core.windows.net/runs", containerURL: "https://acct.blob.core.windows.net/runs"},
		{raw: "https://acct.blob.core.windows.net/runs/x?sv=2025-01-05&sp=racwl&sig=c2VjcmV0", container: "runs", prefix: "x", sas: true,
			display: "https://acct.blob.core.windows.net/runs/x", containerURL: "https://acct.blob.core.windows.net/runs?sv=2025-01-05&sp=racwl&sig=c2VjcmV0"},
		{raw: "https://127.0.0.1:10000/devstoreaccount1/runs/p", container: "runs", prefix: "p",
			display: "https://127.0.0.1:10000/devstoreaccount1/runs/p", containerURL: "https://127.0.0.1:10000/devstoreaccount1/runs"},
		{raw: "http://acct.blob.core.windows.net/runs", wantErr: "not https"},
		{raw: "https://acct.blob.core.windows.net/", wantErr: "names no container"},
		{raw: "https://acct.blob.core.windows.net/Runs_1", wantErr: `container "Runs_1"`},
		{raw: "https://u:p@acct.blob.core.windows.net/runs", wantErr: "a user name or password in the URL"},
		{raw: "https://acct.blob.core.windows.net/runs/a//b", wantErr: "empty part"},
		{raw: "seg-0", wantErr: "not a blob container URL"},
		{raw: "https://acct.blob.core.windows.net/?sig=c2VjcmV0", wantErr: "names no container"},
	}
	for _, tt := range tests {
		loc, err := ParseLocation(tt.raw)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: error %v, want %q", tt.raw, err, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "c2VjcmV0") {
				t.Errorf("%s: the error repeats the signature: %v", tt.raw, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.raw, err)
			continue
		}
		if loc.Container != tt.container || loc.Prefix != tt.prefix || loc.SAS != tt.sas || loc.String() != tt.display || loc.ContainerURL != tt.containerURL {
			t.Errorf("%s: container %q prefix %q sas %v display %q url %q", tt.raw, loc.Container, loc.Prefix, loc.SAS, loc.String(), loc.ContainerURL)
		}
	}
}

func TestSegmentNames(t *testing.T) {
	t.Parallel()
	loc, err := ParseLocation("https://acct.blob.core.windows.net/runs/b10?sv=1&sig=c2VjcmV0")
	if err != nil {
		t.Fatal(err)
	}
	seg := segment.Segment{Index: 2, Count: 3}
	if got := loc.SegmentDir(seg); got != "b10/seg-2-of-3" {
		t.Fatalf("SegmentDir %q", got)
	}
	if got := loc.blobURL("b10/seg-2-of-3/result.jsonl"); got != "https://acct.blob.core.windows.net/runs/b10/seg-2-of-3/result.jsonl?sv=1&sig=c2VjcmV0" {
		t.Fatalf("blobURL %q", got)
	}
	if got := SegmentDirName(segment.Segment{}); got != "seg-0-of-1" {
		t.Fatalf("the whole test is %q", got)
	}
	for name, want := range map[string]bool{"seg-0-of-3": true, "seg-3-of-3": false, "seg-1-of-x": false, "seg-01-of-3": true, "segment-1-of-3": false} {
		if _, ok := parseSegmentDir(name); ok != want {
			t.Errorf("parseSegmentDir(%q) = %v, want %v", name, ok, want)
		}
	}
	if got := formatIndexes([]int64{0, 1, 2, 5, 7, 8}); got != "0-2, 5, 7-8" {
		t.Fatalf("formatIndexes %q", got)
	}
}
