package main

import (
	"strings"

	"github.com/spf13/pflag"
)

// flagGroupKey is the pflag annotation that names a flag's group, under
// which --help and docs/flags.md list it.
const flagGroupKey = "amrbench-group"

// endGroup puts every flag of fs that is in no group yet into the group
// title: call it after each block of flags is registered.
func endGroup(fs *pflag.FlagSet, title string) {
	fs.VisitAll(func(f *pflag.Flag) {
		if _, ok := f.Annotations[flagGroupKey]; !ok {
			_ = fs.SetAnnotation(f.Name, flagGroupKey, []string{title}) // the flag exists
		}
	})
}

// flagGroup is a group's title and its flags, in registration order.
type flagGroup struct {
	title string
	flags []*pflag.Flag
}

// flagGroups returns the flags of fs by group, the groups in the order of
// their first flags; flags in no group come last, untitled.
func flagGroups(fs *pflag.FlagSet) []flagGroup {
	var groups []flagGroup
	index := map[string]int{}
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		title := ""
		if g := f.Annotations[flagGroupKey]; len(g) > 0 {
			title = g[0]
		}
		i, ok := index[title]
		if !ok {
			i = len(groups)
			index[title] = i
			groups = append(groups, flagGroup{title: title})
		}
		groups[i].flags = append(groups[i].flags, f)
	})
	return groups
}

// flagUsages writes the usage of fs's flags, under their groups' titles
// when they have groups.
func flagUsages(fs *pflag.FlagSet, width int) string {
	groups := flagGroups(fs)
	if len(groups) == 1 && groups[0].title == "" {
		return "Flags:\n" + fs.FlagUsagesWrapped(width)
	}
	var b strings.Builder
	for i, g := range groups {
		if i > 0 {
			b.WriteString("\n")
		}
		sub := pflag.NewFlagSet(g.title, pflag.ContinueOnError)
		sub.SortFlags = false
		for _, f := range g.flags {
			sub.AddFlag(f)
		}
		title := g.title
		if title == "" {
			title = "Other"
		}
		b.WriteString(title + ":\n" + sub.FlagUsagesWrapped(width))
	}
	return b.String()
}
