package report

import (
	"fmt"
	"io"
	"sort"
	"strconv"

	"github.com/amrbench/amrbench/internal/units"
	"github.com/amrbench/amrbench/results"
)

// Spread is how unevenly a cluster run's operations fell on its shards:
// hot-shard detection. Ratio is the busiest shard's operations over the
// idlest's (1 is an even spread; +Inf when the idlest served none).
type Spread struct {
	Busiest, Idlest       string
	BusiestOps, IdlestOps int64
	Ratio                 float64
	// Shards is the number of shards compared.
	Shards int
}

// ShardSpread returns the spread of a summary's shards, and false when there
// are fewer than two. Operations counted as unrouted are not a shard's.
func ShardSpread(shards map[string]*results.ShardSummary) (Spread, bool) {
	names := shardNames(shards)
	if len(names) < 2 {
		return Spread{}, false
	}
	sp := Spread{Busiest: names[0], Idlest: names[len(names)-1], Shards: len(names)}
	sp.BusiestOps, sp.IdlestOps = shards[sp.Busiest].Count, shards[sp.Idlest].Count
	sp.Ratio = float64(sp.BusiestOps) / float64(sp.IdlestOps) // +Inf for 0
	return sp, true
}

// shardNames returns the shards, unrouted left out, busiest first (ties by
// name).
func shardNames(shards map[string]*results.ShardSummary) []string {
	var names []string
	for name := range shards {
		if name != results.UnroutedShard {
			names = append(names, name)
		}
	}
	sort.Slice(names, func(i, j int) bool {
		a, b := shards[names[i]].Count, shards[names[j]].Count
		if a != b {
			return a > b
		}
		return names[i] < names[j]
	})
	return names
}

// ShardTable returns a row per shard of a cluster run, busiest first, nil
// for other runs: the operations each primary answered (the final reply,
// after any redirect), their share, response-time percentiles, errors and
// the redirects it sent.
func ShardTable(run *results.Run, s *results.Summary, percentiles []float64) *Table {
	if len(s.Shards) == 0 {
		return nil
	}
	percentiles = reportPercentiles(run.Header, percentiles)
	var total int64
	for _, sh := range s.Shards {
		total += sh.Count
	}
	t := &Table{Title: "Shards: the operations each primary answered (the final reply, after any redirect), and their response time. Milliseconds."}
	t.Columns = []Column{{Name: "SHARD", Key: "shard", Align: AlignLeft}, {Name: "OPS/S", Key: "ops_per_sec"}, {Name: "SHARE", Key: "share_pct"}, {Name: "MEAN", Key: "mean_us"}}
	for _, p := range percentiles {
		t.Columns = append(t.Columns, Column{Name: "P" + percentileName(p), Key: results.PercentileKey(p)})
	}
	t.Columns = append(t.Columns, Column{Name: "MAX", Key: "max_us"}, Column{Name: "ERRORS", Key: "errors"}, Column{Name: "REDIRECTS", Key: "redirects"})
	names := shardNames(s.Shards)
	if _, ok := s.Shards[results.UnroutedShard]; ok {
		names = append(names, results.UnroutedShard)
	}
	for _, name := range names {
		sh := s.Shards[name]
		share := 100 * float64(sh.Count) / float64(max(total, 1))
		row := []TableCell{TextCell(name), countCell(sh.OpsPerSec), NumberCell(fmt.Sprintf("%.1f%%", share), strconv.FormatFloat(share, 'f', 3, 64)), millisCell(sh.Response.MeanMicros)}
		for _, p := range percentiles {
			v, _ := sh.Response.At(p)
			row = append(row, millisCell(float64(v)))
		}
		var redirects int64
		for _, n := range sh.Redirects {
			redirects += n
		}
		row = append(row, millisCell(float64(sh.Response.MaxMicros)), wholeCell(sh.ErrorCount()), wholeCell(redirects))
		t.AddRow(row...)
	}
	return t
}

// writeShards writes the per-shard table of a cluster run and its spread.
func writeShards(w io.Writer, run *results.Run, s *results.Summary, percentiles []float64) error {
	t := ShardTable(run, s, percentiles)
	if t == nil {
		return nil
	}
	return writeTitled(w, t, describeSpread(s.Shards))
}

// describeSpread says how much busier the busiest shard was than the idlest.
func describeSpread(shards map[string]*results.ShardSummary) string {
	sp, ok := ShardSpread(shards)
	if !ok {
		return ""
	}
	if sp.IdlestOps == 0 {
		return fmt.Sprintf("Hot shard: %s served %s, %s none.\n", sp.Busiest, units.Plural(sp.BusiestOps, "operation"), sp.Idlest)
	}
	return fmt.Sprintf("Hot shard: the busiest, %s, served %.2fx the operations of the idlest, %s (1.00x is an even spread over the %d shards).\n",
		sp.Busiest, sp.Ratio, sp.Idlest, sp.Shards)
}

// describeRedirects says how many MOVED and ASK redirects were followed.
func describeRedirects(s *results.Summary) string {
	all := s.Commands[results.AllCommands]
	if all == nil || len(all.Redirects) == 0 {
		return ""
	}
	moved, ask := all.Redirects[results.ErrMoved], all.Redirects[results.ErrAsk]
	if moved+ask == 0 {
		return ""
	}
	return fmt.Sprintf("Redirects: %s MOVED and %s ASK replies were followed to another shard (slots moving); those operations' latency includes the detour.\n", units.FormatInt(moved), units.FormatInt(ask))
}
