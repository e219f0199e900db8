package main

import (
	"context"
	"fmt"

	"github.com/amrbench/amrbench/report"
	"github.com/amrbench/amrbench/report/catalog"
)

const tiersSynopsis = `tiers [flags] [SKU...]

Print the Azure Redis SKU catalog amrbench plans with: memory, usable memory (Azure Managed Redis
reserves about 20 %), RAM for Flash Optimized, vCPUs, primary shards, maximum connections and
Microsoft's published GET throughput, for the Azure Managed Redis tiers (Balanced, Memory Optimized,
Compute Optimized, Flash Optimized) and the classic Azure Cache for Redis tiers. Every figure cites
its source and says whether it is published or derived; a figure that is not published is shown as
unknown, never guessed.`

const tiersExamples = `  amrbench tiers
  amrbench tiers --tier balanced
  amrbench tiers --tier flash --format md
  amrbench tiers X3 B10 A250 --format json
  amrbench tiers --format csv > skus.csv
`

func tiersCommand(_ context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "tiers", tiersSynopsis, tiersExamples)
	tier := fs.String("tier", "", "only this tier or family: balanced, memory-optimized, compute-optimized, flash-optimized, amr, acr, premium, ...")
	format := fs.String("format", report.FormatText, "output format: text, md, csv or json")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch *format {
	case report.FormatText, report.FormatMarkdown, report.FormatCSV, report.FormatJSON:
	default:
		return usagef("--format %q: use text, md, csv or json", *format)
	}
	c, err := catalog.DefaultCatalog()
	if err != nil {
		return fmt.Errorf("the tier catalog: %w", err)
	}
	skus, err := c.Filter(*tier)
	if err != nil {
		return usagef("--tier: %w", err)
	}
	if fs.NArg() > 0 {
		if fs.Changed("tier") {
			return usagef("give --tier or SKU names, not both")
		}
		skus = nil
		for _, name := range fs.Args() {
			s, err := c.Lookup(name)
			if err != nil {
				return usageError{err}
			}
			skus = append(skus, s)
		}
	}
	return report.WriteTiers(env.stdout, c, skus, *format)
}
