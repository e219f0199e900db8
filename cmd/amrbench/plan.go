package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/pflag"

	"github.com/amrbench/amrbench/internal/priceflags"
	"github.com/amrbench/amrbench/internal/units"
	"github.com/amrbench/amrbench/report"
	"github.com/amrbench/amrbench/report/capacity"
	"github.com/amrbench/amrbench/report/catalog"
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

` + priceflags.Help

const planExamples = `  # the runs of a preset on two sizes, then the plan
  amrbench plan --target-ops 500k --slo 'p99<2ms' --dataset 80GB --connections 2000 runs/b10 runs/b20

  # several objectives, stricter headroom, as JSON
  amrbench plan --target-ops 1.5M --slo 'p99<2ms,p99.9<10ms' --dataset 200GB \
      --memory-headroom 30% --throughput-headroom 30% --format json runs/*/result.jsonl
`

func planCommand(ctx context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "plan", planSynopsis, planExamples)
	var f planFlags
	f.register(fs)
	var po priceflags.Flags
	po.Register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	in, err := f.input(fs)
	if err != nil {
		return err
	}
	if err := po.Check(); err != nil {
		return usageError{err}
	}
	if f.format != report.FormatText && f.format != report.FormatJSON {
		return usagef("--format %q: use text or json", f.format)
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
	po.Attach(ctx, env.getenv, c, p)
	write := p.WriteText
	if f.format == report.FormatJSON {
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

// planFlags are plan's flags but the prices'.
type planFlags struct {
	targetOps, dataset, keys, valueSize, overhead string
	memHeadroom, tputHeadroom, maxErr, format     string
	slos                                          []string
	connections                                   int
}

func (f *planFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.targetOps, "target-ops", "", "throughput to plan for, operations per second: 500000, 500k, 1.5M")
	fs.StringArrayVar(&f.slos, "slo", nil, "latency objectives, e.g. 'p99<2ms' or 'p99<2ms,p99.9<10ms' (repeatable)")
	fs.StringVar(&f.dataset, "dataset", "", "memory the data takes in the cache, per-key overhead included: 80GB, 1.5TB, 500MB (GB = 10^9 B, as Azure sizes; GiB = 2^30 B)")
	fs.StringVar(&f.keys, "keys", "", "the data as keys instead of --dataset: how many (1000000, 10M); with --value-size")
	fs.StringVar(&f.valueSize, "value-size", "", "mean value size of --keys: 1024, 1KiB (1,024 B), 1KB (1,000 B)")
	fs.StringVar(&f.overhead, "per-key-overhead", "300B", "memory each of --keys takes besides its value (Microsoft's prefill rule: 300 B)")
	fs.IntVar(&f.connections, "connections", 0, "client connections the application opens (checked against each SKU's limit)")
	fs.StringVar(&f.memHeadroom, "memory-headroom", "25%", "share of usable memory kept free (Microsoft: scale above 75 % used)")
	fs.StringVar(&f.tputHeadroom, "throughput-headroom", "20%", "share of the measured capacity kept free (Microsoft: keep Server Load below 80 %)")
	fs.StringVar(&f.maxErr, "max-error-rate", "0.1%", "largest share of failed operations a run at one rate may have and still meet the objectives (steps of a search allow none, as --find-max judges them)")
	fs.StringVar(&f.format, "format", report.FormatText, "output format: text or json")
}

// input turns the flags into what the plan is for: the throughput, the
// objectives, the data, the connections and the headroom.
func (f *planFlags) input(fs *pflag.FlagSet) (in capacity.Input, err error) {
	if !fs.Changed("target-ops") {
		return in, usagef("--target-ops is required (for example --target-ops 500k)")
	}
	if in.TargetOps, err = units.ParseRate(f.targetOps); err != nil {
		return in, usagef("--target-ops: %w", err)
	}
	if len(f.slos) == 0 {
		return in, usagef("--slo is required (for example --slo 'p99<2ms')")
	}
	if in.Objectives, err = results.ParseObjectives(f.slos); err != nil {
		return in, usagef("--slo: %w", err)
	}
	switch {
	case f.dataset != "" && f.keys != "":
		return in, usagef("--dataset and --keys both describe the data: give one")
	case f.dataset != "":
		if in.DatasetBytes, err = units.ParseDataSize(f.dataset); err != nil {
			return in, usagef("--dataset: %w", err)
		}
	case f.keys != "":
		if in.Keys, err = units.ParseCount(f.keys); err != nil {
			return in, usagef("--keys: %w", err)
		}
		if f.valueSize == "" {
			return in, usagef("--keys needs --value-size (the mean size of a value, for example 1KiB)")
		}
		v, err := units.ParseBytes(f.valueSize)
		if err != nil {
			return in, usagef("--value-size: %w", err)
		}
		o, err := units.ParseBytes(f.overhead)
		if err != nil {
			return in, usagef("--per-key-overhead: %w", err)
		}
		in.ValueBytes, in.PerKeyOverheadBytes = float64(v), float64(o)
	case f.valueSize != "" || fs.Changed("per-key-overhead"):
		return in, usagef("--value-size and --per-key-overhead describe --keys: give --keys too")
	}
	if f.connections < 0 {
		return in, usagef("--connections %d: cannot be negative", f.connections)
	}
	in.Connections = f.connections
	for _, h := range []struct {
		flag, value string
		dst         *float64
	}{{"memory-headroom", f.memHeadroom, &in.MemoryHeadroom}, {"throughput-headroom", f.tputHeadroom, &in.ThroughputHeadroom}, {"max-error-rate", f.maxErr, &in.MaxErrorRate}} {
		v, err := units.ParsePercent(h.value)
		if err != nil {
			return in, usagef("--%s: %w", h.flag, err)
		}
		if v >= 1 && h.flag != "max-error-rate" {
			return in, usagef("--%s %s: must be below 100%%", h.flag, h.value)
		}
		*h.dst = v
	}
	return in, nil
}
