package cmdline

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func TestValues(t *testing.T) {
	t.Parallel()
	var d time.Duration
	var n int
	var ps []float64
	for _, tt := range []struct {
		value pflag.Value
		in    string
		want  string // String() after Set; "error: ..." for a refusal
	}{
		{Duration(&d), "30", "30s"},
		{Duration(&d), "1h30m", "1h30m0s"},
		{Duration(&d), "soon", "error"},
		{Bytes(&n), "4KiB", "4096"},
		{Bytes(&n), "4KB", "4000"},
		{Bytes(&n), "4k", "error"},
		{Percentiles(&ps), "50, 99,99.9", "50,99,99.9"},
		{Percentiles(&ps), "0,50", `error: "0,50": "0" is not a percentile above 0 and at most 100`},
		{Percentiles(&ps), "101", "error"},
	} {
		err := tt.value.Set(tt.in)
		switch {
		case strings.HasPrefix(tt.want, "error"):
			if err == nil || !strings.HasPrefix("error: "+err.Error(), tt.want) {
				t.Errorf("%s %q: %v, want %s", tt.value.Type(), tt.in, err, tt.want)
			}
		case err != nil:
			t.Errorf("%s %q: %v", tt.value.Type(), tt.in, err)
		case tt.value.String() != tt.want:
			t.Errorf("%s %q reads %q, want %q", tt.value.Type(), tt.in, tt.value.String(), tt.want)
		}
	}
	d, n = 0, 0
	if Duration(&d).String() != "" || Bytes(&n).String() != "" {
		t.Error("a zero duration or size states a default in --help")
	}
}

func TestParseSuggestsAFlag(t *testing.T) {
	t.Parallel()
	fs := NewFlagSet(nil, "prog", "cmd", "cmd [flags]", "")
	fs.Int("connections", 1, "")
	fs.Int("hidden-one", 1, "")
	_ = fs.MarkHidden("hidden-one")
	for _, tt := range []struct{ arg, want string }{
		{"--conections=5", "unknown flag: --conections (did you mean --connections?)"},
		{"--hidden-on", "unknown flag: --hidden-on"}, // a hidden flag is never suggested
		{"--zzz", "unknown flag: --zzz"},
	} {
		if err := Parse(fs, []string{tt.arg}); err == nil || err.Error() != tt.want {
			t.Errorf("%s: %v, want %q", tt.arg, err, tt.want)
		}
	}
}

func TestReadSmallFileIsBounded(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	small, large := filepath.Join(dir, "key.pem"), filepath.Join(dir, "big")
	if err := os.WriteFile(small, []byte("secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(large, make([]byte, maxSmallFile+1), 0o600); err != nil {
		t.Fatal(err)
	}
	if b, err := ReadSmallFile(small); err != nil || string(b) != "secret\n" {
		t.Errorf("ReadSmallFile(%s) = %q, %v", small, b, err)
	}
	if _, err := ReadSmallFile(large); err == nil || !strings.Contains(err.Error(), "larger than 1 MiB") {
		t.Errorf("ReadSmallFile of %d bytes: %v, want a refusal", maxSmallFile+1, err)
	}
}
