package main

import (
	"slices"
	"strings"
	"testing"
)

func TestEditDistance(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"run", "run", 0}, {"", "abc", 3}, {"rnu", "run", 1}, {"conections", "connections", 1},
		{"pipelin", "pipeline", 1}, {"kitten", "sitting", 3}, {"ab", "ba", 1}, {"ca", "abc", 3},
	} {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := editDistance(tt.b, tt.a); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d (symmetric)", tt.b, tt.a, got, tt.want)
		}
	}
}

func TestClosest(t *testing.T) {
	t.Parallel()
	flags := []string{"connections", "connect-timeout", "connect-concurrency", "requests", "run-count", "rate", "ratio", "key-maximum", "key-minimum"}
	for _, tt := range []struct {
		word string
		want []string
	}{
		{"conections", []string{"connections"}},
		{"reqests", []string{"requests"}},
		{"conn", []string{"connections", "connect-timeout", "connect-concurrency"}},
		{"key-max", []string{"key-maximum"}},
		{"RATE", []string{"rate"}},
		{"xyz", nil},
		{"ratoi", []string{"ratio"}}, // two letters swapped
		{"rat", []string{"rate", "ratio"}},
		{"durations", nil},
	} {
		if got := closest(tt.word, flags); !slices.Equal(got, tt.want) {
			t.Errorf("closest(%q) = %q, want %q", tt.word, got, tt.want)
		}
	}
}

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
