package catalog

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

// FuzzParseCatalog feeds SKU and source tables to ParseCatalog. It never
// panics; what it accepts holds only known figures above zero, and every
// SKU is found by its own name.
func FuzzParseCatalog(f *testing.F) {
	skus, err := catalogFiles.ReadFile("skus.csv")
	if err != nil {
		f.Fatal(err)
	}
	sources, err := catalogFiles.ReadFile("sources.csv")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(skus, sources)
	// A few rows, for the fuzzer to change in many places.
	var few [][]byte
	for _, line := range bytes.SplitAfter(skus, []byte("\n")) {
		if len(line) > 0 && line[0] != '#' && len(few) < 4 {
			few = append(few, line)
		}
	}
	f.Add(bytes.Join(few, nil), sources)
	header := "sku,family,tier,status,status_src,memory_gb,memory_src,usable_gb,usable_src,ram_gb,ram_src,vcpus,vcpus_src,primary_shards,shards_src,max_connections,connections_src,get_rps,get_rps_src,note\n"
	f.Add([]byte(header+"\"B1\nB2\",AMR,Balanced,,,1,s,,,,,,,,,,,,,\n"), []byte("key,kind,citation\ns,published,doc\n"))
	f.Fuzz(func(t *testing.T, skus, sources []byte) {
		c, err := ParseCatalog(bytes.NewReader(skus), bytes.NewReader(sources))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "skus.csv") && !strings.HasPrefix(err.Error(), "sources.csv") {
				t.Fatalf("error %q names no file", err)
			}
			return
		}
		n := 0
		for _, tier := range c.Tiers() {
			n += len(c.TierSKUs(tier))
		}
		if n != len(c.SKUs) {
			t.Fatalf("the tiers hold %d SKUs, the catalog %d", n, len(c.SKUs))
		}
		for _, s := range c.SKUs {
			for _, fig := range []Figure{s.MemoryGB, s.UsableGB, s.RAMGB, s.VCPUs, s.PrimaryShards, s.MaxConnections, s.GetRPS} {
				if fig.Known() && !(fig.Value > 0 && !math.IsInf(fig.Value, 0)) {
					t.Fatalf("%s: a figure of %v", s.Name, fig.Value)
				}
			}
			if got, err := c.Lookup(s.Name); err != nil || got != s {
				t.Fatalf("Lookup(%q) = %v, %v", s.Name, got, err)
			}
		}
	})
}

// TestParseCatalogRefusesWhatLookupCannotUse holds the catalog fuzz
// target's findings: figures that are not numbers above zero (NaN and Inf
// parse as floats and passed "v <= 0"), and a SKU named with an ARM prefix,
// which Lookup strips and so never found.
func TestParseCatalogRefusesWhatLookupCannotUse(t *testing.T) {
	t.Parallel()
	header := "sku,family,tier,status,status_src,memory_gb,memory_src,usable_gb,usable_src,ram_gb,ram_src,vcpus,vcpus_src,primary_shards,shards_src,max_connections,connections_src,get_rps,get_rps_src,note\n"
	sources := "key,kind,citation\ns,published,doc\n"
	tests := []struct{ row, want string }{
		{"B1,AMR,Balanced,,,NaN,s,,,,,,,,,,,,,", `skus.csv:2: B1: memory_gb: "NaN" is not a number above zero`},
		{"B1,AMR,Balanced,,,1,s,,,,,+Inf,s,,,,,,,", `skus.csv:2: B1: vcpus: "+Inf" is not a number above zero`},
		{"Balanced_B1,AMR,Balanced,,,1,s,,,,,,,,,,,,,", "skus.csv:2: Balanced_B1: name the SKU without its ARM prefix \"balanced_\""},
	}
	for _, tt := range tests {
		_, err := ParseCatalog(strings.NewReader(header+tt.row+"\n"), strings.NewReader(sources))
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s: error %v, want %q", tt.row, err, tt.want)
		}
	}
}
