package merge

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/amrbench/amrbench/results"
)

func ptr[T any](v T) *T { return &v }

// serverInterval builds a server record for interval index of a run whose
// interval 0 starts at measured, with one sample for each address, whose
// GET calls are calls.
func serverInterval(measured time.Time, index int64, calls int64, addrs ...string) *results.ServerInterval {
	s := &results.ServerInterval{
		Index:   index,
		Start:   measured.Add(time.Duration(index) * time.Second),
		End:     measured.Add(time.Duration(index+1) * time.Second),
		Servers: map[string]*results.ServerSample{},
	}
	for _, a := range addrs {
		s.Servers[a] = &results.ServerSample{
			Role: results.RolePrimary, ElapsedS: 1, CPUPercent: ptr(42.5),
			CommandsProcessed: ptr(calls + 1),
			Commands:          map[string]*results.ServerCommandStats{"get": {Calls: calls, Usec: calls * 2}},
			UsedMemory:        ptr(int64(1 << 20)), ConnectedClients: ptr(int64(5)),
			EvictedKeys: ptr(int64(0)),
		}
	}
	return s
}

func azureRecord(id string, fetched time.Time) *results.AzureMetrics {
	return &results.AzureMetrics{
		ResourceID: id, ResourceType: "Microsoft.Cache/redisEnterprise",
		Start: t0, End: t0.Add(5 * time.Minute), FetchedAt: fetched,
		Series: []results.AzureSeries{{
			Metric: "serverLoad", DisplayName: "Server Load", Unit: "Percent", Aggregation: "Maximum",
			Grain: "PT1M", GrainS: 60,
			Points: []results.AzurePoint{{Time: t0, Value: ptr(12.5)}, {Time: t0.Add(time.Minute)}},
		}},
		Skipped: []results.AzureSkipped{{Metric: "cacheLatency", Reason: "not offered"}},
	}
}

func TestMergeKeepsOneServerSamplePerSlot(t *testing.T) {
	t.Parallel()
	measured := t0.Add(time.Minute)
	a := splitRun{host: "a", segment: "0/2", measured: measured, n: 3, seed: 1}.build()
	b := splitRun{host: "b", segment: "1/2", measured: measured.Add(20 * time.Millisecond), n: 3, seed: 2}.build()
	const shard, other = "10.0.0.1:6379", "10.0.0.9:6379"
	for k := range int64(3) {
		a.Server = append(a.Server, serverInterval(measured, k, 100+k, shard))
		// b read the same server a few milliseconds later, and one that a
		// could not read in interval 1.
		s := serverInterval(measured.Add(20*time.Millisecond), k, 500+k, shard)
		if k == 1 {
			s.Servers[other] = serverInterval(measured, k, 9, other).Servers[other]
		}
		b.Server = append(b.Server, s)
	}
	id := "/subscriptions/s/resourceGroups/g/providers/Microsoft.Cache/Redis/c"
	a.Azure = []*results.AzureMetrics{azureRecord(id, t0.Add(time.Hour))}
	b.Azure = []*results.AzureMetrics{azureRecord(id, t0.Add(2*time.Hour))}

	merged, _, err := Runs(named(a, b))
	if err != nil {
		t.Fatal(err)
	}
	if len(merged.Server) != 3 {
		t.Fatalf("merged server records = %d, want 3 (one per interval)", len(merged.Server))
	}
	for k, s := range merged.Server {
		if s.Index != int64(k) {
			t.Fatalf("server record %d has index %d", k, s.Index)
		}
		// The first run's sample, not the sum of both.
		if got := s.Servers[shard].Commands["get"].Calls; got != 100+int64(k) {
			t.Errorf("slot %d: %s get calls = %d, want %d (the first run's)", k, shard, got, 100+k)
		}
	}
	if o := merged.Server[1].Servers[other]; o == nil || o.Commands["get"].Calls != 9 {
		t.Errorf("the server only b read is missing from the merge: %+v", merged.Server[1].Servers)
	}
	// Merged intervals and server records share the grid: index k of
	// each covers the same time.
	for k, iv := range merged.Intervals {
		if iv.Index != merged.Server[k].Index {
			t.Errorf("interval %d has index %d, server record %d", k, iv.Index, merged.Server[k].Index)
		}
	}
	if len(merged.Azure) != 1 || !merged.Azure[0].FetchedAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("merged azure records = %d (want one, the first run's)", len(merged.Azure))
	}
	if _, err := json.Marshal(merged.Server); err != nil {
		t.Fatal(err)
	}
}
