package results

import (
	"fmt"
	"math"
	"sort"

	"github.com/amrbench/amrbench/internal/units"
)

// Thresholds of the server-bound verdict.
const (
	// ServerCPUSaturated is the CPU, in percent of one core, at or above
	// which a server's command processing is saturated in an interval:
	// its main thread's where the server reports it (Redis runs commands
	// on one thread), else its whole process's. The share of the interval
	// it spent running commands (CommandTimePercent) at or above it is
	// saturation too: its thread was busy, whatever CPU it was given.
	ServerCPUSaturated = 90.0
	// ServerMemorySaturated is the share of maxmemory, in percent, at or
	// above which a server is out of memory in an interval.
	ServerMemorySaturated = 95.0
	// ServerBoundShare is the share of the measured intervals in which a
	// primary must have been saturated for the run to be server-bound.
	ServerBoundShare = 0.5
)

// samplerCommands are the commands the server stats sampler sends itself,
// left out of a server's share of the load.
var samplerCommands = map[string]bool{"info": true, "cluster|nodes": true, "cluster": true, "auth": true, "ping": true}

// ServerSummary is what one server did over a run's measured intervals, from
// its server samples. Fields the server never reported are absent.
type ServerSummary struct {
	Role    string `json:"role"`
	Primary string `json:"primary,omitempty"`
	// Intervals counts the measured intervals with a sample of the server.
	Intervals int `json:"intervals"`
	// CPU and main-thread CPU in percent of one core: mean and highest over
	// the intervals.
	CPUPercentMean *float64 `json:"cpu_percent_mean,omitempty"`
	// CommandTimePercentMean and Max are the share of each interval the
	// server spent running commands: mean and highest.
	CommandTimePercentMean   *float64 `json:"command_time_percent_mean,omitempty"`
	CommandTimePercentMax    *float64 `json:"command_time_percent_max,omitempty"`
	CPUPercentMax            *float64 `json:"cpu_percent_max,omitempty"`
	MainThreadCPUPercentMean *float64 `json:"main_thread_cpu_percent_mean,omitempty"`
	MainThreadCPUPercentMax  *float64 `json:"main_thread_cpu_percent_max,omitempty"`
	// UsedMemoryMax is the highest used_memory read; MaxMemory the last
	// maxmemory; MemoryPercentMax the highest share of it.
	UsedMemoryMax       *int64   `json:"used_memory_max,omitempty"`
	MaxMemory           *int64   `json:"maxmemory,omitempty"`
	MemoryPercentMax    *float64 `json:"memory_percent_max,omitempty"`
	ConnectedClientsMax *int64   `json:"connected_clients_max,omitempty"`
	// Counts over the intervals.
	CommandsProcessed   *int64 `json:"commands_processed,omitempty"`
	EvictedKeys         *int64 `json:"evicted_keys,omitempty"`
	ExpiredKeys         *int64 `json:"expired_keys,omitempty"`
	KeyspaceHits        *int64 `json:"keyspace_hits,omitempty"`
	KeyspaceMisses      *int64 `json:"keyspace_misses,omitempty"`
	RejectedConnections *int64 `json:"rejected_connections,omitempty"`
	NetInputBytes       *int64 `json:"net_input_bytes,omitempty"`
	NetOutputBytes      *int64 `json:"net_output_bytes,omitempty"`
	// Calls counts each command's calls; LoadCalls those of the load alone
	// (the sampler's own INFO left out).
	Calls     map[string]int64 `json:"calls,omitempty"`
	LoadCalls int64            `json:"load_calls"`
	// Slots is the last slot count read (a cluster's primary).
	Slots *int64 `json:"slots,omitempty"`
	// BusySaturated counts the intervals in which the server's command
	// processing was saturated (its CPU or its command time at or above
	// ServerCPUSaturated), MemorySaturated those in which its memory was at
	// or above ServerMemorySaturated.
	BusySaturated   int `json:"busy_saturated_intervals"`
	MemorySaturated int `json:"memory_saturated_intervals"`
}

// SummarizeServers summarises the run's server records over its measured
// intervals (warmup and idle ones left out), by server address. It returns
// nil when the run has no server records.
func SummarizeServers(run *Run) map[string]*ServerSummary {
	if len(run.Server) == 0 {
		return nil
	}
	return summarizeServers(measuredIndexes(run.Intervals), run.Server)
}

// measuredIndexes returns the indexes of the measured intervals that carry
// load (not warmup, not idle).
func measuredIndexes(ivs []*Interval) map[int64]bool {
	out := map[int64]bool{}
	for _, iv := range ivs {
		if iv.Measured() && iv.Phase != PhaseIdle {
			out[iv.Index] = true
		}
	}
	return out
}

func summarizeServers(measured map[int64]bool, recs []*ServerInterval) map[string]*ServerSummary {
	out := map[string]*ServerSummary{}
	type acc struct{ cpu, main, cmd []float64 }
	accs := map[string]*acc{}
	for _, rec := range recs {
		if !measured[rec.Index] {
			continue
		}
		for addr, s := range rec.Servers {
			sum := out[addr]
			if sum == nil {
				sum = &ServerSummary{Calls: map[string]int64{}}
				out[addr] = sum
				accs[addr] = &acc{}
			}
			a := accs[addr]
			sum.Role, sum.Primary = s.Role, s.Primary
			sum.Intervals++
			if s.CPUPercent != nil {
				a.cpu = append(a.cpu, *s.CPUPercent)
			}
			if s.MainThreadCPUPercent != nil {
				a.main = append(a.main, *s.MainThreadCPUPercent)
			}
			if s.CommandTimePercent != nil {
				a.cmd = append(a.cmd, *s.CommandTimePercent)
			}
			keepMax(&sum.UsedMemoryMax, s.UsedMemory)
			keepMax(&sum.ConnectedClientsMax, s.ConnectedClients)
			keepMax(&sum.MemoryPercentMax, s.MemoryPercent)
			if s.MaxMemory != nil {
				sum.MaxMemory = s.MaxMemory
			}
			if s.Slots != nil {
				sum.Slots = s.Slots
			}
			addInt(&sum.CommandsProcessed, s.CommandsProcessed)
			addInt(&sum.EvictedKeys, s.EvictedKeys)
			addInt(&sum.ExpiredKeys, s.ExpiredKeys)
			addInt(&sum.KeyspaceHits, s.KeyspaceHits)
			addInt(&sum.KeyspaceMisses, s.KeyspaceMisses)
			addInt(&sum.RejectedConnections, s.RejectedConnections)
			addInt(&sum.NetInputBytes, s.NetInputBytes)
			addInt(&sum.NetOutputBytes, s.NetOutputBytes)
			for name, cs := range s.Commands {
				sum.Calls[name] += cs.Calls
				if !samplerCommands[name] {
					sum.LoadCalls += cs.Calls
				}
			}
			if reason, _ := s.busy(); reason != "" {
				sum.BusySaturated++
			}
			if s.MemoryPercent != nil && *s.MemoryPercent >= ServerMemorySaturated {
				sum.MemorySaturated++
			}
		}
	}
	for addr, sum := range out {
		a := accs[addr]
		sum.CPUPercentMean, sum.CPUPercentMax = meanMax(a.cpu)
		sum.MainThreadCPUPercentMean, sum.MainThreadCPUPercentMax = meanMax(a.main)
		sum.CommandTimePercentMean, sum.CommandTimePercentMax = meanMax(a.cmd)
		if len(sum.Calls) == 0 {
			sum.Calls = nil
		}
	}
	return out
}

// busy says whether the server's command processing was saturated in the
// interval, and by what: "cpu" (its CommandCPU at or above
// ServerCPUSaturated, the level returned) or "commands" (the time it spent
// running commands); "" when it was not.
func (s *ServerSample) busy() (reason string, level float64) {
	if cpu := s.CommandCPU(); cpu != nil && *cpu >= ServerCPUSaturated {
		return "cpu", *cpu
	}
	if t := s.CommandTimePercent; t != nil && *t >= ServerCPUSaturated {
		return "commands", *t
	}
	return "", 0
}

// CommandCPU is the CPU that says whether a server's command processing is
// saturated, in percent of one core: its main thread's where reported (Redis
// runs commands on one thread), else its process's; nil when neither is.
func (s *ServerSample) CommandCPU() *float64 {
	if s.MainThreadCPUPercent != nil {
		return s.MainThreadCPUPercent
	}
	return s.CPUPercent
}

func meanMax(v []float64) (mean, most *float64) {
	if len(v) == 0 {
		return nil, nil
	}
	var sum float64
	hi := math.Inf(-1)
	for _, x := range v {
		sum += x
		hi = max(hi, x)
	}
	m := math.Round(sum/float64(len(v))*10) / 10
	return &m, &hi
}

// keepMax sets *to to a copy of v when v is known and above *to.
func keepMax[T int64 | float64](to **T, v *T) {
	if v != nil && (*to == nil || *v > **to) {
		x := *v
		*to = &x
	}
}

func addInt(to **int64, v *int64) {
	if v == nil {
		return
	}
	if *to == nil {
		*to = new(int64)
	}
	**to += *v
}

// ServerBound says that a run's throughput was set by a server: one of its
// primaries was saturated (CPU near one core, or memory near maxmemory) in
// most of the measured intervals.
type ServerBound struct {
	// Shard is the saturated primary's address; Reason "cpu" (its CPU near
	// a core), "commands" (its one thread always running commands) or
	// "memory".
	Shard  string `json:"shard"`
	Reason string `json:"reason"`
	// OpsPerSec is the run's throughput (every command, every shard) over
	// the intervals in which the shard was saturated.
	OpsPerSec float64 `json:"ops_per_sec"`
	// Saturated counts those intervals, of Intervals measured.
	Saturated int `json:"saturated_intervals"`
	Intervals int `json:"intervals"`
	// Level is the shard's mean main-thread (else process) CPU, in percent
	// of one core, or its highest memory share, over those intervals.
	Level float64 `json:"level"`
}

// String says the verdict in a line: "server-bound at 41,200 ops/s (shard
// 10.0.0.1:6379: main thread at 97 % of a core in 9 of 10 intervals)".
func (b *ServerBound) String() string {
	what := fmt.Sprintf("CPU at %.0f %% of a core", b.Level)
	switch b.Reason {
	case "commands":
		what = fmt.Sprintf("running commands %.0f %% of the time", b.Level)
	case "memory":
		what = fmt.Sprintf("memory at %.0f %% of maxmemory", b.Level)
	}
	return fmt.Sprintf("server-bound at %s ops/s (shard %s: %s in %d of %d intervals)", units.FormatWhole(b.OpsPerSec), b.Shard, what, b.Saturated, b.Intervals)
}

// FindServerBound returns the server-bound verdict of the measured
// intervals ivs, from the server records recs: the primary saturated in
// the most intervals, if that is at least ServerBoundShare of them (CPU,
// then command time, then memory, when several are); nil when no primary
// was.
func FindServerBound(ivs []*Interval, recs []*ServerInterval) *ServerBound {
	measured := map[int64]*Interval{}
	for _, iv := range ivs {
		if iv.Measured() && iv.Phase != PhaseIdle {
			measured[iv.Index] = iv
		}
	}
	if len(measured) == 0 {
		return nil
	}
	type cand struct {
		reason string
		ivs    []*Interval
		levels []float64
	}
	cands := map[string]map[string]*cand{} // shard -> reason
	for _, rec := range recs {
		iv := measured[rec.Index]
		if iv == nil {
			continue
		}
		for addr, s := range rec.Servers {
			if s.Role == RoleReplica {
				continue // a replica does not serve the load's commands
			}
			note := func(reason string, level float64) {
				if cands[addr] == nil {
					cands[addr] = map[string]*cand{}
				}
				c := cands[addr][reason]
				if c == nil {
					c = &cand{reason: reason}
					cands[addr][reason] = c
				}
				c.ivs = append(c.ivs, iv)
				c.levels = append(c.levels, level)
			}
			if reason, level := s.busy(); reason != "" {
				note(reason, level)
			}
			if s.MemoryPercent != nil && *s.MemoryPercent >= ServerMemorySaturated {
				note("memory", *s.MemoryPercent)
			}
		}
	}
	var best *ServerBound
	addrs := make([]string, 0, len(cands))
	for a := range cands {
		addrs = append(addrs, a)
	}
	sort.Strings(addrs)
	for _, addr := range addrs {
		for _, reason := range []string{"cpu", "commands", "memory"} {
			c := cands[addr][reason]
			if c == nil || float64(len(c.ivs)) < ServerBoundShare*float64(len(measured)) {
				continue
			}
			if best != nil && len(c.ivs) <= best.Saturated {
				continue
			}
			var ops int64
			var secs, level float64
			for i, iv := range c.ivs {
				for _, cs := range iv.Commands {
					ops += cs.Count
				}
				secs += iv.Duration().Seconds()
				if reason == "memory" {
					level = max(level, c.levels[i])
				} else {
					level += c.levels[i] / float64(len(c.levels))
				}
			}
			b := &ServerBound{Shard: addr, Reason: reason, Saturated: len(c.ivs), Intervals: len(measured), Level: math.Round(level*10) / 10}
			if secs > 0 {
				b.OpsPerSec = math.Round(float64(ops)/secs*10) / 10
			}
			best = b
		}
	}
	return best
}

// HotShard returns the primary that served the largest share of the load's
// commands (the sampler's own left out), and that share (0..1); "" when
// fewer than two primaries were sampled or none served any command.
func HotShard(servers map[string]*ServerSummary) (string, float64) {
	var total int64
	var hot string
	var hotCalls int64
	primaries := 0
	addrs := make([]string, 0, len(servers))
	for a := range servers {
		addrs = append(addrs, a)
	}
	sort.Strings(addrs)
	for _, addr := range addrs {
		s := servers[addr]
		if s.Role == RoleReplica {
			continue
		}
		primaries++
		total += s.LoadCalls
		if s.LoadCalls > hotCalls {
			hot, hotCalls = addr, s.LoadCalls
		}
	}
	if primaries < 2 || total == 0 {
		return "", 0
	}
	return hot, float64(hotCalls) / float64(total)
}
