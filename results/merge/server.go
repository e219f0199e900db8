package merge

import (
	"sort"
	"time"

	"github.com/amrbench/amrbench/results"
)

// mergeServer puts the runs' server records into the merged run's grid, as
// intervals() does with the intervals, and keeps one sample per server and
// slot: the first run's, in the order the runs were given.
//
// Server statistics describe the servers, not a share of the load: every
// segment of a split test reads the same counters of the same servers, so
// adding the segments' samples would count each server once per segment.
// The merged run keeps one of them instead (they differ only by when each
// segment read INFO, within the interval). The servers' connected_clients
// count every segment's sampler connection.
func (m *merger) mergeServer() []*results.ServerInterval {
	slots := map[int64]*results.ServerInterval{}
	for _, nr := range m.runs {
		for _, s := range nr.Run.Server {
			slot := m.slotOf(s.Start, s.End)
			out := slots[slot]
			if out == nil {
				out = &results.ServerInterval{
					Type: results.TypeServer, Index: slot, Start: s.Start, End: s.End,
					Servers: map[string]*results.ServerSample{},
				}
				slots[slot] = out
			}
			for addr, sample := range s.Servers {
				if _, taken := out.Servers[addr]; !taken {
					out.Servers[addr] = sample
				}
			}
		}
	}
	out := make([]*results.ServerInterval, 0, len(slots))
	for _, s := range slots {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Index < out[j].Index })
	return out
}

// slotOf returns the slot of the merged run's grid that holds the midpoint
// of [start, end).
func (m *merger) slotOf(start, end time.Time) int64 {
	mid := start.Add(end.Sub(start) / 2)
	d := mid.Sub(m.base)
	slot := int64(d / m.interval)
	if d < 0 && d%m.interval != 0 {
		slot--
	}
	return slot
}

// mergeAzure keeps one Azure Monitor record per resource: the first run's
// that has one. Every segment of a split test may fetch the same cache's
// metrics for nearly the same window; they are the same series.
func (m *merger) mergeAzure() []*results.AzureMetrics {
	var out []*results.AzureMetrics
	seen := map[string]bool{}
	for _, nr := range m.runs {
		for _, a := range nr.Run.Azure {
			if seen[a.ResourceID] {
				continue
			}
			seen[a.ResourceID] = true
			out = append(out, a)
		}
	}
	return out
}
