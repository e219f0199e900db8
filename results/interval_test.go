package results

import (
	"testing"
	"time"
)

// TestIntervalAdd checks what adding another machine's interval does to
// each part of an interval: counts and histograms add, the span widens,
// and the client statistics keep the worst machine's.
func TestIntervalAdd(t *testing.T) {
	t.Parallel()
	ms := time.Millisecond
	tests := []struct {
		name  string
		edit  func(a, b *Interval)
		check func(t *testing.T, sum *Interval)
	}{
		{"span widens to cover both", func(a, b *Interval) {
			b.Start, b.End = t0.Add(-3*ms), t0.Add(time.Second+7*ms)
		}, func(t *testing.T, sum *Interval) {
			if !sum.Start.Equal(t0.Add(-3*ms)) || !sum.End.Equal(t0.Add(time.Second+7*ms)) {
				t.Errorf("span %s to %s", sum.Start, sum.End)
			}
		}},
		{"connections, rates and counts add", func(a, b *Interval) {
			a.TargetRate, b.TargetRate = 100, 250
			a.LateStarts, b.LateStarts = 2, 3
			a.Reconnects, b.Reconnects = 1, 0
			a.Dropped, b.Dropped = 0, 4
			a.BackoffS, b.BackoffS = 0.25, 0.5
		}, func(t *testing.T, sum *Interval) {
			if sum.Connections != 8 || sum.TargetRate != 350 || sum.LateStarts != 5 || sum.Reconnects != 1 || sum.Dropped != 4 || sum.BackoffS != 0.75 {
				t.Errorf("connections %d, rate %g, late %d, reconnects %d, dropped %d, backoff %g",
					sum.Connections, sum.TargetRate, sum.LateStarts, sum.Reconnects, sum.Dropped, sum.BackoffS)
			}
			get := sum.Commands["GET"]
			if get.Count != 6 || get.Response.TotalCount() != 6 || get.Response.Max() != 900 || get.Errors[ErrTimeout] != 2 {
				t.Errorf("GET: count %d, %d latencies, max %d, timeouts %d", get.Count, get.Response.TotalCount(), get.Response.Max(), get.Errors[ErrTimeout])
			}
		}},
		{"the busiest machine's client, the longest pause, bound if either was", func(a, b *Interval) {
			a.Client = &ClientStats{CPUPct: 150, CPUBudget: 4, GCPauseMicros: 900, LateShare: 0.01}
			b.Client = &ClientStats{CPUPct: 90, CPUWaitPct: 20, CPUBudget: 1, GCPauseMicros: 300, LateShare: 0.2, ClientLateShare: 0.1, Bound: true}
		}, func(t *testing.T, sum *Interval) {
			c := sum.Client
			if c.CPUPct != 90 || c.CPUWaitPct != 20 || c.CPUBudget != 1 || c.GCPauseMicros != 900 || c.LateShare != 0.2 || c.ClientLateShare != 0.1 || !c.Bound {
				t.Errorf("client %+v", *c)
			}
		}},
		// The busier machine (88 % of its CPU) was not short of CPU; the
		// other waited for 59 % of its CPU, held by other processes, and
		// was: its figures say why the interval is bound, so a summary
		// counting the intervals short of CPU counts this one.
		{"a machine short of CPU speaks before a busier one that was not", func(a, b *Interval) {
			a.Client = &ClientStats{CPUPct: 60, CPUWaitPct: 28, CPUBudget: 1}
			b.Client = &ClientStats{CPUPct: 24, CPUWaitPct: 59, CPUBudget: 1, PolledShare: 0.2}
			a.Client.Judge()
			b.Client.Judge()
		}, func(t *testing.T, sum *Interval) {
			c := sum.Client
			if c.CPUPct != 24 || c.CPUWaitPct != 59 || c.PolledShare != 0.2 || !c.Bound || !c.CPUBound() {
				t.Errorf("client %+v: want the figures of the machine short of CPU", *c)
			}
		}},
		{"shards and re-AUTHs add", func(a, b *Interval) {
			a.Shards = map[string]*ShardStats{"s1:6379": {Count: 5, Response: NewHistogram()}}
			b.Shards = map[string]*ShardStats{"s1:6379": {Count: 7, Response: NewHistogram()}, "s2:6379": {Count: 1, Response: NewHistogram()}}
			b.Reauth = reauthInterval(0, 3, 1, nil, 400).Reauth
		}, func(t *testing.T, sum *Interval) {
			if sum.Shards["s1:6379"].Count != 12 || sum.Shards["s2:6379"].Count != 1 {
				t.Errorf("shards %+v", sum.Shards)
			}
			if sum.Reauth == nil || sum.Reauth.Count != 3 || sum.Reauth.Expired != 1 || sum.Reauth.Latency.Max() != 400 {
				t.Errorf("reauth %+v", sum.Reauth)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := interval(0, "", 100, 300, 500), interval(0, "", 200, 700, 900)
			tt.edit(a, b)
			if err := a.Add(b); err != nil {
				t.Fatal(err)
			}
			tt.check(t, a)
		})
	}
}
