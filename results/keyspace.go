package results

// KeySpace relates a run's key space to the memory of the SKU it ran against
// (--sku), so a report can say whether the data, or its hot set, fits in RAM:
// what Flash Optimized results depend on. The command line computes it from
// the workload and the tier catalog when the run starts; reports only read
// it.
type KeySpace struct {
	// Keys is the number of keys in the key range.
	Keys uint64 `json:"keys"`
	// MeanValueBytes is the mean value size of the workload's SETs.
	MeanValueBytes float64 `json:"mean_value_bytes"`
	// PerKeyOverheadBytes is the per-key overhead of Microsoft's prefill
	// rule of thumb, 300 bytes.
	PerKeyOverheadBytes float64 `json:"per_key_overhead_bytes"`
	// Bytes is Keys × (MeanValueBytes + PerKeyOverheadBytes): the memory the
	// key space takes by that rule.
	Bytes float64 `json:"bytes"`
	// SKU names the SKU the key space is measured against; empty when the run
	// had no --sku, and then the fields below are zero.
	SKU string `json:"sku,omitempty"`
	// RAMBytes is the SKU's RAM; for Flash Optimized, the part of its size
	// that is RAM rather than NVMe.
	RAMBytes float64 `json:"ram_bytes,omitempty"`
	// UsableBytes is the memory the SKU leaves for data; 0 when unknown.
	UsableBytes float64 `json:"usable_bytes,omitempty"`
	// Flash is set for SKUs that keep part of the data on NVMe.
	Flash bool `json:"flash,omitempty"`
	// RAMNote says where the RAM figure comes from, e.g. "20 % of 235 GB
	// (derived)".
	RAMNote string `json:"ram_note,omitempty"`
	// KeysInRAM is how many keys' values fit in RAM by the same rule:
	// RAMBytes / (MeanValueBytes + PerKeyOverheadBytes), at most Keys.
	KeysInRAM uint64 `json:"keys_in_ram,omitempty"`
	// GetShareInRAM is the expected share of GETs that fall on the KeysInRAM
	// most requested keys, from the GET key distribution: an estimate of the
	// RAM hit ratio of a Flash cache once its hot set has settled in RAM.
	GetShareInRAM float64 `json:"get_share_in_ram,omitempty"`
	// Distribution names the GET key distribution, e.g. "zipf 1".
	Distribution string `json:"distribution,omitempty"`
}
