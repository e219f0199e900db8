package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/amrbench/amrbench/internal/units"
	"github.com/amrbench/amrbench/results"
)

// verdictFacts say what the run's numbers may be used for: the verdict's
// status and reasons (the throughput a lower bound of the cache's capacity,
// when it is), then how hard the client worked.
func verdictFacts(s *results.Summary) []fact {
	var facts []fact
	if v := s.Verdict; v != nil {
		status := v.Status
		if v.ExitCode != 0 {
			status += fmt.Sprintf(" (exit %d)", v.ExitCode)
		}
		if len(v.Reasons) > 0 {
			status += ": " + v.Reasons[0]
		}
		facts = append(facts, fact{"Verdict", status})
		for _, r := range v.Reasons[min(1, len(v.Reasons)):] {
			facts = append(facts, fact{"", r})
		}
	}
	if c := s.Client; c != nil {
		text := fmt.Sprintf("CPU %.0f %% of one core on average, %.0f %% at most, of a budget of %s",
			c.CPUPctMean, c.CPUPctMax, units.Plural(int64(c.CPUBudget), "CPU"))
		if c.CPUWaitPctMean > 0 {
			text += fmt.Sprintf("; it waited for %.0f %% of a core more on average, held by the machine's other processes", c.CPUWaitPctMean)
		}
		if c.LateShare > 0 {
			text += fmt.Sprintf("; %s of the operations sent late", units.FormatPercent(c.LateShare))
		}
		if c.BoundIntervals > 0 {
			text += "; client-bound in " + units.Plural(c.BoundIntervals, "interval")
		}
		facts = append(facts, fact{"Client", text})
	}
	return facts
}

// describeErrorSamples lists the first messages of each error class, as the
// server (or the client library) gave them.
func describeErrorSamples(s *results.Summary) string {
	return prefixLines("Error message: ", errorSampleLines(s))
}

// prefixLines writes each line after prefix.
func prefixLines(prefix string, lines []string) string {
	var b strings.Builder
	for _, line := range lines {
		b.WriteString(prefix + line + "\n")
	}
	return b.String()
}

// errorSampleLines returns "class: message" for each error sample, classes
// in report order.
func errorSampleLines(s *results.Summary) []string {
	var lines []string
	for _, c := range results.ErrorClasses {
		for _, m := range s.ErrorSamples[c] {
			lines = append(lines, fmt.Sprintf("%s: %s", c, m))
		}
	}
	return lines
}

// describeWarnings lists every warning of the run.
func describeWarnings(s *results.Summary) string {
	return prefixLines("Warning: ", warningLines(s))
}

// warningLines returns each warning of the run as "[code] detail (at time)".
func warningLines(s *results.Summary) []string {
	lines := make([]string, 0, len(s.Warnings))
	for _, w := range s.Warnings {
		line := w.Detail
		if w.Code != "" {
			line = "[" + w.Code + "] " + line
		}
		if !w.Time.IsZero() {
			line += " (" + w.Time.UTC().Format(time.TimeOnly) + ")"
		}
		lines = append(lines, line)
	}
	return lines
}

// runNotes are the lines under a run's tables: errors (with their messages
// if messages), redirects, re-authentication, reconnects, late and dropped
// operations, and the warnings if messages. (The HTML page lists the
// messages and warnings apart.)
func runNotes(h *results.Header, s *results.Summary, messages bool) string {
	if !messages {
		return describeErrors(s) + describeRedirects(s) + describeReauth(s.Auth) + describeRunIntegrity(h, s)
	}
	return describeErrors(s) + describeErrorSamples(s) + describeRedirects(s) + describeReauth(s.Auth) + describeRunIntegrity(h, s) + describeWarnings(s)
}
