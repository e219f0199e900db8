package cluster

import (
	"context"

	"github.com/redis/go-redis/v9"
)

// ReadSlots asks the node c connects to for its slot map with CLUSTER SLOTS.
//
// go-redis deprecates its ClusterSlots method for CLUSTER SHARDS, which
// Redis 7 added. The command itself is what this package must send: its
// answers are what Detect reads (Azure's Enterprise policy blocks CLUSTER
// SLOTS, which is how a proxy is told from a cluster, and Redis 6 — Azure
// Cache for Redis — has no CLUSTER SHARDS at all), and go-redis's own
// cluster client reads the slot map with it. So it is sent as a plain
// command, with the same reply type.
func ReadSlots(ctx context.Context, c *redis.Client) ([]redis.ClusterSlot, error) {
	cmd := redis.NewClusterSlotsCmd(ctx, "cluster", "slots")
	_ = c.Process(ctx, cmd) // the command carries its error
	return cmd.Result()
}
