package compare

import (
	"bytes"
	"strings"
	"testing"

	"github.com/amrbench/amrbench/internal/reporttest"
	"github.com/amrbench/amrbench/results"
)

func TestCompareHasServerRows(t *testing.T) {
	t.Parallel()
	a, b := reporttest.ServerBoundRun(), reporttest.ServerBoundRun()
	b.Header.RunID, b.Header.Label = "20261123T120000Z-cool", "cool"
	for _, rec := range b.Server {
		s := rec.Servers["10.0.0.1:7000"]
		s.MainThreadCPUPercent = ptr(48.0)
		s.UsedMemory = ptr(int64(128 << 20))
	}
	c, err := Compare([]results.NamedRun{{Name: "hot", Run: a}, {Name: "cool", Run: b}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]ComparisonRow{}
	for _, r := range c.Rows {
		rows[r.Key] = r
	}
	// The busiest primary's CPU: its main thread's (96 %, 48 %), not the
	// replica's or the other primary's process CPU.
	cpu, mem := rows["server_cpu_pct"], rows["server_memory_mib"]
	if len(cpu.Cells) != 2 || cpu.Cells[0].Value != 96 || cpu.Cells[1].Value != 48 || cpu.Cells[1].DiffPct != -50 {
		t.Errorf("server CPU row %+v", cpu.Cells)
	}
	if len(mem.Cells) != 2 || mem.Cells[0].Value != 64 || mem.Cells[1].Value != 128 {
		t.Errorf("server memory row %+v", mem.Cells)
	}
	var b2 strings.Builder
	if err := WriteComparisonText(&b2, c); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b2.String(), "server CPU, busiest shard") || !strings.Contains(b2.String(), "128.0 MiB") {
		t.Errorf("comparison text lacks the server rows:\n%s", b2.String())
	}

	// Runs without server records have no such rows.
	a.Server, b.Server = nil, nil
	c, err = Compare([]results.NamedRun{{Name: "hot", Run: a}, {Name: "cool", Run: b}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range c.Rows {
		if strings.HasPrefix(r.Key, "server_") {
			t.Errorf("row %s in a comparison of runs without server records", r.Key)
		}
	}
}

// TestUnverifiedTLSIsNoted checks that a comparison notes the run whose TLS
// did not verify the server, in its notes and its text, and not the run
// that did.
func TestUnverifiedTLSIsNoted(t *testing.T) {
	t.Parallel()
	verified, _ := readFixture(t, "enterprise.jsonl")
	verified.Header.Target.TLS = true
	unverified, _ := readFixture(t, "enterprise.jsonl")
	unverified.Header.Target.TLS, unverified.Header.Target.TLSUnverified = true, true
	unverified.Header.RunID += "-unverified"

	c, err := Compare([]results.NamedRun{{Name: "verified", Run: verified}, {Name: "unverified", Run: unverified}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := "B ran over TLS without verifying the server's certificate (--tls-skip-verify)"
	if len(c.Notes) == 0 || !strings.Contains(strings.Join(c.Notes, "\n"), want) {
		t.Fatalf("comparison notes %q lack %q", c.Notes, want)
	}
	if strings.Contains(strings.Join(c.Notes, "\n"), "A ran over TLS without") {
		t.Errorf("the verified run is noted as unverified: %q", c.Notes)
	}
	var text bytes.Buffer
	if err := WriteComparisonText(&text, c); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), want) {
		t.Errorf("compare's text lacks %q:\n%s", want, text.String())
	}
}
