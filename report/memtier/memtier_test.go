package memtier

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/amrbench/amrbench/results"
)

// The files under testdata were written by memtier_benchmark itself
// (v2f74d61, against redis-server 7.0): mix.json by
// "-c 1 -t 1 -n 50 --json-out-file", commands.json with
// '--command "HSET __key__ f __data__" --command "hget __key__ f"' added,
// runs.json by "-x 2 --hide-histogram --print-all-runs"; every list is cut
// to its first two entries.

// decodeOrdered decodes JSON keeping each object's keys in order.
func decodeOrdered(t *testing.T, b []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	v, err := decodeValue(dec)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

type orderedObject struct {
	keys   []string
	values map[string]any
}

func decodeValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch tok {
	case json.Delim('{'):
		o := &orderedObject{values: map[string]any{}}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return nil, err
			}
			v, err := decodeValue(dec)
			if err != nil {
				return nil, err
			}
			o.keys = append(o.keys, k.(string))
			o.values[k.(string)] = v
		}
		_, err := dec.Token()
		return o, err
	case json.Delim('['):
		var list []any
		for dec.More() {
			v, err := decodeValue(dec)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
		_, err := dec.Token()
		return list, err
	}
	return tok, nil
}

// shapeDiff lists where ours differs from memtier's in keys, their order,
// or the JSON type of a value. The keys of a "Time-Serie" are seconds: only
// the shape of their first is compared. Lists compare their first element.
func shapeDiff(ours, theirs any, path string) []string {
	switch t := theirs.(type) {
	case *orderedObject:
		o, ok := ours.(*orderedObject)
		if !ok {
			return []string{fmt.Sprintf("%s: %T, memtier has an object", path, ours)}
		}
		if strings.HasSuffix(path, "/Time-Serie") {
			if len(t.keys) == 0 || len(o.keys) == 0 {
				return nil
			}
			return shapeDiff(o.values[o.keys[0]], t.values[t.keys[0]], path+"/"+t.keys[0])
		}
		if !slices.Equal(o.keys, t.keys) {
			return []string{fmt.Sprintf("%s: keys\n  ours    %q\n  memtier %q", path, o.keys, t.keys)}
		}
		var diffs []string
		for _, k := range t.keys {
			diffs = append(diffs, shapeDiff(o.values[k], t.values[k], path+"/"+k)...)
		}
		return diffs
	case []any:
		o, ok := ours.([]any)
		if !ok {
			return []string{fmt.Sprintf("%s: %T, memtier has a list", path, ours)}
		}
		if len(t) == 0 || len(o) == 0 {
			return nil
		}
		return shapeDiff(o[0], t[0], path+"[0]")
	}
	if jsonKind(ours) != jsonKind(theirs) {
		return []string{fmt.Sprintf("%s: %s (%v), memtier has %s (%v)", path, jsonKind(ours), ours, jsonKind(theirs), theirs)}
	}
	return nil
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case json.Number:
		return "number"
	case string:
		return "string"
	case bool:
		return "bool"
	}
	return fmt.Sprintf("%T", v)
}

func memtierJSON(t *testing.T, runs []*results.Run, opts Options) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := WriteJSON(&b, runs, opts); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// asCommands turns a SET/GET run into one of arbitrary commands: HSET for
// SET, HGET for GET, as --command would record them.
func asCommands(run *results.Run) *results.Run {
	h := *run.Header
	h.Workload = json.RawMessage(`{"commands":[{"line":"HSET __key__ f __data__","ratio":1,"key_pattern":"R"},{"line":"hget __key__ f","ratio":1,"key_pattern":"R"}]}`)
	out := &results.Run{Header: &h}
	for _, iv := range run.Intervals {
		c := *iv
		c.Commands = map[string]*results.CommandStats{"HSET": iv.Commands["SET"], "HGET": iv.Commands["GET"]}
		c.Commands["HGET"].Hits, c.Commands["HGET"].Misses = 0, 0
		out.Intervals = append(out.Intervals, &c)
	}
	return out
}

func TestMemtierJSONHasMemtiersShape(t *testing.T) {
	t.Parallel()
	run, _ := readFixture(t, "enterprise.jsonl")
	again, _ := readFixture(t, "enterprise.jsonl")
	// memtier's files were written by runs bounded by requests.
	for _, r := range []*results.Run{run, again} {
		r.Header.Config = json.RawMessage(`{"connections":50,"requests":50000}`)
	}
	for _, tt := range []struct {
		file string
		runs []*results.Run
		opts Options
	}{
		{"mix.json", []*results.Run{run}, Options{}},
		{"commands.json", []*results.Run{asCommands(run)}, Options{}},
		{"runs.json", []*results.Run{run, again}, Options{HideHistogram: true, AllRuns: true}},
	} {
		want, err := os.ReadFile(filepath.Join("testdata", tt.file))
		if err != nil {
			t.Fatal(err)
		}
		got := memtierJSON(t, tt.runs, tt.opts)
		for _, d := range shapeDiff(decodeOrdered(t, got), decodeOrdered(t, want), "") {
			t.Errorf("%s: %s", tt.file, d)
		}
	}
}

// doc decodes a memtier JSON document for reading by memtier's names.
func doc(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func field(t *testing.T, m any, path ...string) any {
	t.Helper()
	for _, k := range path {
		obj, ok := m.(map[string]any)
		if !ok || obj[k] == nil {
			t.Fatalf("no %q in %v", strings.Join(path, "/"), path)
		}
		m = obj[k]
	}
	return m
}

func number(t *testing.T, m any, path ...string) float64 {
	t.Helper()
	f, ok := field(t, m, path...).(float64)
	if !ok {
		t.Fatalf("%s is not a number", strings.Join(path, "/"))
	}
	return f
}

func TestMemtierJSONFigures(t *testing.T) {
	t.Parallel()
	run, sum := readFixture(t, "enterprise.jsonl")
	totals, _, err := results.Totals(run.Intervals)
	if err != nil {
		t.Fatal(err)
	}
	d := doc(t, memtierJSON(t, []*results.Run{run}, Options{Percentiles: []float64{50, 99.99, 100}}))
	all := field(t, d, "ALL STATS")
	for section, name := range map[string]string{"Sets": "SET", "Gets": "GET", "Totals": results.AllCommands} {
		cs := totals[name]
		if got := number(t, all, section, "Count"); got != float64(cs.Count) {
			t.Errorf("%s Count %v, want %d", section, got, cs.Count)
		}
		wantRate := math.Round(float64(cs.Count)/sum.DurationS*100) / 100
		if got := number(t, all, section, "Ops/sec"); got != wantRate {
			t.Errorf("%s Ops/sec %v, want %v", section, got, wantRate)
		}
		for key, p := range map[string]float64{"p50.00": 50, "p99.99": 99.99, "p100.0": 100} {
			want := float64(cs.Response.ValueAtPercentile(p)) / 1000
			if got := number(t, all, section, "Percentile Latencies", key); math.Abs(got-want) > 0.0005 {
				t.Errorf("%s %s = %v ms, want %v", section, key, got, want)
			}
		}
		if got, want := number(t, all, section, "Max Latency"), float64(cs.Response.Max())/1000; math.Abs(got-want) > 0.0005 {
			t.Errorf("%s Max Latency %v, want %v", section, got, want)
		}
		kbRx := math.Round(float64(cs.BytesReceived)/1024/sum.DurationS*100) / 100
		if got := number(t, all, section, "KB/sec RX"); got != kbRx {
			t.Errorf("%s KB/sec RX %v, want %v", section, got, kbRx)
		}
	}
	if got, want := number(t, all, "Gets", "Misses/sec"), math.Round(float64(totals["GET"].Misses)/sum.DurationS*100)/100; got != want {
		t.Errorf("Gets Misses/sec %v, want %v", got, want)
	}
	// One second of the time series per interval of the fixture (1 s each).
	series := field(t, all, "Totals", "Time-Serie").(map[string]any)
	if len(series) != len(run.Intervals) {
		t.Errorf("%d seconds in the time series, want %d", len(series), len(run.Intervals))
	}
	if got := number(t, series, "3", "Count"); got != float64(run.Intervals[3].Commands["GET"].Count+run.Intervals[3].Commands["SET"].Count) {
		t.Errorf("second 3 counts %v operations", got)
	}
	if got := number(t, d, "run information", "Threads") * number(t, d, "run information", "Connections per thread"); got != 50 {
		t.Errorf("threads x connections per thread = %v, want the fixture's 50", got)
	}
}

func TestMemtierJSONRunsAggregate(t *testing.T) {
	t.Parallel()
	slow, _ := readFixture(t, "enterprise.jsonl")
	// The second run did a third more of everything in the same time.
	fast := scaledFixture(t, "enterprise.jsonl", func(n int64) int64 { return n + n/3 })
	d := doc(t, memtierJSON(t, []*results.Run{slow, fast}, Options{}))
	best := number(t, d, "BEST RUN RESULTS", "Totals", "Ops/sec")
	worst := number(t, d, "WORST RUN RESULTS", "Totals", "Ops/sec")
	avg := number(t, d, "AGGREGATED AVERAGE RESULTS (2 runs)", "Totals", "Ops/sec")
	if !(best > worst) || math.Abs(avg-(best+worst)/2) > 0.011 {
		t.Errorf("best %v, worst %v, average %v: want best above worst and the average between", best, worst, avg)
	}
	bestCount := number(t, d, "BEST RUN RESULTS", "Totals", "Count")
	worstCount := number(t, d, "WORST RUN RESULTS", "Totals", "Count")
	if got := number(t, d, "AGGREGATED AVERAGE RESULTS (2 runs)", "Totals", "Count"); got != bestCount+worstCount {
		t.Errorf("aggregated Count %v, want the runs' sum %v", got, bestCount+worstCount)
	}
	if got := number(t, d, "configuration", "run_count"); got != 2 {
		t.Errorf("run_count %v", got)
	}
}

func TestMemtierPercentileKey(t *testing.T) {
	t.Parallel()
	for p, want := range map[float64]string{50: "p50.00", 99: "p99.00", 99.9: "p99.90", 99.99: "p99.99", 99.999: "p99.99", 100: "p100.0", 5: "p5.000"} {
		if got := memtierPercentileKey(p, 3); got != want {
			t.Errorf("%g: %q, want %q", p, got, want)
		}
	}
	if got := memtierSectionName("HSET"); got != "Hsets" {
		t.Errorf("HSET's section is %q, want memtier's Hsets", got)
	}
}

func TestRunsTable(t *testing.T) {
	t.Parallel()
	a, _ := readFixture(t, "enterprise.jsonl")
	b := scaledFixture(t, "enterprise.jsonl", func(n int64) int64 { return n / 2 })
	tab, err := RunsTable([]*results.Run{a, b}, []string{"run-1", "run-2"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	if err := tab.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(text.String()), "\n")
	if len(lines) != 4 || !strings.HasSuffix(lines[1], "best") || !strings.HasSuffix(lines[2], "worst") || !strings.HasSuffix(lines[3], "average") {
		t.Fatalf("runs table:\n%s", text.String())
	}
	rates := []string{tab.Rows[0][1].Value, tab.Rows[1][1].Value, tab.Rows[2][1].Value}
	var r [3]float64
	for i, s := range rates {
		fmt.Sscan(s, &r[i])
	}
	if math.Abs(r[2]-(r[0]+r[1])/2) > 0.1 || !(r[0] > r[1]) {
		t.Fatalf("rates %v: the last row should be the average of the runs", rates)
	}
	keys := make([]string, 0)
	for _, c := range tab.Columns {
		keys = append(keys, c.Key)
	}
	sort.Strings(keys)
	if !slices.Contains(keys, "p99.9_ms") {
		t.Fatalf("columns %v lack memtier's default p99.9", keys)
	}
}

// scaledFixture reads a fixed result file with every interval's command
// counts passed through scale: the same run, as if it did more or less.
func scaledFixture(t *testing.T, name string, scale func(int64) int64) *results.Run {
	t.Helper()
	run, _ := readFixture(t, name)
	for _, iv := range run.Intervals {
		for _, cs := range iv.Commands {
			cs.Count = scale(cs.Count)
		}
	}
	return run
}
