package rundir

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/amrbench/amrbench/results"
)

func header() *results.Header {
	return &results.Header{RunID: "r", Start: time.Now(), Mode: results.ModeClosed, IntervalS: 1}
}

func TestCheckFree(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	mk := func(dir string, names ...string) string {
		t.Helper()
		dir = filepath.Join(tmp, dir)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			if err := os.WriteFile(filepath.Join(dir, n), []byte("mine"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	headerOnly := mk("header-only")
	files, err := Create(headerOnly, false, header(), nil)
	if err != nil {
		t.Fatal(err)
	}
	files.Close()
	for _, tt := range []struct {
		dir, want string // want "": free
	}{
		{filepath.Join(tmp, "absent"), ""},
		{mk("empty"), ""},
		{mk("others", "notes.md", "GET.txt"), ""},
		{mk("reports", "summary.txt", "report.html"), " already holds report.html, summary.txt, which a run would overwrite; choose another directory, or move them"},
		{mk("hgrm", "SET.hgrm"), " already holds SET.hgrm, which"},
		{mk("result", "result.jsonl", "summary.txt"), " already holds a result; choose another directory"},
		{mk("unreadable-result", "result.jsonl"), " already holds a result"}, // not a result file: not taken for a leftover
		{headerOnly, " holds the result.jsonl of a run that stopped before it measured anything"},
	} {
		err := CheckFree(tt.dir)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v, want free", tt.dir, err)
		case tt.want != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.dir+tt.want)):
			t.Errorf("%s: %v, want %q", tt.dir, err, tt.dir+tt.want)
		}
	}
}

func TestDiscardUnmeasured(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	made := filepath.Join(tmp, "made")
	given := filepath.Join(tmp, "given")
	for _, dir := range []string{made, given} {
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct {
		dir        string
		createdDir bool
		dirStays   bool
	}{{made, true, false}, {given, false, true}} {
		files, err := Create(tt.dir, tt.createdDir, header(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if !files.DiscardUnmeasured() {
			t.Errorf("%s: a header-only result was kept", tt.dir)
		}
		if _, err := os.Stat(filepath.Join(tt.dir, results.FileName)); !os.IsNotExist(err) {
			t.Errorf("%s: result.jsonl is still there: %v", tt.dir, err)
		}
		if _, err := os.Stat(tt.dir); (err == nil) != tt.dirStays {
			t.Errorf("%s: the directory exists %v, want %v", tt.dir, err == nil, tt.dirStays)
		}
	}
}

func TestWriteNewFileNeverOverwrites(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "summary.txt")
	if err := os.WriteFile(path, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := writeNewFile(path, func(w io.Writer) error { _, err := io.WriteString(w, "theirs"); return err }); err == nil {
		t.Error("writeNewFile wrote over an existing file")
	}
	if b, _ := os.ReadFile(path); string(b) != "mine" {
		t.Errorf("the file holds %q, want %q", b, "mine")
	}
	if err := WriteFile(path, func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err }); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "new" {
		t.Errorf("WriteFile left %q, want %q", b, "new")
	}
}

func TestCheckOutputFiles(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	for _, name := range []string{"lat_ALL.hgrm", "out.json", "other_GET.hgrm"} {
		if err := os.WriteFile(filepath.Join(tmp, name), []byte("mine"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct {
		check func(string) error
		path  string
		want  string // "": passes
	}{
		{CheckNewFile, "", ""},
		{CheckNewFile, filepath.Join(tmp, "new.json"), ""},
		{CheckNewFile, filepath.Join(tmp, "out.json"), filepath.Join(tmp, "out.json") + " exists, and a run overwrites no file"},
		{CheckNewFile, filepath.Join(tmp, "absent", "x.json"), "directory " + filepath.Join(tmp, "absent") + ": "},
		{CheckNewFile, filepath.Join(tmp, "out.json", "x.json"), filepath.Join(tmp, "out.json") + " is not a directory"},
		{CheckHDRPrefix, filepath.Join(tmp, "free"), ""},
		{CheckHDRPrefix, filepath.Join(tmp, "lat"), filepath.Join(tmp, "lat_ALL.hgrm") + " exists"},
	} {
		err := tt.check(tt.path)
		if (tt.want == "") != (err == nil) || err != nil && !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%q: %v, want %q", tt.path, err, tt.want)
		}
	}
}
