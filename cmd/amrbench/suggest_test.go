package main

import (
	"strings"
	"testing"
)

func TestMisspeltCommandsAndFlagsGetASuggestion(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"rnu"}, `amrbench: unknown command "rnu": did you mean run?`},
		{[]string{"comapre", "a", "b"}, `unknown command "comapre": did you mean compare?`},
		{[]string{"run", "--conections", "5"}, "amrbench run: unknown flag: --conections (did you mean --connections?)"},
		{[]string{"run", "--key-max=5"}, "unknown flag: --key-max (did you mean --key-maximum?)"},
		{[]string{"report", "--formt", "csv", "x"}, "unknown flag: --formt (did you mean --format?)"},
	} {
		res := cli(t, nil, tt.args...)
		if res.code != 2 || !strings.Contains(res.stderr, tt.want) || strings.Count(res.stderr, "\n") != 1 {
			t.Errorf("%q: exit %d, stderr %q; want exit 2 and one line with %q", tt.args, res.code, res.stderr, tt.want)
		}
	}
}

func TestVersionFlag(t *testing.T) {
	t.Parallel()
	want := cli(t, nil, "version")
	for _, flag := range []string{"--version", "-V", "-v"} {
		res := cli(t, nil, flag)
		if res.code != 0 || res.stdout != want.stdout || !strings.HasPrefix(res.stdout, "amrbench ") {
			t.Errorf("%s: exit %d, %q; want what version prints, %q", flag, res.code, res.stdout, want.stdout)
		}
	}
}
