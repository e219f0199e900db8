package catalog

import (
	"math"
	"strings"
	"testing"
)

func catalog(t *testing.T) *Catalog {
	t.Helper()
	c, err := DefaultCatalog()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// figure is an expected catalog figure: its value and kind; figure{} is
// unknown.
type figure struct {
	value float64
	kind  FigureKind
}

func checkFigure(t *testing.T, sku, name string, got Figure, want figure) {
	t.Helper()
	if want.kind == Unknown || want.kind == "" {
		if got.Known() {
			t.Errorf("%s %s = %v (%s), want unknown", sku, name, got.Value, got.Kind())
		}
		return
	}
	if got.Value != want.value || got.Kind() != want.kind {
		t.Errorf("%s %s = %v (%s), want %v (%s)", sku, name, got.Value, got.Kind(), want.value, want.kind)
	}
}

func TestCatalogLookup(t *testing.T) {
	t.Parallel()
	c := catalog(t)
	tests := []struct {
		name, wantSKU, wantTier                        string
		memory, usable, ram, vcpus, shards, conns, rps figure
	}{
		// B10's 12 GB is published ("B10/M10/X10 ... 12 GB"), and with it every figure read at 12 GB.
		{"B10", "B10", "Balanced", figure{12, Published}, figure{9.6, Derived}, figure{12, Published},
			figure{4, Published}, figure{2, Published}, figure{30000, Published}, figure{480000, Published}},
		// X3's size comes from its name: its figures are derived.
		{"x3", "X3", "Compute Optimized", figure{3, Derived}, figure{2.4, Derived}, figure{3, Derived},
			figure{4, Derived}, figure{2, Derived}, figure{30000, Derived}, figure{480000, Derived}},
		{"ComputeOptimized_X20", "X20", "Compute Optimized", figure{24, Published}, figure{19.2, Derived}, figure{24, Published},
			figure{16, Published}, figure{12, Published}, figure{150000, Published}, figure{1600000, Published}},
		{"Balanced_B100", "B100", "Balanced", figure{120, Derived}, figure{96, Derived}, figure{120, Derived},
			figure{32, Derived}, figure{24, Derived}, figure{200000, Derived}, figure{2000000, Derived}},
		{"M10", "M10", "Memory Optimized", figure{12, Published}, figure{9.6, Derived}, figure{12, Published},
			figure{2, Published}, figure{2, Published}, figure{15000, Published}, figure{230000, Published}},
		{"M2000", "M2000", "Memory Optimized", figure{1920, Derived}, figure{1536, Derived}, figure{1920, Derived},
			figure{256, Derived}, figure{192, Derived}, figure{200000, Derived}, figure{}},
		// Flash: size published per SKU, 20 % of it RAM; A250's 235 GB reads the tables' 240 GB row.
		{"A250", "A250", "Flash Optimized", figure{235, Published}, figure{188, Derived}, figure{47, Derived},
			figure{8, Derived}, figure{6, Derived}, figure{75000, Derived}, figure{}},
		{"A4500", "A4500", "Flash Optimized", figure{4500, Published}, figure{3600, Derived}, figure{900, Derived},
			figure{144, Published}, figure{96, Published}, figure{200000, Published}, figure{}},
		// Classic tiers: usable memory is not published.
		{"P5", "P5", "Premium", figure{120, Published}, figure{}, figure{120, Published},
			figure{32, Published}, figure{1, Derived}, figure{40000, Published}, figure{373000, Published}},
		{"C0", "C0", "Basic/Standard", figure{0.25, Published}, figure{}, figure{0.25, Published},
			figure{}, figure{1, Derived}, figure{256, Published}, figure{7500, Published}},
		{"E10", "E10", "Enterprise", figure{12, Published}, figure{}, figure{12, Published},
			figure{4, Published}, figure{}, figure{}, figure{1000000, Published}},
		// E1's size is not in the reference: unknown, not guessed.
		{"E1", "E1", "Enterprise", figure{}, figure{}, figure{}, figure{}, figure{}, figure{}, figure{}},
		// Enterprise Flash: how much of it is RAM is not in the reference.
		{"F1500", "F1500", "Enterprise Flash", figure{1455, Published}, figure{}, figure{},
			figure{32, Published}, figure{}, figure{}, figure{1110000, Published}},
	}
	for _, tt := range tests {
		s, err := c.Lookup(tt.name)
		if err != nil {
			t.Errorf("Lookup(%q): %v", tt.name, err)
			continue
		}
		if s.Name != tt.wantSKU || s.Tier != tt.wantTier {
			t.Errorf("Lookup(%q) = %s %s, want %s %s", tt.name, s.Tier, s.Name, tt.wantTier, tt.wantSKU)
		}
		checkFigure(t, s.Name, "memory", s.MemoryGB, tt.memory)
		checkFigure(t, s.Name, "usable", s.UsableGB, tt.usable)
		checkFigure(t, s.Name, "RAM", s.RAM(), tt.ram)
		checkFigure(t, s.Name, "vCPUs", s.VCPUs, tt.vcpus)
		checkFigure(t, s.Name, "shards", s.PrimaryShards, tt.shards)
		checkFigure(t, s.Name, "connections", s.MaxConnections, tt.conns)
		checkFigure(t, s.Name, "GET/s", s.GetRPS, tt.rps)
	}
}

func TestCatalogLookupUnknown(t *testing.T) {
	t.Parallel()
	c := catalog(t)
	tests := []struct{ name, want string }{
		{"X7", "Compute Optimized sizes are X3, X5, X10, X20, X50, X100, X150, X250, X350, X500, X700"},
		{"b11", "Balanced sizes are B0, B1"},
		{"Z9", "B0-B1000, M10-M2000, X3-X700 and A250-A4500"},
		{"", "unknown SKU"},
	}
	for _, tt := range tests {
		_, err := c.Lookup(tt.name)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Lookup(%q) error = %v, want it to contain %q", tt.name, err, tt.want)
		}
	}
}

// TestCatalogConsistency checks the data file against the rules it states,
// so an edit that breaks one fails here.
func TestCatalogConsistency(t *testing.T) {
	t.Parallel()
	c := catalog(t)
	// Every AMR SKU of the ARM enum (azure-redis.md section 1.1) is present.
	arm := "B0 B1 B3 B5 B10 B20 B50 B100 B150 B250 B350 B500 B700 B1000 " +
		"M10 M20 M50 M100 M150 M250 M350 M500 M700 M1000 M1500 M2000 " +
		"X3 X5 X10 X20 X50 X100 X150 X250 X350 X500 X700 A250 A500 A700 A1000 A1500 A2000 A4500"
	amr := 0
	for _, s := range c.SKUs {
		if s.Family == FamilyAMR {
			amr++
		}
	}
	for _, name := range strings.Fields(arm) {
		s, err := c.Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		if s.Family != FamilyAMR {
			t.Errorf("%s: family %s", name, s.Family)
		}
		// AMR reserves about 20 %; Flash keeps 20 % in RAM.
		if math.Abs(s.UsableGB.Value-0.8*s.MemoryGB.Value) > 0.005 {
			t.Errorf("%s: usable %v GB is not 80 %% of %v GB", name, s.UsableGB.Value, s.MemoryGB.Value)
		}
		if s.RAMGB.Known() != (s.Tier == "Flash Optimized") {
			t.Errorf("%s: RAM column set = %v for tier %s", name, s.RAMGB.Known(), s.Tier)
		}
		if s.IsFlash() && math.Abs(s.RAMGB.Value-0.2*s.MemoryGB.Value) > 0.005 {
			t.Errorf("%s: RAM %v GB is not 20 %% of %v GB", name, s.RAMGB.Value, s.MemoryGB.Value)
		}
		if !s.VCPUs.Known() || !s.PrimaryShards.Known() || !s.MaxConnections.Known() {
			t.Errorf("%s: vCPUs, shards and connections are published for every AMR size", name)
		}
		// A figure read through a derived size is itself derived.
		if s.MemoryGB.Kind() == Derived && (s.VCPUs.Kind() != Derived || s.MaxConnections.Kind() != Derived) {
			t.Errorf("%s: derived size but published vCPUs or connections", name)
		}
	}
	if amr != len(strings.Fields(arm)) {
		t.Errorf("%d AMR SKUs in the catalog, the ARM enum has %d", amr, len(strings.Fields(arm)))
	}
	// Sizes grow within each tier: the plan walks a tier in catalog order.
	for _, tier := range c.Tiers() {
		prev := 0.0
		for _, s := range c.TierSKUs(tier) {
			if !s.MemoryGB.Known() {
				continue
			}
			if s.MemoryGB.Value <= prev {
				t.Errorf("%s: %s (%v GB) is not larger than the SKU before it (%v GB)", tier, s.Name, s.MemoryGB.Value, prev)
			}
			prev = s.MemoryGB.Value
		}
	}
}

func TestCatalogFilter(t *testing.T) {
	t.Parallel()
	c := catalog(t)
	tests := []struct {
		query string
		want  int
	}{
		{"balanced", 14},
		{"Memory Optimized", 12},
		{"memory-optimized", 12},
		{"compute", 11},
		{"flash", 10}, // Flash Optimized and Enterprise Flash
		{"amr", 44},
		{"standard", 7},
		{"premium", 5},
		{"", 67},
	}
	for _, tt := range tests {
		got, err := c.Filter(tt.query)
		if err != nil || len(got) != tt.want {
			t.Errorf("Filter(%q) = %d SKUs, %v; want %d", tt.query, len(got), err, tt.want)
		}
	}
	if _, err := c.Filter("platinum"); err == nil || !strings.Contains(err.Error(), "Balanced") {
		t.Errorf("Filter(platinum) error = %v, want the tier list", err)
	}
}

func TestParseCatalogErrors(t *testing.T) {
	t.Parallel()
	sources := "key,kind,citation\ndoc,published,a document\n"
	head := "sku,family,tier,status,status_src,memory_gb,memory_src,usable_gb,usable_src,ram_gb,ram_src,vcpus,vcpus_src,primary_shards,shards_src,max_connections,connections_src,get_rps,get_rps_src,note\n"
	good := "B1,AMR,Balanced,GA,doc,1,doc,,,,,2,doc,1,doc,15000,doc,,,\n"
	tests := []struct{ name, skus, sources, want string }{
		{"figure without source", head + good + "B3,AMR,Balanced,GA,doc,3,,,,,,,,,,,,,,\n", sources, "skus.csv:3: B3: memory_gb: value 3 has no source"},
		{"source not defined", head + "# comment\n" + good + "B3,AMR,Balanced,GA,doc,3,nodoc,,,,,,,,,,,,,\n", sources, "skus.csv:4: B3: memory_gb: source \"nodoc\" is not in sources.csv"},
		{"not a number", head + "B3,AMR,Balanced,GA,doc,three,doc,,,,,,,,,,,,,\n", sources, "skus.csv:2: B3: memory_gb: \"three\" is not a number"},
		{"twice", head + good + good, sources, "skus.csv:3: B1 is listed twice"},
		{"wrong field count", head + "B3,AMR\n", sources, "skus.csv:2: 2 fields"},
		{"missing column", "sku,family\n", sources, "no \"tier\" column"},
		{"bad kind", head, "key,kind,citation\ndoc,guessed,x\n", "sources.csv:2: kind \"guessed\""},
	}
	for _, tt := range tests {
		_, err := ParseCatalog(strings.NewReader(tt.skus), strings.NewReader(tt.sources))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error = %v, want it to contain %q", tt.name, err, tt.want)
		}
	}
	if _, err := ParseCatalog(strings.NewReader(head+good), strings.NewReader(sources)); err != nil {
		t.Errorf("a good catalog: %v", err)
	}
}

// TestPrefillKeys checks Microsoft's rule against its own example: a
// Compute Optimized X3 filled to 75 % with 1 KB values holds about
// 1,699,396 keys.
func TestPrefillKeys(t *testing.T) {
	t.Parallel()
	c := catalog(t)
	x3, err := c.Lookup("X3")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		memoryGB, fill, value float64
		want                  uint64
	}{
		{x3.MemoryGB.Value, 0.75, 1024, 1699396},
		{12, 0.75, 1024, 6797583}, // B10: 9e9 / 1324
		{3, 1, 1024, 2265861},
		{3, 0.75, 0, 7500000}, // the overhead alone
		{0, 0.75, 1024, 0},
	}
	for _, tt := range tests {
		if got := PrefillKeys(tt.memoryGB, tt.fill, tt.value); got != tt.want {
			t.Errorf("PrefillKeys(%v, %v, %v) = %d, want %d", tt.memoryGB, tt.fill, tt.value, got, tt.want)
		}
	}
}

func TestSourcesOf(t *testing.T) {
	t.Parallel()
	c := catalog(t)
	var skus []*SKU
	for _, name := range []string{"X3", "X700", "X3"} {
		s, err := c.Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		skus = append(skus, s)
	}
	// X3 and X700 cite these in skus.csv, once each however often they are listed.
	want := "amr-connections-mapped amr-get-mapped amr-preview amr-shards-mapped amr-size-map amr-usable"
	var keys []string
	for _, src := range c.SourcesOf(skus) {
		keys = append(keys, src.Key)
	}
	if got := strings.Join(keys, " "); got != want {
		t.Errorf("sources %q, want %q", got, want)
	}
	if got := c.SourcesOf(nil); len(got) != 0 {
		t.Errorf("no SKUs cite %d sources", len(got))
	}
}
