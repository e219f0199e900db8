package capacity_test

import (
	"fmt"
	"strings"

	"github.com/amrbench/amrbench/report/capacity"
	"github.com/amrbench/amrbench/report/catalog"
	"github.com/amrbench/amrbench/results"
)

// plan is 500,000 GET/s at p99 < 2 ms and 5 GB of data, from one run on a
// Balanced B10 that searched for the highest rate meeting p99 < 2 ms.
func plan() (*capacity.Plan, error) {
	c, err := catalog.DefaultCatalog()
	if err != nil {
		return nil, err
	}
	run, err := results.ReadFile("testdata/plan/b10-search.jsonl")
	if err != nil {
		return nil, err
	}
	slo, err := results.ParseObjectives([]string{"p99<2ms"})
	if err != nil {
		return nil, err
	}
	in := capacity.Input{
		TargetOps: 500000, Objectives: slo, DatasetBytes: 5e9,
		MemoryHeadroom: capacity.DefaultMemoryHeadroom, ThroughputHeadroom: capacity.DefaultThroughputHeadroom,
		MaxErrorRate: capacity.DefaultMaxErrorRate,
	}
	return capacity.NewPlan(c, in, []results.NamedRun{{Name: "b10", Run: run}})
}

func ExampleNewPlan() {
	p, err := plan()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("needed %.0f ops/s; b10 measured %.0f ops/s (%s)\n", p.NeededOps, p.Runs[0].Rate, p.Runs[0].Evidence)
	for _, t := range p.Tiers {
		fmt.Printf("%s: %s\n", t.Tier, t.Verdict)
	}
	fmt.Println(p.Answer)
	// Output:
	// needed 625000 ops/s; b10 measured 400000 ops/s (searched)
	// Balanced: B20: extrapolated from B10, not measured: confirm with a run on B20
	// Memory Optimized: no measurement of this tier: not guessed. The smallest size that holds the data is M10; measure it: amrbench run --sku M10 ... --slo 'p99<2ms' --find-max
	// Compute Optimized: no measurement of this tier: not guessed. The smallest size that holds the data is X10; measure it: amrbench run --sku X10 ... --slo 'p99<2ms' --find-max
	// Flash Optimized: no measurement of this tier: not guessed. The smallest size that holds the data is A250; measure it: amrbench run --sku A250 ... --slo 'p99<2ms' --find-max
	// Smallest size per tier: Balanced B20 (extrapolated). None for Memory Optimized, Compute Optimized, Flash Optimized (see above).
}

// The text shows the arithmetic behind every figure; here its first lines
// and the arithmetic of the Balanced recommendation.
func ExamplePlan_WriteText() {
	p, err := plan()
	if err != nil {
		fmt.Println(err)
		return
	}
	var text strings.Builder
	if err := p.WriteText(&text); err != nil {
		fmt.Println(err)
		return
	}
	for i, line := range strings.Split(text.String(), "\n") {
		if i < 4 || strings.HasPrefix(line, "  B20 ≈") {
			fmt.Println(line)
		}
	}
	// Output:
	// Capacity plan: 500,000 ops/s at p99<2ms, 5.00 GB of data
	// Data: 5.00 GB as given, no per-key overhead added (give --keys and --value-size to have the plan add 300 B per key)
	// Each size must sustain 500,000 / (1 − 20.0 % throughput headroom) = 625,000 ops/s while meeting p99<2ms,
	// and hold 5.00 GB in its usable memory × (1 − 25.0 % memory headroom); connections not checked (no --connections).
	//   B20 ≈ 675,000: lowest of: Microsoft's GET scaling 400,000 × 810,000 / 480,000 = 675,000; per vCPU 400,000 / 4 × 8 = 800,000; per shard 400,000 / 2 × 6 = 1,200,000
}
