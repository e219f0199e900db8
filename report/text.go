package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/amrbench/amrbench/internal/units"
	"github.com/amrbench/amrbench/results"
)

// WriteSummary writes the human summary of a run: what was measured, then a
// table per latency kind with a row per command and ALL. percentiles chooses
// the percentile columns (nil: the run's own choice).
func WriteSummary(w io.Writer, run *results.Run, s *results.Summary, percentiles []float64) error {
	h := run.Header
	var b strings.Builder
	fmt.Fprintf(&b, "amrbench %s %s\n", h.Tool.Version, runName(h))
	for _, f := range runFacts(run, s) {
		fmt.Fprintf(&b, "%-10s%s\n", f.name, f.text)
	}
	b.WriteString("\n")
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	for _, t := range SummaryTables(run, s, percentiles) {
		if _, err := fmt.Fprintf(w, "%s\n", t.Title); err != nil {
			return err
		}
		if err := t.WriteText(w); err != nil {
			return err
		}
		if _, err := io.WriteString(w, "\n"); err != nil {
			return err
		}
	}
	if err := writeSteps(w, run, s); err != nil {
		return err
	}
	if err := writeShards(w, run, s, percentiles); err != nil {
		return err
	}
	if err := writeServers(w, run); err != nil {
		return err
	}
	_, err := io.WriteString(w, runNotes(h, s, true)+"\n")
	return err
}

// writeSteps writes the table of a staircase or a search (StepsTable), then
// the verdict.
func writeSteps(w io.Writer, run *results.Run, s *results.Summary) error {
	t, verdict, err := StepsTable(run, s)
	if err != nil || t == nil {
		return err
	}
	if _, err := fmt.Fprintf(w, "%s:\n", t.Title); err != nil {
		return err
	}
	if err := t.WriteText(w); err != nil {
		return err
	}
	_, err = io.WriteString(w, verdict+"\n")
	return err
}

// StepsTable returns the table of a staircase or a search, nil for a run of
// one rate: each step's target and achieved rate, response-time
// percentiles, errors and late starts, and against each objective, whether
// it was met. verdict says, in lines, the highest rate that met them all.
func StepsTable(run *results.Run, s *results.Summary) (t *Table, verdict string, err error) {
	res := s.SLO
	if res == nil {
		if res, err = results.EvaluateSteps(nil, run.Intervals); err != nil {
			return nil, "", err
		}
	}
	if len(res.Steps) == 0 || (len(res.Steps) == 1 && res.Steps[0].Phase == "" && s.SLO == nil) {
		return nil, "", nil
	}
	byPhase := map[string][]*results.Interval{}
	for _, iv := range run.Intervals {
		byPhase[iv.Phase] = append(byPhase[iv.Phase], iv)
	}
	title := "Steps"
	if len(res.Objectives) > 0 {
		title += ", judged by " + strings.Join(res.Objectives, " and ")
	}
	t = &Table{Title: title + " (response time, milliseconds)"}
	t.Columns = []Column{{Name: "STEP", Key: "step", Align: AlignLeft}, {Name: "TARGET/S", Key: "target_rate"}, {Name: "ACHIEVED/S", Key: "achieved_rate"},
		{Name: "P50", Key: "p50_us"}, {Name: "P99", Key: "p99_us"}, {Name: "P99.9", Key: "p99.9_us"}, {Name: "MAX", Key: "max_us"},
		{Name: "ERRORS", Key: "errors"}, {Name: "LATE", Key: "late_starts"}}
	for _, o := range res.Objectives {
		t.Columns = append(t.Columns, Column{Name: o, Key: o + " (µs)"})
	}
	if len(res.Objectives) > 0 {
		t.Columns = append(t.Columns, Column{Name: "MET", Key: "met"})
	}
	for _, st := range res.Steps {
		totals, _, err := results.Totals(byPhase[st.Phase])
		if err != nil {
			return nil, "", err
		}
		l := results.LatencyOf(totals[results.AllCommands].Response, []float64{50, 99, 99.9})
		name := st.Phase
		if name == "" {
			name = "all"
		}
		row := []TableCell{TextCell(name), countCell(st.TargetRate), countCell(st.AchievedRate)}
		for _, p := range l.Percentiles {
			row = append(row, millisCell(float64(p.Micros)))
		}
		row = append(row, millisCell(float64(l.MaxMicros)), wholeCell(st.Errors), wholeCell(st.LateStarts))
		for _, o := range res.Objectives {
			row = append(row, millisCell(float64(st.Measured[o])))
		}
		if len(res.Objectives) > 0 {
			row = append(row, TextCell(map[bool]string{true: "yes", false: "no"}[st.Met]))
		}
		t.AddRow(row...)
	}
	switch {
	case len(res.Objectives) == 0:
	case res.MaxRate > 0:
		verdict = fmt.Sprintf("Highest rate meeting %s: %s ops/s.\n", strings.Join(res.Objectives, " and "), units.FormatThroughput(res.MaxRate))
		if bound := clientBoundAbove(res); len(bound) > 0 {
			verdict += fmt.Sprintf("This is a lower bound of the cache's capacity: the client was the limit in %s, above it (give the client more CPU or machines and run again).\n", strings.Join(bound, ", "))
		}
	case oneRate(res) && res.Steps[0].Met:
		verdict = fmt.Sprintf("The run met %s.\n", strings.Join(res.Objectives, " and "))
	default:
		verdict = fmt.Sprintf("No step met %s.\n", strings.Join(res.Objectives, " and "))
	}
	switch {
	case len(res.Objectives) == 0:
	case oneRate(res):
		verdict += fmt.Sprintf("A run at one rate meets the objectives when each holds on its operations (all commands together unless it names one) and it achieves its target rate within %g%%; its failed operations are judged by --max-error-rate.\n", results.RateTolerance*100)
	default:
		verdict += fmt.Sprintf("A step meets the objectives when each holds on its operations (all commands together unless it names one), it achieves its target rate within %g%%, and no operation fails.\n", results.RateTolerance*100)
	}
	verdict += describeStepServers(run, res, byPhase)
	return t, verdict, nil
}

// oneRate reports whether the judged run is one step at one rate (a closed
// loop, or --rate), not a staircase.
func oneRate(res *results.SLOResult) bool {
	return len(res.Steps) == 1 && res.Steps[0].Phase == ""
}

// clientBoundAbove returns the failed steps above the highest rate met in
// which the client was the limit.
func clientBoundAbove(res *results.SLOResult) []string {
	var steps []string
	for _, st := range res.Steps {
		if !st.Met && st.ClientBound && st.TargetRate > res.MaxRate {
			steps = append(steps, st.Phase)
		}
	}
	return steps
}

// describeAuth says who the run authenticated as and with which token; never
// the token itself.
func describeAuth(a *results.AuthSummary) string {
	text := "Entra ID"
	if a.Credential != "" {
		text += " (" + a.Credential + " credential)"
	}
	if a.Principal != "" {
		text += ", principal " + a.Principal
	}
	if a.Tokens > 0 {
		text += fmt.Sprintf("; %s, the last expiring %s", units.Plural(a.Tokens, "token"), a.TokenExpires.UTC().Format(time.RFC3339))
	}
	return text
}

// describeReauth says how the connections were kept authenticated: the
// AUTHs sent on open connections, connections the server closed for an
// expired token, and failing token requests.
func describeReauth(a *results.AuthSummary) string {
	if a == nil {
		return ""
	}
	var b strings.Builder
	r := a.Reauth
	if r.Count > 0 {
		p50, _ := r.Latency.At(50)
		p99, _ := r.Latency.At(99)
		fmt.Fprintf(&b, "Re-AUTH: %s sent on open connections with %s AUTH commands, %s failed; AUTH latency p50 %s ms, p99 %s ms, max %s ms (not in the tables above).\n",
			units.Plural(r.Waves, "renewed token"), units.FormatInt(r.Count), units.FormatInt(results.TotalErrors(r.Errors)), units.FormatMillis(float64(p50)), units.FormatMillis(float64(p99)), units.FormatMillis(float64(r.Latency.MaxMicros)))
	} else {
		b.WriteString("Re-AUTH: no AUTH was sent on an open connection.\n")
	}
	if r.ConnectionsExpired > 0 {
		fmt.Fprintf(&b, "Expired: %s %s closed by the server because their token expired; their failed operations are counted as auth errors.\n",
			units.Plural(r.ConnectionsExpired, "connection"), were(r.ConnectionsExpired))
	} else {
		b.WriteString("Expired: no connection was closed for an expired token.\n")
	}
	if a.RefreshFailures > 0 {
		fmt.Fprintf(&b, "Token requests: %s failed", units.FormatInt(a.RefreshFailures))
		if !a.FailingSince.IsZero() {
			fmt.Fprintf(&b, ", failing from %s to the end of the run, with the last token valid until %s",
				a.FailingSince.UTC().Format(time.RFC3339), a.TokenExpires.UTC().Format(time.RFC3339))
		} else {
			b.WriteString(", then a new token came")
		}
		fmt.Fprintf(&b, ". Last error: %s\n", a.LastError)
	}
	return b.String()
}

// were is the verb for n things: "was" for one, "were" for any other number.
func were(n int64) string {
	if n == 1 {
		return "was"
	}
	return "were"
}

func runName(h *results.Header) string {
	name := h.RunID
	if h.Label != "" && !strings.Contains(name, h.Label) {
		name += " (" + h.Label + ")"
	}
	return name
}

func describeTarget(t results.Target) string {
	var b strings.Builder
	b.WriteString(t.Endpoint)
	var details []string
	if t.Server != "" {
		details = append(details, t.Server)
	}
	switch {
	case t.TLSUnverified:
		details = append(details, "TLS unverified")
	case t.TLS:
		details = append(details, "TLS")
	}
	details = append(details, t.ClusterPolicy)
	if t.Shards > 1 {
		details = append(details, units.Plural(t.Shards, "shard"))
	}
	if t.SKU != "" {
		details = append(details, t.Tier+" "+t.SKU)
	}
	if t.Auth != "" && t.Auth != "none" {
		details = append(details, "auth "+t.Auth)
	}
	fmt.Fprintf(&b, " (%s)", strings.Join(details, ", "))
	return b.String()
}

func describeLoad(h *results.Header, s *results.Summary) string {
	mode := "closed loop"
	if h.Mode == results.ModeOpen {
		mode = "open loop, " + h.Schedule
	}
	text := fmt.Sprintf("%s, %s, pipeline %d, %.1f s measured", mode, units.Plural(int64(h.Connections), "connection"), h.Pipeline, s.DurationS)
	if h.WarmupS > 0 {
		text += fmt.Sprintf(" after %.1f s of warmup", h.WarmupS)
	}
	if h.Tool.CPUs > 0 {
		text += ", amrbench on " + units.Plural(int64(h.Tool.CPUs), "CPU")
	}
	return text
}

// describeErrors counts the failed operations by class, and their share of
// the operations issued. (The tables' counts and rates are of the
// successful ones.)
func describeErrors(s *results.Summary) string {
	all := s.Commands[results.AllCommands]
	if all == nil || all.ErrorCount() == 0 {
		return "Errors: none.\n"
	}
	var parts []string
	for _, c := range results.ErrorClasses {
		if n := all.Errors[c]; n > 0 {
			parts = append(parts, string(c)+" "+units.FormatInt(n))
		}
	}
	return fmt.Sprintf("Errors: %s (%s of the %s operations issued; the tables count the successful ones).\n",
		strings.Join(parts, ", "), units.FormatPercent(float64(all.ErrorCount())/float64(all.Issued())), units.FormatWhole(float64(all.Issued())))
}

func describeRunIntegrity(h *results.Header, s *results.Summary) string {
	var b strings.Builder
	if s.Reconnects > 0 {
		fmt.Fprintf(&b, "Reconnects: %s %s reopened after connection errors.\n", units.Plural(s.Reconnects, "connection"), were(s.Reconnects))
	}
	if s.BackoffS > 0 {
		fmt.Fprintf(&b, "Unable to send: the connections spent %.1f s, summed over them, reconnecting after failures.\n", s.BackoffS)
	}
	var issued int64
	if all := s.Commands[results.AllCommands]; all != nil {
		issued = all.Issued()
	}
	if s.Dropped > 0 {
		fmt.Fprintf(&b, "Dropped: %s of the %s operations due (%s) %s never sent: the run (or its step) ended first, the client behind its schedule.\n",
			units.FormatInt(s.Dropped), units.FormatInt(issued+s.Dropped), units.FormatPercent(float64(s.Dropped)/float64(issued+s.Dropped)), were(s.Dropped))
	}
	if s.LateStarts > 0 {
		fmt.Fprintf(&b, "Late starts: %s of the %s operations sent (%s) went out more than %g ms after their due time (their connection was waiting for earlier replies, or the client was short of CPU); their response times include the wait.\n",
			units.FormatInt(s.LateStarts), units.FormatInt(issued), units.FormatPercent(float64(s.LateStarts)/float64(max(issued, 1))), h.LateThresholdMS)
	}
	return b.String()
}

// lateShare writes a count of late starts with its share of the operations
// sent: "30,280 (100 %)".
func lateShare(late, sent int64) string {
	if sent <= 0 {
		return units.FormatInt(late)
	}
	return fmt.Sprintf("%s (%s)", units.FormatInt(late), units.FormatPercent(float64(late)/float64(sent)))
}

func rate(n int64, secs float64) float64 { return rate1(float64(n), secs) }

func rate1(x, secs float64) float64 {
	if secs <= 0 {
		return 0
	}
	return x / secs
}

// LiveLine is the one-line account of an interval printed while a run goes
// on: elapsed time into the measured window, throughput, p50 and p99 of the
// latency the run reports, errors and open connections.
func LiveLine(h *results.Header, iv *results.Interval) string {
	total := results.NewCommandStats()
	for _, cs := range iv.Commands {
		_ = total.Add(cs) // same geometry: cannot fail
	}
	hist := total.Service
	if h.Mode == results.ModeOpen {
		hist = total.Response
	}
	secs := iv.Duration().Seconds()
	p := results.LatencyOf(hist, []float64{50, 99})
	// Interval k starts k intervals after the measured window does.
	measuredStart := iv.Start.Add(-time.Duration(float64(iv.Index) * h.IntervalS * float64(time.Second)))
	elapsed := iv.End.Sub(measuredStart).Seconds()
	prefix := fmt.Sprintf("[%6.1fs]", elapsed)
	if !iv.Measured() {
		prefix = "[warmup ]"
	} else if iv.Phase != "" {
		prefix = fmt.Sprintf("[%6.1fs %s]", elapsed, iv.Phase)
	}
	line := fmt.Sprintf("%s %10s ops/s  p50 %s ms  p99 %s ms  errors %s  conns %s",
		prefix, units.FormatThroughput(rate(total.Count, secs)), units.FormatMillis(float64(p.Percentiles[0].Micros)),
		units.FormatMillis(float64(p.Percentiles[1].Micros)), units.FormatInt(total.ErrorCount()), units.FormatInt(iv.Connections))
	if iv.TargetRate > 0 {
		line += fmt.Sprintf("  target %s ops/s", units.FormatThroughput(iv.TargetRate))
	}
	if iv.LateStarts > 0 {
		line += "  late " + lateShare(iv.LateStarts, total.Issued())
	}
	if r := iv.Reauth; r != nil && r.Count > 0 {
		line += "  reauth " + units.FormatInt(r.Count)
	}
	if r := iv.Reauth; r != nil && r.Expired > 0 {
		line += "  expired " + units.FormatInt(r.Expired)
	}
	return line
}
