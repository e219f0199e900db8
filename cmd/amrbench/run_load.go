package main

import (
	"fmt"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/amrbench/amrbench/bench"
	"github.com/amrbench/amrbench/bench/openloop"
	"github.com/amrbench/amrbench/bench/transport"
	"github.com/amrbench/amrbench/internal/memtierflags"
	"github.com/amrbench/amrbench/internal/units"
	"github.com/amrbench/amrbench/results"
	"github.com/amrbench/amrbench/results/segment"
	"github.com/amrbench/amrbench/workloads"
)

func (f *runFlags) planLoad(fs *pflag.FlagSet, p *runPlan) error {
	c := &p.cfg
	if fs.Changed("clients") || fs.Changed("threads") {
		if fs.Changed("connections") {
			return usagef("give --connections or memtier's --clients/--threads, not both")
		}
		if f.clients < 1 || f.threads < 1 || f.clients > bench.MaxConnections/f.threads {
			return usagef("--clients %d x --threads %d: each at least 1, and at most %d connections in all", f.clients, f.threads, bench.MaxConnections)
		}
		c.Connections = f.clients * f.threads
		p.notes = append(p.notes, fmt.Sprintf("%s = %d clients x %d threads, as memtier counts them", units.Plural(c.Connections, "connection"), f.clients, f.threads))
	} else {
		c.Connections = f.connections
	}
	c.ConnectConcurrency = f.connectConcurrency
	if f.connectRate != "" {
		r, err := units.ParseRate(f.connectRate)
		if err != nil {
			return usagef("--connect-rate: %w", err)
		}
		c.ConnectRate = r
	}
	c.Pipeline = f.pipeline
	switch {
	case fs.Changed("test-time") && fs.Changed("duration"):
		return usagef("give --duration or memtier's --test-time, not both")
	case fs.Changed("test-time"):
		if f.testTime < 1 {
			return usagef("--test-time %d: at least 1 second", f.testTime)
		}
		c.Duration = time.Duration(f.testTime) * time.Second
	case fs.Changed("duration"):
		c.Duration = f.duration
	}
	if fs.Changed("requests") {
		if fs.Changed("duration") || fs.Changed("test-time") {
			return usagef("--requests and --duration both bound the run: give one")
		}
		c.Duration = 0 // the requests are counted once the workload is known (planRequests)
	}
	if c.Pipeline < 1 && f.memtier.protocol != "" {
		c.Pipeline = 1 // -P named a protocol only
	}
	c.Warmup, c.Interval = f.warmup, f.interval
	c.Timeout, c.ConnectTimeout = f.timeout, f.connectTimeout
	c.ReadBufferSize, c.WriteBufferSize = f.bufferSize, f.bufferSize
	wait, err := transport.ParseReplyWait(f.replyWait)
	if err != nil {
		return usagef("--reply-wait %w", err)
	}
	c.ReplyWait = wait
	if c.Transport, err = transport.ParseTransport(f.transport); err != nil {
		return usagef("--transport %w", err)
	}
	c.Preload = f.preload
	return f.planOpenLoop(fs, p)
}

// planOpenLoop reads the open-loop flags: a rate, a staircase, objectives
// and a search.
func (f *runFlags) planOpenLoop(fs *pflag.FlagSet, p *runPlan) error {
	c := &p.cfg
	var err error
	switch {
	case f.rate != "" && f.rateLimiting > 0:
		return usagef("give --rate or memtier's --rate-limiting, not both")
	case f.rate != "":
		if c.Rate, err = units.ParseRate(f.rate); err != nil {
			return usagef("--rate: %w", err)
		}
	case f.rateLimiting > 0:
		c.Rate = float64(f.rateLimiting * c.Connections)
		p.notes = append(p.notes, fmt.Sprintf("--rate-limiting %d per connection x %s = %s ops/s in all, sent on schedule: latency counts from each operation's due time, where memtier counts from its send", f.rateLimiting, units.Plural(c.Connections, "connection"), units.FormatWhole(c.Rate)))
	case fs.Changed("rate-limiting"):
		return usagef("--rate-limiting %d: at least 1", f.rateLimiting)
	}
	c.StepDuration, c.LateThreshold = f.stepDuration, f.lateThreshold
	if f.rateRamp != "" {
		ramp, err := openloop.ParseRamp(f.rateRamp, f.stepDuration)
		if err != nil {
			return usagef("--rate-ramp: %w", err)
		}
		c.Ramp = &ramp
	}
	var texts []string
	for _, s := range f.slo {
		for _, part := range strings.Split(s, ",") {
			if strings.TrimSpace(part) != "" {
				texts = append(texts, part)
			}
		}
	}
	// A closed loop with objectives is judged as one step: its exit status
	// says whether it met them.
	if c.Objectives, err = results.ParseObjectives(texts); err != nil {
		return usagef("--slo: %w", err)
	}
	c.FindMax = f.findMax
	if c.MaxRate, err = units.ParseRate(f.maxRate); err != nil {
		return usagef("--max-rate: %w", err)
	}
	c.MaxSteps = f.findMaxSteps
	if c.Steps() && !fs.Changed("duration") && !fs.Changed("test-time") {
		c.Duration = 0 // the steps decide the run's length
	}
	return nil
}

// planWorkload builds the workload: the --workload preset or file if one is
// given, then every flag that was set on top of it. Without --workload the
// flags' defaults are DefaultSpec's, so every flag applies.
func (f *runFlags) planWorkload(fs *pflag.FlagSet, p *runPlan) error {
	s := &p.spec
	if f.workload != "" {
		preset, err := loadWorkload(f.workload)
		if err != nil {
			return usagef("--workload: %w", err)
		}
		p.preset, *s = preset, preset.Spec
	}
	set := func(name string) bool { return p.preset == nil || fs.Changed(name) }
	var err error
	if len(f.commands) > 0 {
		for _, name := range []string{"ratio", "key-pattern"} {
			if fs.Changed(name) {
				return usagef("--%s is for the SET/GET mix, which --command replaces: give each --command its --command-ratio and --command-key-pattern", name)
			}
		}
		s.Commands = f.commands
		if p.cfg.Preload {
			p.notes = append(p.notes, fmt.Sprintf("--preload writes every key of the range as a string with SET (%s%d to %s%d), whatever --command sends", s.KeyPrefix, s.KeyMinimum, s.KeyPrefix, s.KeyMaximum))
		}
	}
	if set("ratio") {
		if s.Ratio, err = workloads.ParseRatio(f.ratio); err != nil {
			return usagef("--ratio: %w", err)
		}
	}
	if set("key-pattern") {
		if s.KeyPattern, err = workloads.ParseKeyPatterns(f.keyPattern); err != nil {
			return usagef("--key-pattern: %w", err)
		}
	}
	if set("key-prefix") {
		s.KeyPrefix = f.keyPrefix
	}
	if set("key-minimum") {
		s.KeyMinimum = f.keyMin
	}
	if set("key-maximum") {
		s.KeyMaximum = f.keyMax
	}
	if set("key-stddev") {
		s.KeyStddev = f.keyStddev
	}
	if set("key-zipf-exp") {
		s.KeyZipfExp = f.zipfExp
	}
	if fs.Changed("key-median") {
		m := f.keyMedian
		s.KeyMedian = &m
	}
	sizeFlags := 0
	for _, name := range []string{"data-size", "data-size-range", "data-size-list"} {
		if fs.Changed(name) {
			sizeFlags++
		}
	}
	if sizeFlags > 1 {
		return usagef("give one of --data-size, --data-size-range and --data-size-list")
	}
	if sizeFlags > 0 || p.preset == nil {
		// A size flag replaces the preset's size, whichever form it has.
		s.DataSize, s.DataSizeRange, s.DataSizeList = f.dataSize, workloads.Range{}, nil
	}
	if f.dataSizeRange != "" {
		if s.DataSizeRange, err = workloads.ParseRange(f.dataSizeRange); err != nil {
			return usagef("--data-size-range: %w", err)
		}
	}
	if f.dataSizeList != "" {
		if s.DataSizeList, err = workloads.ParseSizeList(f.dataSizeList); err != nil {
			return usagef("--data-size-list: %w", err)
		}
	}
	if set("random-data") {
		s.RandomData = f.randomData
	}
	if fs.Changed("expiry-range") || (p.preset == nil && f.expiryRange != "") {
		if s.ExpiryRange, err = workloads.ParseExpiryRange(f.expiryRange); err != nil {
			return usagef("--expiry-range: %w", err)
		}
	}
	p.seedGiven = fs.Changed("seed")
	s.Seed = f.seed
	if !p.seedGiven {
		s.Seed = uint64(time.Now().UnixNano())
	}
	return nil
}

// planRequests turns -n into the run's total once the connections and the
// key range are known.
func (f *runFlags) planRequests(fs *pflag.FlagSet, p *runPlan) error {
	if !fs.Changed("requests") {
		return nil
	}
	total, note, err := memtierflags.TotalRequests(f.requests, f.requestsAllKeys, p.cfg.Connections, &p.spec)
	if err != nil {
		return usageError{err}
	}
	p.cfg.Requests = total
	if note != "" {
		p.notes = append(p.notes, note)
	}
	return nil
}

// planSplit reads --segment and --start-at.
func (f *runFlags) planSplit(p *runPlan, now time.Time) error {
	if f.segment != "" {
		seg, err := segment.Parse(f.segment)
		if err != nil {
			return usagef("--segment: %w", err)
		}
		p.cfg.Segment = seg
	}
	if f.startAt == "" {
		return nil
	}
	at, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(f.startAt))
	if err != nil {
		return usagef("--start-at %q: not an RFC 3339 time such as 2026-11-23T12:00:00Z", f.startAt)
	}
	switch {
	case !at.After(now):
		return usagef("--start-at %s has passed: give a time far enough ahead for every machine to connect (and preload)", f.startAt)
	case at.Sub(now) > maxStartAtWait:
		return usagef("--start-at %s is more than %s away", f.startAt, maxStartAtWait)
	}
	p.cfg.StartAt = at.UTC()
	return nil
}

// maxStartAtWait bounds how far ahead --start-at may be, to catch a wrong
// date or time zone before a machine sits idle for days.
const maxStartAtWait = 24 * time.Hour

// runningTool is toolInfo with the CPUs this run may use.
func runningTool() results.Tool {
	t := toolInfo()
	t.CPUs = runtime.GOMAXPROCS(0)
	return t
}

// minAutoBufferSize is the smallest buffer autoBufferSize chooses: room
// for a command and its reply with a key and a small value, several times
// over.
const minAutoBufferSize = 1 << 10

// autoBufferSize sizes each connection's read and write buffers to hold a
// pipeline of the largest operations (so a batch goes out in one write),
// between 1 KiB and 32 KiB, go-redis's default: ten thousand connections
// sending small values one at a time then hold 2 KiB of buffers each (20
// MB in all) rather than 64 KiB.
func autoBufferSize(pipeline, maxValue int) int {
	need := pipeline * (maxValue + 128) // the value plus key, command and framing
	size := minAutoBufferSize
	for size < need && size < bench.DefaultBufferSize {
		size *= 2
	}
	return size
}
