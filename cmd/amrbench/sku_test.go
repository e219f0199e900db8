package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/amrbench/amrbench/internal/benchtest"
	"github.com/amrbench/amrbench/internal/units"
	"github.com/amrbench/amrbench/workloads"
)

// planOf parses run flags and plans the run without running it.
func planOf(t *testing.T, args ...string) (*runPlan, error) {
	t.Helper()
	var f runFlags
	var out bytes.Buffer
	env := &environment{stdout: &out, stderr: &out, getenv: func(string) string { return "" }}
	fs := newFlagSet(env, "run", runSynopsis, runExamples)
	f.register(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return f.plan(fs, env)
}

// TestPreloadFillFollowsMicrosoft checks --preload-fill against Microsoft's
// own example: an X3 filled to 75 % with 1 KB values holds about 1,699,396
// keys.
func TestPreloadFillFollowsMicrosoft(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args   []string
		keys   uint64
		note   string
		preset string
	}{
		{[]string{"--sku", "X3", "--preload-fill", "75%", "-d", "1024"}, 1699396,
			"--preload-fill 75% of X3 (3 GB, derived): 3,000,000,000 B × 0.75 / (1,024 B + 300 B per key) = 1,699,396 keys, Microsoft's prefill rule; keys key:0..key:1699395", ""},
		// A preset's preload-fill with --sku sizes the key range the same way.
		{[]string{"--sku", "Compute_X3", "--workload", "flash-zipf"}, 0, "unknown SKU", ""},
		{[]string{"--sku", "ComputeOptimized_X3", "--workload", "flash-zipf"}, 1699396, "preset flash-zipf: preload-fill 75% of X3", "flash-zipf"},
		// The mean of a size range counts: (512 + 4096) / 2 = 2304 bytes.
		{[]string{"--sku", "B10", "--preload-fill", "50", "--data-size-range", "512-4096"}, 2304147, "--preload-fill 50% of B10 (12 GB, published): 12,000,000,000 B × 0.5 / (2,304 B + 300 B per key) = 2,304,147 keys", ""},
	}
	for _, tt := range tests {
		p, err := planOf(t, tt.args...)
		if tt.keys == 0 {
			if err == nil || !strings.Contains(err.Error(), tt.note) {
				t.Errorf("%v: error %v, want %q", tt.args, err, tt.note)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v: %v", tt.args, err)
			continue
		}
		if p.spec.KeyCount() != tt.keys || !p.cfg.Preload || !strings.Contains(strings.Join(p.notes, "\n"), tt.note) {
			t.Errorf("%v: %d keys, preload %v, notes %q", tt.args, p.spec.KeyCount(), p.cfg.Preload, p.notes)
		}
	}
}

func TestWorkloadPresetAndFlags(t *testing.T) {
	t.Parallel()
	// A user's file starts from a built-in preset; flags override the file.
	file := filepath.Join(t.TempDir(), "mine.conf")
	if err := os.WriteFile(file, []byte("base session-store\nkey-maximum 4999\nkey-pattern G:G\nkey-stddev 10%\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := planOf(t, "--workload", file, "--ratio", "1:9", "--connections", "4")
	if err != nil {
		t.Fatal(err)
	}
	s := p.spec
	if s.Ratio != (workloads.Ratio{Sets: 1, Gets: 9}) || s.KeyMaximum != 4999 || s.KeyPrefix != "session:" ||
		s.DataSizeRange != (workloads.Range{Min: 512, Max: 4096}) || s.ExpiryRange.IsZero() || s.KeyStddev != 500 || p.preset.Name != "mine" {
		t.Errorf("spec %+v", s)
	}
	// A size flag replaces the preset's size range; --key-stddev replaces the share.
	p, err = planOf(t, "--workload", file, "-d", "100", "--key-stddev", "42")
	if err != nil {
		t.Fatal(err)
	}
	if p.spec.DataSize != 100 || !p.spec.DataSizeRange.IsZero() || p.spec.KeyStddev != 42 {
		t.Errorf("overrides: %+v", p.spec)
	}
	// Without --workload nothing changes: memtier's defaults.
	p, err = planOf(t)
	if err != nil {
		t.Fatal(err)
	}
	if d := workloads.DefaultSpec(); p.spec.Ratio != d.Ratio || p.spec.DataSize != d.DataSize || p.spec.KeyMaximum != d.KeyMaximum || p.keySpace != nil {
		t.Errorf("defaults: %+v", p.spec)
	}
}

func TestSKUAndWorkloadErrors(t *testing.T) {
	t.Parallel()
	bad := filepath.Join(t.TempDir(), "bad.conf")
	if err := os.WriteFile(bad, []byte("# a typo on line 3\nratio 1:1\nkey-patern R:R\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"run", "--sku", "X7"}, "--sku: unknown SKU \"X7\": Compute Optimized sizes are X3, X5"},
		{[]string{"run", "--preload-fill", "75%"}, "--preload-fill needs --sku"},
		{[]string{"run", "-s", "c.redis.cache.windows.net", "--sku", "B10"}, "--sku B10 is AMR Balanced, but c.redis.cache.windows.net is Azure Cache for Redis"},
		{[]string{"run", "-s", "c.westeurope.redis.azure.net", "--sku", "P1"}, "--sku P1 is ACR Premium, but c.westeurope.redis.azure.net is Azure Managed Redis"},
		{[]string{"run", "--sku", "X3", "--preload-fill", "75%", "--key-maximum", "10"}, "give --preload-fill or --key-maximum, not both"},
		{[]string{"run", "--sku", "X3", "--preload-fill", "0%"}, "--preload-fill: \"0%\" is not a percentage"},
		{[]string{"run", "--sku", "E1", "--preload-fill", "75%"}, "the size of E1 is not published"},
		{[]string{"run", "--workload", bad}, "--workload: " + bad + ":3: unknown field \"key-patern\""},
		{[]string{"run", "--workload", "flash-zip"}, "--workload: \"flash-zip\" is neither a file nor a preset (presets: balanced, flash-gaussian"},
		{[]string{"tiers", "--tier", "platinum"}, "--tier: no tier matches \"platinum\""},
		{[]string{"tiers", "--format", "xml"}, "--format \"xml\""},
		{[]string{"tiers", "Q1"}, "unknown SKU \"Q1\""},
		{[]string{"plan", "--slo", "p99<2ms", "x"}, "--target-ops is required"},
		{[]string{"plan", "--target-ops", "lots", "--slo", "p99<2ms", "x"}, "--target-ops: \"lots\" is not a rate"},
		{[]string{"plan", "--target-ops", "500k", "--slo", "p99>2ms", "x"}, "--slo: \"p99>2ms\" is not pPERCENTILE<LIMIT: a latency objective is an upper bound"},
		{[]string{"plan", "--target-ops", "500k", "--slo", "p99<2ms", "--dataset", "80", "x"}, "--dataset: \"80\" is not a size with a unit"},
		{[]string{"plan", "--target-ops", "500k", "--slo", "p99<2ms", "--memory-headroom", "100%", "x"}, "--memory-headroom 100%: must be below 100%"},
		{[]string{"plan", "--target-ops", "500k", "--slo", "p99<2ms"}, "give the result files"},
		{[]string{"plan", "--target-ops", "500k", "--slo", "p99<2ms", "no-such-run"}, "no-such-run: no such result file or run directory"},
		{[]string{"plan", "--target-ops", "500k", "--slo", "p99<2ms", bad}, bad + ": line 1:"},
	}
	for _, tt := range tests {
		res := cli(t, nil, tt.args...)
		if res.code != 2 || !strings.Contains(res.stderr, tt.want) || strings.Count(strings.TrimSpace(res.stderr), "\n") > 0 {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", tt.args, res.code, res.stderr, tt.want)
		}
	}
}

func TestTiersCommand(t *testing.T) {
	t.Parallel()
	res := cli(t, nil, "tiers", "--tier", "balanced", "--format", "csv")
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	lines := strings.Split(strings.TrimSpace(res.stdout), "\n")
	if len(lines) != 15 || !strings.HasPrefix(lines[5], "B10,AMR,Balanced,GA,12,published,amr-size-anchor,9.6,derived,amr-usable,") {
		t.Errorf("csv: %d lines, B10 row %q", len(lines), lines[5])
	}
	res = cli(t, nil, "tiers", "A250", "--format", "json")
	var doc struct {
		SKUs []struct {
			SKU   string `json:"sku"`
			RAMGB struct {
				Value float64 `json:"value"`
				Kind  string  `json:"kind"`
			} `json:"ram_gb"`
		} `json:"skus"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &doc); err != nil || len(doc.SKUs) != 1 || doc.SKUs[0].RAMGB.Value != 47 || doc.SKUs[0].RAMGB.Kind != "derived" {
		t.Errorf("json: %v %+v", err, doc)
	}
}

func TestPlanCommandOnFixtures(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("..", "..", "report", "capacity", "testdata", "plan")
	res := cli(t, nil, "plan", "--target-ops", "500k", "--slo", "p99<2ms", "--dataset", "5GB", "--connections", "1000",
		filepath.Join(dir, "b10-search.jsonl"), filepath.Join(dir, "x10-search.jsonl"))
	if res.code != 0 || !strings.Contains(res.stdout, "Balanced: B20: extrapolated from B10") || !strings.Contains(res.stdout, "Compute Optimized: X10: measured") {
		t.Errorf("exit %d: %s\n%s", res.code, res.stderr, res.stdout)
	}
	// The data as keys: the plan adds the per-key overhead, and says so.
	res = cli(t, nil, "plan", "--target-ops", "100k", "--slo", "p99<2ms", "--keys", "10M", "--value-size", "1KiB", filepath.Join(dir, "b10-search.jsonl"))
	if want := "Data: 10,000,000 keys × (1,024 B value + 300 B per key, Microsoft's prefill rule) = 13.2 GB"; res.code != 0 || !strings.Contains(res.stdout, want) {
		t.Errorf("--keys: exit %d, want %q: %s\n%s", res.code, want, res.stderr, res.stdout)
	}
	// Only a client-bound closed-loop run on B20: a lower bound, never a ✗.
	res = cli(t, nil, "plan", "--target-ops", "25k", "--slo", "p99<2ms", filepath.Join(dir, "b20-client-bound.jsonl"))
	if res.code != 0 || !strings.Contains(res.stdout, "≥ 21,618 measured ? (a lower bound: client-bound; run --find-max)") || !strings.Contains(res.stdout, "B0 to B20 not ruled out") {
		t.Errorf("client-bound: exit %d: %s\n%s", res.code, res.stderr, res.stdout)
	}
	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"--keys", "10M"}, "--keys needs --value-size"},
		{[]string{"--value-size", "1KiB"}, "give --keys too"},
		{[]string{"--keys", "10M", "--value-size", "1KiB", "--dataset", "5GB"}, "--dataset and --keys both describe the data"},
		{[]string{"--dataset", "4g"}, `"4g" is ambiguous: write 4GB (decimal, ×1000) or 4GiB (binary, ×1024)`},
		{[]string{"--keys", "lots", "--value-size", "1KiB"}, "--keys"},
	} {
		res := cli(t, nil, append([]string{"plan", "--target-ops", "100k", "--slo", "p99<2ms", filepath.Join(dir, "b10-search.jsonl")}, bad.args...)...)
		if res.code != exitUsage || !strings.Contains(res.stderr, bad.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", bad.args, res.code, res.stderr, exitUsage, bad.want)
		}
	}
	// Data beyond the largest size: the plan says so, and exits 1.
	res = cli(t, nil, "plan", "--target-ops", "500k", "--slo", "p99<2ms", "--dataset", "10TB", filepath.Join(dir, "b10-search.jsonl"))
	if res.code != 1 || !strings.Contains(res.stdout, "Impossible: 10.0 TB does not fit any Azure Managed Redis size") || strings.Count(res.stdout+res.stderr, "Impossible") != 1 {
		t.Errorf("impossible: exit %d: %s\n%s", res.code, res.stderr, res.stdout)
	}
}

// TestSKURunAndPlan runs one preset against two real servers standing in
// for two sizes, as the README's walk-through does, and plans from the two
// result files: the header carries the SKU, the report the key space and
// hit ratio, and the plan the runs' own rates. It is not parallel: it
// runs before the parallel tests resume, so its load does not disturb the
// open-loop tests that assert achieved rates.
func TestSKURunAndPlan(t *testing.T) {
	small, large := benchtest.StartServer(t), benchtest.StartServer(t)
	tmp := t.TempDir()
	dirs := map[string]string{"A250": filepath.Join(tmp, "a250"), "A500": filepath.Join(tmp, "a500")}
	for sku, s := range map[string]*benchtest.Server{"A250": small, "A500": large} {
		res := cli(t, nil, runArgs(s, "--sku", sku, "--workload", "flash-gaussian", "--key-maximum", "9999", "--ratio", "1:4",
			"-n", "1500", "--connections", "4", "-q", "--out", dirs[sku])...)
		if res.code != 0 {
			t.Fatalf("%s: exit %d: %s", sku, res.code, res.stderr)
		}
		run := readRun(t, dirs[sku])
		h := run.Header
		if h.Target.SKU != sku || h.Target.Tier != "Flash Optimized" || h.Preset != "flash-gaussian" || h.KeySpace == nil || h.KeySpace.Keys != 10000 {
			t.Fatalf("%s: header target %+v, preset %q, key space %+v", sku, h.Target, h.Preset, h.KeySpace)
		}
		var spec workloads.Spec
		if err := json.Unmarshal(h.Workload, &spec); err != nil {
			t.Fatal(err)
		}
		// The flag's ratio, the preset's pattern and values, the stddev as 6 % of the flag's key range.
		if spec.Ratio.String() != "1:4" || spec.KeyPattern.String() != "G:G" || spec.DataSize != 1024 || spec.KeyStddev != 600 {
			t.Errorf("%s: workload %+v", sku, spec)
		}
		get := run.Summary.Commands["GET"]
		// The preset preloads the key range, so every GET finds its key.
		if get.Misses != 0 || get.Hits != get.Count || get.Count == 0 {
			t.Errorf("%s: GET hits %d misses %d of %d", sku, get.Hits, get.Misses, get.Count)
		}
		summary, _ := os.ReadFile(filepath.Join(dirs[sku], "summary.txt"))
		wantKS := "Key space 10,000 keys × (1,024 B + 300 B per key) = 13.2 MB: "
		wantHits := "Hits      100.00 % of GETs found their key (" + units.FormatWhole(float64(get.Hits)) + " hits, 0 misses; measured)"
		if !strings.Contains(string(summary), wantKS) || !strings.Contains(string(summary), wantHits) {
			t.Errorf("%s: summary.txt lacks %q or %q:\n%s", sku, wantKS, wantHits, summary)
		}
	}
	// An open-loop staircase judged by the same objective as the plan's, on
	// a Balanced B10: the plan takes its summary.slo.max_rate.
	dirs["B10"] = filepath.Join(tmp, "b10")
	res := cli(t, nil, runArgs(small, "--sku", "B10", "--workload", "read-heavy-cache", "--key-maximum", "999", "--connections", "4",
		"--rate-ramp", "1k:2k:1k:600ms", "--interval", "200ms", "--slo", "p99<1s", "-q", "--out", dirs["B10"])...)
	if res.code != 0 {
		t.Fatalf("B10 staircase: exit %d: %s", res.code, res.stderr)
	}
	// Closed-loop runs that met the objective give lower bounds: the
	// plan's figure for each SKU is that run's achieved rate.
	res = cli(t, nil, "plan", "--target-ops", "1k", "--slo", "p99<1s", "--dataset", "100GB", "--format", "json", dirs["A250"], dirs["A500"], dirs["B10"])
	if res.code != 0 {
		t.Fatalf("plan: exit %d: %s", res.code, res.stderr)
	}
	var p struct {
		Runs []struct {
			SKU      string  `json:"sku"`
			Rate     float64 `json:"rate"`
			Evidence string  `json:"evidence"`
			PerVCPU  float64 `json:"per_vcpu"`
		} `json:"runs"`
		Tiers []struct {
			Tier, Recommended string
		} `json:"tiers"`
		Warnings []string `json:"warnings"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &p); err != nil {
		t.Fatal(err)
	}
	vcpus := map[string]float64{"A250": 8, "A500": 16}
	for _, r := range p.Runs {
		sum := readRun(t, dirs[r.SKU]).Summary
		if r.SKU == "B10" {
			// The rate the steps reached depends on this machine's load; the
			// plan must take exactly what the run found.
			// A client that was the limit (this machine loaded) makes the
			// rate it found a lower bound.
			want := "searched"
			switch {
			case sum.SLO != nil && sum.SLO.MaxRate == 0:
				want = "never-met"
			case sum.Client != nil && sum.Client.Bound:
				want = "lower-bound"
			}
			if r.Evidence != want || sum.SLO == nil || r.Rate != sum.SLO.MaxRate || (r.Rate > 0 && r.PerVCPU != r.Rate/4) {
				t.Errorf("B10: %s %v ops/s (%v per vCPU), the run's max_rate %+v", r.Evidence, r.Rate, r.PerVCPU, sum.SLO)
			}
			continue
		}
		achieved := sum.AchievedRate
		if r.Evidence != "lower-bound" || r.Rate != achieved || r.PerVCPU != achieved/vcpus[r.SKU] {
			t.Errorf("%s: %s %v ops/s (%v per vCPU), the run achieved %v", r.SKU, r.Evidence, r.Rate, r.PerVCPU, achieved)
		}
	}
	for _, tp := range p.Tiers {
		if tp.Tier == "Flash Optimized" && tp.Recommended != "A250" {
			t.Errorf("Flash Optimized: %q, want A250 (100 GB fits its 188 GB usable × 75 %%)", tp.Recommended)
		}
	}
	loopback := 0
	for _, w := range p.Warnings {
		if strings.Contains(w, "not an Azure cache") {
			loopback++
		}
	}
	if loopback != 3 || !strings.Contains(strings.Join(p.Warnings, "\n"), "the runs measured different workloads") {
		t.Errorf("warnings %v: want one per loopback run, and one for the B10 run's other preset", p.Warnings)
	}
}

// TestPlanReadsTheSizesItPrints checks that --dataset takes the units plan
// prints: a data set of petabytes is read, and said back in petabytes.
func TestPlanReadsTheSizesItPrints(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("..", "..", "report", "capacity", "testdata", "plan")
	for _, dataset := range []string{"10PB", "10 PB", "8.9PiB"} {
		res := cli(t, nil, "plan", "--target-ops", "500k", "--slo", "p99<2ms", "--dataset", dataset, filepath.Join(dir, "b10-search.jsonl"))
		if res.code != 1 || !strings.Contains(res.stdout, "Impossible: 10.0 PB does not fit any Azure Managed Redis size") {
			t.Errorf("--dataset %s: exit %d: %s\n%s", dataset, res.code, res.stderr, res.stdout)
		}
	}
}
