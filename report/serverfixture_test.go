package report

import (
	"math/rand/v2"
	"time"

	"github.com/amrbench/amrbench/results"
)

// addServerEvidence gives the cluster fixture what its servers said and
// what Azure Monitor recorded, as Azure Managed Redis would: each shard's
// INFO every interval (process CPU only, no maxmemory: AMR hides both the
// main thread's CPU and maxmemory), the hottest shard the busiest, and
// Azure Monitor's per-minute series for the minutes around the run, with
// cacheLatency not offered.
func addServerEvidence(run *results.Run, r *rand.Rand, shards []string) {
	for _, iv := range run.Intervals {
		rec := &results.ServerInterval{Type: results.TypeServer, Index: iv.Index, Start: iv.Start, End: iv.End, Servers: map[string]*results.ServerSample{}}
		secs := iv.Duration().Seconds()
		for i, addr := range shards {
			ops := iv.Shards[addr].Count
			cpu := float64(ops)/secs/260 + r.Float64()*3 // ~60 % of a core at 15k ops/s
			used := int64(2800+i*150+int(iv.Index)*12) << 20
			rec.Servers[addr] = &results.ServerSample{
				Role: results.RolePrimary, ElapsedS: secs, CPUPercent: &cpu,
				OpsPerSec: ptr(int64(float64(ops) / secs)), CommandsProcessed: ptr(ops + 1),
				Commands:   map[string]*results.ServerCommandStats{"get": {Calls: ops * 10 / 11}, "set": {Calls: ops - ops*10/11}, "info": {Calls: 1}},
				UsedMemory: &used, ConnectedClients: ptr(int64(52)), EvictedKeys: ptr(int64(0)),
				KeyspaceHits: ptr(ops * 9 / 11), KeyspaceMisses: ptr(ops / 11), Slots: ptr(int64([]int{5461, 5462, 5461}[i])),
			}
		}
		run.Server = append(run.Server, rec)
	}
	minute := fixtureStart.Add(-2 * time.Second).Truncate(time.Minute)
	series := func(metric, display, unit, agg string, dims map[string]string, v func(m int) float64) results.AzureSeries {
		s := results.AzureSeries{Metric: metric, DisplayName: display, Unit: unit, Aggregation: agg, Grain: "PT1M", GrainS: 60, Dimensions: dims}
		for m := range 2 {
			s.Points = append(s.Points, results.AzurePoint{Time: minute.Add(time.Duration(m) * time.Minute), Value: ptr(v(m))})
		}
		return s
	}
	run.Azure = []*results.AzureMetrics{{
		Type: results.TypeAzureMetrics, ResourceType: "Microsoft.Cache/redisEnterprise",
		ResourceID: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/bench/providers/Microsoft.Cache/redisEnterprise/mycache",
		Start:      minute, End: minute.Add(2 * time.Minute), FetchedAt: fixtureStart.Add(3 * time.Minute),
		Series: []results.AzureSeries{
			series("serverLoad", "Server Load", "Percent", "Maximum", nil, func(m int) float64 { return []float64{64, 41}[m] }),
			series("percentProcessorTime", "CPU", "Percent", "Maximum", map[string]string{"InstanceId": "0"}, func(m int) float64 { return []float64{58, 37}[m] }),
			series("percentProcessorTime", "CPU", "Percent", "Maximum", map[string]string{"InstanceId": "1"}, func(m int) float64 { return []float64{61, 40}[m] }),
			series("usedmemorypercentage", "Used Memory Percentage", "Percent", "Maximum", map[string]string{"InstanceId": "0"}, func(m int) float64 { return []float64{27.5, 28.1}[m] }),
			series("operationsPerSecond", "Operations Per Second", "Count", "Maximum", nil, func(m int) float64 { return []float64{51200, 50100}[m] }),
			series("connectedclients", "Connected Clients", "Count", "Maximum", map[string]string{"InstanceId": "0"}, func(m int) float64 { return []float64{156, 156}[m] }),
		},
		Skipped: []results.AzureSkipped{{Metric: "cacheLatency", Reason: "Microsoft.Cache/redisEnterprise does not offer it (not among the resource's metric definitions)"}},
	}}
}
