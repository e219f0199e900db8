package azmonitortest

// The metrics the two resource types offer, as Microsoft's reference of
// supported metrics lists them (Azure Monitor "Supported metrics -
// Microsoft.Cache/redisEnterprise" and "- Microsoft.Cache/Redis"): name in
// the REST API, display name, unit, default aggregation, dimensions. The
// per-shard copies of the Redis type ("serverLoad0".."serverLoad9") and
// its instance-based "all..." metrics are left out: amrbench does not ask
// for them. Time grains and dimension values are the stand-in's choice.

// aggregations are the aggregations every metric supports in the stand-in.
var aggregations = []string{"None", "Average", "Minimum", "Maximum", "Total", "Count"}

func def(name, display, unit, primary string, dims ...string) Definition {
	d := Definition{Name: name, DisplayName: display, Unit: unit, Primary: primary, Aggregations: aggregations, Grains: []string{"PT1M", "PT5M", "PT15M", "PT1H"}}
	if len(dims) > 0 {
		d.Dimensions = map[string][]string{}
		for _, dim := range dims {
			switch dim {
			case "InstanceId", "ShardId":
				d.Dimensions[dim] = []string{"0", "1"}
			case "ErrorType":
				d.Dimensions[dim] = []string{"Failover", "Dataloss"}
			}
		}
	}
	return d
}

// RedisEnterpriseMetrics returns the metrics of a
// Microsoft.Cache/redisEnterprise resource (Azure Managed Redis, and the
// Enterprise tiers of Azure Cache for Redis).
func RedisEnterpriseMetrics() []Definition {
	return []Definition{
		def("cachehits", "Cache Hits", "Count", "Total"),
		def("cacheLatency", "Cache Latency Microseconds (Preview)", "Count", "Average", "InstanceId"),
		def("cachemisses", "Cache Misses", "Count", "Total", "InstanceId"),
		def("cacheRead", "Cache Read", "BytesPerSecond", "Maximum", "InstanceId"),
		def("cacheWrite", "Cache Write", "BytesPerSecond", "Maximum", "InstanceId"),
		def("connectedclients", "Connected Clients", "Count", "Maximum", "InstanceId"),
		def("errors", "Errors", "Count", "Maximum", "InstanceId", "ErrorType"),
		def("evictedkeys", "Evicted Keys", "Count", "Total"),
		def("expiredkeys", "Expired Keys", "Count", "Total"),
		def("geoReplicationHealthy", "Geo Replication Healthy", "Count", "Maximum"),
		def("getcommands", "Gets", "Count", "Total"),
		def("operationsPerSecond", "Operations Per Second", "Count", "Maximum"),
		def("percentProcessorTime", "CPU", "Percent", "Maximum", "InstanceId"),
		def("serverLoad", "Server Load", "Percent", "Maximum"),
		def("setcommands", "Sets", "Count", "Total"),
		def("totalcommandsprocessed", "Total Operations", "Count", "Total"),
		def("totalkeys", "Total Keys", "Count", "Maximum"),
		def("usedmemory", "Used Memory", "Bytes", "Maximum"),
		def("usedmemorypercentage", "Used Memory Percentage", "Percent", "Maximum", "InstanceId"),
	}
}

// RedisMetrics returns the metrics of a Microsoft.Cache/Redis resource
// (Azure Cache for Redis Basic, Standard and Premium).
func RedisMetrics() []Definition {
	return []Definition{
		def("cachehits", "Cache Hits", "Count", "Total", "ShardId"),
		def("cacheLatency", "Cache Latency Microseconds (Preview)", "Count", "Average", "ShardId"),
		def("cachemisses", "Cache Misses", "Count", "Total", "ShardId"),
		def("cachemissrate", "Cache Miss Rate", "Percent", "Total", "ShardId"),
		def("cacheRead", "Cache Read", "BytesPerSecond", "Maximum", "ShardId"),
		def("cacheWrite", "Cache Write", "BytesPerSecond", "Maximum", "ShardId"),
		def("connectedclients", "Connected Clients", "Count", "Maximum", "ShardId"),
		def("errors", "Errors", "Count", "Maximum", "ShardId", "ErrorType"),
		def("evictedkeys", "Evicted Keys", "Count", "Total", "ShardId"),
		def("expiredkeys", "Expired Keys", "Count", "Total", "ShardId"),
		def("getcommands", "Gets", "Count", "Total", "ShardId"),
		def("operationsPerSecond", "Operations Per Second", "Count", "Maximum", "ShardId"),
		def("percentProcessorTime", "CPU", "Percent", "Maximum", "ShardId"),
		def("serverLoad", "Server Load", "Percent", "Maximum", "ShardId"),
		def("setcommands", "Sets", "Count", "Total", "ShardId"),
		def("totalcommandsprocessed", "Total Operations", "Count", "Total", "ShardId"),
		def("totalkeys", "Total Keys", "Count", "Maximum", "ShardId"),
		def("usedmemory", "Used Memory", "Bytes", "Maximum", "ShardId"),
		def("usedmemorypercentage", "Used Memory Percentage", "Percent", "Maximum", "ShardId"),
		def("usedmemoryRss", "Used Memory RSS", "Bytes", "Maximum", "ShardId"),
	}
}

// Without returns defs less the metrics named.
func Without(defs []Definition, names ...string) []Definition {
	var out []Definition
	for _, d := range defs {
		keep := true
		for _, n := range names {
			keep = keep && d.Name != n
		}
		if keep {
			out = append(out, d)
		}
	}
	return out
}

// WithGrains returns defs with the metric named offered at grains only.
func WithGrains(defs []Definition, name string, grains ...string) []Definition {
	out := make([]Definition, len(defs))
	copy(out, defs)
	for i := range out {
		if out[i].Name == name {
			out[i].Grains = grains
		}
	}
	return out
}
