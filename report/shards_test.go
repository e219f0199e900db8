package report

import (
	"strings"
	"testing"

	"github.com/amrbench/amrbench/results"
)

func TestShardSpread(t *testing.T) {
	shards := map[string]*results.ShardSummary{
		"10.0.0.1:8501":       {Count: 300},
		"10.0.0.2:8502":       {Count: 100},
		"10.0.0.3:8503":       {Count: 200},
		results.UnroutedShard: {Count: 7},
	}
	sp, ok := ShardSpread(shards)
	if !ok || sp.Busiest != "10.0.0.1:8501" || sp.Idlest != "10.0.0.2:8502" || sp.Ratio != 3 || sp.Shards != 3 {
		t.Fatalf("spread %+v", sp)
	}
	if _, ok := ShardSpread(map[string]*results.ShardSummary{"a:1": {Count: 5}}); ok {
		t.Fatal("a spread of one shard")
	}
	if got := describeSpread(map[string]*results.ShardSummary{"a:1": {Count: 5}, "b:2": {}}); !strings.Contains(got, "b:2 none") {
		t.Fatalf("idle shard: %q", got)
	}
}
