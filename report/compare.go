package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/amrbench/amrbench/internal/units"
	"github.com/amrbench/amrbench/results"
)

// A comparison puts runs side by side: the same numbers for each, and how
// each differs from the first (the baseline), in percent.
//
// Whether a difference means anything is judged against the runs' own
// interval-to-interval noise. For every metric, each run gives a series of
// per-interval values (the interval's ops/s, its p99, its error rate, ...;
// intervals shorter than half the run's interval length, such as a cut
// last one, are left out). Two runs differ significantly when the means of
// their series differ by more than Welch's t-test allows at 95 %
// confidence: t = |mean_a - mean_b| / sqrt(se_a² + se_b²), where se is a
// series' standard error (its standard deviation over the square root of
// its length), against Student's t with the Welch–Satterthwaite degrees of
// freedom. A run with fewer than two intervals cannot be judged. The test
// treats intervals as independent; load that drifts during a run makes them
// less so, which a longer run with more intervals mitigates.
//
// The values shown are the whole run's (ops/s over the measured window,
// percentiles of the merged histogram); the test uses the interval series,
// whose mean is close to but not the same as the whole-run value for a
// percentile.

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
)

// String returns "baseline", "yes", "no" or "untested".
func (v Verdict) String() string {
	return [...]string{"baseline", "yes", "no", "untested"}[v]
}

// CompareConfidence is the confidence of the noise test.
const CompareConfidence = 0.95

// Comparison is a set of runs side by side: the numbers that every
// rendering (text, Markdown, CSV, HTML) draws from.
type Comparison struct {
	// Command is the command compared; results.AllCommands for all.
	Command string
	// Percentiles are the percentiles compared.
	Percentiles []float64
	Runs        []ComparedRun
	Rows        []ComparisonRow
	// Notes say what differs between the runs' set-ups and so makes the
	// comparison less like for like.
	Notes []string
	// runs are the runs compared, for the renderings that draw them (HTML).
	runs []results.NamedRun
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
	// Errors is the number of operations of the command compared that
	// failed in the measured window.
	Errors int64
}

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
		conns = fmt.Sprintf("%s x %d shards = %d", conns, t.Shards, r.Connections)
	}
	mode := "closed loop"
	switch {
	case h.Mode == results.ModeOpen && h.Schedule != "": // a staircase or a search has no one rate
		mode = "open loop, " + h.Schedule
	case h.Mode == results.ModeOpen:
		mode = fmt.Sprintf("open loop at %s ops/s", units.FormatThroughput(h.TargetRate))
	}
	return fmt.Sprintf("%s, %s, pipeline %d, %s, %.1f s measured in %s, %s", target, conns, h.Pipeline, mode, r.DurationS,
		units.Plural(int64(r.Intervals), "interval"), units.Plural(r.Errors, "error"))
}

// ComparisonRow is one metric across the runs.
type ComparisonRow struct {
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
	// Known is false where the run cannot say (ops/s per vCPU with no SKU).
	Known bool
	// DiffPct is (Value - baseline) / baseline in percent; DiffKnown is
	// false for the baseline itself, for unknown values and for a zero
	// baseline (unless both are zero).
	DiffPct   float64
	DiffKnown bool
	Verdict   Verdict
	// Mean, StdErr and N describe the per-interval series the test used.
	Mean, StdErr float64
	N            int
}

// CompareOptions chooses what a comparison shows.
type CompareOptions struct {
	// Command is the command compared; empty means all (ALL).
	Command string
	// Percentiles are the percentiles compared; nil means the default ones
	// and any the runs asked for.
	Percentiles []float64
}

// metric is one row: its whole-run value and its per-interval series.
type metric struct {
	key, label, unit string
	better           Better
	// value is the whole-run value from the run's totals; ok is false when
	// the run cannot say.
	value func(r *runData) (float64, bool)
	// series returns the per-interval value of an interval's totals, or
	// false to leave the interval out.
	series func(r *runData, iv intervalData) (float64, bool)
}

// runData is what a run's metrics are computed from.
type runData struct {
	cmd         *results.CommandStats // whole-run totals of the command
	latency     [2]results.Latency    // of cmd: response, service
	secs        float64
	connections int
	vcpus       int
	intervals   []intervalData
}

// intervalData is one interval of a run: the command's totals and their
// latency summaries (response, service), computed once.
type intervalData struct {
	cmd     *results.CommandStats
	latency [2]results.Latency
	secs    float64
	// server is what the servers said in the interval (server records).
	server serverLevels
}

// Latency kinds, indexes of runData.latency and intervalData.latency.
const (
	latencyResponse = 0
	latencyService  = 1
)

// summarizeLatency returns the response and service summaries of cs.
func summarizeLatency(cs *results.CommandStats, percentiles []float64) [2]results.Latency {
	return [2]results.Latency{results.LatencyOf(cs.Response, percentiles), results.LatencyOf(cs.Service, percentiles)}
}

// Compare computes the comparison of runs (at least two) against the first.
func Compare(runs []results.NamedRun, opts CompareOptions) (*Comparison, error) {
	if len(runs) < 2 {
		return nil, errors.New("compare needs at least two runs")
	}
	command := opts.Command
	if command == "" {
		command = results.AllCommands
	}
	percentiles := opts.Percentiles
	if len(percentiles) == 0 {
		var extra []float64
		for _, r := range runs {
			extra = append(extra, r.Run.Header.Percentiles...)
		}
		percentiles = results.ReportPercentiles(extra)
	}
	c := &Comparison{Command: command, Percentiles: percentiles, runs: runs}
	data := make([]*runData, len(runs))
	for i, nr := range runs {
		d, cr, err := prepareRun(nr, command, percentiles)
		if err != nil {
			return nil, err
		}
		cr.Letter = columnLetter(i)
		data[i] = d
		c.Runs = append(c.Runs, cr)
	}
	uniqueNames(c.Runs)
	ms := metrics(percentiles)
	if hasServerLevels(data) {
		ms = append(ms, serverMetrics()...)
	}
	for _, m := range ms {
		c.Rows = append(c.Rows, compareMetric(m, data))
	}
	c.Notes = setupNotes(c.Runs)
	return c, nil
}

func columnLetter(i int) string {
	if i < 26 {
		return string(rune('A' + i))
	}
	return "R" + strconv.Itoa(i+1)
}

// prepareRun totals a run and splits it into intervals for the noise test.
func prepareRun(nr results.NamedRun, command string, percentiles []float64) (*runData, ComparedRun, error) {
	h := nr.Run.Header
	totals, span, err := results.Totals(nr.Run.Intervals)
	if err != nil {
		return nil, ComparedRun{}, fmt.Errorf("%s: %w", nr.Name, err)
	}
	cmd, ok := totals[command]
	if !ok || cmd.Count == 0 {
		return nil, ComparedRun{}, fmt.Errorf("%s: no %s operations were measured", nr.Name, command)
	}
	d := &runData{cmd: cmd, latency: summarizeLatency(cmd, percentiles), secs: span.Seconds(), connections: serverConnections(h), vcpus: h.Target.VCPUs}
	nominal := h.IntervalS
	levels := serverLevelsOf(nr.Run.Server)
	for _, iv := range nr.Run.Intervals {
		secs := iv.Duration().Seconds()
		if !iv.Measured() || secs <= 0 || (nominal > 0 && secs < nominal/2) {
			continue
		}
		ivTotals, _, err := results.Totals([]*results.Interval{iv})
		if err != nil {
			return nil, ComparedRun{}, fmt.Errorf("%s: %w", nr.Name, err)
		}
		cs := ivTotals[command]
		if cs == nil {
			cs = results.NewCommandStats()
		}
		server, ok := levels[iv.Index]
		if !ok {
			server = serverLevels{cpu: math.NaN(), memMiB: math.NaN()}
		}
		d.intervals = append(d.intervals, intervalData{cmd: cs, latency: summarizeLatency(cs, percentiles), secs: secs, server: server})
	}
	name := h.Label
	if name == "" {
		name = h.RunID
	}
	cr := ComparedRun{
		Name:        name,
		Source:      nr.Name,
		Header:      h,
		DurationS:   d.secs,
		Intervals:   len(d.intervals),
		Connections: d.connections,
		Truncated:   nr.Run.Truncated || nr.Run.Summary == nil,
		Errors:      cmd.ErrorCount(),
	}
	return d, cr, nil
}

// serverConnections is the number of connections a run held to its target.
func serverConnections(h *results.Header) int {
	if h.Target.ClusterPolicy == "oss" && h.Target.Shards > 1 {
		return h.Connections * h.Target.Shards
	}
	return h.Connections
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

// metrics lists the rows of a comparison.
func metrics(percentiles []float64) []metric {
	rate := func(r *runData) (float64, bool) { return float64(r.cmd.Count) / r.secs, r.secs > 0 }
	ivRate := func(_ *runData, iv intervalData) (float64, bool) { return float64(iv.cmd.Count) / iv.secs, true }
	ms := []metric{
		{key: "ops_per_sec", label: "ops/s", unit: "ops/s", better: HigherIsBetter, value: rate, series: ivRate},
		// Errors per second, not per run: runs of different lengths with the
		// same error rate compare equal, as the per-interval series does.
		// The runs' error counts are in their descriptions.
		{key: "errors_per_sec", label: "errors/s", unit: "errors/s", better: LowerIsBetter,
			value:  func(r *runData) (float64, bool) { return float64(r.cmd.ErrorCount()) / r.secs, r.secs > 0 },
			series: func(_ *runData, iv intervalData) (float64, bool) { return float64(iv.cmd.ErrorCount()) / iv.secs, true }},
		{key: "error_rate_pct", label: "error rate", unit: "%", better: LowerIsBetter,
			value: func(r *runData) (float64, bool) {
				return 100 * float64(r.cmd.ErrorCount()) / float64(r.cmd.Count), true
			},
			series: func(_ *runData, iv intervalData) (float64, bool) {
				return 100 * float64(iv.cmd.ErrorCount()) / float64(iv.cmd.Count), iv.cmd.Count > 0
			}},
	}
	for _, kind := range []struct {
		name  string
		index int
	}{{"response", latencyResponse}, {"service", latencyService}} {
		latency := func(name, key string, at func(results.Latency) float64) metric {
			return metric{
				key: kind.name + "_" + key + "_us", label: kind.name + " " + name, unit: "us", better: LowerIsBetter,
				value: func(r *runData) (float64, bool) { return at(r.latency[kind.index]), true },
				series: func(_ *runData, iv intervalData) (float64, bool) {
					return at(iv.latency[kind.index]), iv.cmd.Count > 0
				},
			}
		}
		ms = append(ms, latency("mean", "mean", func(l results.Latency) float64 { return l.MeanMicros }))
		for _, p := range percentiles {
			ps := strconv.FormatFloat(p, 'f', -1, 64)
			ms = append(ms, latency("p"+ps, "p"+ps, func(l results.Latency) float64 {
				v, _ := l.At(p)
				return float64(v)
			}))
		}
		ms = append(ms, latency("max", "max", func(l results.Latency) float64 { return float64(l.MaxMicros) }))
	}
	perConn := func(r *runData) float64 { return float64(max(r.connections, 1)) }
	ms = append(ms,
		metric{key: "ops_per_sec_per_connection", label: "ops/s per connection", unit: "ops/s", better: HigherIsBetter,
			value: func(r *runData) (float64, bool) { v, ok := rate(r); return v / perConn(r), ok },
			series: func(r *runData, iv intervalData) (float64, bool) {
				v, ok := ivRate(r, iv)
				return v / perConn(r), ok
			}},
		metric{key: "ops_per_sec_per_vcpu", label: "ops/s per vCPU", unit: "ops/s", better: HigherIsBetter,
			value: func(r *runData) (float64, bool) {
				v, ok := rate(r)
				return v / float64(max(r.vcpus, 1)), ok && r.vcpus > 0
			},
			series: func(r *runData, iv intervalData) (float64, bool) {
				v, ok := ivRate(r, iv)
				return v / float64(max(r.vcpus, 1)), ok && r.vcpus > 0
			}},
	)
	return ms
}

// compareMetric computes one row: each run's value, its difference from the
// baseline and the verdict of the noise test.
func compareMetric(m metric, data []*runData) ComparisonRow {
	row := ComparisonRow{Key: m.key, Label: m.label, Unit: m.unit, Better: m.better}
	series := make([]stats, len(data))
	for i, d := range data {
		var cell Cell
		cell.Value, cell.Known = m.value(d)
		var xs []float64
		for _, iv := range d.intervals {
			if x, ok := m.series(d, iv); ok {
				xs = append(xs, x)
			}
		}
		series[i] = statsOf(xs)
		cell.Mean, cell.StdErr, cell.N = series[i].mean, series[i].stdErr(), series[i].n
		row.Cells = append(row.Cells, cell)
	}
	base := row.Cells[0]
	for i := range row.Cells {
		cell := &row.Cells[i]
		if i == 0 {
			cell.Verdict = Baseline
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

// stats summarises a per-interval series.
type stats struct {
	n              int
	mean, variance float64 // variance with n-1 in the denominator
}

func statsOf(xs []float64) stats {
	s := stats{n: len(xs)}
	if s.n == 0 {
		return s
	}
	for _, x := range xs {
		s.mean += x
	}
	s.mean /= float64(s.n)
	if s.n > 1 {
		for _, x := range xs {
			s.variance += (x - s.mean) * (x - s.mean)
		}
		s.variance /= float64(s.n - 1)
	}
	return s
}

func (s stats) stdErr() float64 {
	if s.n == 0 {
		return 0
	}
	return math.Sqrt(s.variance / float64(s.n))
}

// welch judges whether the means of two series differ beyond their noise:
// Welch's t-test, two-sided, at CompareConfidence.
func welch(a, b stats) Verdict {
	if a.n < 2 || b.n < 2 {
		return Untested
	}
	va, vb := a.variance/float64(a.n), b.variance/float64(b.n)
	diff := math.Abs(a.mean - b.mean)
	if va+vb == 0 {
		if diff == 0 {
			return NotSignificant
		}
		return Significant // two steady series that differ
	}
	t := diff / math.Sqrt(va+vb)
	df := (va + vb) * (va + vb) / (va*va/float64(a.n-1) + vb*vb/float64(b.n-1))
	if t > tCritical95(df) {
		return Significant
	}
	return NotSignificant
}

// tTable holds Student's t at 0.975 (two-sided 95 %) for 1 to 30 degrees
// of freedom.
var tTable = [...]float64{
	12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
	2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
	2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
}

// tCritical95 returns Student's t at 0.975 for df degrees of freedom,
// rounding df down (a slightly stricter test between table entries).
func tCritical95(df float64) float64 {
	switch {
	case math.IsNaN(df) || df < 1:
		return tTable[0]
	case df < 31:
		return tTable[int(df)-1]
	case df < 40:
		return 2.042
	case df < 60:
		return 2.021
	case df < 120:
		return 2.000
	default:
		return 1.980
	}
}

// sameWorkload reports whether two encoded workload specs are the same but
// for their seeds (a different sequence of the same distribution).
func sameWorkload(a, b json.RawMessage) bool {
	var ma, mb map[string]any
	if json.Unmarshal(a, &ma) != nil || json.Unmarshal(b, &mb) != nil {
		return bytes.Equal(a, b)
	}
	delete(ma, "seed")
	delete(mb, "seed")
	return reflect.DeepEqual(ma, mb)
}

// setupNotes lists what differs between the runs besides the target.
func setupNotes(runs []ComparedRun) []string {
	var notes []string
	base := runs[0]
	for _, r := range runs[1:] {
		h, b := r.Header, base.Header
		var diffs []string
		if !sameWorkload(h.Workload, b.Workload) {
			diffs = append(diffs, fmt.Sprintf("the workload (%s: %s)", r.Letter, h.WorkloadText))
		}
		if h.Connections != b.Connections {
			diffs = append(diffs, fmt.Sprintf("connections (%d vs %d)", h.Connections, b.Connections))
		}
		if h.Pipeline != b.Pipeline {
			diffs = append(diffs, fmt.Sprintf("pipeline depth (%d vs %d)", h.Pipeline, b.Pipeline))
		}
		if h.Mode != b.Mode || h.TargetRate != b.TargetRate {
			diffs = append(diffs, "the load model (closed or open loop, or rate)")
		}
		if len(diffs) > 0 {
			notes = append(notes, fmt.Sprintf("%s differs from %s in %s.", r.Letter, base.Letter, strings.Join(diffs, ", ")))
		}
	}
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
	hosts := map[string]bool{}
	for _, r := range runs {
		hosts[r.Header.Host] = true
	}
	if len(hosts) > 1 && !slices.ContainsFunc(runs, func(r ComparedRun) bool { return r.Header.Host == "" }) {
		notes = append(notes, "The runs were made from different client machines.")
	}
	return notes
}
