package cmdline

import (
	"fmt"
	"strings"

	"github.com/spf13/pflag"
)

// closest returns the candidates nearest to word, for a "did you mean":
// those a word of three letters or more is the start of (up to three), or
// else the one within a few edits (a quarter of the word's length, at least
// 1, at most 3), the nearest. It returns nil when none is close enough to
// be a likely mistake.
func closest(word string, candidates []string) []string {
	word = strings.ToLower(word)
	var prefixed []string
	for _, c := range candidates {
		if len(word) >= 3 && strings.HasPrefix(c, word) {
			prefixed = append(prefixed, c)
		}
	}
	if len(prefixed) > 0 && len(prefixed) <= 3 {
		return prefixed
	}
	best, bestDist := "", min(max(1, len(word)/4), 3)+1
	for _, c := range candidates {
		if d := editDistance(word, c); d < bestDist {
			best, bestDist = c, d
		}
	}
	if best == "" {
		return nil
	}
	return []string{best}
}

// DidYouMean returns a question naming the candidates nearest to word
// (closest), each after prefix ("--" for flags): "did you mean run?"; empty
// when none is close enough to be a likely mistake.
func DidYouMean(prefix, word string, candidates []string) string {
	s := closest(word, candidates)
	if s == nil {
		return ""
	}
	return didYouMean(prefix, s)
}

// didYouMean writes candidates as a question: "--a", "--a or --b", "--a,
// --b or --c", each after prefix.
func didYouMean(prefix string, candidates []string) string {
	quoted := make([]string, len(candidates))
	for i, c := range candidates {
		quoted[i] = prefix + c
	}
	if len(quoted) == 1 {
		return "did you mean " + quoted[0] + "?"
	}
	return "did you mean " + strings.Join(quoted[:len(quoted)-1], ", ") + " or " + quoted[len(quoted)-1] + "?"
}

// editDistance is the optimal string alignment distance between a and b:
// insertions, deletions, substitutions and swaps of two neighbours each
// count one (the swap is the commonest typing slip).
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

// withFlagSuggestion adds a "did you mean" to pflag's error for an unknown
// long flag, from the flags of fs.
func withFlagSuggestion(fs *pflag.FlagSet, err error) error {
	name, ok := strings.CutPrefix(err.Error(), "unknown flag: --")
	if !ok {
		return err
	}
	name, _, _ = strings.Cut(name, "=")
	var names []string
	fs.VisitAll(func(f *pflag.Flag) {
		if !f.Hidden {
			names = append(names, f.Name)
		}
	})
	if s := DidYouMean("--", name, names); s != "" {
		return fmt.Errorf("%w (%s)", err, s)
	}
	return err
}
