package capacity

import (
	"strings"
	"testing"

	"github.com/amrbench/amrbench/results"
)

// TestPlanFlashRAMShare plans Flash Optimized sizes from B10's search
// relabelled as a run on A250 (47 GB of RAM): a rate measured with the key
// space in RAM does not stand for a size whose RAM holds less of the data.
func TestPlanFlashRAMShare(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		keyBytes  float64 // the run's key space
		datasetGB float64
		sku       string // recommended Flash size
		warn      string // in a warning; "" for none
	}{
		{"small key space, data beyond A500's RAM", 33.2e6, 200, "A500",
			"a250 measured A250 with 100 % of its key space (33.2 MB) in RAM, but A500's 96 GB of RAM holds 48.0 % of the plan's 200 GB"},
		{"small key space, data within A250's RAM", 33.2e6, 40, "A250", ""},
		{"key space beyond RAM like the data's", 150e9, 200, "A500", ""}, // 31 % in RAM measured, 48 % planned
	}
	for _, tt := range tests {
		runs := loadRuns(t, "b10-search.jsonl")
		h := runs[0].Run.Header
		h.Target.SKU = "A250"
		h.KeySpace = &results.KeySpace{Keys: 1, Bytes: tt.keyBytes, SKU: "A250", RAMBytes: 47e9, Flash: true}
		runs[0].Name = "a250"
		p := mustPlan(t, planInput(t, 100000, "p99<2ms", tt.datasetGB, 0), runs)
		if fl := tierPlan(t, p, "Flash Optimized"); fl.Recommended != tt.sku {
			t.Fatalf("%s: Flash recommends %q, want %s: %s", tt.name, fl.Recommended, tt.sku, fl.Verdict)
		}
		var found []string
		for _, w := range p.Warnings {
			if strings.Contains(w, "in RAM") {
				found = append(found, w)
			}
		}
		switch {
		case tt.warn == "" && len(found) > 0:
			t.Errorf("%s: warned %q", tt.name, found)
		case tt.warn != "" && (len(found) != 1 || !strings.Contains(found[0], tt.warn)):
			t.Errorf("%s: warnings %q, want one saying %q", tt.name, found, tt.warn)
		}
	}
}
