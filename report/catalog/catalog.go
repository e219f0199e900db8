package catalog

import (
	"bytes"
	"embed"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// The catalog is data: skus.csv and sources.csv, embedded, so a change to a
// figure is a one-line diff that names its source.
//
//go:embed skus.csv sources.csv
var catalogFiles embed.FS

// FigureKind says where a catalog figure comes from.
type FigureKind string

// Figure kinds.
const (
	// Published figures are copied from Microsoft's documentation.
	Published FigureKind = "published"
	// Derived figures are computed or inferred from published ones.
	Derived FigureKind = "derived"
	// Unknown figures are not in the reference; amrbench never guesses them.
	Unknown FigureKind = "unknown"
)

// Source is a document, or a derivation from documents, that catalog figures
// cite.
type Source struct {
	Key      string     `json:"key"`
	Kind     FigureKind `json:"kind"`
	Citation string     `json:"citation"`
}

// Figure is one number of the catalog with its source. The zero Figure is
// unknown.
type Figure struct {
	Value  float64
	Source *Source
}

// Known reports whether the figure has a value.
func (f Figure) Known() bool { return f.Source != nil }

// Kind returns Published, Derived or Unknown.
func (f Figure) Kind() FigureKind {
	if f.Source == nil {
		return Unknown
	}
	return f.Source.Kind
}

// MarshalJSON writes {"value":12,"kind":"published","source":"amr-get"}, or
// {"value":null,"kind":"unknown"}.
func (f Figure) MarshalJSON() ([]byte, error) {
	if !f.Known() {
		return []byte(`{"value":null,"kind":"unknown"}`), nil
	}
	return json.Marshal(struct {
		Value  float64    `json:"value"`
		Kind   FigureKind `json:"kind"`
		Source string     `json:"source"`
	}{f.Value, f.Source.Kind, f.Source.Key})
}

// Families of SKUs.
const (
	// FamilyAMR is Azure Managed Redis.
	FamilyAMR = "AMR"
	// FamilyACR is the classic Azure Cache for Redis (Basic, Standard,
	// Premium, Enterprise, Enterprise Flash).
	FamilyACR = "ACR"
)

// SKU is one size of one tier.
type SKU struct {
	Name   string `json:"sku"`
	Family string `json:"family"`
	Tier   string `json:"tier"`
	// Status is GA, preview or retiring.
	Status         string `json:"status"`
	StatusSource   string `json:"status_source"`
	MemoryGB       Figure `json:"memory_gb"`
	UsableGB       Figure `json:"usable_gb"`
	RAMGB          Figure `json:"ram_gb"`
	VCPUs          Figure `json:"vcpus"`
	PrimaryShards  Figure `json:"primary_shards"`
	MaxConnections Figure `json:"max_connections"`
	// GetRPS is Microsoft's published GET throughput; its source says under
	// which conditions it was measured.
	GetRPS Figure `json:"get_rps"`
	Note   string `json:"note,omitempty"`
	// line is the line of skus.csv the SKU comes from.
	line int
}

// RAM returns the SKU's RAM: for a Flash tier, which keeps part of the data
// on NVMe, the RAM column (unknown where it is not published); for an
// in-memory tier, the memory.
func (s *SKU) RAM() Figure {
	if s.IsFlash() {
		return s.RAMGB
	}
	return s.MemoryGB
}

// IsFlash reports whether the SKU's tier keeps part of its data on NVMe
// (Flash Optimized, Enterprise Flash).
func (s *SKU) IsFlash() bool { return strings.Contains(s.Tier, "Flash") }

// DataCapacity returns the memory available for data and whether it is the
// usable memory (true) or the whole memory because the reservation is not
// published (false). The figure is unknown when the size is.
func (s *SKU) DataCapacity() (Figure, bool) {
	if s.UsableGB.Known() {
		return s.UsableGB, true
	}
	return s.MemoryGB, false
}

// Catalog is the set of SKUs amrbench knows, in the order of the data file:
// by family, tier and size.
type Catalog struct {
	SKUs    []*SKU
	Sources map[string]*Source
	byName  map[string]*SKU
}

var (
	defaultCatalogOnce sync.Once
	defaultCatalog     *Catalog
	defaultCatalogErr  error
)

// DefaultCatalog returns the embedded catalog.
func DefaultCatalog() (*Catalog, error) {
	defaultCatalogOnce.Do(func() {
		skus, err := catalogFiles.ReadFile("skus.csv")
		if err != nil {
			defaultCatalogErr = err
			return
		}
		sources, err := catalogFiles.ReadFile("sources.csv")
		if err != nil {
			defaultCatalogErr = err
			return
		}
		defaultCatalog, defaultCatalogErr = ParseCatalog(bytes.NewReader(skus), bytes.NewReader(sources))
	})
	return defaultCatalog, defaultCatalogErr
}

// ParseCatalog reads a catalog in the format of skus.csv and sources.csv.
// Errors name the file and line.
func ParseCatalog(skus, sources io.Reader) (*Catalog, error) {
	c := &Catalog{Sources: map[string]*Source{}, byName: map[string]*SKU{}}
	err := readCSV(sources, "sources.csv", []string{"key", "kind", "citation"}, func(line int, rec map[string]string) error {
		kind := FigureKind(rec["kind"])
		if kind != Published && kind != Derived {
			return fmt.Errorf("kind %q: use published or derived", rec["kind"])
		}
		if rec["key"] == "" || rec["citation"] == "" {
			return errors.New("a source needs a key and a citation")
		}
		if c.Sources[rec["key"]] != nil {
			return fmt.Errorf("source %q is defined twice", rec["key"])
		}
		c.Sources[rec["key"]] = &Source{Key: rec["key"], Kind: kind, Citation: rec["citation"]}
		return nil
	})
	if err != nil {
		return nil, err
	}
	cols := []string{"sku", "family", "tier", "status", "status_src", "memory_gb", "memory_src", "usable_gb", "usable_src",
		"ram_gb", "ram_src", "vcpus", "vcpus_src", "primary_shards", "shards_src", "max_connections", "connections_src",
		"get_rps", "get_rps_src", "note"}
	err = readCSV(skus, "skus.csv", cols, func(line int, rec map[string]string) error {
		s := &SKU{Name: rec["sku"], Family: rec["family"], Tier: rec["tier"], Status: rec["status"], Note: rec["note"], line: line}
		if s.Name == "" || s.Tier == "" {
			return errors.New("a SKU needs a name and a tier")
		}
		if s.Family != FamilyAMR && s.Family != FamilyACR {
			return fmt.Errorf("%s: family %q: use AMR or ACR", s.Name, s.Family)
		}
		for _, p := range armPrefixes { // Lookup strips them: it would never find the SKU
			if strings.HasPrefix(strings.ToUpper(s.Name), p) {
				return fmt.Errorf("%s: name the SKU without its ARM prefix %q", s.Name, strings.ToLower(p))
			}
		}
		if c.byName[strings.ToUpper(s.Name)] != nil {
			return fmt.Errorf("%s is listed twice", s.Name)
		}
		if s.Status != "" {
			if c.Sources[rec["status_src"]] == nil {
				return fmt.Errorf("%s: status %q has no source (status_src %q)", s.Name, s.Status, rec["status_src"])
			}
			s.StatusSource = rec["status_src"]
		}
		for _, f := range []struct {
			col string
			dst *Figure
		}{
			{"memory_gb", &s.MemoryGB}, {"usable_gb", &s.UsableGB}, {"ram_gb", &s.RAMGB}, {"vcpus", &s.VCPUs},
			{"primary_shards", &s.PrimaryShards}, {"max_connections", &s.MaxConnections}, {"get_rps", &s.GetRPS},
		} {
			srcCol := strings.TrimSuffix(f.col, "_gb") + "_src"
			switch f.col {
			case "primary_shards":
				srcCol = "shards_src"
			case "max_connections":
				srcCol = "connections_src"
			case "get_rps":
				srcCol = "get_rps_src"
			}
			fig, err := c.figure(rec[f.col], rec[srcCol])
			if err != nil {
				return fmt.Errorf("%s: %s: %w", s.Name, f.col, err)
			}
			*f.dst = fig
		}
		c.SKUs = append(c.SKUs, s)
		c.byName[strings.ToUpper(s.Name)] = s
		return nil
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Catalog) figure(value, src string) (Figure, error) {
	switch {
	case value == "" && src == "":
		return Figure{}, nil
	case value == "":
		return Figure{}, fmt.Errorf("source %q but no value (leave both empty for unknown)", src)
	case src == "":
		return Figure{}, fmt.Errorf("value %s has no source: every figure cites one", value)
	}
	v, err := strconv.ParseFloat(value, 64)
	if err != nil || !(v > 0) || math.IsInf(v, 0) { // NaN and Inf parse
		return Figure{}, fmt.Errorf("%q is not a number above zero", value)
	}
	s := c.Sources[src]
	if s == nil {
		return Figure{}, fmt.Errorf("source %q is not in sources.csv", src)
	}
	return Figure{Value: v, Source: s}, nil
}

// readCSV reads a CSV file with '#' comments and a header row holding at
// least cols, calling fn with each record by column name. Errors name the
// file and line.
func readCSV(r io.Reader, name string, cols []string, fn func(line int, rec map[string]string) error) error {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return fmt.Errorf("%s: header: %w", name, err)
	}
	index := map[string]int{}
	for i, h := range header {
		index[strings.TrimSpace(h)] = i
	}
	for _, col := range cols {
		if _, ok := index[col]; !ok {
			line, _ := cr.FieldPos(0)
			return fmt.Errorf("%s:%d: the header has no %q column", name, line, col)
		}
	}
	for {
		fields, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		line, _ := cr.FieldPos(0)
		if len(fields) != len(header) {
			return fmt.Errorf("%s:%d: %d fields, the header has %d", name, line, len(fields), len(header))
		}
		rec := make(map[string]string, len(cols))
		for _, col := range cols {
			rec[col] = strings.TrimSpace(fields[index[col]])
		}
		if err := fn(line, rec); err != nil {
			return fmt.Errorf("%s:%d: %w", name, line, err)
		}
	}
}

// armPrefixes are the ARM SKU name prefixes (e.g. "Balanced_B10") that
// Lookup accepts besides the bare size name.
var armPrefixes = []string{"BALANCED_", "MEMORYOPTIMIZED_", "COMPUTEOPTIMIZED_", "FLASHOPTIMIZED_", "ENTERPRISEFLASH_", "ENTERPRISE_", "BASIC_", "STANDARD_", "PREMIUM_"}

// Lookup finds a SKU by name, case-insensitively: "B10", "x3", or the ARM
// name "Balanced_B10". The error for an unknown name lists the sizes of the
// tier its letter suggests.
func (c *Catalog) Lookup(name string) (*SKU, error) {
	key := strings.ToUpper(strings.TrimSpace(name))
	for _, p := range armPrefixes {
		key = strings.TrimPrefix(key, p)
	}
	if s := c.byName[key]; s != nil {
		return s, nil
	}
	if key != "" {
		var same []string
		tier := ""
		for _, s := range c.SKUs {
			if s.Name[0] == key[0] {
				same, tier = append(same, s.Name), s.Tier
			}
		}
		if len(same) > 0 {
			return nil, fmt.Errorf("unknown SKU %q: %s sizes are %s (amrbench tiers lists them all)", name, tier, strings.Join(same, ", "))
		}
	}
	return nil, fmt.Errorf("unknown SKU %q: Azure Managed Redis SKUs are B0-B1000, M10-M2000, X3-X700 and A250-A4500 (amrbench tiers lists them all)", name)
}

// Tiers returns the tier names in catalog order.
func (c *Catalog) Tiers() []string {
	var tiers []string
	seen := map[string]bool{}
	for _, s := range c.SKUs {
		if !seen[s.Tier] {
			seen[s.Tier] = true
			tiers = append(tiers, s.Tier)
		}
	}
	return tiers
}

// TierSKUs returns the SKUs of one tier in catalog order, which is smallest
// first (a test keeps the data file so).
func (c *Catalog) TierSKUs(tier string) []*SKU {
	var skus []*SKU
	for _, s := range c.SKUs {
		if s.Tier == tier {
			skus = append(skus, s)
		}
	}
	return skus
}

// SourcesOf returns the sources skus cite, for their status or any known
// figure, sorted by key.
func (c *Catalog) SourcesOf(skus []*SKU) []*Source {
	seen := map[string]bool{}
	var out []*Source
	add := func(key string) {
		if s := c.Sources[key]; s != nil && !seen[key] {
			seen[key] = true
			out = append(out, s)
		}
	}
	for _, s := range skus {
		add(s.StatusSource)
		for _, f := range []Figure{s.MemoryGB, s.UsableGB, s.RAMGB, s.VCPUs, s.PrimaryShards, s.MaxConnections, s.GetRPS} {
			if f.Known() {
				add(f.Source.Key)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// squash lowercases s and drops everything but letters and digits, so tier
// names match however they are spelt ("Memory Optimized", "memory-optimized").
func squash(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Filter returns the SKUs whose tier or family matches query: a family
// ("amr", "acr") or a tier name or any part of one ("balanced",
// "memory-optimized", "compute", "flash", "premium"). An empty query matches
// every SKU.
func (c *Catalog) Filter(query string) ([]*SKU, error) {
	q := squash(query)
	if q == "" {
		return c.SKUs, nil
	}
	var out []*SKU
	for _, s := range c.SKUs {
		if squash(s.Family) == q || strings.Contains(squash(s.Tier), q) {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no tier matches %q (tiers: %s)", query, strings.Join(c.Tiers(), ", "))
	}
	return out, nil
}

// PrefillOverheadBytes is the per-key overhead of Microsoft's prefill rule
// of thumb (azure-docs:articles/redis/best-practices-performance.md@0b8729ea):
// numberOfKeysToSet = TotalCacheSizeInBytes × 0.75 / (1024 + 300).
const PrefillOverheadBytes = 300

// BytesPerGB is how Microsoft counts a GB in that rule: its X3 example is
// 3 × 1000000000 bytes.
const BytesPerGB = 1e9

// PrefillKeys returns the number of keys that fill a cache of memoryGB to the
// fraction fill with values of valueBytes, by Microsoft's rule:
// keys = memoryGB × 10^9 × fill / (valueBytes + 300), rounded to the nearest
// key (Microsoft's X3 example: 3 GB at 0.75 with 1 KB values gives about
// 1,699,396 keys).
func PrefillKeys(memoryGB, fill, valueBytes float64) uint64 {
	if memoryGB <= 0 || fill <= 0 || valueBytes < 0 {
		return 0
	}
	return uint64(memoryGB*BytesPerGB*fill/(valueBytes+PrefillOverheadBytes) + 0.5)
}
