package priceflags

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

func parse(t *testing.T, args ...string) *Flags {
	t.Helper()
	var f Flags
	fs := pflag.NewFlagSet("plan", pflag.ContinueOnError)
	f.Register(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return &f
}

func TestCheck(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		args []string
		want string // "": accepted
	}{
		{nil, ""},
		{[]string{"--region", "westeurope", "--currency", "EUR"}, ""},
		{[]string{"--prices-file", "p.json"}, "--prices-file needs --region"},
		{[]string{"--region", "West Europe"}, `--region "West Europe": an Azure region's name`},
		{[]string{"--region", "westeurope", "--currency", "euro"}, `--currency "euro": a currency code`},
	} {
		err := parse(t, tt.args...).Check()
		if (tt.want == "") != (err == nil) || err != nil && !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%q: %v, want %q", tt.args, err, tt.want)
		}
	}
}

func TestCacheFile(t *testing.T) {
	t.Parallel()
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	f := parse(t, "--region", "westeurope")
	for _, tt := range []struct {
		getenv  func(string) string
		wantDir string
	}{
		{env("XDG_CACHE_HOME", "/x", "HOME", "/h"), filepath.Join("/x", "amrbench")},
		{env("HOME", "/h"), filepath.Join("/h", ".cache", "amrbench")},
		{env(), ""},
	} {
		got := f.cacheFile(tt.getenv)
		if tt.wantDir == "" && got != "" || tt.wantDir != "" && filepath.Dir(got) != tt.wantDir {
			t.Errorf("cache file %q, want one in %q", got, tt.wantDir)
		}
	}
	if got := parse(t, "--region", "westeurope", "--prices-cache", "/c").cacheFile(env("HOME", "/h")); filepath.Dir(got) != "/c" {
		t.Errorf("--prices-cache /c: cache file %q", got)
	}
}
