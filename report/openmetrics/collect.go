package openmetrics

import (
	"sort"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/amrbench/amrbench/results"
)

// collector is the Exporter seen as a prometheus.Collector: it builds the
// series from the totals at each scrape. It describes nothing in advance
// (an unchecked collector): its series appear as the run meets commands,
// shards and servers.
type collector Exporter

func (c *collector) Describe(chan<- *prometheus.Desc) {}

// serverCounters are the server sample counts exported as counters: the
// sum of the samples' growth since the run began.
var serverCounters = []struct {
	name, help string
	value      func(*results.ServerSample) *int64
}{
	{"amrbench_server_commands_processed_total", "Commands the server processed (total_commands_processed), including the sampler's INFO.", func(s *results.ServerSample) *int64 { return s.CommandsProcessed }},
	{"amrbench_server_evicted_keys_total", "Keys the server evicted for maxmemory (evicted_keys).", func(s *results.ServerSample) *int64 { return s.EvictedKeys }},
	{"amrbench_server_expired_keys_total", "Keys that expired on the server (expired_keys).", func(s *results.ServerSample) *int64 { return s.ExpiredKeys }},
	{"amrbench_server_keyspace_hits_total", "Key lookups that hit (keyspace_hits).", func(s *results.ServerSample) *int64 { return s.KeyspaceHits }},
	{"amrbench_server_keyspace_misses_total", "Key lookups that missed (keyspace_misses).", func(s *results.ServerSample) *int64 { return s.KeyspaceMisses }},
	{"amrbench_server_rejected_connections_total", "Connections the server refused for maxclients (rejected_connections).", func(s *results.ServerSample) *int64 { return s.RejectedConnections }},
	{"amrbench_server_net_input_bytes_total", "Bytes the server received (total_net_input_bytes).", func(s *results.ServerSample) *int64 { return s.NetInputBytes }},
	{"amrbench_server_net_output_bytes_total", "Bytes the server sent (total_net_output_bytes).", func(s *results.ServerSample) *int64 { return s.NetOutputBytes }},
}

// serverGauges are the server sample levels exported as gauges, as of the
// latest sample; a level the server does not report has no series.
var serverGauges = []struct {
	name, help string
	value      func(*results.ServerSample) *float64
}{
	{"amrbench_server_cpu_percent", "Server CPU (used_cpu_sys + used_cpu_user) over the latest interval, percent of one core.", func(s *results.ServerSample) *float64 { return s.CPUPercent }},
	{"amrbench_server_main_thread_cpu_percent", "The server's main thread CPU over the latest interval, percent of one core.", func(s *results.ServerSample) *float64 { return s.MainThreadCPUPercent }},
	{"amrbench_server_command_time_percent", "Share of the latest interval the server spent running commands (INFO commandstats usec), percent.", func(s *results.ServerSample) *float64 { return s.CommandTimePercent }},
	{"amrbench_server_ops_per_second", "The server's instantaneous_ops_per_sec.", func(s *results.ServerSample) *float64 { return intFloat(s.OpsPerSec) }},
	{"amrbench_server_used_memory_bytes", "The server's used_memory.", func(s *results.ServerSample) *float64 { return intFloat(s.UsedMemory) }},
	{"amrbench_server_maxmemory_bytes", "The server's maxmemory (0: no limit).", func(s *results.ServerSample) *float64 { return intFloat(s.MaxMemory) }},
	{"amrbench_server_memory_percent", "used_memory as a percentage of maxmemory.", func(s *results.ServerSample) *float64 { return s.MemoryPercent }},
	{"amrbench_server_mem_fragmentation_ratio", "The server's mem_fragmentation_ratio.", func(s *results.ServerSample) *float64 { return s.MemFragmentationRatio }},
	{"amrbench_server_connected_clients", "The server's connected_clients.", func(s *results.ServerSample) *float64 { return intFloat(s.ConnectedClients) }},
	{"amrbench_server_blocked_clients", "The server's blocked_clients.", func(s *results.ServerSample) *float64 { return intFloat(s.BlockedClients) }},
	{"amrbench_server_keys", "Keys over all of the server's databases.", func(s *results.ServerSample) *float64 { return intFloat(s.Keys) }},
	{"amrbench_server_slots", "Hash slots the server serves (cluster).", func(s *results.ServerSample) *float64 { return intFloat(s.Slots) }},
}

func intFloat(v *int64) *float64 {
	if v == nil {
		return nil
	}
	f := float64(*v)
	return &f
}

// Collect sends every series, built under the lock from the totals.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	e := (*Exporter)(c)
	e.mu.Lock()
	defer e.mu.Unlock()
	e.noteScrape(time.Now())
	send := func(name, help string, typ prometheus.ValueType, v float64, labels ...string) {
		var keys, values []string
		for i := 0; i+1 < len(labels); i += 2 {
			keys = append(keys, labels[i])
			values = append(values, labels[i+1])
		}
		ch <- prometheus.MustNewConstMetric(prometheus.NewDesc(name, help, keys, e.labels), typ, v, values...)
	}
	counter, gauge := prometheus.CounterValue, prometheus.GaugeValue

	send("amrbench_intervals_total", "Measured intervals the run has finished.", counter, e.totals.intervals)
	send("amrbench_late_starts_total", "Operations sent later than their due time by more than the late-start threshold (open loop).", counter, e.totals.lateStarts)
	send("amrbench_reconnects_total", "Connections reopened after a failure.", counter, e.totals.reconnects)
	for _, name := range sortedKeys(e.commands) {
		st := e.commands[name]
		send("amrbench_operations_total", "Operations completed, by command (measured intervals).", counter, st.count, "command", name)
		send("amrbench_hits_total", "Reads that found their key.", counter, st.hits, "command", name)
		send("amrbench_misses_total", "Reads that did not find their key.", counter, st.misses, "command", name)
		send("amrbench_bytes_sent_total", "Bytes sent, by command.", counter, st.sent, "command", name)
		send("amrbench_bytes_received_total", "Bytes received, by command.", counter, st.received, "command", name)
		for _, class := range results.ErrorClasses {
			if n, ok := st.errors[class]; ok {
				send("amrbench_errors_total", "Failed operations, by command and error class.", counter, n, "command", name, "class", string(class))
			}
		}
		for _, h := range []struct {
			name, help string
			b          *latencyBuckets
		}{
			{"amrbench_response_time_seconds", "Response time (from the intended start to the reply) of the measured intervals.", &st.response},
			{"amrbench_service_time_seconds", "Service time (from the send to the reply) of the measured intervals.", &st.service},
		} {
			desc := prometheus.NewDesc(h.name, h.help, []string{"command"}, e.labels)
			ch <- prometheus.MustNewConstHistogram(desc, h.b.observed, h.b.sum, h.b.cumulative(), name)
		}
	}
	for _, addr := range sortedKeys(e.shards) {
		st := e.shards[addr]
		send("amrbench_shard_operations_total", "Operations whose reply came from the shard.", counter, st.count, "shard", addr)
		for _, class := range results.ErrorClasses {
			if n, ok := st.errors[class]; ok {
				send("amrbench_shard_errors_total", "Failed operations, by shard and error class.", counter, n, "shard", addr, "class", string(class))
			}
		}
	}
	for _, kind := range sortedKeys(e.events) {
		send("amrbench_events_total", "Events of the run (warnings, reconnects, re-authentication...), by kind.", counter, e.events[kind], "kind", kind)
	}
	if iv := e.last; iv != nil {
		phase := iv.Phase
		send("amrbench_interval_end_timestamp_seconds", "End of the latest finished interval.", gauge, float64(iv.End.UnixNano())/1e9, "phase", phase)
		send("amrbench_connections", "Connections open at the end of the latest interval.", gauge, float64(iv.Connections))
		send("amrbench_target_rate", "The offered load of the latest interval, operations per second (open loop; 0 in a closed loop).", gauge, iv.TargetRate)
		secs := iv.Duration().Seconds()
		var total int64
		for _, name := range sortedKeys(iv.Commands) {
			cs := iv.Commands[name]
			total += cs.Count
			if secs > 0 {
				send("amrbench_achieved_rate", "Operations per second of the latest interval, by command.", gauge, float64(cs.Count)/secs, "command", name)
			}
			for _, h := range []struct {
				name string
				hist *results.Histogram
			}{{"amrbench_interval_response_time_seconds", cs.Response}, {"amrbench_interval_service_time_seconds", cs.Service}} {
				if h.hist.Empty() {
					continue
				}
				for _, q := range quantiles {
					v := float64(h.hist.ValueAtPercentile(q*100)) / 1e6
					if q == 1 {
						v = float64(h.hist.Max()) / 1e6
					}
					send(h.name, "Latency quantiles of the latest interval (response: from the intended start; service: from the send).", gauge, v,
						"command", name, "quantile", strconv.FormatFloat(q, 'f', -1, 64))
				}
			}
		}
		if secs > 0 {
			send("amrbench_achieved_rate", "Operations per second of the latest interval, by command.", gauge, float64(total)/secs, "command", "ALL")
		}
	}
	for _, addr := range sortedKeys(e.servers) {
		st := e.servers[addr]
		role := st.last.Role
		for _, g := range serverGauges {
			if v := g.value(st.last); v != nil {
				send(g.name, g.help, gauge, *v, "shard", addr, "role", role)
			}
		}
		for _, c := range serverCounters {
			if v, ok := st.counts[c.name]; ok {
				send(c.name, c.help, counter, v, "shard", addr, "role", role)
			}
		}
		for _, name := range sortedKeys(st.calls) {
			send("amrbench_server_command_calls_total", "Calls of each command on the server (INFO commandstats).", counter, st.calls[name], "shard", addr, "role", role, "command", name)
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
