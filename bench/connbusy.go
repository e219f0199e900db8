package bench

import (
	"fmt"
	"time"

	"github.com/amrbench/amrbench/internal/units"
	"github.com/amrbench/amrbench/results"
)

// connectionsBusyShare is how busy a failed search step must have kept its
// connections for them, not the cache, to be a likely cap: from half the
// time on, the requests queue behind their connection's earlier ones.
const connectionsBusyShare = 0.5

// connectionsBusyEvent returns the warning that a failed search step kept
// its connections busy connectionsBusyShare of the time or more (its rate
// times its mean service time, over the requests the connections may have
// in flight, connections × pipeline), so that more connections may hold a
// higher rate; nil when they were less busy or the client was the limit
// (its own warning says so).
func connectionsBusyEvent(cfg *Config, step results.SLOStep, intervals []*results.Interval, at time.Time) *results.Event {
	if step.Met || step.ClientBound || cfg.Connections <= 0 {
		return nil
	}
	totals, _, err := results.Totals(intervals)
	if err != nil || totals[results.AllCommands].Service.Empty() {
		return nil
	}
	meanMS := totals[results.AllCommands].Service.Dense().Mean() / 1e3
	busy := results.BusyShare(step.TargetRate, 1e3*meanMS, cfg.Connections, cfg.Pipeline)
	if busy < connectionsBusyShare {
		return nil
	}
	return &results.Event{Time: at, Kind: results.EventWarning, Code: results.WarnConnectionsBusy,
		Detail: fmt.Sprintf("%s kept the %s (pipeline %d) busy %s of the time at its mean service time of %.3f ms: its requests waited for their connection, so more --connections may hold a higher rate than this search finds",
			step.Phase, units.Plural(cfg.Connections, "connection"), max(cfg.Pipeline, 1), units.FormatPercent(min(busy, 1)), meanMS)}
}
