package report

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/amrbench/amrbench/report/chart"
	"github.com/amrbench/amrbench/results"
)

// The server's side of a run on the page's time axis: what each server's
// INFO said (one point per server per interval), and what Azure Monitor
// recorded (one value per minute or more, drawn as a step that holds over
// its grain).

// Captions of the server charts.
const (
	captionServerCPU     = "Each server's CPU over each interval, from its own INFO: the main thread's (used_cpu_sys_main_thread + used_cpu_user_main_thread) where the server reports it, else the whole process's, in % of one core. Near 100 % a server's command processing is saturated. Dashed: replicas."
	captionServerMemory  = "Each server's used_memory at the end of each interval, from its INFO. Dashed: replicas."
	captionServerClients = "Each server's connected_clients at the end of each interval: the run's connections, the server stats connection, and anyone else's."
	captionServerEvicted = "Keys each server evicted per second in each interval (evicted_keys), to stay under maxmemory."
	captionAzure         = "Azure Monitor's platform metric, as fetched after the run for the whole minutes around it: each value holds over its grain, drawn as a flat step; it shares the run's time axis, cut to it."
)

// serverSeries returns one series per server of the run's server records,
// primaries first, from value (nil where the server did not report it), at
// the middle of each record's span; and whether any value was reported.
func serverSeries(tl *timeline, recs []*results.ServerInterval, value func(*results.ServerSample, float64) *float64) ([]chart.Series, bool) {
	roles := map[string]string{}
	for _, rec := range recs {
		for addr, s := range rec.Servers {
			roles[addr] = s.Role
		}
	}
	addrs := make([]string, 0, len(roles))
	for a := range roles {
		addrs = append(addrs, a)
	}
	sort.Slice(addrs, func(i, j int) bool {
		ri, rj := roles[addrs[i]] == results.RoleReplica, roles[addrs[j]] == results.RoleReplica
		if ri != rj {
			return !ri
		}
		return addrs[i] < addrs[j]
	})
	any := false
	var out []chart.Series
	for i, addr := range addrs {
		s := chart.Series{Name: addr, Key: "server-" + addr, Color: palette[i%len(palette)], Dashed: roles[addr] == results.RoleReplica}
		if s.Dashed {
			s.Name += " (replica)"
		}
		for _, rec := range recs {
			x := tl.seconds(rec.Start.Add(rec.End.Sub(rec.Start) / 2))
			sample := rec.Servers[addr]
			var v *float64
			if sample != nil {
				v = value(sample, rec.Duration().Seconds())
			}
			if v == nil {
				s.Points = append(s.Points, chart.Gap(x))
				continue
			}
			any = true
			s.Points = append(s.Points, chart.Point{X: x, Y: *v})
		}
		out = append(out, s)
	}
	return out, any
}

func intValue(v *int64, scale float64) *float64 {
	if v == nil {
		return nil
	}
	f := float64(*v) * scale
	return &f
}

// addServerCharts adds the charts of the run's server records and Azure
// Monitor series: only those that have something to draw.
func addServerCharts(page *chartList, tc *timeCharts, tl *timeline, run *results.Run) error {
	type serverChart struct {
		id, title, caption string
		axis               chart.Axis
		value              func(s *results.ServerSample, secs float64) *float64
		onlyNonZero        bool
	}
	charts := []serverChart{
		{"chart-server-cpu", "Server CPU by shard", captionServerCPU,
			chart.Axis{Title: "% of one core", Unit: chart.UnitPercent, FromZero: true},
			func(s *results.ServerSample, _ float64) *float64 { return s.CommandCPU() }, false},
		{"chart-server-memory", "Server memory by shard", captionServerMemory,
			chart.Axis{Title: "used memory, MiB", Unit: chart.UnitCount, FromZero: true},
			func(s *results.ServerSample, _ float64) *float64 { return intValue(s.UsedMemory, 1.0/(1<<20)) }, false},
		{"chart-server-clients", "Connected clients by shard", captionServerClients,
			chart.Axis{Title: "connected clients", Unit: chart.UnitCount, FromZero: true},
			func(s *results.ServerSample, _ float64) *float64 { return intValue(s.ConnectedClients, 1) }, false},
		{"chart-server-evictions", "Evictions by shard", captionServerEvicted,
			chart.Axis{Title: "evicted keys per second", Unit: chart.UnitRate, FromZero: true},
			func(s *results.ServerSample, secs float64) *float64 {
				if secs <= 0 {
					return nil
				}
				return intValue(s.EvictedKeys, 1/secs)
			}, true},
	}
	for _, c := range charts {
		series, any := serverSeries(tl, run.Server, c.value)
		if !any || (c.onlyNonZero && !anyAbove(series, 0)) {
			continue
		}
		title := strings.TrimSuffix(c.title, " by shard") + " over time"
		if err := page.add(c.id, title, timeCaption(c.caption, tc), tc.chart(c.id, c.title, c.axis, series)); err != nil {
			return err
		}
	}
	return addAzureCharts(page, tc, tl, run.Azure)
}

func anyAbove(series []chart.Series, v float64) bool {
	for _, s := range series {
		for _, p := range s.Points {
			if p.Y > v {
				return true
			}
		}
	}
	return false
}

// azureCharts are the Azure Monitor charts, each of the metrics named (by
// their REST API names), in the order they are drawn; scale turns a
// metric's unit into the axis's.
var azureCharts = []struct {
	id, title string
	axis      chart.Axis
	metrics   []string
	scale     float64
}{
	{"chart-azure-load", "Azure Monitor: server load and CPU", chart.Axis{Title: "%", Unit: chart.UnitPercent, FromZero: true}, []string{"serverLoad", "percentProcessorTime"}, 1},
	{"chart-azure-memory", "Azure Monitor: used memory", chart.Axis{Title: "% of the cache's memory", Unit: chart.UnitPercent, FromZero: true}, []string{"usedmemorypercentage"}, 1},
	{"chart-azure-ops", "Azure Monitor: operations per second", chart.Axis{Title: "operations per second", Unit: chart.UnitRate, FromZero: true}, []string{"operationsPerSecond"}, 1},
	{"chart-azure-clients", "Azure Monitor: connected clients", chart.Axis{Title: "connected clients", Unit: chart.UnitCount, FromZero: true}, []string{"connectedclients"}, 1},
	{"chart-azure-evictions", "Azure Monitor: evicted keys", chart.Axis{Title: "keys evicted per grain", Unit: chart.UnitCount, FromZero: true}, []string{"evictedkeys"}, 1},
	{"chart-azure-latency", "Azure Monitor: cache latency", latencyAxis("latency (logarithmic)"), []string{"cacheLatency"}, 1.0 / 1000},
	{"chart-azure-network", "Azure Monitor: network", chart.Axis{Title: "bytes per second", Unit: chart.UnitRate, FromZero: true}, []string{"cacheRead", "cacheWrite"}, 1},
}

// addAzureCharts draws the Azure Monitor series that have a value within
// the page's time axis.
func addAzureCharts(page *chartList, tc *timeCharts, tl *timeline, recs []*results.AzureMetrics) error {
	if len(recs) == 0 {
		return nil
	}
	rec := recs[0]
	for _, ac := range azureCharts {
		var series []chart.Series
		n := 0
		for _, metric := range ac.metrics {
			for _, s := range rec.Series {
				if s.Metric != metric {
					continue
				}
				cs := chart.Series{Name: azureSeriesName(s), Key: "azure-" + s.Metric + dimensionKey(s.Dimensions), Color: palette[n%len(palette)], Hold: true}
				n++
				grain := time.Duration(s.GrainS * float64(time.Second))
				for _, p := range s.Points {
					from, to := tl.seconds(p.Time), tl.seconds(p.Time.Add(grain))
					from, to = math.Max(from, tc.axis.From), math.Min(to, tc.axis.To)
					if p.Value == nil || to <= from {
						continue
					}
					v := *p.Value * ac.scale
					cs.Points = append(cs.Points, chart.Point{X: from, Y: v}, chart.Point{X: to, Y: v}, chart.Gap(to))
				}
				if len(cs.Points) > 0 {
					series = append(series, cs)
				}
			}
		}
		if len(series) == 0 {
			continue
		}
		caption := fmt.Sprintf("%s Metric%s %s (%s), resource %s.", captionAzure, plural(len(ac.metrics)), strings.Join(ac.metrics, ", "), aggregationsOf(rec, ac.metrics), rec.ResourceID)
		if err := page.add(ac.id, ac.title, timeCaption(caption, tc), tc.chart(ac.id, ac.title, ac.axis, series)); err != nil {
			return err
		}
	}
	return nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// azureSeriesName names a series by its metric's display name and its
// dimensions: "CPU (InstanceId 0)".
func azureSeriesName(s results.AzureSeries) string {
	name := s.DisplayName
	if name == "" {
		name = s.Metric
	}
	if len(s.Dimensions) == 0 {
		return name
	}
	var dims []string
	for _, k := range sortedKeys(s.Dimensions) {
		dims = append(dims, k+" "+s.Dimensions[k])
	}
	return name + " (" + strings.Join(dims, ", ") + ")"
}

func dimensionKey(dims map[string]string) string {
	var b strings.Builder
	for _, k := range sortedKeys(dims) {
		b.WriteString("-" + k + "-" + dims[k])
	}
	return b.String()
}

// aggregationsOf says the aggregation and grain each metric was fetched at.
func aggregationsOf(rec *results.AzureMetrics, metrics []string) string {
	var out []string
	for _, m := range metrics {
		for _, s := range rec.Series {
			if s.Metric == m {
				out = append(out, fmt.Sprintf("%s %s per %s", m, strings.ToLower(s.Aggregation), s.Grain))
				break
			}
		}
	}
	return strings.Join(out, "; ")
}
