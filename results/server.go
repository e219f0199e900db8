package results

import "time"

// Record types of the server's own evidence: what the servers said about
// themselves (INFO, read by the run) and what Azure Monitor recorded about the
// cache. Readers that predate them skip them (Read ignores unknown types), so
// a file that has them is still read by every reader of schema v1.
const (
	// TypeServer is a ServerInterval record.
	TypeServer = "server"
	// TypeAzureMetrics is an AzureMetrics record.
	TypeAzureMetrics = "azure-metrics"
)

// Roles of a sampled server.
const (
	RolePrimary = "primary"
	RoleReplica = "replica"
)

// ServerInterval is what every sampled server of the target said about
// itself over one interval of the run: the difference between two INFO
// readings taken at the interval's boundaries, one per server, keyed by the
// server's address ("host:port", the same name the interval records give a
// shard).
//
// It is a record of its own, not a field of the Interval, because it is
// read on connections of its own, at its own pace: an interval is written
// as soon as the load's last reply for it is in, and never waits for a
// server that is slow to answer INFO. Index is the index of the Interval
// record covering the same span of time (the same grid: interval k covers
// [measured + k*interval, measured + (k+1)*interval)), so readers join the
// two on it.
type ServerInterval struct {
	Type  string    `json:"type"`
	Index int64     `json:"index"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// Servers holds one sample per server that answered at both ends of the
	// interval; a server missing here could not be read (its failure is a
	// warning event).
	Servers map[string]*ServerSample `json:"servers"`
}

// Duration returns End - Start.
func (s *ServerInterval) Duration() time.Duration { return s.End.Sub(s.Start) }

// ServerSample is one server's INFO over one interval. Counts (Commands,
// CommandsProcessed, EvictedKeys, ...) are what the counter grew by between
// the two readings; levels (UsedMemory, ConnectedClients, ...) are read at
// the interval's end.
//
// Every field a server did not report is absent (a nil pointer, omitted
// from the file), never zero: managed services hide sections and fields
// (Azure Managed Redis does not report maxmemory, a proxy reports nothing),
// and a zero would claim a measurement that was not made. After a restart
// or a CONFIG RESETSTAT (a counter went backwards) the counts of that
// interval are absent and Reset is set.
type ServerSample struct {
	Role string `json:"role"`
	// Primary is the address of a replica's primary, when the replica says.
	Primary string `json:"primary,omitempty"`
	// ElapsedS is the time between the two readings, in seconds: by the
	// server's own clock (server_time_usec) where it reports one, else by
	// the sampler's, each reading timed at the middle of its round trip.
	ElapsedS float64 `json:"elapsed_s"`
	// Reset is set when a counter went backwards between the readings (the
	// server restarted or its statistics were reset): the counts are absent.
	Reset bool `json:"reset,omitempty"`

	// CPUPercent is used_cpu_sys + used_cpu_user grown over the interval,
	// as a percentage of one core (200 = two cores busy).
	CPUPercent *float64 `json:"cpu_percent,omitempty"`
	// MainThreadCPUPercent is the same for the main thread alone
	// (used_cpu_sys_main_thread + used_cpu_user_main_thread, Redis 6.2 and
	// later): near 100 the server's command processing is saturated,
	// whatever its other threads do.
	MainThreadCPUPercent *float64 `json:"main_thread_cpu_percent,omitempty"`

	// CommandTimePercent is the time the server spent running commands
	// over the interval (INFO commandstats' usec grown, every command), as
	// a percentage of the interval. Redis runs commands on one thread: near
	// 100 % that thread was never free for another command (slow commands,
	// scripts), whatever CPU the machine gave it, which CPUPercent cannot
	// tell on a host short of CPU.
	CommandTimePercent *float64 `json:"command_time_percent,omitempty"`

	// OpsPerSec is instantaneous_ops_per_sec at the interval's end (the
	// server's own recent average).
	OpsPerSec *int64 `json:"instantaneous_ops_per_sec,omitempty"`
	// CommandsProcessed is total_commands_processed grown over the
	// interval. It includes the sampler's own INFO (one per interval).
	CommandsProcessed *int64 `json:"commands_processed,omitempty"`
	// Commands is INFO commandstats grown over the interval, per command
	// (lower case, as the server names them: "get", "set", "info"...);
	// commands not called in the interval are left out.
	Commands map[string]*ServerCommandStats `json:"commands,omitempty"`

	UsedMemory *int64 `json:"used_memory,omitempty"`
	// MaxMemory is maxmemory; 0 means no limit, as for Redis.
	MaxMemory *int64 `json:"maxmemory,omitempty"`
	// MemoryPercent is UsedMemory as a percentage of MaxMemory, when both
	// are reported and MaxMemory is a limit.
	MemoryPercent         *float64 `json:"memory_percent,omitempty"`
	MemFragmentationRatio *float64 `json:"mem_fragmentation_ratio,omitempty"`
	// Keys is the number of keys over all databases (INFO keyspace).
	Keys *int64 `json:"keys,omitempty"`

	ConnectedClients *int64 `json:"connected_clients,omitempty"`
	BlockedClients   *int64 `json:"blocked_clients,omitempty"`
	// RejectedConnections is rejected_connections grown over the interval
	// (connections refused for maxclients).
	RejectedConnections *int64 `json:"rejected_connections,omitempty"`

	EvictedKeys    *int64 `json:"evicted_keys,omitempty"`
	ExpiredKeys    *int64 `json:"expired_keys,omitempty"`
	KeyspaceHits   *int64 `json:"keyspace_hits,omitempty"`
	KeyspaceMisses *int64 `json:"keyspace_misses,omitempty"`

	// NetInputBytes and NetOutputBytes are total_net_input_bytes and
	// total_net_output_bytes grown over the interval.
	NetInputBytes  *int64 `json:"net_input_bytes,omitempty"`
	NetOutputBytes *int64 `json:"net_output_bytes,omitempty"`

	// Slots is the number of hash slots the server serves (a cluster's
	// primary, from CLUSTER NODES); absent outside a cluster.
	Slots *int64 `json:"slots,omitempty"`
}

// ServerCommandStats is one command's INFO commandstats grown over an
// interval.
type ServerCommandStats struct {
	Calls int64 `json:"calls"`
	// Usec is the CPU time the server spent in the command, µs.
	Usec          int64 `json:"usec"`
	RejectedCalls int64 `json:"rejected_calls,omitempty"`
	FailedCalls   int64 `json:"failed_calls,omitempty"`
}

// AzureMetrics is what Azure Monitor recorded about the cache over the
// run's window: platform metrics fetched after the run, at Azure Monitor's
// own grain (one minute at the finest), under the exact names and with the
// exact aggregation asked for, so a reader can ask Azure Monitor the same
// question again.
type AzureMetrics struct {
	Type string `json:"type"`
	// ResourceID is the cache's Azure resource ID, ResourceType its type
	// ("Microsoft.Cache/redisEnterprise" or "Microsoft.Cache/Redis").
	ResourceID   string `json:"resource_id"`
	ResourceType string `json:"resource_type"`
	// Start and End are the time span asked for.
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// FetchedAt is when the metrics were read: Azure Monitor publishes a
	// minute's values a few minutes after it ends, so the last points of a
	// fetch made right after a run can be empty.
	FetchedAt time.Time     `json:"fetched_at"`
	Series    []AzureSeries `json:"series,omitempty"`
	// Skipped lists the metrics asked for that were not fetched, each with
	// why (the resource does not offer it, or its query failed).
	Skipped []AzureSkipped `json:"skipped,omitempty"`
	// Error says why nothing could be fetched (a refused token, an
	// unreachable endpoint, a resource not found); empty when the fetch
	// worked.
	Error string `json:"error,omitempty"`
}

// AzureSeries is one time series of one metric: the whole resource, or one
// value of the dimension it is split by (an instance, a shard).
type AzureSeries struct {
	// Metric is the metric's name in Azure Monitor's REST API (e.g.
	// "serverLoad"); DisplayName its name in the portal ("Server Load").
	Metric      string `json:"metric"`
	DisplayName string `json:"display_name,omitempty"`
	Unit        string `json:"unit,omitempty"`
	// Aggregation is the aggregation asked for: Average, Minimum, Maximum,
	// Total or Count.
	Aggregation string `json:"aggregation"`
	// Grain is the time grain asked for, as ISO 8601 ("PT1M"); GrainS the
	// same in seconds.
	Grain  string  `json:"grain"`
	GrainS float64 `json:"grain_s"`
	// Dimensions names the series within its metric (e.g. {"InstanceId":
	// "0"}); empty for the whole resource.
	Dimensions map[string]string `json:"dimensions,omitempty"`
	Points     []AzurePoint      `json:"points"`
}

// AzurePoint is one value of a series: the aggregate over the grain that
// starts at Time. Value is absent when Azure Monitor had no value for it.
type AzurePoint struct {
	Time  time.Time `json:"time"`
	Value *float64  `json:"value,omitempty"`
}

// AzureSkipped is a metric that was asked for and not fetched.
type AzureSkipped struct {
	Metric string `json:"metric"`
	Reason string `json:"reason"`
}

func (s *ServerInterval) check() error {
	var c recordCheck
	for _, addr := range sortedKeys(s.Servers) {
		sample := s.Servers[addr]
		if !c.present("server "+addr, sample == nil) {
			continue
		}
		for _, f := range []struct {
			name string
			v    *int64
		}{
			{"commands_processed", sample.CommandsProcessed}, {"evicted_keys", sample.EvictedKeys}, {"expired_keys", sample.ExpiredKeys},
			{"keyspace_hits", sample.KeyspaceHits}, {"keyspace_misses", sample.KeyspaceMisses}, {"rejected_connections", sample.RejectedConnections},
			{"net_input_bytes", sample.NetInputBytes}, {"net_output_bytes", sample.NetOutputBytes},
		} {
			if f.v != nil {
				c.count("server "+addr+" "+f.name, *f.v)
			}
		}
		for _, name := range sortedKeys(sample.Commands) {
			cs := sample.Commands[name]
			if c.present("server "+addr+" command "+name, cs == nil) {
				c.count("server "+addr+" "+name+" calls", cs.Calls)
			}
		}
	}
	return c.err
}

// check refuses nothing of an Azure Monitor record: its values are Azure's.
func (a *AzureMetrics) check() error { return nil }
