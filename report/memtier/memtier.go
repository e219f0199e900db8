package memtier

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/amrbench/amrbench/results"
)

// DefaultPercentiles are memtier's default --print-percentiles.
var DefaultPercentiles = []float64{50, 99, 99.9}

// memtierTicksPerHalfDistance is memtier's LATENCY_HDR_GRANULARITY, the
// resolution of its latency distribution.
const memtierTicksPerHalfDistance = 10

// Options chooses what WriteJSON writes.
type Options struct {
	// Percentiles are the "Percentile Latencies"; nil: memtier's defaults.
	Percentiles []float64
	// AllRuns adds a "RUN #i RESULTS" section per run (memtier's
	// --print-all-runs) when there are several.
	AllRuns bool
	// HideHistogram leaves out the latency distributions (memtier's
	// --hide-histogram).
	HideHistogram bool
	// Interrupted says the last run was stopped early (Ctrl-C).
	Interrupted bool
}

// WriteJSON writes runs, the repetitions of one test, in
// memtier_benchmark's JSON layout.
func WriteJSON(w io.Writer, runs []*results.Run, opts Options) error {
	if len(runs) == 0 {
		return fmt.Errorf("memtier JSON: no run")
	}
	if len(opts.Percentiles) == 0 {
		opts.Percentiles = DefaultPercentiles
	}
	figs := make([]*memtierFigures, len(runs))
	for i, run := range runs {
		f, err := newMemtierFigures(run, opts.Interrupted && i == len(runs)-1)
		if err != nil {
			return fmt.Errorf("run %d: %w", i+1, err)
		}
		figs[i] = f
	}
	h := runs[0].Header
	names := memtierCommandNames(h, figs)
	doc := jsonObject{
		{"configuration", memtierConfiguration(h, len(runs), opts.AllRuns)},
		{"run information", memtierRunInformation(h)},
	}
	section := func(f *memtierFigures) jsonObject { return f.section(names, opts) }
	if len(figs) == 1 {
		doc = append(doc, jsonField{"ALL STATS", section(figs[0])})
	} else {
		if opts.AllRuns {
			for i, f := range figs {
				doc = append(doc, jsonField{fmt.Sprintf("RUN #%d RESULTS", i+1), section(f)})
			}
		}
		best, worst := BestAndWorstRuns(figsRates(figs))
		doc = append(doc,
			jsonField{"BEST RUN RESULTS", section(figs[best])},
			jsonField{"WORST RUN RESULTS", section(figs[worst])},
		)
		avg, err := averageMemtierFigures(figs)
		if err != nil {
			return err
		}
		doc = append(doc, jsonField{fmt.Sprintf("AGGREGATED AVERAGE RESULTS (%d runs)", len(figs)), section(avg)})
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("memtier JSON: %w", err)
	}
	var out bytes.Buffer
	if err := json.Indent(&out, raw, "", "\t"); err != nil {
		return fmt.Errorf("memtier JSON: %w", err)
	}
	out.WriteByte('\n')
	_, err = w.Write(out.Bytes())
	return err
}

func figsRates(figs []*memtierFigures) []float64 {
	rates := make([]float64, len(figs))
	for i, f := range figs {
		rates[i] = f.opsPerSec(results.AllCommands)
	}
	return rates
}

// BestAndWorstRuns returns the indexes of the runs with the highest and the
// lowest rate, as memtier picks its best and worst run (the first of equals).
func BestAndWorstRuns(rates []float64) (best, worst int) {
	for i, r := range rates {
		if r > rates[best] {
			best = i
		}
		if r < rates[worst] {
			worst = i
		}
	}
	return best, worst
}

// memtierFigures is what one run (or the runs averaged) gives each section:
// per command name (and ALL) the merged statistics, the rates, and the
// statistics per second of the measured window.
type memtierFigures struct {
	start, end time.Time
	durationS  float64
	cluster    bool
	// interrupted says the run was stopped early or its file is cut.
	interrupted bool
	totals      map[string]*results.CommandStats
	// rates holds, per command, ops, hits, misses, moved, ask, KB, KB RX
	// and KB TX per second, in that order; averaged over runs for the
	// aggregate.
	rates map[string]*[8]float64
	// seconds are the statistics per second since the start, per command.
	seconds map[string]map[int64]*results.CommandStats
}

const (
	rateOps = iota
	rateHits
	rateMisses
	rateMoved
	rateAsk
	rateKB
	rateKBRx
	rateKBTx
)

func newMemtierFigures(run *results.Run, interrupted bool) (*memtierFigures, error) {
	totals, span, err := results.Totals(run.Intervals)
	if err != nil {
		return nil, err
	}
	f := &memtierFigures{
		totals:      totals,
		durationS:   span.Seconds(),
		cluster:     run.Header.Target.ClusterPolicy == "oss",
		interrupted: interrupted || run.Truncated,
		rates:       map[string]*[8]float64{},
		seconds:     map[string]map[int64]*results.CommandStats{},
	}
	if run.Summary != nil && run.Summary.DurationS > 0 {
		f.durationS = run.Summary.DurationS
	}
	for _, iv := range run.Intervals {
		if !iv.Measured() {
			continue
		}
		if f.start.IsZero() {
			f.start = iv.Start
		}
		f.end = iv.End
		second := int64(iv.Start.Sub(f.start) / time.Second)
		for name, cs := range iv.Commands {
			if err := f.addSecond(name, second, cs); err != nil {
				return nil, err
			}
			if err := f.addSecond(results.AllCommands, second, cs); err != nil {
				return nil, err
			}
		}
	}
	for name, cs := range totals {
		f.rates[name] = ratesOf(cs, f.durationS)
	}
	return f, nil
}

func (f *memtierFigures) addSecond(name string, second int64, cs *results.CommandStats) error {
	if f.seconds[name] == nil {
		f.seconds[name] = map[int64]*results.CommandStats{}
	}
	s := f.seconds[name][second]
	if s == nil {
		s = results.NewCommandStats()
		f.seconds[name][second] = s
	}
	return s.Add(cs)
}

func ratesOf(cs *results.CommandStats, seconds float64) *[8]float64 {
	var r [8]float64
	if seconds <= 0 {
		return &r
	}
	r[rateOps] = float64(cs.Count) / seconds
	r[rateHits] = float64(cs.Hits) / seconds
	r[rateMisses] = float64(cs.Misses) / seconds
	r[rateMoved] = float64(cs.Redirects[results.ErrMoved]) / seconds
	r[rateAsk] = float64(cs.Redirects[results.ErrAsk]) / seconds
	r[rateKBRx] = float64(cs.BytesReceived) / 1024 / seconds
	r[rateKBTx] = float64(cs.BytesSent) / 1024 / seconds
	r[rateKB] = r[rateKBRx] + r[rateKBTx]
	return &r
}

func (f *memtierFigures) opsPerSec(name string) float64 {
	if r := f.rates[name]; r != nil {
		return r[rateOps]
	}
	return 0
}

// averageMemtierFigures aggregates runs as memtier does: counts and
// histograms added (so percentiles are those of every operation of every
// run), rates averaged, the seconds of the runs laid over each other.
func averageMemtierFigures(figs []*memtierFigures) (*memtierFigures, error) {
	avg := &memtierFigures{
		start:   figs[0].start,
		end:     figs[len(figs)-1].end,
		cluster: figs[0].cluster,
		totals:  map[string]*results.CommandStats{},
		rates:   map[string]*[8]float64{},
		seconds: map[string]map[int64]*results.CommandStats{},
	}
	for _, f := range figs {
		avg.durationS += f.durationS
		avg.interrupted = avg.interrupted || f.interrupted
		for name, cs := range f.totals {
			if avg.totals[name] == nil {
				avg.totals[name] = results.NewCommandStats()
				avg.rates[name] = &[8]float64{}
			}
			if err := avg.totals[name].Add(cs); err != nil {
				return nil, err
			}
			for i, r := range f.rates[name] {
				avg.rates[name][i] += r / float64(len(figs))
			}
		}
		for name, secs := range f.seconds {
			for sec, cs := range secs {
				if err := avg.addSecond(name, sec, cs); err != nil {
					return nil, err
				}
			}
		}
	}
	return avg, nil
}

// memtierCommandNames returns the commands in memtier's order: SET and GET
// (and memtier's WAIT) for the SET/GET mix, otherwise the arbitrary commands
// by first appearance.
func memtierCommandNames(h *results.Header, figs []*memtierFigures) []string {
	var w struct {
		Commands []struct {
			Line string `json:"line"`
		} `json:"commands"`
	}
	_ = json.Unmarshal(h.Workload, &w) // a header without a workload is a mix
	if len(w.Commands) == 0 {
		return []string{"SET", "GET", "WAIT"}
	}
	var names []string
	seen := map[string]bool{}
	for _, c := range w.Commands {
		name := strings.ToUpper(strings.Fields(c.Line + " ")[0])
		if !seen[name] {
			seen[name] = true
			names = append(names, name)
		}
	}
	// Any other name recorded (none, unless the file was edited) follows.
	for _, f := range figs {
		for _, name := range results.CommandNames(f.totals) {
			if name != results.AllCommands && !seen[name] {
				seen[name] = true
				names = append(names, name)
			}
		}
	}
	return names
}

// memtierSectionName is memtier's name of a command's section: "Sets" for
// SET, "Hsets" for HSET.
func memtierSectionName(command string) string {
	lower := strings.ToLower(command)
	if lower == "" {
		return "s"
	}
	return strings.ToUpper(lower[:1]) + lower[1:] + "s"
}

// section is one of memtier's results sections.
func (f *memtierFigures) section(names []string, opts Options) jsonObject {
	interrupted := "false"
	if f.interrupted {
		interrupted = "true"
	}
	s := jsonObject{{"Runtime", jsonObject{
		{"Start time", f.start.UnixMilli()},
		{"Finish time", f.end.UnixMilli()},
		{"Total duration", int64(math.Round(f.durationS * 1000))},
		{"Time unit", "MILLISECONDS"},
		{"Interrupted", interrupted},
	}}}
	for _, name := range names {
		s = append(s, jsonField{memtierSectionName(name), f.command(name, opts.Percentiles)})
	}
	s = append(s, jsonField{"Totals", f.command(results.AllCommands, opts.Percentiles)})
	if !opts.HideHistogram {
		for _, name := range names {
			s = append(s, jsonField{name, memtierDistribution(f.totals[name])})
		}
	}
	return s
}

// command is memtier's block of one command (result_print_to_json).
func (f *memtierFigures) command(name string, percentiles []float64) jsonObject {
	cs := f.totals[name]
	if cs == nil {
		cs = results.NewCommandStats()
	}
	r := f.rates[name]
	if r == nil {
		r = &[8]float64{}
	}
	hist := cs.Response
	connErrors := cs.Errors[results.ErrConnection]
	b := jsonObject{
		{"Count", cs.Count},
		{"Ops/sec", fixed(r[rateOps], 2)},
		{"Hits/sec", fixed(r[rateHits], 2)},
		{"Misses/sec", fixed(r[rateMisses], 2)},
	}
	if f.cluster {
		b = append(b, jsonField{"MOVED/sec", fixed(r[rateMoved], 2)}, jsonField{"ASK/sec", fixed(r[rateAsk], 2)})
	}
	b = append(b,
		jsonField{"Connection Errors/sec", fixed(ratePer(connErrors, f.durationS), 2)},
		jsonField{"Connection Errors", connErrors},
	)
	b = append(b, latencyFields(hist, true)...)
	b = append(b,
		jsonField{"KB/sec", fixed(r[rateKB], 2)},
		jsonField{"KB/sec RX/TX", fixed(r[rateKB], 2)},
		jsonField{"KB/sec RX", fixed(r[rateKBRx], 2)},
		jsonField{"KB/sec TX", fixed(r[rateKBTx], 2)},
		jsonField{"Time-Serie", f.timeSeries(name, percentiles)},
	)
	pl := jsonObject{}
	for _, p := range percentiles {
		pl = append(pl, jsonField{memtierPercentileKey(p, 3), fixed(msAt(hist, p), 3)})
	}
	pl = append(pl, jsonField{"Histogram log format", jsonObject{{"Compressed Histogram", encodeHistogram(hist)}}})
	return append(b, jsonField{"Percentile Latencies", pl})
}

// timeSeries is memtier's "Time-Serie": a block per second since the start
// of the measured window ("0", "1", ...). Intervals shorter than a second
// are added into their second.
func (f *memtierFigures) timeSeries(name string, percentiles []float64) jsonObject {
	last := int64(-1)
	for sec := range f.seconds[results.AllCommands] {
		last = max(last, sec)
	}
	ts := jsonObject{}
	for sec := int64(0); sec <= last; sec++ {
		cs := f.seconds[name][sec]
		if cs == nil {
			cs = results.NewCommandStats()
		}
		b := jsonObject{
			{"Bytes RX", cs.BytesReceived},
			{"Bytes TX", cs.BytesSent},
			{"Count", cs.Count},
		}
		if !cs.Response.Empty() {
			b = append(b, latencyFields(cs.Response, false)...)
			for _, p := range percentiles {
				b = append(b, jsonField{memtierPercentileKey(p, 2), fixed(msAt(cs.Response, p), 3)})
			}
		}
		ts = append(ts, jsonField{strconv.FormatInt(sec, 10), b})
	}
	return ts
}

// latencyFields are memtier's latency figures of h in milliseconds: the
// mean (twice, as "Latency" too in a command's block), the sum in whole
// milliseconds, the minimum and the maximum.
func latencyFields(h *results.Histogram, withLatency bool) jsonObject {
	var mean, minMS, maxMS float64
	var sumMS int64
	if !h.Empty() {
		mean = h.Mean() / 1000
		sumMS = int64(h.Mean() * float64(h.TotalCount()) / 1000)
		minMS, maxMS = float64(h.Min())/1000, float64(h.Max())/1000
	}
	var out jsonObject
	if withLatency {
		out = append(out, jsonField{"Latency", fixed(mean, 3)})
	}
	return append(out,
		jsonField{"Average Latency", fixed(mean, 3)},
		jsonField{"Accumulated Latency", sumMS},
		jsonField{"Min Latency", fixed(minMS, 3)},
		jsonField{"Max Latency", fixed(maxMS, 3)},
	)
}

// memtierDistribution is memtier's latency distribution of one command:
// percentile steps as HdrHistogram's percentile iteration gives them.
func memtierDistribution(cs *results.CommandStats) []jsonObject {
	if cs == nil || cs.Response.Empty() { // memtier writes one step for an empty histogram
		return []jsonObject{{{"<=msec", fixed(0, 3)}, {"percent", fixed(100, 3)}}}
	}
	var out []jsonObject
	for _, b := range cs.Response.Dense().CumulativeDistributionWithTicks(memtierTicksPerHalfDistance) {
		out = append(out, jsonObject{{"<=msec", fixed(float64(b.ValueAt)/1000, 3)}, {"percent", fixed(b.Quantile, 3)}})
	}
	return out
}

// memtierPercentileKey writes a percentile as memtier does: "p" and the
// percentile with decimals digits, cut to six characters by memtier's
// buffer ("p50.00", "p99.90", "p99.99", "p100.0").
func memtierPercentileKey(p float64, decimals int) string {
	s := "p" + strconv.FormatFloat(p, 'f', decimals, 64)
	if len(s) > 6 {
		s = s[:6]
	}
	return s
}

func msAt(h *results.Histogram, p float64) float64 {
	if h.Empty() {
		return 0
	}
	return float64(h.ValueAtPercentile(p)) / 1000
}

func ratePer(n int64, seconds float64) float64 {
	if seconds <= 0 {
		return 0
	}
	return float64(n) / seconds
}

func encodeHistogram(h *results.Histogram) string {
	if h == nil || h.PackedHistogram == nil {
		h = results.NewHistogram()
	}
	raw, err := h.MarshalJSON()
	if err != nil {
		return ""
	}
	var s string
	_ = json.Unmarshal(raw, &s)
	return s
}

// fixed is x with memtier's printf precision, as a JSON number.
func fixed(x float64, decimals int) json.Number {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		x = 0
	}
	return json.Number(strconv.FormatFloat(x, 'f', decimals, 64))
}
