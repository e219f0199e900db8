package compare

import (
	"math"

	"github.com/amrbench/amrbench/results"
)

// serverLevels is what the servers said about themselves in one interval:
// the busiest primary's CPU (its main thread's where reported, % of one
// core) and the largest used_memory (MiB); NaN where no server said.
type serverLevels struct{ cpu, memMiB float64 }

// serverLevelsOf returns the servers' levels of each interval, by index.
func serverLevelsOf(recs []*results.ServerInterval) map[int64]serverLevels {
	out := make(map[int64]serverLevels, len(recs))
	for _, rec := range recs {
		l := serverLevels{cpu: math.NaN(), memMiB: math.NaN()}
		for _, s := range rec.Servers {
			if cpu := s.CommandCPU(); cpu != nil && s.Role != results.RoleReplica && !(*cpu <= l.cpu) {
				l.cpu = *cpu
			}
			if s.UsedMemory != nil {
				if mib := float64(*s.UsedMemory) / (1 << 20); !(mib <= l.memMiB) {
					l.memMiB = mib
				}
			}
		}
		out[rec.Index] = l
	}
	return out
}

// serverMetrics are the comparison's rows of the servers' own statistics,
// in the block of command: the busiest shard's CPU (mean over the
// intervals) and the largest shard's memory (its highest). Lower is better:
// the same load with more headroom.
func serverMetrics(command string) []metric {
	level := func(get func(serverLevels) float64, whole func(xs []float64) float64) (func(*runData, *commandData) (float64, bool), func(*runData, intervalData) (float64, bool)) {
		series := func(_ *runData, iv intervalData) (float64, bool) {
			v := get(iv.server)
			return v, !math.IsNaN(v)
		}
		value := func(r *runData, cd *commandData) (float64, bool) {
			var xs []float64
			for _, iv := range cd.intervals {
				if v, ok := series(r, iv); ok {
					xs = append(xs, v)
				}
			}
			if len(xs) == 0 {
				return 0, false
			}
			return whole(xs), true
		}
		return value, series
	}
	mean := func(xs []float64) float64 { return statsOf(xs).mean }
	most := func(xs []float64) float64 {
		m := xs[0]
		for _, x := range xs {
			m = math.Max(m, x)
		}
		return m
	}
	cpuValue, cpuSeries := level(func(l serverLevels) float64 { return l.cpu }, mean)
	memValue, memSeries := level(func(l serverLevels) float64 { return l.memMiB }, most)
	return []metric{
		{command: command, key: "server_cpu_pct", label: "server CPU, busiest shard", unit: "%", better: LowerIsBetter, value: cpuValue, series: cpuSeries},
		{command: command, key: "server_memory_mib", label: "server memory, largest shard", unit: "MiB", better: LowerIsBetter, value: memValue, series: memSeries},
	}
}

// hasServerLevels reports whether any run's intervals carry server levels.
func hasServerLevels(data []*runData) bool {
	for _, d := range data {
		all := d.commands[results.AllCommands]
		if all == nil {
			continue
		}
		for _, iv := range all.intervals {
			if !math.IsNaN(iv.server.cpu) || !math.IsNaN(iv.server.memMiB) {
				return true
			}
		}
	}
	return false
}
