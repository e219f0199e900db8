package results

import (
	"testing"
	"time"
)

// serverRun builds a run of 2 warmup and 10 measured 1 s intervals whose
// commands add up to 1000*(k+1) GETs, with the server samples sample(k)
// returns for each.
func serverRun(sample func(k int64) map[string]*ServerSample) *Run {
	run := &Run{Header: header()}
	for k := int64(-2); k < 10; k++ {
		phase := ""
		if k < 0 {
			phase = PhaseWarmup
		}
		get := NewCommandStats()
		get.Count = 1000 * (k + 3)
		run.Intervals = append(run.Intervals, &Interval{
			Type: TypeInterval, Index: k, Phase: phase,
			Start: t0.Add(time.Duration(k) * time.Second), End: t0.Add(time.Duration(k+1) * time.Second),
			Commands: map[string]*CommandStats{"GET": get},
		})
		run.Server = append(run.Server, &ServerInterval{
			Type: TypeServer, Index: k,
			Start: t0.Add(time.Duration(k) * time.Second), End: t0.Add(time.Duration(k+1) * time.Second),
			Servers: sample(k),
		})
	}
	return run
}

const (
	shardA  = "10.0.0.1:7000"
	shardB  = "10.0.0.2:7000"
	shardC  = "10.0.0.3:7000"
	replica = "10.0.0.4:7000"
)

// hotA: shard A's main thread at 97 % in intervals 2..9 (8 of 10), 99 %
// in warmup; B's memory at 96 % in 4 intervals; the replica at 99 % CPU
// always; C idle and managed-like (no main thread, no maxmemory).
func hotA(k int64) map[string]*ServerSample {
	mainA := 50.0
	if k >= 2 || k < 0 {
		mainA = 97
		if k < 0 {
			mainA = 99
		}
	}
	memB := 60.0
	if k >= 6 {
		memB = 96
	}
	return map[string]*ServerSample{
		shardA: {Role: RolePrimary, CPUPercent: ptr(mainA + 10), MainThreadCPUPercent: ptr(mainA),
			Commands:   map[string]*ServerCommandStats{"get": {Calls: 800}, "info": {Calls: 1}},
			UsedMemory: ptr(int64(100)), MaxMemory: ptr(int64(1000)), MemoryPercent: ptr(10.0), EvictedKeys: ptr(int64(2)), Slots: ptr(int64(5461))},
		shardB: {Role: RolePrimary, CPUPercent: ptr(30.0), MainThreadCPUPercent: ptr(25.0),
			Commands:   map[string]*ServerCommandStats{"get": {Calls: 150}, "info": {Calls: 1}},
			UsedMemory: ptr(int64(960)), MaxMemory: ptr(int64(1000)), MemoryPercent: ptr(memB), EvictedKeys: ptr(int64(0))},
		shardC: {Role: RolePrimary, CPUPercent: ptr(5.0),
			Commands: map[string]*ServerCommandStats{"get": {Calls: 50}, "info": {Calls: 1}}},
		replica: {Role: RoleReplica, Primary: shardA, CPUPercent: ptr(99.0), MainThreadCPUPercent: ptr(99.0)},
	}
}

func TestSummarizeServersOverMeasuredIntervals(t *testing.T) {
	t.Parallel()
	sums := SummarizeServers(serverRun(hotA))
	if len(sums) != 4 {
		t.Fatalf("%d servers summarised", len(sums))
	}
	a := sums[shardA]
	// Warmup samples (99 %) are left out: 2 intervals at 50, 8 at 97.
	if a.Intervals != 10 || *a.MainThreadCPUPercentMax != 97 || *a.MainThreadCPUPercentMean != 87.6 || a.BusySaturated != 8 {
		t.Errorf("A: %d intervals, main max %v mean %v, %d saturated", a.Intervals, *a.MainThreadCPUPercentMax, *a.MainThreadCPUPercentMean, a.BusySaturated)
	}
	if a.LoadCalls != 8000 || a.Calls["info"] != 10 || *a.EvictedKeys != 20 || *a.Slots != 5461 || *a.MaxMemory != 1000 {
		t.Errorf("A: load calls %d, info %d, evicted %v, slots %v", a.LoadCalls, a.Calls["info"], *a.EvictedKeys, *a.Slots)
	}
	if b := sums[shardB]; b.MemorySaturated != 4 || *b.MemoryPercentMax != 96 || b.BusySaturated != 0 {
		t.Errorf("B: %d memory-saturated, max %v", b.MemorySaturated, *b.MemoryPercentMax)
	}
	c := sums[shardC]
	if c.MainThreadCPUPercentMean != nil || c.MaxMemory != nil || c.MemoryPercentMax != nil || c.EvictedKeys != nil || *c.CPUPercentMean != 5 {
		t.Errorf("C reported no main thread, maxmemory or evictions, yet: %+v", c)
	}
	if r := sums[replica]; r.Role != RoleReplica || r.Primary != shardA {
		t.Errorf("replica: %+v", r)
	}
	if hot, share := HotShard(sums); hot != shardA || share != 0.8 {
		t.Errorf("hot shard %q with %v of the load, want %s with 0.8", hot, share, shardA)
	}
	if SummarizeServers(&Run{Header: header()}) != nil {
		t.Error("a run without server records has a server summary")
	}
}

func TestFindServerBound(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		sample func(k int64) map[string]*ServerSample
		want   *ServerBound
		text   string
	}{{
		name:   "one primary's main thread saturated in 8 of 10 intervals",
		sample: hotA,
		// Intervals 2..9 carried 5000..12000 GETs: 68,000 in 8 s.
		want: &ServerBound{Shard: shardA, Reason: "cpu", OpsPerSec: 8500, Saturated: 8, Intervals: 10, Level: 97},
		text: "server-bound at 8,500 ops/s (shard 10.0.0.1:7000: CPU at 97 % of a core in 8 of 10 intervals)",
	}, {
		name: "memory near maxmemory in most intervals",
		sample: func(k int64) map[string]*ServerSample {
			mem := 99.5
			if k == 0 {
				mem = 80
			}
			return map[string]*ServerSample{shardB: {Role: RolePrimary, MainThreadCPUPercent: ptr(20.0), MemoryPercent: ptr(mem)}}
		},
		want: &ServerBound{Shard: shardB, Reason: "memory", OpsPerSec: 8000, Saturated: 9, Intervals: 10, Level: 99.5},
		text: "server-bound at 8,000 ops/s (shard 10.0.0.2:7000: memory at 100 % of maxmemory in 9 of 10 intervals)",
	}, {
		name: "a managed server without main-thread CPU: its process's CPU",
		sample: func(int64) map[string]*ServerSample {
			return map[string]*ServerSample{shardC: {Role: RolePrimary, CPUPercent: ptr(92.0)}}
		},
		want: &ServerBound{Shard: shardC, Reason: "cpu", OpsPerSec: 7500, Saturated: 10, Intervals: 10, Level: 92},
	}, {
		// A host short of CPU: the server got 40 % of a core, but spent
		// nearly all of each interval running its commands.
		name: "the one thread always running commands, on a starved host",
		sample: func(k int64) map[string]*ServerSample {
			return map[string]*ServerSample{shardA: {Role: RolePrimary, MainThreadCPUPercent: ptr(40.0), CommandTimePercent: ptr(97.5)}}
		},
		want: &ServerBound{Shard: shardA, Reason: "commands", OpsPerSec: 7500, Saturated: 10, Intervals: 10, Level: 97.5},
		text: "server-bound at 7,500 ops/s (shard 10.0.0.1:7000: running commands 98 % of the time in 10 of 10 intervals)",
	}, {
		name: "saturated in 4 of 10 intervals only, and a busy replica",
		sample: func(k int64) map[string]*ServerSample {
			cpu := 40.0
			if k%3 == 0 {
				cpu = 95
			}
			return map[string]*ServerSample{
				shardA:  {Role: RolePrimary, MainThreadCPUPercent: ptr(cpu)},
				replica: {Role: RoleReplica, MainThreadCPUPercent: ptr(100.0)},
			}
		},
	}, {
		name:   "no server records",
		sample: func(int64) map[string]*ServerSample { return nil },
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			run := serverRun(tt.sample)
			got := FindServerBound(run.Intervals, run.Server)
			switch {
			case tt.want == nil && got != nil:
				t.Fatalf("FindServerBound = %+v, want none", got)
			case tt.want == nil:
				return
			case got == nil || *got != *tt.want:
				t.Fatalf("FindServerBound = %+v, want %+v", got, tt.want)
			}
			if tt.text != "" && got.String() != tt.text {
				t.Errorf("String() = %q, want %q", got.String(), tt.text)
			}
		})
	}
}
