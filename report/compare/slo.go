package compare

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/amrbench/amrbench/internal/units"
	"github.com/amrbench/amrbench/results"
)

// This file compares runs that searched for the highest rate meeting their
// latency objectives (a staircase or --find-max) by that rate: "65,000
// ops/s met p99<2ms vs none", where whole-run averages would mix every step
// of each search.

// SLOComparison compares runs by the highest rate at which they met their
// latency objectives.
type SLOComparison struct {
	// Entries has one entry per run, in the order of Comparison.Runs.
	Entries []SLOEntry
	// SameObjectives is set when every run that searched judged the same
	// objectives, so that their rates compare.
	SameObjectives bool
	// AllSearched is set when every run searched.
	AllSearched bool
	// Headline is the comparison in a line: "65,000 ops/s met p99<2ms vs
	// none".
	Headline string
}

// SLOEntry is what one run's search found.
type SLOEntry struct {
	// Searched is set when the run judged a staircase of rates against
	// objectives.
	Searched bool
	// Objectives are the objectives judged, in canonical form.
	Objectives []string
	// MaxRate is the highest target rate that met every objective; 0 when
	// none did.
	MaxRate float64
	// Step is the step of MaxRate, or the lowest step when none met.
	Step *results.SLOStep
	// LowerBound is set when the client limited the search: the cache may
	// meet the objectives at higher rates.
	LowerBound bool
	// DiffPct is MaxRate against the baseline's, in percent, where both
	// searched the same objectives, both met them at some rate and both
	// runs are comparable.
	DiffPct   float64
	DiffKnown bool
	// Text says it for people: "65,000 ops/s met p99<2ms", "none met
	// p99<2ms (the lowest step, 10,000 ops/s, measured p99 3.1 ms)", "no
	// search (closed loop)".
	Text string
	// Short is Text for the headline: "65,000 ops/s met p99<2ms", "none".
	Short string
}

// compareSLO compares the runs' searches; nil when no run searched.
func compareSLO(named []results.NamedRun, runs []ComparedRun) *SLOComparison {
	sc := &SLOComparison{SameObjectives: true, AllSearched: true}
	searched := false
	for i, nr := range named {
		e := sloEntry(nr.Run, runs[i])
		searched = searched || e.Searched
		sc.AllSearched = sc.AllSearched && e.Searched
		sc.Entries = append(sc.Entries, e)
	}
	if !searched {
		return nil
	}
	var first []string
	for _, e := range sc.Entries {
		if !e.Searched {
			continue
		}
		if first == nil {
			first = e.Objectives
		} else if !slices.Equal(first, e.Objectives) {
			sc.SameObjectives = false
		}
	}
	base := sc.Entries[0]
	var shorts []string
	for i := range sc.Entries {
		e := &sc.Entries[i]
		if sc.SameObjectives && e.Short == "" {
			e.Short = "none"
		}
		if e.Short == "" {
			e.Short = "none met " + strings.Join(e.Objectives, ", ")
		}
		shorts = append(shorts, e.Short)
		if i > 0 && sc.SameObjectives && base.Searched && e.Searched && base.MaxRate > 0 && e.MaxRate > 0 && runs[0].Comparable() && runs[i].Comparable() {
			e.DiffPct, e.DiffKnown = 100*(e.MaxRate-base.MaxRate)/base.MaxRate, true
		}
	}
	sc.Headline = strings.Join(shorts, " vs ")
	return sc
}

// sloEntry reads one run's search: its summary's, or the one its header's
// objectives give when judged from its intervals (a killed run).
func sloEntry(run *results.Run, r ComparedRun) SLOEntry {
	var slo *results.SLOResult
	if run.Summary != nil {
		slo = run.Summary.SLO
	}
	if slo == nil && len(run.Header.SLO) > 0 {
		if s, err := run.Summarize(); err == nil {
			slo = s.SLO
		}
	}
	if !results.Searched(slo) {
		return SLOEntry{Text: "no search (" + loadModel(run.Header) + ")", Short: "no search"}
	}
	e := SLOEntry{Searched: true, MaxRate: slo.MaxRate, LowerBound: r.ClientBound || r.LowerBound}
	for _, text := range slo.Objectives {
		if o, err := results.ParseObjective(text); err == nil {
			e.Objectives = append(e.Objectives, o.String())
		} else {
			e.Objectives = append(e.Objectives, text)
		}
	}
	sort.Strings(e.Objectives)
	objectives := strings.Join(e.Objectives, ", ")
	for i := range slo.Steps {
		s := &slo.Steps[i]
		switch {
		case e.MaxRate > 0 && s.Met && s.TargetRate == e.MaxRate:
			e.Step = s
		case e.MaxRate == 0 && (e.Step == nil || s.TargetRate < e.Step.TargetRate):
			e.Step = s
		}
	}
	if e.MaxRate > 0 {
		e.Short = fmt.Sprintf("%s ops/s met %s", units.FormatWhole(e.MaxRate), objectives)
		e.Text = e.Short
		if e.LowerBound {
			e.Short = "≥ " + e.Short
			e.Text = "≥ " + e.Text + ": the client was the limit, the cache may do more"
		}
		if e.Step != nil {
			e.Text += " (" + describeStep(e.Step) + ")"
		}
		return e
	}
	e.Text = "none met " + objectives
	if e.Step != nil {
		e.Text += " (the lowest step: " + describeStep(e.Step) + ")"
	}
	return e
}

// describeStep says what a step measured: "achieved 64,870 ops/s, p99<2ms
// measured 1.912 ms".
func describeStep(s *results.SLOStep) string {
	text := fmt.Sprintf("%s: achieved %s ops/s", s.Phase, units.FormatWhole(s.AchievedRate))
	var keys []string
	for k := range s.Measured {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		text += fmt.Sprintf(", %s measured %s ms", k, units.FormatMillis(float64(s.Measured[k])))
	}
	if s.Errors > 0 {
		text += ", " + units.Plural(s.Errors, "failed operation")
	}
	return text
}
