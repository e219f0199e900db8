package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/amrbench/amrbench/internal/units"
	"github.com/amrbench/amrbench/report"
	"github.com/amrbench/amrbench/report/capacity"
	"github.com/amrbench/amrbench/report/catalog"
	"github.com/amrbench/amrbench/report/prices"
	"github.com/amrbench/amrbench/results"
)

const planSynopsis = `plan --target-ops OPS --slo OBJECTIVES [--dataset SIZE | --keys N --value-size SIZE] [flags] RESULT...

Recommend the smallest SKU of each tier for a target throughput, latency objectives, a data size
and a connection count, from measured runs (result files or run directories, each run with --sku).
A run that searched for the highest rate meeting its objectives gives that rate; one that ran at a
single rate and met the objectives gives a lower bound. Each run is normalised per vCPU and per
primary shard; a size of a measured tier that was not itself measured is extrapolated from the
nearest measured size (the lowest of Microsoft's published scaling, per vCPU and per shard), and
said to be. A tier with no measurement is reported as such, never guessed.

A run whose rate is only a lower bound of its size's capacity (a closed loop, a client-bound run, one
open-loop rate, a search cut short) never rules its size out: below the target it leaves the size
undecided ("≥ X ... ? run --find-max") and the plan says which smaller sizes are not ruled out.

The data is --dataset (the memory it takes, as given) or --keys × (--value-size + --per-key-overhead,
300 B by Microsoft's prefill rule); the plan prints the arithmetic. Sizes: 1GB = 10^9 B, 1GiB = 2^30 B.

Objectives use the syntax of run --slo: p99<2ms, p99.9<=10ms, service:p99<1ms, GET:p99<1ms;
several are separated by commas. Exit status 1 when no tier has a size that meets the plan.

` + priceFlagsHelp

const planExamples = `  # the runs of a preset on two sizes, then the plan
  amrbench plan --target-ops 500k --slo 'p99<2ms' --dataset 80GB --connections 2000 runs/b10 runs/b20

  # several objectives, stricter headroom, as JSON
  amrbench plan --target-ops 1.5M --slo 'p99<2ms,p99.9<10ms' --dataset 200GB \
      --memory-headroom 30% --throughput-headroom 30% --format json runs/*/result.jsonl
`

func planCommand(ctx context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "plan", planSynopsis, planExamples)
	targetOps := fs.String("target-ops", "", "throughput to plan for, operations per second: 500000, 500k, 1.5M")
	var slos []string
	fs.StringArrayVar(&slos, "slo", nil, "latency objectives, e.g. 'p99<2ms' or 'p99<2ms,p99.9<10ms' (repeatable)")
	dataset := fs.String("dataset", "", "memory the data takes in the cache, per-key overhead included: 80GB, 1.5TB, 500MB (GB = 10^9 B, as Azure sizes; GiB = 2^30 B)")
	keys := fs.String("keys", "", "the data as keys instead of --dataset: how many (1000000, 10M); with --value-size")
	valueSize := fs.String("value-size", "", "mean value size of --keys: 1024, 1KiB (1,024 B), 1KB (1,000 B)")
	overhead := fs.String("per-key-overhead", "300B", "memory each of --keys takes besides its value (Microsoft's prefill rule: 300 B)")
	connections := fs.Int("connections", 0, "client connections the application opens (checked against each SKU's limit)")
	memHeadroom := fs.String("memory-headroom", "25%", "share of usable memory kept free (Microsoft: scale above 75 % used)")
	tputHeadroom := fs.String("throughput-headroom", "20%", "share of the measured capacity kept free (Microsoft: keep Server Load below 80 %)")
	maxErr := fs.String("max-error-rate", "0.1%", "largest share of failed operations a run at one rate may have and still meet the objectives (steps of a search allow none, as --find-max judges them)")
	format := fs.String("format", report.FormatText, "output format: text or json")
	var po priceOptions
	fs.StringVar(&po.region, "region", "", "Azure region for the recommended sizes' monthly prices: westeurope, eastus2, ...")
	fs.StringVar(&po.file, "prices-file", "", "read the prices from a saved answer of the Retail Prices API instead of asking it")
	fs.StringVar(&po.url, "prices-url", "", "the Retail Prices API's address (default "+prices.DefaultURL+")")
	fs.StringVar(&po.currency, "currency", "", "currency of the prices: USD (the default), EUR, GBP, ...")
	fs.StringVar(&po.cacheDir, "prices-cache", "", "directory of cached price answers (default $XDG_CACHE_HOME/amrbench or ~/.cache/amrbench)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	in := capacity.Input{}
	var err error
	if !fs.Changed("target-ops") {
		return usagef("--target-ops is required (for example --target-ops 500k)")
	}
	if in.TargetOps, err = units.ParseRate(*targetOps); err != nil {
		return usagef("--target-ops: %w", err)
	}
	if len(slos) == 0 {
		return usagef("--slo is required (for example --slo 'p99<2ms')")
	}
	if in.Objectives, err = results.ParseObjectives(slos); err != nil {
		return usagef("--slo: %w", err)
	}
	switch {
	case *dataset != "" && *keys != "":
		return usagef("--dataset and --keys both describe the data: give one")
	case *dataset != "":
		if in.DatasetBytes, err = units.ParseDataSize(*dataset); err != nil {
			return usagef("--dataset: %w", err)
		}
	case *keys != "":
		if in.Keys, err = units.ParseCount(*keys); err != nil {
			return usagef("--keys: %w", err)
		}
		if *valueSize == "" {
			return usagef("--keys needs --value-size (the mean size of a value, for example 1KiB)")
		}
		v, err := units.ParseBytes(*valueSize)
		if err != nil {
			return usagef("--value-size: %w", err)
		}
		o, err := units.ParseBytes(*overhead)
		if err != nil {
			return usagef("--per-key-overhead: %w", err)
		}
		in.ValueBytes, in.PerKeyOverheadBytes = float64(v), float64(o)
	case *valueSize != "" || fs.Changed("per-key-overhead"):
		return usagef("--value-size and --per-key-overhead describe --keys: give --keys too")
	}
	if *connections < 0 {
		return usagef("--connections %d: cannot be negative", *connections)
	}
	in.Connections = *connections
	for _, h := range []struct {
		flag, value string
		dst         *float64
	}{{"memory-headroom", *memHeadroom, &in.MemoryHeadroom}, {"throughput-headroom", *tputHeadroom, &in.ThroughputHeadroom}, {"max-error-rate", *maxErr, &in.MaxErrorRate}} {
		v, err := units.ParsePercent(h.value)
		if err != nil {
			return usagef("--%s: %w", h.flag, err)
		}
		if v >= 1 && h.flag != "max-error-rate" {
			return usagef("--%s %s: must be below 100%%", h.flag, h.value)
		}
		*h.dst = v
	}
	if err := po.check(); err != nil {
		return err
	}
	if *format != report.FormatText && *format != report.FormatJSON {
		return usagef("--format %q: use text or json", *format)
	}
	if fs.NArg() == 0 {
		return usagef("give the result files or run directories of measured runs (amrbench run --sku ...)")
	}
	var runs []results.NamedRun
	for _, path := range fs.Args() {
		run, err := results.ReadFile(path)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return usagef("%s: no such result file or run directory", path)
			}
			return usageError{err} // it names the file
		}
		runs = append(runs, results.NamedRun{Name: path, Run: run})
	}
	c, err := catalog.DefaultCatalog()
	if err != nil {
		return fmt.Errorf("the tier catalog: %w", err)
	}
	p, err := capacity.NewPlan(c, in, runs)
	if err != nil {
		return usageError{err}
	}
	attachPrices(ctx, env, c, p, po)
	write := p.WriteText
	if *format == report.FormatJSON {
		write = p.WriteJSON
	}
	if err := write(env.stdout); err != nil {
		return err
	}
	if !p.Possible {
		return errAnswered // the plan's answer says why
	}
	return nil
}
