package serverstats

import (
	"math"
	"time"

	"github.com/amrbench/amrbench/results"
)

// Reading is one server's INFO at one moment.
type Reading struct {
	// At is when the sampler read it, by its own clock: the middle of the
	// INFO round trip.
	At   time.Time
	Info *Info
	// Slots is the number of hash slots the server serves (CLUSTER NODES),
	// or nil outside a cluster or when it would not say.
	Slots *int64
}

// counters are the INFO counters a sample reports as the interval's growth,
// by the ServerSample field they fill.
var counters = []struct {
	field string
	set   func(s *results.ServerSample, v *int64)
}{
	{"total_commands_processed", func(s *results.ServerSample, v *int64) { s.CommandsProcessed = v }},
	{"evicted_keys", func(s *results.ServerSample, v *int64) { s.EvictedKeys = v }},
	{"expired_keys", func(s *results.ServerSample, v *int64) { s.ExpiredKeys = v }},
	{"keyspace_hits", func(s *results.ServerSample, v *int64) { s.KeyspaceHits = v }},
	{"keyspace_misses", func(s *results.ServerSample, v *int64) { s.KeyspaceMisses = v }},
	{"rejected_connections", func(s *results.ServerSample, v *int64) { s.RejectedConnections = v }},
	{"total_net_input_bytes", func(s *results.ServerSample, v *int64) { s.NetInputBytes = v }},
	{"total_net_output_bytes", func(s *results.ServerSample, v *int64) { s.NetOutputBytes = v }},
}

// Sample returns what a server did between two of its readings, prev and
// cur, as an interval's sample: counters as their growth, CPU time as a
// share of one core over the elapsed time, levels as cur has them. role and
// primary say what the server is when its INFO does not.
//
// Whatever either reading lacks is left absent. When the server restarted
// between the readings (another run_id) or its statistics were reset (a
// counter went backwards), the counts and CPU are absent and Reset is set:
// a growth cannot be known.
func Sample(prev, cur Reading, role, primary string) *results.ServerSample {
	p, c := prev.Info, cur.Info
	s := &results.ServerSample{Role: role, Primary: primary}
	if r, pr := c.Role(); r != "" {
		s.Role, s.Primary = r, pr
	}
	elapsed := cur.At.Sub(prev.At)
	if pt, ct := p.ServerTime(), c.ServerTime(); !pt.IsZero() && ct.After(pt) {
		elapsed = ct.Sub(pt)
	}
	s.ElapsedS = round(elapsed.Seconds(), 6)

	// Levels, as read at the interval's end.
	s.OpsPerSec = c.Int("instantaneous_ops_per_sec")
	s.UsedMemory = c.Int("used_memory")
	s.MaxMemory = c.Int("maxmemory")
	if s.UsedMemory != nil && s.MaxMemory != nil && *s.MaxMemory > 0 {
		s.MemoryPercent = ptr(round(100*float64(*s.UsedMemory)/float64(*s.MaxMemory), 3))
	}
	s.MemFragmentationRatio = c.Float("mem_fragmentation_ratio")
	s.ConnectedClients = c.Int("connected_clients")
	s.BlockedClients = c.Int("blocked_clients")
	if c.Sections["keyspace"] {
		s.Keys = ptr(c.Keys)
	}
	s.Slots = cur.Slots

	if pid, cid := p.Fields["run_id"], c.Fields["run_id"]; pid != "" && cid != "" && pid != cid {
		s.Reset = true
		return s
	}
	// Counts, as the growth between the readings.
	var grown []func()
	for _, ctr := range counters {
		d, ok := delta(p.Int(ctr.field), c.Int(ctr.field))
		if !ok {
			s.Reset = true
			return s
		}
		grown = append(grown, func() { ctr.set(s, d) })
	}
	commands, ok := commandDelta(p, c)
	if !ok {
		s.Reset = true
		return s
	}
	cpu, ok := cpuPercent(p, c, elapsed, "used_cpu_sys", "used_cpu_user")
	if !ok {
		s.Reset = true
		return s
	}
	mainCPU, ok := cpuPercent(p, c, elapsed, "used_cpu_sys_main_thread", "used_cpu_user_main_thread")
	if !ok {
		s.Reset = true
		return s
	}
	for _, set := range grown {
		set()
	}
	s.Commands = commands
	s.CPUPercent, s.MainThreadCPUPercent = cpu, mainCPU
	if commands != nil && elapsed > 0 {
		var usec int64
		for _, c := range commands {
			usec += c.Usec
		}
		s.CommandTimePercent = ptr(round(100*float64(usec)/float64(elapsed.Microseconds()), 3))
	}
	return s
}

// delta returns cur - prev when both were reported, nil when either was
// not, and ok false when the counter went backwards.
func delta(prev, cur *int64) (*int64, bool) {
	if prev == nil || cur == nil {
		return nil, true
	}
	if *cur < *prev {
		return nil, false
	}
	return ptr(*cur - *prev), true
}

// commandDelta returns the growth of every command's statistics that grew,
// or nil when either reading lacks the commandstats section; ok is false
// when a command's calls went backwards.
func commandDelta(p, c *Info) (map[string]*results.ServerCommandStats, bool) {
	if !p.Sections["commandstats"] || !c.Sections["commandstats"] {
		return nil, true
	}
	out := map[string]*results.ServerCommandStats{}
	for name, cur := range c.Commands {
		prev := p.Commands[name] // a command first called in the interval had none
		d := results.ServerCommandStats{
			Calls: cur.Calls - prev.Calls, Usec: cur.Usec - prev.Usec,
			RejectedCalls: cur.RejectedCalls - prev.RejectedCalls, FailedCalls: cur.FailedCalls - prev.FailedCalls,
		}
		if d.Calls < 0 || d.Usec < 0 || d.RejectedCalls < 0 || d.FailedCalls < 0 {
			return nil, false
		}
		if d != (results.ServerCommandStats{}) {
			out[name] = &d
		}
	}
	for name := range p.Commands {
		if _, ok := c.Commands[name]; !ok {
			return nil, false // its statistics were reset
		}
	}
	return out, true
}

// cpuPercent returns the growth of the CPU seconds sys + user over elapsed,
// as a percentage of one core; nil when a reading lacks either field, ok
// false when they went backwards.
func cpuPercent(p, c *Info, elapsed time.Duration, sys, user string) (*float64, bool) {
	ps, pu, cs, cu := p.Float(sys), p.Float(user), c.Float(sys), c.Float(user)
	if ps == nil || pu == nil || cs == nil || cu == nil || elapsed <= 0 {
		return nil, true
	}
	used := (*cs + *cu) - (*ps + *pu)
	if used < -1e-6 {
		return nil, false
	}
	return ptr(round(100*max(used, 0)/elapsed.Seconds(), 3)), true
}

func ptr[T any](v T) *T { return &v }

// round rounds v to digits decimals, which keeps the file free of float
// noise (42.49999999 from CPU seconds read to the microsecond).
func round(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}
