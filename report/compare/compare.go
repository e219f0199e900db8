package compare

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/amrbench/amrbench/internal/units"
	"github.com/amrbench/amrbench/results"
)

// Better says which direction of a metric is an improvement.
type Better int

// Directions of improvement.
const (
	// Neither: no direction is better (a count of connections, say).
	Neither Better = iota
	// HigherIsBetter: throughput.
	HigherIsBetter
	// LowerIsBetter: latency, errors.
	LowerIsBetter
)

// Verdict is the outcome of the noise test for one run against the
// baseline.
type Verdict int

// Verdicts.
const (
	// Baseline marks the first run, which the others are compared with.
	Baseline Verdict = iota
	// Significant: the difference exceeds the runs' interval-to-interval
	// noise.
	Significant
	// NotSignificant: the difference is within the noise.
	NotSignificant
	// Untested: too few intervals, or a value is unknown.
	Untested
	// NotComparable: the run, or the baseline, cannot be compared (see
	// ComparedRun.NotComparable); no difference is given.
	NotComparable
)

// String returns "baseline", "yes", "no", "untested" or "not-comparable".
func (v Verdict) String() string {
	return [...]string{"baseline", "yes", "no", "untested", "not-comparable"}[v]
}

// CompareConfidence is the confidence of the noise test.
const CompareConfidence = 0.95

// DefaultCompareMaxErrorRate is the share of failed operations above which a
// run is not comparable: the default of run --max-error-rate.
const DefaultCompareMaxErrorRate = 0.01

// ErrSameRun is returned when a run is compared with itself.
var ErrSameRun = errors.New("the same run is given twice")

// Comparison is a set of runs side by side: the numbers that every
// rendering (text, Markdown, CSV, HTML) draws from.
type Comparison struct {
	// Command is the command the charts draw: results.AllCommands unless
	// one command was asked for.
	Command string
	// Commands are the blocks of rows, in report order: every command the
	// runs measured, then ALL; or the one command asked for.
	Commands []string
	// Percentiles are the percentiles compared.
	Percentiles []float64
	// OneLatency is set when every run is a closed loop, where response
	// time is service time: one block of latency rows (service) is shown.
	OneLatency bool
	Runs       []ComparedRun
	Rows       []ComparisonRow
	// Conditions are what differs between the runs: one per aspect that
	// is not the same in every run, with each run's value.
	Conditions []Condition
	// SLO compares runs that searched for the highest rate meeting latency
	// objectives by that rate; nil when none did.
	SLO *SLOComparison
	// SearchesOnly is set when every run is such a search: their
	// whole-run figures mix the rates of their steps, so no rows are
	// computed and the runs are compared by SLO alone.
	SearchesOnly bool
	// MaxErrorRate is the share of failed operations above which a run is
	// not comparable.
	MaxErrorRate float64
	// Notes say what else limits the comparison (a killed run, too few
	// intervals).
	Notes []string
	// runs are the runs compared, for the renderings that draw them (HTML).
	runs []results.NamedRun
}

// Condition is one aspect of the runs' set-up or outcome, with each run's
// value in the order of Comparison.Runs.
type Condition struct {
	Name   string
	Values []string
}

// ComparedRun is one run of a comparison.
type ComparedRun struct {
	// Letter is the run's column name: "A", "B", ...
	Letter string
	// Name is the run's label (or run id), made unique.
	Name string
	// Source is the file or directory it was read from.
	Source string
	Header *results.Header
	// DurationS is the measured time; Intervals is the number of intervals
	// behind the noise test.
	DurationS float64
	Intervals int
	// Connections is the number of connections the run held to the
	// target: the workers, times the shards for an OSS cluster, where each
	// worker has a connection to every shard (the slot-map connection not
	// counted).
	Connections int
	// Truncated is set for a file that ends early (a killed run).
	Truncated bool
	// Errors is the number of operations of every command that failed in
	// the measured window, Issued the operations sent (successes and
	// failures), and ErrorRate the one over the other.
	Errors, Issued int64
	ErrorRate      float64
	// ClientBound is set when the run's summary says the client, not the
	// cache, was the limit: its throughput is a lower bound of the cache's.
	ClientBound  bool
	ClientReason string
	// ServerBound is what the run's server records say set its pace: a
	// server saturated in most intervals (issue 17); nil when none was, or
	// the run has no server records (ServerRecords). LowerBound is set when
	// the run's verdict says its throughput is a lower bound of the
	// cache's capacity. Both come from the run's verdict
	// (results.RunVerdict).
	ServerBound   *results.ServerBound
	ServerRecords bool
	LowerBound    bool
	// Warnings are the warnings printed during the run.
	Warnings []results.Warning
	// NotComparable says why the run cannot be compared with the others;
	// empty when it can.
	NotComparable []string
}

// Comparable reports whether the run can be compared.
func (r ComparedRun) Comparable() bool { return len(r.NotComparable) == 0 }

// Describe says what the run measured, in a line.
func (r ComparedRun) Describe() string {
	h := r.Header
	t := h.Target
	target := t.Endpoint + " (" + t.ClusterPolicy
	if t.Shards > 1 {
		target += fmt.Sprintf(", %d shards", t.Shards)
	}
	if t.SKU != "" {
		target += ", " + strings.TrimSpace(t.Tier+" "+t.SKU)
	}
	target += ")"
	conns := units.Plural(int64(h.Connections), "connection")
	if r.Connections != h.Connections {
		conns = fmt.Sprintf("%s x %d shards = %s", conns, t.Shards, units.FormatInt(r.Connections))
	}
	errs := countOf(r.Errors, "error")
	if r.Errors > 0 {
		errs += " (" + formatShare(r.ErrorRate) + " of operations)"
	}
	return fmt.Sprintf("%s, %s, pipeline %d, %s, %.1f s measured in %s, %s", target, conns, h.Pipeline, loadModel(h), r.DurationS,
		units.Plural(int64(r.Intervals), "interval"), errs)
}

// loadModel says how a run offered its load.
func loadModel(h *results.Header) string {
	switch {
	case h.Mode == results.ModeOpen && h.Schedule != "": // a staircase or a search has no one rate
		return "open loop, " + h.Schedule
	case h.Mode == results.ModeOpen:
		return fmt.Sprintf("open loop at %s ops/s", units.FormatThroughput(h.TargetRate))
	}
	return "closed loop"
}

// formatShare writes a share (0..1) as a percentage with up to three
// significant digits: "0.00123 %", "66 %".
func formatShare(x float64) string {
	return strconv.FormatFloat(100*x, 'g', 3, 64) + " %"
}

// ComparisonRow is one metric of one command across the runs.
type ComparisonRow struct {
	// Command is the command the metric is of ("SET", "GET", "ALL").
	Command string
	// Key names the metric for machines: "ops_per_sec", "response_p99_us".
	Key string
	// Label names it for people: "ops/s", "response p99".
	Label string
	// Unit is the unit of the values: "ops/s", "errors/s", "us", "%".
	Unit   string
	Better Better
	// Cells has one cell per run, in the order of Comparison.Runs.
	Cells []Cell
}

// Cell is one run's value of one metric.
type Cell struct {
	Value float64
	// Known is false where the run cannot say (ops/s per vCPU with no SKU,
	// a command the run did not send).
	Known bool
	// DiffPct is (Value - baseline) / baseline in percent; DiffKnown is
	// false for the baseline itself, for unknown values, for a zero
	// baseline (unless both are zero) and for runs that are not comparable.
	DiffPct   float64
	DiffKnown bool
	Verdict   Verdict
	// Mean, StdErr and N describe the per-interval series the test used.
	Mean, StdErr float64
	N            int
}

// Options chooses what a comparison shows.
type Options struct {
	// Command is the one command compared (SET, GET or ALL); empty means
	// every command the runs measured, each in its block, and ALL.
	Command string
	// Percentiles are the percentiles compared; nil means the default ones
	// and any the runs asked for.
	Percentiles []float64
	// MaxErrorRate is the share of failed operations above which a run is
	// not comparable (0: any failure); nil means DefaultCompareMaxErrorRate,
	// 1 or more turns the check off.
	MaxErrorRate *float64
}

// Compare computes the comparison of runs (at least two) against the first.
func Compare(runs []results.NamedRun, opts Options) (*Comparison, error) {
	if len(runs) < 2 {
		return nil, errors.New("compare needs at least two runs")
	}
	if err := distinctRuns(runs); err != nil {
		return nil, err
	}
	percentiles := opts.Percentiles
	if len(percentiles) == 0 {
		var extra []float64
		for _, r := range runs {
			extra = append(extra, r.Run.Header.Percentiles...)
		}
		percentiles = results.ReportPercentiles(extra)
	}
	c := &Comparison{Command: results.AllCommands, Percentiles: percentiles, runs: runs, MaxErrorRate: DefaultCompareMaxErrorRate, OneLatency: true}
	if opts.MaxErrorRate != nil {
		c.MaxErrorRate = *opts.MaxErrorRate
	}
	if opts.Command != "" {
		c.Command = opts.Command
	}
	data := make([]*runData, len(runs))
	for i, nr := range runs {
		d, cr, err := prepareRun(nr, percentiles)
		if err != nil {
			return nil, err
		}
		cr.Letter = columnLetter(i)
		judgeComparable(&cr, nr.Run, d, c.MaxErrorRate)
		data[i] = d
		c.Runs = append(c.Runs, cr)
		c.OneLatency = c.OneLatency && nr.Run.Header.Mode != results.ModeOpen
	}
	uniqueNames(c.Runs)
	commands, err := comparedCommands(opts.Command, data, c.Runs)
	if err != nil {
		return nil, err
	}
	c.Commands = commands
	c.SLO = compareSLO(runs, c.Runs)
	c.SearchesOnly = c.SLO != nil && c.SLO.AllSearched
	if !c.SearchesOnly {
		servers := hasServerLevels(data)
		for _, cmd := range commands {
			last := cmd == commands[len(commands)-1]
			ms := metrics(cmd, percentiles, c.OneLatency, last)
			if last && servers {
				ms = append(ms, serverMetrics(cmd)...)
			}
			for _, m := range ms {
				if row := compareMetric(m, data, c.Runs); slices.ContainsFunc(row.Cells, func(x Cell) bool { return x.Known }) {
					c.Rows = append(c.Rows, row)
				}
			}
		}
	}
	c.Conditions = conditions(c.Runs)
	c.Notes = comparisonNotes(c.Runs)
	return c, nil
}

// distinctRuns refuses a run given twice: the same run id, host and segment
// (a file and its copy, or a directory and its result file).
func distinctRuns(runs []results.NamedRun) error {
	type identity struct{ id, host, segment, start string }
	seen := map[identity]string{}
	for _, nr := range runs {
		h := nr.Run.Header
		key := identity{h.RunID, h.Host, h.Segment, h.Start.String()}
		if first, ok := seen[key]; ok && h.RunID != "" {
			return fmt.Errorf("%s and %s: %w (run id %s): compare needs different runs", first, nr.Name, ErrSameRun, h.RunID)
		}
		seen[key] = nr.Name
	}
	return nil
}

// comparedCommands returns the blocks of rows: the command asked for, which
// every run must have measured, or every command any run measured and ALL.
func comparedCommands(asked string, data []*runData, runs []ComparedRun) ([]string, error) {
	if asked != "" {
		for i, d := range data {
			if cd := d.commands[asked]; cd == nil || cd.stats.Count == 0 {
				return nil, fmt.Errorf("%s: no %s operations were measured", runs[i].Source, asked)
			}
		}
		return []string{asked}, nil
	}
	seen := map[string]bool{}
	for _, d := range data {
		for name, cd := range d.commands {
			if cd.stats.Count+cd.stats.ErrorCount() > 0 {
				seen[name] = true
			}
		}
	}
	names := results.CommandNames(seen)
	// One command alone: its block is ALL's.
	if len(names) == 2 && names[1] == results.AllCommands {
		return names[1:], nil
	}
	return names, nil
}

func columnLetter(i int) string {
	if i < 26 {
		return string(rune('A' + i))
	}
	return "R" + strconv.Itoa(i+1)
}

// uniqueNames makes run names distinct by adding the source's base name.
func uniqueNames(runs []ComparedRun) {
	count := map[string]int{}
	for _, r := range runs {
		count[r.Name]++
	}
	for i := range runs {
		if count[runs[i].Name] > 1 {
			runs[i].Name += " (" + filepath.Base(strings.TrimSuffix(runs[i].Source, string(filepath.Separator)+results.FileName)) + ")"
		}
	}
}

// compareMetric computes one row: each run's value, its difference from the
// baseline and the verdict of the noise test.
func compareMetric(m metric, data []*runData, runs []ComparedRun) ComparisonRow {
	row := ComparisonRow{Command: m.command, Key: m.key, Label: m.label, Unit: m.unit, Better: m.better}
	series := make([]stats, len(data))
	for i, d := range data {
		var cell Cell
		cd := d.commands[m.command]
		if cd != nil {
			cell.Value, cell.Known = m.value(d, cd)
			var xs []float64
			for _, iv := range cd.intervals {
				if x, ok := m.series(d, iv); ok {
					xs = append(xs, x)
				}
			}
			series[i] = statsOf(xs)
		}
		cell.Mean, cell.StdErr, cell.N = series[i].mean, series[i].stdErr(), series[i].n
		row.Cells = append(row.Cells, cell)
	}
	base := row.Cells[0]
	for i := range row.Cells {
		cell := &row.Cells[i]
		switch {
		case i == 0:
			cell.Verdict = Baseline
			continue
		case !runs[0].Comparable() || !runs[i].Comparable():
			cell.Verdict = NotComparable
			continue
		}
		cell.Verdict = Untested
		if !cell.Known || !base.Known {
			continue
		}
		switch {
		case base.Value != 0:
			cell.DiffPct, cell.DiffKnown = 100*(cell.Value-base.Value)/base.Value, true
		case cell.Value == 0:
			cell.DiffPct, cell.DiffKnown = 0, true
		}
		cell.Verdict = welch(series[0], series[i])
	}
	return row
}

// comparisonNotes says what limits the comparison besides the conditions: files
// of killed runs, runs with too few intervals.
func comparisonNotes(runs []ComparedRun) []string {
	var notes []string
	for _, r := range runs {
		if r.Header.Target.TLSUnverified {
			notes = append(notes, fmt.Sprintf("%s ran over TLS without verifying the server's certificate (--tls-skip-verify): it may not have measured the cache it names.", r.Letter))
		}
		if r.Truncated {
			notes = append(notes, fmt.Sprintf("%s's result file ends early (the run was killed): it is compared over its whole intervals.", r.Letter))
		}
		if r.Intervals < 2 {
			notes = append(notes, fmt.Sprintf("%s has %d measured intervals: too few to judge noise; run longer or with a shorter --interval.", r.Letter, r.Intervals))
		}
	}
	return notes
}
