package main

import (
	"context"
	"fmt"
	"runtime"
	"time"

	"github.com/spf13/pflag"

	"github.com/amrbench/amrbench/bench"
	"github.com/amrbench/amrbench/internal/evidence"
	"github.com/amrbench/amrbench/internal/localserver"
	"github.com/amrbench/amrbench/internal/proclimits"
	"github.com/amrbench/amrbench/internal/rundir"
	"github.com/amrbench/amrbench/internal/units"
	"github.com/amrbench/amrbench/report/catalog"
	"github.com/amrbench/amrbench/results"
	"github.com/amrbench/amrbench/workloads"
)

const runSynopsis = `run [flags]

Benchmark a Redis endpoint: open the connections, run the SET/GET workload, print a live line per
interval and a summary, and write the results (result.jsonl, summary.txt, HdrHistogram files) into
a run directory. With no --server or --uri, amrbench starts a local redis-server (or, without one,
an in-process stand-in) and benchmarks that: its numbers describe this machine, not a cache.

Passwords: prefer AMRBENCH_PASSWORD or --password-file to -a, which other users can see in ps.

Entra ID (--auth entra, implied by any --entra flag): amrbench gets a token before it opens a
connection, renews it at 70% of its lifetime (and no later than --reauth-before before it expires),
and sends each new token on every open connection with AUTH, staggered, so that runs outlast any
token. Those AUTHs are counted apart from the workload, under "Re-AUTH" in the summary.`

const runExamples = `  # 30 s against a local server started for you
  amrbench run

  # Azure Managed Redis with an access key: port 10000 and TLS are the defaults for *.redis.azure.net
  AMRBENCH_PASSWORD=$KEY amrbench run -s mycache.westeurope.redis.azure.net --duration 5m

  # Microsoft's read benchmark: 1 KiB GETs, pipeline 10, after writing every key once
  amrbench run -s mycache.westeurope.redis.azure.net --password-file key.txt \
      --ratio 0:1 -d 1024 --pipeline 10 --key-maximum 1699396 --preload --duration 5m

  # memtier's flags work too: 4 threads x 50 clients = 200 connections
  amrbench run -u rediss://default:$KEY@mycache.redis.cache.windows.net:6380 -t 4 -c 50 --test-time 60

  # an OSS-policy cache: a cluster client reaching every shard (auto finds this by itself)
  amrbench run -s mycache.westeurope.redis.azure.net --cluster-policy oss --label oss

  # Azure Managed Redis with Entra ID, from a VM's managed identity: a 2 h run outlasts the tokens
  amrbench run -s mycache.westeurope.redis.azure.net --entra-credential managed-identity --duration 2h

  # ... from AKS with workload identity, or from a laptop logged in with 'az login'
  amrbench run -s mycache.westeurope.redis.azure.net --entra-credential workload-identity
  amrbench run -s mycache.westeurope.redis.azure.net --entra-credential azure-cli

  # a skewed key space with expiring keys, reproducibly
  amrbench run -s 10.0.0.4 --key-pattern Z:Z --key-zipf-exp 1.2 --expiry-range 60-600 --seed 7

  # one test of 1,200 connections from three machines: on machine i (0, 1, 2) run
  amrbench run -s mycache.westeurope.redis.azure.net --connections 1200 --seed 7 \
      --segment i/3 --start-at 2026-11-23T12:00:00Z --out seg-i
  # then, with the three run directories on one machine
  amrbench merge seg-0 seg-1 seg-2 -o merged
`

// runPlan is a validated run: what to connect to, what to send, where to
// write.
type runPlan struct {
	cfg      bench.Config
	spec     workloads.Spec
	embedded bool
	notes    []string // said to the user before the run
	// warnings are said to the user before the run too, and written as
	// warning events into the result file.
	warnings  []planWarning
	sku       *catalog.SKU
	preset    *workloads.Preset
	keySpace  *results.KeySpace
	seedGiven bool
	// cpus is the CPUs amrbench may use (0: all); cpuProfile a file for a
	// CPU profile of amrbench itself.
	cpus       int
	cpuProfile string
	out        outputPlan
	evidence   evidence.Plan
	// runs is how many times the test is run (--run-count).
	runs int
	// results, when set, is the container the result file goes to as well.
	results *resultsPlan
}

// planWarning is a warning about how the run is set up: Code is its
// results.Warning* code.
type planWarning struct{ code, detail string }

// outputPlan is where and how a run's results are written and shown.
type outputPlan struct {
	// dir is the run directory; empty: amrbench-results/<run id>.
	dir   string
	label string
	// percentiles are the summary's columns; empty: the defaults.
	percentiles []float64
	// jsonOut and hdrPrefix are memtier's extra files; empty: none.
	jsonOut, hdrPrefix string
	quiet              bool
	// printAllRuns and hideHistogram shape --json-out-file as memtier's
	// flags of those names do; interrupted says the run was stopped early.
	printAllRuns, hideHistogram, interrupted bool
	// verdictExit: the run exits with its verdict's status; false, a run
	// that measured exits 0 and only records its verdict (--verdict-exit).
	verdictExit bool
	// terminated: SIGTERM stopped the run before its planned end, so it
	// exits exitTerminated whatever its verdict, and its verdict says so.
	terminated bool
}

func runCommand(ctx context.Context, env *environment, args []string) error {
	var f runFlags
	fs := newFlagSet(env, "run", runSynopsis+exitStatusHelp(), runExamples)
	f.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q (flags start with -)", fs.Arg(0))
	}
	plan, err := f.plan(fs, env)
	if err != nil {
		return withFlagNames(err)
	}
	if f.showConfig {
		if err := writeConfig(env.stdout, plan); err != nil {
			return err
		}
	}
	if err := checkJobIndex(env, plan.cfg.Segment); err != nil {
		return err
	}
	return withFlagNames(start(ctx, env, plan))
}

// start applies the plan's CPU settings and profile, and executes it.
func start(ctx context.Context, env *environment, plan *runPlan) error {
	cpus, note := proclimits.CPUs(plan.cpus, plan.embedded, plan.embedded && !localserver.RedisServerOnPath(), units.IsLoopback(plan.cfg.Target.Host))
	if note != "" {
		plan.notes = append(plan.notes, note)
	}
	if cpus > 0 && env.setMaxProcs != nil {
		defer env.setMaxProcs(env.setMaxProcs(cpus))
	}
	_, conns := plan.cfg.SegmentConnections()
	if pct, ok := proclimits.GCPercent(conns, env.getenv("GOGC")); ok && env.setGCPercent != nil {
		defer env.setGCPercent(env.setGCPercent(pct))
		plan.notes = append(plan.notes, fmt.Sprintf("%d connections: the garbage collector keeps the heap within %d %% of what is live (GOGC=%d; set GOGC to choose)", conns, pct, pct))
	}
	if plan.cpuProfile != "" {
		stop, err := startCPUProfile(plan.cpuProfile)
		if err != nil {
			return usagef("--cpu-profile: %w", err)
		}
		defer stop()
	}
	if plan.runs > 1 {
		return executeRuns(ctx, env, plan)
	}
	return execute(ctx, env, plan)
}

// plan turns the flags into a validated run. Every error is a usage error
// that names its flag.
func (f *runFlags) plan(fs *pflag.FlagSet, env *environment) (*runPlan, error) {
	p := &runPlan{cfg: bench.DefaultConfig(), spec: workloads.DefaultSpec()}
	if err := f.planTarget(fs, env, p); err != nil {
		return nil, err
	}
	if err := f.planLoad(fs, p); err != nil {
		return nil, err
	}
	if err := f.planSKU(fs, p); err != nil {
		return nil, err
	}
	if err := f.planWorkload(fs, p); err != nil {
		return nil, err
	}
	if err := f.planFill(fs, p); err != nil {
		return nil, err
	}
	if err := f.planRequests(fs, p); err != nil {
		return nil, err
	}
	if p.embedded && !fs.Changed("preload") && !p.cfg.Preload && len(p.spec.Commands) == 0 && p.spec.Ratio.Gets > 0 {
		// A server started empty answers every GET with a miss: a newcomer
		// would read the latency of misses.
		p.cfg.Preload = true
		p.notes = append(p.notes, fmt.Sprintf("the local server starts empty: amrbench writes its %s keys first, so that the GETs find them (--preload=false to measure misses)", units.FormatWhole(float64(p.spec.KeyCount()))))
	}
	if err := f.planSplit(p, time.Now()); err != nil {
		return nil, err
	}
	if err := f.planEvidence(fs, env, p); err != nil {
		return nil, err
	}
	if err := f.planResults(env, p); err != nil {
		return nil, err
	}
	if fs.Changed("cpus") && (f.cpus < 1 || f.cpus > runtime.NumCPU()) {
		return nil, usagef("--cpus %d: from 1 to %d, the CPUs of this machine", f.cpus, runtime.NumCPU())
	}
	p.cpus, p.cpuProfile = f.cpus, f.cpuProfile
	p.out = outputPlan{dir: f.out, label: f.label, percentiles: f.percentiles, jsonOut: f.jsonOut, hdrPrefix: f.hdrPrefix, quiet: f.quiet,
		printAllRuns: f.memtier.printAllRuns, hideHistogram: f.memtier.hideHistogram, verdictExit: f.verdictExit}
	p.notes = append(p.notes, f.memtier.notes(fs, p.seedGiven)...)
	if f.runCount < 1 {
		return nil, usagef("--run-count %d: at least 1", f.runCount)
	}
	if f.runCount > 1 && f.startAt != "" {
		return nil, usagef("--run-count %d with --start-at: every run would wait for the same moment; run once per --start-at", f.runCount)
	}
	p.runs = f.runCount
	v, err := units.ParsePercent(f.maxErrorRate)
	if err != nil {
		return nil, usagef("--max-error-rate: %w", err)
	}
	p.cfg.MaxErrorRate = v
	for _, out := range []struct {
		flag, path string
		check      func(string) error
	}{
		{"json-out-file", f.jsonOut, rundir.CheckNewFile},
		{"hdr-file-prefix", f.hdrPrefix, rundir.CheckHDRPrefix},
		{"cpu-profile", f.cpuProfile, rundir.CheckNewFile},
	} {
		if err := out.check(out.path); err != nil {
			return nil, usagef("--%s %s: %w", out.flag, out.path, err)
		}
	}
	if f.out != "" {
		if err := checkFreeRunDirectory(f.out); err != nil { // before connecting, not after
			return nil, err
		}
	}
	if !fs.Changed("buffer-size") {
		p.cfg.ReadBufferSize = autoBufferSize(p.cfg.Pipeline, p.spec.MaxValueSize())
		p.cfg.WriteBufferSize = p.cfg.ReadBufferSize
	}
	if err := p.cfg.Validate(); err != nil {
		return nil, usageError{err}
	}
	if err := p.spec.Validate(p.cfg.Connections); err != nil {
		return nil, usageError{err}
	}
	return p, nil
}
