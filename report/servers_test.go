package report

import (
	"strings"
	"testing"

	"github.com/amrbench/amrbench/internal/reporttest"
	"github.com/amrbench/amrbench/results"
)

func ptr[T any](v T) *T { return &v }

// summaryText returns the summary text of run.
func summaryText(t *testing.T, run *results.Run) string {
	t.Helper()
	sum, err := run.Summarize()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := WriteSummary(&b, run, sum, nil); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestSummaryHasTheServerTableAndVerdict(t *testing.T) {
	t.Parallel()
	text := summaryText(t, reporttest.ServerBoundRun())
	for _, want := range []string{
		"Servers: what each server's INFO said",
		"Hot shard (by the servers' own counts): 10.0.0.1:7000 ran 75 % of the load's commands (an even spread over 2 primaries is 50 %).",
		"Verdict   ok: server-bound at 40,000 ops/s (shard 10.0.0.1:7000: CPU at 96 % of a core in 4 of 4 intervals): the cache, not the client, set this throughput",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("summary lacks %q", want)
		}
	}
	lines := map[string]string{}
	for _, l := range strings.Split(text, "\n") {
		if f := strings.Fields(l); len(f) > 1 && strings.HasPrefix(f[0], "10.0.0.") {
			lines[f[0]] = strings.Join(f, " ")
		}
	}
	for addr, want := range map[string]string{
		// SERVER ROLE CPU CPUMAX MAIN MAINMAX CMDTIME CALLS SHARE MEMORY OFMAX CLIENTS EVICTED SLOTS
		"10.0.0.1:7000": "10.0.0.1:7000 primary 101.0 101.0 96.0 96.0 - 120,000 75.0% 64.0 MiB 25.0% 9 0 8,192",
		"10.0.0.2:7000": "10.0.0.2:7000 primary 31.0 31.0 - - - 40,000 25.0% 60.0 MiB - 9 - 8,192",
		"10.0.0.3:7000": "10.0.0.3:7000 replica 12.0 12.0 10.0 10.0 - 0 - - - - - 0",
	} {
		if lines[addr] != want {
			t.Errorf("row of %s:\n got %q\nwant %q", addr, lines[addr], want)
		}
	}
	if t.Failed() {
		t.Log(text)
	}
}

func TestSummaryWithoutServerRecordsHasNoServerTable(t *testing.T) {
	t.Parallel()
	run := reporttest.ServerBoundRun()
	run.Server = nil
	if text := summaryText(t, run); strings.Contains(text, "Servers:") || strings.Contains(text, "server-bound") {
		t.Fatalf("a run without server records shows a server table:\n%s", text)
	}
}

// TestStepsSayWhichWereServerBound: a staircase whose second step saturated
// its shard's main thread says so for that step alone.
func TestStepsSayWhichWereServerBound(t *testing.T) {
	t.Parallel()
	run := reporttest.ServerBoundRun()
	run.Header.Mode = results.ModeOpen
	for i, iv := range run.Intervals {
		iv.Phase = []string{"20k", "20k", "40k", "40k"}[i]
		iv.TargetRate = []float64{20000, 20000, 40000, 40000}[i]
		cpu := []float64{55, 60, 97, 98}[i]
		run.Server[i].Servers["10.0.0.1:7000"].MainThreadCPUPercent = &cpu
	}
	_, verdict := stepsVerdict(t, run)
	want := "Step 40k: server-bound at 40,000 ops/s (shard 10.0.0.1:7000: CPU at 98 % of a core in 2 of 2 intervals).\n"
	if !strings.Contains(verdict, want) || strings.Contains(verdict, "Step 20k") {
		t.Fatalf("verdict:\n%s\nwant the line %q and none for 20k", verdict, want)
	}
}

// TestOneRateHasNoStepServerLine: a closed loop judged by --slo is one step
// without a name; its verdict says which server set the pace and what that
// means (a full memory is not throughput), so the text under its table
// must not repeat it bare as "Step : server-bound at ...".
func TestOneRateHasNoStepServerLine(t *testing.T) {
	t.Parallel()
	run := reporttest.ServerBoundRun()
	run.Header.SLO = []string{"p99<1ms"}
	_, verdict := stepsVerdict(t, run)
	if strings.Contains(verdict, "Step ") || !strings.HasPrefix(verdict, "The run met p99<1ms.") {
		t.Fatalf("verdict:\n%s", verdict)
	}
}
