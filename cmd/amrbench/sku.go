package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/amrbench/amrbench/internal/units"
	"github.com/amrbench/amrbench/report/catalog"
	"github.com/amrbench/amrbench/results"
	"github.com/amrbench/amrbench/workloads"
)

// planSKU looks up --sku in the catalog and sets the connection limit from
// it; once connected, the run checks every connection it opens (workers ×
// shards for an OSS cluster) against that limit and warns.
func (f *runFlags) planSKU(fs *pflag.FlagSet, p *runPlan) error {
	if !fs.Changed("sku") {
		return nil
	}
	skus, err := catalog.DefaultCatalog()
	if err != nil {
		return fmt.Errorf("the tier catalog: %w", err)
	}
	sku, err := skus.Lookup(f.sku)
	if err != nil {
		return usagef("--sku: %w", err)
	}
	p.sku = sku
	if az, ok := catalog.AzureDefaults(p.cfg.Target.Host); ok && !sku.SoldBy(az.Service) {
		return usagef("--sku %s is %s %s, but %s is %s: the results would be labelled with the wrong size",
			f.sku, sku.Family, sku.Tier, p.cfg.Target.Host, az.Service)
	}
	limit := sku.MaxConnections
	if !limit.Known() {
		p.notes = append(p.notes, fmt.Sprintf("%s %s: its connection limit is not published; connections not checked", sku.Tier, sku.Name))
		return nil
	}
	p.cfg.ConnectionLimit = int(limit.Value)
	return nil
}

// planFill sizes the key range from the SKU's memory by Microsoft's prefill
// rule when --preload-fill (or the preset's preload-fill) asks for it, and
// computes the key space the report compares with the SKU's RAM.
func (f *runFlags) planFill(fs *pflag.FlagSet, p *runPlan) error {
	s := &p.spec
	fill, from := 0.0, ""
	switch {
	case fs.Changed("preload-fill"):
		v, err := units.ParsePercent(f.preloadFill)
		if err != nil || v == 0 {
			return usagef("--preload-fill: %q is not a percentage above 0%% and at most 100%%", f.preloadFill)
		}
		if p.sku == nil {
			return usagef("--preload-fill needs --sku: the key count comes from the SKU's memory")
		}
		if fs.Changed("key-maximum") {
			return usagef("give --preload-fill or --key-maximum, not both: --preload-fill sets the key range")
		}
		fill, from = v, "--preload-fill "+strings.TrimSuffix(strings.TrimSpace(f.preloadFill), "%")+"%"
	case p.preset != nil && p.preset.PreloadFill > 0:
		pct := strconv.FormatFloat(100*p.preset.PreloadFill, 'f', -1, 64) + "%"
		switch {
		case fs.Changed("key-maximum"):
			p.notes = append(p.notes, fmt.Sprintf("--key-maximum replaces the key range that preset %s sizes from the SKU (preload-fill %s)", p.preset.Name, pct))
		case p.sku == nil:
			p.notes = append(p.notes, fmt.Sprintf("preset %s sizes its key space to %s of the SKU's memory, but no --sku was given: keeping its %s keys",
				p.preset.Name, pct, units.FormatWhole(float64(s.KeyCount()))))
		default:
			fill, from = p.preset.PreloadFill, "preset "+p.preset.Name+": preload-fill "+pct
		}
		if !fs.Changed("preload") {
			p.cfg.Preload = true
		}
	}
	if fill > 0 {
		mem := p.sku.MemoryGB
		if !mem.Known() {
			return usagef("%s: the size of %s is not published", from, p.sku.Name)
		}
		value := s.MeanValueSize()
		keys := catalog.PrefillKeys(mem.Value, fill, value)
		if keys == 0 {
			return usagef("%s: no key fits", from)
		}
		s.KeyMaximum = s.KeyMinimum + keys - 1
		if !fs.Changed("preload") {
			p.cfg.Preload = true
		}
		p.notes = append(p.notes, fmt.Sprintf("%s of %s (%s, %s): %s B × %s / (%s B + %d B per key) = %s keys, Microsoft's prefill rule; keys %s%d..%s%d",
			from, p.sku.Name, units.FormatGB(mem.Value), mem.Kind(),
			units.FormatWhole(mem.Value*catalog.BytesPerGB), strconv.FormatFloat(fill, 'f', -1, 64), units.FormatWhole(value), catalog.PrefillOverheadBytes,
			units.FormatWhole(float64(keys)), s.KeyPrefix, s.KeyMinimum, s.KeyPrefix, s.KeyMaximum))
	}
	if p.preset != nil && !fs.Changed("key-stddev") {
		p.preset.Finish(s)
	}
	if p.sku != nil || p.preset != nil {
		p.keySpace = keySpaceOf(s, p.sku)
	}
	return nil
}

// keySpaceOf relates the workload's key space to the SKU's RAM (sku may be
// nil).
func keySpaceOf(s *workloads.Spec, sku *catalog.SKU) *results.KeySpace {
	perKey := s.MeanValueSize() + catalog.PrefillOverheadBytes
	ks := &results.KeySpace{
		Keys:                s.KeyCount(),
		MeanValueBytes:      s.MeanValueSize(),
		PerKeyOverheadBytes: catalog.PrefillOverheadBytes,
		Bytes:               float64(s.KeyCount()) * perKey,
		Distribution:        s.GetDistribution(),
	}
	if sku == nil {
		return ks
	}
	ks.SKU, ks.Flash = sku.Name, sku.IsFlash()
	ram, mem := sku.RAM(), sku.MemoryGB
	if !ram.Known() {
		return ks
	}
	ks.RAMBytes = ram.Value * catalog.BytesPerGB
	if sku.UsableGB.Known() {
		ks.UsableBytes = sku.UsableGB.Value * catalog.BytesPerGB
	}
	ks.RAMNote = fmt.Sprintf("%s, %s", units.FormatGB(ram.Value), ram.Kind())
	if ks.Flash {
		ks.RAMNote = fmt.Sprintf("%s of its %s, %s", units.FormatGB(ram.Value), units.FormatGB(mem.Value), ram.Kind())
	}
	ks.KeysInRAM = min(ks.Keys, uint64(ks.RAMBytes/perKey))
	if s.Ratio.Gets > 0 {
		ks.GetShareInRAM = s.GetShareOfHottest(ks.KeysInRAM)
	}
	return ks
}

// loadWorkload reads --workload: a file if one has that path, otherwise a
// built-in preset.
func loadWorkload(arg string) (*workloads.Preset, error) {
	if st, err := os.Stat(arg); err == nil && !st.IsDir() {
		file, err := os.Open(arg)
		if err != nil {
			return nil, err
		}
		defer file.Close()
		name := strings.TrimSuffix(filepath.Base(arg), filepath.Ext(arg))
		return workloads.ParsePreset(name, file, arg)
	}
	p, err := workloads.LookupPreset(arg)
	if errors.Is(err, workloads.ErrUnknownPreset) {
		return nil, fmt.Errorf("%q is neither a file nor a preset (presets: %s)", arg, strings.Join(workloads.PresetNames(), ", "))
	}
	return p, err
}
