package compare

import (
	"fmt"
	"math"
	"strconv"

	"github.com/amrbench/amrbench/results"
)

// This file computes what a comparison's rows are made of: each run's
// totals per command, its per-interval series, and the metrics.

// runData is what a run's metrics are computed from.
type runData struct {
	// commands holds each command's totals, ALL included.
	commands    map[string]*commandData
	secs        float64
	connections int
	vcpus       int
}

// commandData is one command of a run: its whole-run totals and latency
// summaries, and the same per interval for the noise test.
type commandData struct {
	stats     *results.CommandStats
	latency   [2]results.Latency // response, service
	intervals []intervalData
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

// Latency kinds, indexes of commandData.latency and intervalData.latency.
const (
	latencyResponse = 0
	latencyService  = 1
)

// summarizeLatency returns the response and service summaries of cs.
func summarizeLatency(cs *results.CommandStats, percentiles []float64) [2]results.Latency {
	return [2]results.Latency{results.LatencyOf(cs.Response, percentiles), results.LatencyOf(cs.Service, percentiles)}
}

// prepareRun totals a run per command and splits it into intervals for the
// noise test.
func prepareRun(nr results.NamedRun, percentiles []float64) (*runData, ComparedRun, error) {
	h := nr.Run.Header
	totals, span, err := results.Totals(nr.Run.Intervals)
	if err != nil {
		return nil, ComparedRun{}, fmt.Errorf("%s: %w", nr.Name, err)
	}
	all := totals[results.AllCommands]
	if all.Issued() == 0 {
		return nil, ComparedRun{}, fmt.Errorf("%s: no operations were measured", nr.Name)
	}
	d := &runData{commands: map[string]*commandData{}, secs: span.Seconds(), connections: serverConnections(h), vcpus: h.Target.VCPUs}
	for name, cs := range totals {
		d.commands[name] = &commandData{stats: cs, latency: summarizeLatency(cs, percentiles)}
	}
	nominal := h.IntervalS
	levels := serverLevelsOf(nr.Run.Server)
	intervals := 0
	for _, iv := range nr.Run.Intervals {
		secs := iv.Duration().Seconds()
		if !iv.Measured() || secs <= 0 || (nominal > 0 && secs < nominal/2) {
			continue
		}
		ivTotals, _, err := results.Totals([]*results.Interval{iv})
		if err != nil {
			return nil, ComparedRun{}, fmt.Errorf("%s: %w", nr.Name, err)
		}
		intervals++
		server, ok := levels[iv.Index]
		if !ok {
			server = serverLevels{cpu: math.NaN(), memMiB: math.NaN()}
		}
		for name, cd := range d.commands {
			cs := ivTotals[name]
			if cs == nil {
				cs = results.NewCommandStats()
			}
			cd.intervals = append(cd.intervals, intervalData{cmd: cs, latency: summarizeLatency(cs, percentiles), secs: secs, server: server})
		}
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
		Intervals:   intervals,
		Connections: d.connections,
		Truncated:   nr.Run.Truncated || nr.Run.Summary == nil,
		Errors:      all.ErrorCount(),
		Issued:      all.Issued(),
	}
	cr.ErrorRate = float64(cr.Errors) / float64(cr.Issued)
	return d, cr, nil
}

// serverConnections is the number of connections a run held to its target.
func serverConnections(h *results.Header) int {
	if h.Target.ClusterPolicy == "oss" && h.Target.Shards > 1 {
		return h.Connections * h.Target.Shards
	}
	return h.Connections
}

// metric is one row: its whole-run value and its per-interval series.
type metric struct {
	command, key, label, unit string
	better                    Better
	// value is the whole-run value from the run's totals of the command;
	// ok is false when the run cannot say.
	value func(r *runData, cd *commandData) (float64, bool)
	// series returns the per-interval value of an interval's totals, or
	// false to leave the interval out.
	series func(r *runData, iv intervalData) (float64, bool)
}

// metrics lists the rows of one command: successful operations per
// second, errors, the latencies (response and service time, or service
// time alone when every run is a closed loop, where they are the same),
// and, with perConnection, throughput per connection and per vCPU.
func metrics(command string, percentiles []float64, oneLatency, perConnection bool) []metric {
	rate := func(r *runData, cd *commandData) (float64, bool) { return float64(cd.stats.Count) / r.secs, r.secs > 0 }
	ivRate := func(_ *runData, iv intervalData) (float64, bool) { return float64(iv.cmd.Count) / iv.secs, true }
	ms := []metric{
		{key: "ops_per_sec", label: "ops/s", unit: "ops/s", better: HigherIsBetter, value: rate, series: ivRate},
		// Errors per second, not per run: runs of different lengths with the
		// same error rate compare equal, as the per-interval series does.
		// The runs' error counts are in their descriptions.
		{key: "errors_per_sec", label: "errors/s", unit: "errors/s", better: LowerIsBetter,
			value: func(r *runData, cd *commandData) (float64, bool) {
				return float64(cd.stats.ErrorCount()) / r.secs, r.secs > 0
			},
			series: func(_ *runData, iv intervalData) (float64, bool) { return float64(iv.cmd.ErrorCount()) / iv.secs, true }},
		// Failed operations over the operations issued.
		{key: "error_rate_pct", label: "error rate", unit: "%", better: LowerIsBetter,
			value: func(_ *runData, cd *commandData) (float64, bool) {
				n := cd.stats.Issued()
				return 100 * float64(cd.stats.ErrorCount()) / float64(max(n, 1)), n > 0
			},
			series: func(_ *runData, iv intervalData) (float64, bool) {
				n := iv.cmd.Issued()
				return 100 * float64(iv.cmd.ErrorCount()) / float64(max(n, 1)), n > 0
			}},
	}
	kinds := []struct {
		name  string
		index int
	}{{"response", latencyResponse}, {"service", latencyService}}
	if oneLatency {
		kinds = kinds[1:]
	}
	for _, kind := range kinds {
		latency := func(name, key string, at func(results.Latency) float64) metric {
			return metric{
				key: kind.name + "_" + key + "_us", label: kind.name + " " + name, unit: "us", better: LowerIsBetter,
				value: func(_ *runData, cd *commandData) (float64, bool) {
					return at(cd.latency[kind.index]), cd.stats.Count > 0
				},
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
	if perConnection {
		perConn := func(r *runData) float64 { return float64(max(r.connections, 1)) }
		ms = append(ms,
			metric{key: "ops_per_sec_per_connection", label: "ops/s per connection", unit: "ops/s", better: HigherIsBetter,
				value: func(r *runData, cd *commandData) (float64, bool) { v, ok := rate(r, cd); return v / perConn(r), ok },
				series: func(r *runData, iv intervalData) (float64, bool) {
					v, ok := ivRate(r, iv)
					return v / perConn(r), ok
				}},
			metric{key: "ops_per_sec_per_vcpu", label: "ops/s per vCPU", unit: "ops/s", better: HigherIsBetter,
				value: func(r *runData, cd *commandData) (float64, bool) {
					v, ok := rate(r, cd)
					return v / float64(max(r.vcpus, 1)), ok && r.vcpus > 0
				},
				series: func(r *runData, iv intervalData) (float64, bool) {
					v, ok := ivRate(r, iv)
					return v / float64(max(r.vcpus, 1)), ok && r.vcpus > 0
				}},
		)
	}
	for i := range ms {
		ms[i].command = command
	}
	return ms
}
