package report

import (
	"fmt"
	"io"
	"sort"
	"strconv"

	"github.com/amrbench/amrbench/internal/units"
	"github.com/amrbench/amrbench/results"
)

// ServerTable returns a row per sampled server (primaries first, then
// replicas, each by address), nil for a run without server records: what
// each server said about itself over the measured intervals. A figure the
// server did not report is "-", never 0.
func ServerTable(servers map[string]*results.ServerSummary) *Table {
	if len(servers) == 0 {
		return nil
	}
	t := &Table{Title: "Servers: what each server's INFO said over the measured intervals. CPU in % of one core, mean and PEAK (MAIN: the main thread's); CMD%: share of the time spent running commands; memory at its highest."}
	t.Columns = []Column{
		{Name: "SERVER", Key: "server", Align: AlignLeft}, {Name: "ROLE", Key: "role", Align: AlignLeft},
		{Name: "CPU", Key: "cpu_percent_mean"}, {Name: "PEAK", Key: "cpu_percent_max"},
		{Name: "MAIN", Key: "main_thread_cpu_percent_mean"}, {Name: "PEAK", Key: "main_thread_cpu_percent_max"},
		{Name: "CMD%", Key: "command_time_percent_mean"},
		{Name: "CALLS", Key: "load_calls"}, {Name: "SHARE", Key: "share_pct"},
		{Name: "MEMORY", Key: "used_memory_max"}, {Name: "OF MAX", Key: "memory_percent_max"},
		{Name: "CLIENTS", Key: "connected_clients_max"}, {Name: "EVICTED", Key: "evicted_keys"}, {Name: "SLOTS", Key: "slots"},
	}
	var total int64
	for _, s := range servers {
		if s.Role != results.RoleReplica {
			total += s.LoadCalls
		}
	}
	for _, addr := range serverNames(servers) {
		s := servers[addr]
		share := TextCell("-")
		if s.Role != results.RoleReplica && total > 0 {
			pct := 100 * float64(s.LoadCalls) / float64(total)
			share = NumberCell(fmt.Sprintf("%.1f%%", pct), strconv.FormatFloat(pct, 'f', 3, 64))
		}
		memPct := TextCell("-")
		if s.MemoryPercentMax != nil {
			memPct = NumberCell(fmt.Sprintf("%.1f%%", *s.MemoryPercentMax), strconv.FormatFloat(*s.MemoryPercentMax, 'f', 3, 64))
		}
		t.AddRow(TextCell(addr), TextCell(s.Role),
			percentCell(s.CPUPercentMean), percentCell(s.CPUPercentMax),
			percentCell(s.MainThreadCPUPercentMean), percentCell(s.MainThreadCPUPercentMax),
			percentCell(s.CommandTimePercentMean),
			wholeCell(s.LoadCalls), share,
			bytesCell(s.UsedMemoryMax), memPct,
			intCell(s.ConnectedClientsMax), intCell(s.EvictedKeys), intCell(s.Slots))
	}
	return t
}

// serverNames returns the servers' addresses, primaries first.
func serverNames(servers map[string]*results.ServerSummary) []string {
	names := make([]string, 0, len(servers))
	for a := range servers {
		names = append(names, a)
	}
	sort.Slice(names, func(i, j int) bool {
		ri, rj := servers[names[i]].Role == results.RoleReplica, servers[names[j]].Role == results.RoleReplica
		if ri != rj {
			return !ri
		}
		return names[i] < names[j]
	})
	return names
}

func percentCell(v *float64) TableCell {
	if v == nil {
		return TextCell("-")
	}
	return NumberCell(fmt.Sprintf("%.1f", *v), strconv.FormatFloat(*v, 'f', -1, 64))
}

func intCell(v *int64) TableCell {
	if v == nil {
		return TextCell("-")
	}
	return wholeCell(*v)
}

// wholeCell shows a count with its thousands grouped, its exact value in
// CSV.
func wholeCell(n int64) TableCell {
	return NumberCell(units.FormatInt(n), strconv.FormatInt(n, 10))
}

// bytesCell shows a byte count in MiB (GiB from 1 GiB), its exact value in
// CSV.
func bytesCell(v *int64) TableCell {
	if v == nil {
		return TextCell("-")
	}
	text := fmt.Sprintf("%.1f MiB", float64(*v)/(1<<20))
	if *v >= 1<<30 {
		text = fmt.Sprintf("%.2f GiB", float64(*v)/(1<<30))
	}
	return NumberCell(text, strconv.FormatInt(*v, 10))
}

// DescribeServers says, in lines, what the server records show beside
// the server table: the hot shard. Empty without server records.
func DescribeServers(run *results.Run, servers map[string]*results.ServerSummary) string {
	if len(servers) == 0 {
		return ""
	}
	var out string
	if hot, share := results.HotShard(servers); hot != "" {
		primaries := 0
		for _, s := range servers {
			if s.Role != results.RoleReplica {
				primaries++
			}
		}
		out += fmt.Sprintf("Hot shard (by the servers' own counts): %s ran %.0f %% of the load's commands (an even spread over %d primaries is %.0f %%).\n",
			hot, 100*share, primaries, 100/float64(primaries))
	}
	return out // whether a server set the pace is the verdict's (Summary.Verdict.ServerBound)
}

// describeStepServers says which steps of a staircase or search were
// server-bound, from the server records of each step's intervals: a step
// that failed on a saturated shard found the cache's limit, one that failed
// without did not.
func describeStepServers(run *results.Run, res *results.SLOResult, byPhase map[string][]*results.Interval) string {
	if len(run.Server) == 0 {
		return ""
	}
	var out string
	for _, st := range res.Steps {
		if st.Phase == "" {
			continue // a run at one rate: its verdict says which server set the pace, and what that means
		}
		if b := results.FindServerBound(byPhase[st.Phase], run.Server); b != nil {
			out += fmt.Sprintf("Step %s: %s.\n", st.Phase, b)
		}
	}
	return out
}

// describeAzure says what Azure Monitor was asked for and what it did not
// give: the resource, the window, and each metric skipped or the error.
func describeAzure(run *results.Run) string {
	var out string
	for _, a := range run.Azure {
		if a.Error != "" {
			out += fmt.Sprintf("Azure Monitor: nothing fetched for %s: %s\n", a.ResourceID, a.Error)
			continue
		}
		metrics := map[string]bool{}
		for _, s := range a.Series {
			metrics[s.Metric] = true
		}
		out += fmt.Sprintf("Azure Monitor: %d metrics of %s from %s to %s UTC, fetched %s.", len(metrics), a.ResourceID,
			a.Start.UTC().Format("15:04"), a.End.UTC().Format("15:04"), a.FetchedAt.UTC().Format("15:04:05"))
		for _, sk := range a.Skipped {
			out += fmt.Sprintf(" Skipped %s: %s.", sk.Metric, sk.Reason)
		}
		out += "\n"
	}
	return out
}

// writeServers writes the per-server table and what it shows.
func writeServers(w io.Writer, run *results.Run) error {
	servers := results.SummarizeServers(run)
	t := ServerTable(servers)
	if t == nil {
		return nil
	}
	return writeTitled(w, t, DescribeServers(run, servers)+describeAzure(run))
}

// writeTitled writes a table under its title, then note and a blank line.
func writeTitled(w io.Writer, t *Table, note string) error {
	if _, err := fmt.Fprintf(w, "%s\n", t.Title); err != nil {
		return err
	}
	if err := t.WriteText(w); err != nil {
		return err
	}
	_, err := io.WriteString(w, note+"\n")
	return err
}
