package cmdline

import (
	"slices"
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
