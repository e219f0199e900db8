package cmdline

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"
)

// groupKey is the pflag annotation that names a flag's group, under which
// --help (and a program's documentation of its flags) list it.
const groupKey = "amrbench-group"

// EndGroup puts every flag of fs that is in no group yet into the group
// title: call it after each block of flags is registered.
func EndGroup(fs *pflag.FlagSet, title string) {
	fs.VisitAll(func(f *pflag.Flag) {
		if _, ok := f.Annotations[groupKey]; !ok {
			_ = fs.SetAnnotation(f.Name, groupKey, []string{title}) // the flag exists
		}
	})
}

// Group is a group's title and its flags, in registration order.
type Group struct {
	Title string
	Flags []*pflag.Flag
}

// Groups returns the flags of fs by group, the groups in the order of
// their first flags; flags in no group come last, untitled.
func Groups(fs *pflag.FlagSet) []Group {
	var groups []Group
	index := map[string]int{}
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		title := ""
		if g := f.Annotations[groupKey]; len(g) > 0 {
			title = g[0]
		}
		i, ok := index[title]
		if !ok {
			i = len(groups)
			index[title] = i
			groups = append(groups, Group{Title: title})
		}
		groups[i].Flags = append(groups[i].Flags, f)
	})
	return groups
}

// flagUsages writes the usage of fs's flags, under their groups' titles
// when they have groups.
func flagUsages(fs *pflag.FlagSet, width int) string {
	groups := Groups(fs)
	if len(groups) == 1 && groups[0].Title == "" {
		return "Flags:\n" + fs.FlagUsagesWrapped(width)
	}
	var b strings.Builder
	for i, g := range groups {
		if i > 0 {
			b.WriteString("\n")
		}
		sub := pflag.NewFlagSet(g.Title, pflag.ContinueOnError)
		sub.SortFlags = false
		for _, f := range g.Flags {
			sub.AddFlag(f)
		}
		title := g.Title
		if title == "" {
			title = "Other"
		}
		b.WriteString(title + ":\n" + sub.FlagUsagesWrapped(width))
	}
	return b.String()
}

// NewFlagSet returns a GNU-style flag set of the command name whose usage,
// written to stdout for --help, begins with "Usage:", program and synopsis
// (the command line, a blank line, what the command does), lists the flags
// under their groups' titles, and ends with examples. Its errors are
// returned, never printed: the caller prints each once.
func NewFlagSet(stdout io.Writer, program, name, synopsis, examples string) *pflag.FlagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SortFlags = false
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprintf(stdout, "Usage:\n  %s %s\n\n%s\nExamples:\n%s", program, synopsis, flagUsages(fs, 100), examples)
	}
	return fs
}

// Parse parses args into fs. For --help it returns pflag.ErrHelp, the usage
// printed; any other error is a mistake in the command line, with a "did
// you mean" for a misspelt long flag.
func Parse(fs *pflag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return err
		}
		return withFlagSuggestion(fs, err)
	}
	return nil
}
