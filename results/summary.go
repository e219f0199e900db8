package results

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// AllCommands is the name under which per-command statistics are totalled.
const AllCommands = "ALL"

// DefaultPercentiles are always reported, whatever else is asked for.
var DefaultPercentiles = []float64{50, 90, 99, 99.9, 99.99}

// ReportPercentiles returns the default percentiles merged with extra, sorted
// and without duplicates.
func ReportPercentiles(extra []float64) []float64 {
	ps := slices.Concat(DefaultPercentiles, extra)
	slices.Sort(ps)
	return slices.Compact(ps)
}

// Percentile is one percentile of a latency distribution, in microseconds.
type Percentile struct {
	Percentile float64
	Micros     int64
}

// Latency summarises a latency histogram in microseconds.
type Latency struct {
	MeanMicros  float64
	Percentiles []Percentile
	MaxMicros   int64
}

// LatencyOf summarises h at the given percentiles.
func LatencyOf(h *Histogram, percentiles []float64) Latency {
	l := Latency{Percentiles: make([]Percentile, len(percentiles))}
	if h.Empty() {
		for i, p := range percentiles {
			l.Percentiles[i] = Percentile{Percentile: p}
		}
		return l
	}
	values := h.ValueAtPercentilesSlice(percentiles)
	for i, p := range percentiles {
		l.Percentiles[i] = Percentile{Percentile: p, Micros: values[i]}
	}
	l.MeanMicros = h.Mean()
	l.MaxMicros = h.Max()
	return l
}

// At returns the value at percentile p, and whether it was summarised.
func (l Latency) At(p float64) (int64, bool) {
	for _, pv := range l.Percentiles {
		if pv.Percentile == p {
			return pv.Micros, true
		}
	}
	return 0, false
}

// PercentileKey is the JSON key of a percentile, e.g. "p99.9_us".
func PercentileKey(p float64) string {
	return "p" + strconv.FormatFloat(p, 'f', -1, 64) + "_us"
}

// MarshalJSON writes the keys in a fixed, readable order:
// mean_us, each percentile ascending, max_us.
func (l Latency) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`{"mean_us":`)
	b.WriteString(strconv.FormatFloat(round1(l.MeanMicros), 'f', -1, 64))
	for _, p := range l.Percentiles {
		fmt.Fprintf(&b, `,%q:%d`, PercentileKey(p.Percentile), p.Micros)
	}
	fmt.Fprintf(&b, `,"max_us":%d}`, l.MaxMicros)
	return b.Bytes(), nil
}

// UnmarshalJSON reads what MarshalJSON writes.
func (l *Latency) UnmarshalJSON(data []byte) error {
	var m map[string]float64
	if err := json.Unmarshal(data, &m); err != nil {
		return fmt.Errorf("latency: %w", err)
	}
	*l = Latency{MeanMicros: m["mean_us"], MaxMicros: int64(m["max_us"])}
	for k, v := range m {
		if !strings.HasPrefix(k, "p") || !strings.HasSuffix(k, "_us") {
			continue
		}
		p, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimPrefix(k, "p"), "_us"), 64)
		if err != nil {
			continue
		}
		l.Percentiles = append(l.Percentiles, Percentile{Percentile: p, Micros: int64(v)})
	}
	sort.Slice(l.Percentiles, func(i, j int) bool { return l.Percentiles[i].Percentile < l.Percentiles[j].Percentile })
	return nil
}

func round1(x float64) float64 { return float64(int64(x*10+0.5)) / 10 }

func round3(x float64) float64 { return float64(int64(x*1000+0.5)) / 1000 }

// CommandSummary is the whole-run result of one command (or of ALL). Count
// and OpsPerSec are of the successful operations; ErrorRate is the failed
// share of the operations issued (Count plus every error).
type CommandSummary struct {
	Count     int64                `json:"count"`
	OpsPerSec float64              `json:"ops_per_sec"`
	ErrorRate float64              `json:"error_rate"`
	Hits      int64                `json:"hits"`
	Misses    int64                `json:"misses"`
	Errors    map[ErrorClass]int64 `json:"errors"`
	// Redirects counts the MOVED and ASK replies followed (cluster runs).
	Redirects     map[ErrorClass]int64 `json:"redirects,omitempty"`
	BytesSent     int64                `json:"bytes_sent"`
	BytesReceived int64                `json:"bytes_received"`
	Response      Latency              `json:"response"`
	Service       Latency              `json:"service"`
}

// ErrorCount returns the number of failed operations over all classes.
func (c *CommandSummary) ErrorCount() int64 {
	return TotalErrors(c.Errors)
}

// Issued returns the number of operations issued: the successful ones and
// the failed ones.
func (c *CommandSummary) Issued() int64 { return c.Count + c.ErrorCount() }

// errorRate is failed over issued, 0 when nothing was issued.
func errorRate(failed, count int64) float64 {
	if failed+count == 0 {
		return 0
	}
	return float64(failed) / float64(failed+count)
}

// ShardSummary is the whole-run result of one shard of a cluster.
type ShardSummary struct {
	Count     int64                `json:"count"`
	OpsPerSec float64              `json:"ops_per_sec"`
	Errors    map[ErrorClass]int64 `json:"errors"`
	Redirects map[ErrorClass]int64 `json:"redirects,omitempty"`
	Response  Latency              `json:"response"`
}

// ErrorCount returns the number of failed operations over all classes.
func (s *ShardSummary) ErrorCount() int64 {
	return TotalErrors(s.Errors)
}

// Summary is the last record of a result file. Everything in it is computed
// from the header, the measured intervals and the events by Summarize and
// Run.Summarize.
type Summary struct {
	Type        string  `json:"type"`
	DurationS   float64 `json:"duration_s"`
	Connections int     `json:"connections"`
	TargetRate  float64 `json:"target_rate"`
	// AchievedRate is the successful operations per second.
	AchievedRate float64 `json:"achieved_rate"`
	LateStarts   int64   `json:"late_starts"`
	Reconnects   int64   `json:"reconnects"`
	// BackoffS is the time connections spent unable to send, summed over
	// the connections (Interval.BackoffS).
	BackoffS float64 `json:"backoff_s"`
	// Dropped counts open-loop operations that were due but never sent.
	Dropped int64 `json:"dropped"`
	// ErrorsTotal counts the failed operations; ErrorRate is their share of
	// the operations issued.
	ErrorsTotal int64                      `json:"errors_total"`
	ErrorRate   float64                    `json:"error_rate"`
	Commands    map[string]*CommandSummary `json:"commands"`
	Shards      map[string]*ShardSummary   `json:"shards,omitempty"`
	// SLO is the outcome of a staircase of rates judged against latency
	// objectives (--slo, --find-max); nil for other runs.
	SLO *SLOResult `json:"slo,omitempty"`
	// Auth is the Entra ID authentication of the run (SummarizeAuth); nil
	// for other runs.
	Auth *AuthSummary `json:"auth,omitempty"`
	// ErrorSamples are the first few distinct messages of each error
	// class, as the server (or the client library) gave them.
	ErrorSamples map[ErrorClass][]string `json:"error_samples,omitempty"`
	// Warnings are every warning the run recorded.
	Warnings []Warning `json:"warnings"`
	// Client is how hard the client worked; nil for files written before
	// it was recorded.
	Client *ClientSummary `json:"client,omitempty"`
	// Verdict says what the run's numbers may be used for (Decide).
	Verdict *Verdict `json:"verdict,omitempty"`
	// Servers is what each server said about itself over the measured
	// intervals, by address (SummarizeServers); nil when the run did not
	// read the servers (--server-stats=false).
	Servers map[string]*ServerSummary `json:"servers,omitempty"`
}

// SLOResult says which rates of a staircase met every objective.
type SLOResult struct {
	// Objectives are the objectives as given, e.g. "p99<2ms".
	Objectives []string `json:"objectives"`
	// MaxRate is the highest target rate (ops/s) whose step met every
	// objective; 0 when none did.
	MaxRate float64 `json:"max_rate"`
	// Steps is the evidence: one entry per step, in the order run.
	Steps []SLOStep `json:"steps"`
}

// SLOStep is one step of a staircase judged against the objectives.
type SLOStep struct {
	Phase      string  `json:"phase"`
	TargetRate float64 `json:"target_rate"`
	// AchievedRate is the step's successful operations per second.
	AchievedRate float64 `json:"achieved_rate"`
	Errors       int64   `json:"errors"`
	LateStarts   int64   `json:"late_starts"`
	// Dropped counts the step's operations never sent; ClientBound says the
	// client was the limit in the step (StepClientBound).
	Dropped     int64 `json:"dropped,omitempty"`
	ClientBound bool  `json:"client_bound,omitempty"`
	// Measured maps each objective to the measured value in µs.
	Measured map[string]int64 `json:"measured_us"`
	Met      bool             `json:"met"`
}

// Totals adds up the measured intervals: per command, and over all commands
// under AllCommands. It also returns the measured time span.
func Totals(intervals []*Interval) (map[string]*CommandStats, time.Duration, error) {
	totals := map[string]*CommandStats{AllCommands: NewCommandStats()}
	var first, last time.Time
	for _, iv := range intervals {
		if !iv.Measured() {
			continue
		}
		if first.IsZero() || iv.Start.Before(first) {
			first = iv.Start
		}
		if iv.End.After(last) {
			last = iv.End
		}
		for name, cs := range iv.Commands {
			t, ok := totals[name]
			if !ok {
				t = NewCommandStats()
				totals[name] = t
			}
			if err := t.Add(cs); err != nil {
				return nil, 0, fmt.Errorf("interval %d, %s: %w", iv.Index, name, err)
			}
			if err := totals[AllCommands].Add(cs); err != nil {
				return nil, 0, fmt.Errorf("interval %d, %s: %w", iv.Index, name, err)
			}
		}
	}
	return totals, last.Sub(first), nil
}

// ShardTotals adds up the measured intervals per shard.
func ShardTotals(intervals []*Interval) (map[string]*ShardStats, error) {
	totals := map[string]*ShardStats{}
	for _, iv := range intervals {
		if !iv.Measured() {
			continue
		}
		for addr, ss := range iv.Shards {
			t, ok := totals[addr]
			if !ok {
				t = NewShardStats()
				totals[addr] = t
			}
			if err := t.Add(ss); err != nil {
				return nil, fmt.Errorf("interval %d, shard %s: %w", iv.Index, addr, err)
			}
		}
	}
	// Reports add the shards up to give each its share.
	var sum countSum
	var all int64
	for _, t := range totals {
		sum.add(&all, t.Count)
	}
	if err := sum.err(); err != nil {
		return nil, fmt.Errorf("shards: %w", err)
	}
	return totals, nil
}

// allClasses returns m with every error class present, so scripts can rely
// on the keys.
func allClasses(m map[ErrorClass]int64) map[ErrorClass]int64 {
	out := make(map[ErrorClass]int64, len(ErrorClasses))
	for _, c := range ErrorClasses {
		out[c] = m[c]
	}
	for c, n := range m {
		out[c] = n
	}
	return out
}

// ErrNoIntervals is returned by Summarize for a run without a measured
// interval: its file holds only a header, is cut inside its first interval,
// or ends in the warmup. Nothing was measured, and a summary of it would
// show zero latencies as if they had been.
var ErrNoIntervals = errors.New("no measured interval")

// Summarize computes the summary of a run from its header and intervals. It
// returns ErrNoIntervals when no interval is measured.
func Summarize(h *Header, intervals []*Interval) (*Summary, error) {
	if !slices.ContainsFunc(intervals, (*Interval).Measured) {
		return nil, ErrNoIntervals
	}
	percentiles := ReportPercentiles(h.Percentiles)
	totals, span, err := Totals(intervals)
	if err != nil {
		return nil, err
	}
	secs := span.Seconds()
	rate := func(n int64) float64 {
		if secs <= 0 {
			return 0
		}
		return float64(n) / secs
	}
	s := &Summary{
		Type:        TypeSummary,
		DurationS:   secs,
		Connections: h.Connections,
		TargetRate:  h.TargetRate,
		Commands:    map[string]*CommandSummary{},
	}
	var sum countSum
	for _, iv := range intervals {
		if iv.Measured() {
			sum.add(&s.LateStarts, iv.LateStarts)
			sum.add(&s.Reconnects, iv.Reconnects)
			sum.add(&s.Dropped, iv.Dropped)
			s.BackoffS += iv.BackoffS
		}
	}
	if err := sum.err(); err != nil {
		return nil, fmt.Errorf("late starts, reconnects or dropped operations: %w", err)
	}
	s.BackoffS = round3(s.BackoffS)
	for name, t := range totals {
		s.Commands[name] = &CommandSummary{
			Count:         t.Count,
			OpsPerSec:     rate(t.Count),
			ErrorRate:     errorRate(t.ErrorCount(), t.Count),
			Hits:          t.Hits,
			Misses:        t.Misses,
			Errors:        allClasses(t.Errors),
			Redirects:     t.Redirects,
			BytesSent:     t.BytesSent,
			BytesReceived: t.BytesReceived,
			Response:      LatencyOf(t.Response, percentiles),
			Service:       LatencyOf(t.Service, percentiles),
		}
	}
	all := s.Commands[AllCommands]
	s.AchievedRate = all.OpsPerSec
	s.ErrorsTotal, s.ErrorRate = all.ErrorCount(), all.ErrorRate
	s.Client = SummarizeClient(intervals)
	s.Warnings = []Warning{}
	if len(h.SLO) > 0 {
		objectives, err := ParseObjectives(h.SLO)
		if err != nil {
			return nil, fmt.Errorf("header: %w", err)
		}
		if s.SLO, err = EvaluateSteps(objectives, intervals); err != nil {
			return nil, err
		}
	}
	shards, err := ShardTotals(intervals)
	if err != nil {
		return nil, err
	}
	for addr, t := range shards {
		if s.Shards == nil {
			s.Shards = map[string]*ShardSummary{}
		}
		s.Shards[addr] = &ShardSummary{
			Count:     t.Count,
			OpsPerSec: rate(t.Count),
			Errors:    allClasses(t.Errors),
			Redirects: t.Redirects,
			Response:  LatencyOf(t.Response, percentiles),
		}
	}
	return s, nil
}

// commandOrder is the order reports list commands in, as memtier does: SET
// before GET; other commands follow alphabetically, and ALL comes last.
var commandOrder = map[string]int{"SET": 0, "GET": 1}

// CommandNames returns the command names of a summary or totals map in
// report order.
func CommandNames[V any](m map[string]V) []string {
	var names []string
	for name := range m {
		if name != AllCommands {
			names = append(names, name)
		}
	}
	sort.Slice(names, func(i, j int) bool {
		oi, iok := commandOrder[names[i]]
		oj, jok := commandOrder[names[j]]
		switch {
		case iok && jok:
			return oi < oj
		case iok != jok:
			return iok
		default:
			return names[i] < names[j]
		}
	})
	if _, ok := m[AllCommands]; ok {
		names = append(names, AllCommands)
	}
	return names
}
