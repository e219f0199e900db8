package capacity

import (
	"fmt"
	"math"
	"strings"

	"github.com/amrbench/amrbench/internal/units"
	"github.com/amrbench/amrbench/report/catalog"
	"github.com/amrbench/amrbench/report/prices"
	"github.com/amrbench/amrbench/results"
)

// Defaults of a capacity plan.
const (
	// DefaultMemoryHeadroom is the share of a SKU's usable memory a plan keeps
	// free: Microsoft advises scaling when used memory stays above 75 %.
	DefaultMemoryHeadroom = 0.25
	// DefaultThroughputHeadroom is the share of a SKU's capacity a plan keeps
	// free: Microsoft advises keeping Server Load below 80 %.
	DefaultThroughputHeadroom = 0.20
	// DefaultMaxErrorRate is the largest share of failed operations a run or
	// step may have and still count as meeting the objectives.
	DefaultMaxErrorRate = 0.001
	// DefaultPerKeyOverheadBytes is what a key costs in memory besides its
	// value, by Microsoft's prefill rule (catalog.PrefillOverheadBytes).
	DefaultPerKeyOverheadBytes = catalog.PrefillOverheadBytes
	// farExtrapolation is the vCPU ratio beyond which an extrapolation is
	// called out as far from its measurement.
	farExtrapolation = 4
)

// Input is what a capacity plan is asked for.
type Input struct {
	// TargetOps is the throughput to plan for, in operations per second.
	TargetOps float64 `json:"target_ops"`
	// Objectives are the latency objectives every recommended SKU must meet.
	Objectives []results.Objective `json:"-"`
	// DatasetBytes is the data to hold, as it takes memory in the cache;
	// 0 skips the memory check. With Keys, NewPlan computes it as Keys ×
	// (ValueBytes + PerKeyOverheadBytes).
	DatasetBytes float64 `json:"dataset_bytes"`
	// Keys, ValueBytes and PerKeyOverheadBytes describe the data by its
	// keys: their number, the mean value size and what each key costs
	// besides its value (DefaultPerKeyOverheadBytes, Microsoft's rule).
	Keys                float64 `json:"keys,omitempty"`
	ValueBytes          float64 `json:"value_bytes,omitempty"`
	PerKeyOverheadBytes float64 `json:"per_key_overhead_bytes,omitempty"`
	// Connections is the application's client connections; 0 skips the
	// connection check.
	Connections int `json:"connections,omitempty"`
	// MemoryHeadroom and ThroughputHeadroom are the shares kept free.
	MemoryHeadroom     float64 `json:"memory_headroom"`
	ThroughputHeadroom float64 `json:"throughput_headroom"`
	// MaxErrorRate is the share of failed operations allowed in a run or step
	// that counts as meeting the objectives.
	MaxErrorRate float64 `json:"max_error_rate"`
}

// Evidence says what a run tells about the rate that meets the objectives.
type Evidence string

// Kinds of evidence, strongest first.
const (
	// EvidenceSearched is the highest rate that met the same objectives in the
	// run's own search (summary.slo.max_rate).
	EvidenceSearched Evidence = "searched"
	// EvidenceRecomputed is the highest step of the run's staircase that met
	// the plan's objectives, judged here from each step's histograms because
	// the run searched for other objectives.
	EvidenceRecomputed Evidence = "recomputed"
	// EvidenceSaturated is a closed-loop run the server limited (its
	// verdict says its throughput is not a lower bound) that met the
	// objectives: its rate is the capacity at them.
	EvidenceSaturated Evidence = "saturated"
	// EvidenceLowerBound is a run whose rate is only a lower bound of the
	// capacity: one that met the objectives at its achieved rate without
	// searching higher (a closed loop, or one open-loop rate), or a search
	// the client limited or that was cut short (MeasuredRun.LowerBound says
	// which).
	EvidenceLowerBound Evidence = "lower-bound"
	// EvidenceNeverMet is a search in which no rate met the objectives.
	EvidenceNeverMet Evidence = "never-met"
	// EvidenceMissed is a run at one rate that missed the objectives: it says
	// nothing about lower rates.
	EvidenceMissed Evidence = "missed"
	// EvidenceUnusable is a run the plan cannot use (no SKU, no data).
	EvidenceUnusable Evidence = "unusable"
)

// MeasuredRun is one measured run as the plan reads it.
type MeasuredRun struct {
	Name     string   `json:"name"`
	SKU      string   `json:"sku,omitempty"`
	Tier     string   `json:"tier,omitempty"`
	VCPUs    float64  `json:"vcpus,omitempty"`
	Shards   float64  `json:"shards,omitempty"`
	Evidence Evidence `json:"evidence"`
	// Rate is the operations per second that met the objectives (0 when
	// none did or the run tells nothing).
	Rate float64 `json:"rate"`
	// LowerBound says why Rate is only a lower bound of the capacity
	// ("closed loop", "client-bound", "one rate", "cut short"); empty
	// when it is the capacity itself.
	LowerBound string  `json:"lower_bound,omitempty"`
	PerVCPU    float64 `json:"per_vcpu,omitempty"`
	PerShard   float64 `json:"per_shard,omitempty"`
	How        string  `json:"how"`
	workload   string
	sku        *catalog.SKU
	localhost  bool
	keySpace   *results.KeySpace
}

// Basis says where a candidate SKU's capacity comes from.
type Basis string

// Bases of a capacity.
const (
	BasisMeasured     Basis = "measured"
	BasisExtrapolated Basis = "extrapolated"
	BasisNone         Basis = "none"
)

// Candidate is one SKU of a tier checked against the plan.
type Candidate struct {
	SKU string `json:"sku"`
	// DataCapacityGB is the usable memory (or the whole memory where the
	// reservation is unpublished) and DataLimitGB what the plan lets the data
	// take of it after the memory headroom.
	DataCapacityGB float64 `json:"data_capacity_gb"`
	DataLimitGB    float64 `json:"data_limit_gb"`
	FitsMemory     bool    `json:"fits_memory"`
	MaxConnections float64 `json:"max_connections,omitempty"`
	FitsConns      bool    `json:"fits_connections"`
	// Capacity is the rate meeting the objectives, measured or extrapolated.
	Capacity float64 `json:"capacity"`
	Basis    Basis   `json:"basis"`
	// AtLeast is set when Capacity is only a lower bound, and LowerBound
	// says why (MeasuredRun.LowerBound of the run it comes from). Such a
	// candidate that falls short of the need is undecided, not too small.
	AtLeast    bool   `json:"at_least,omitempty"`
	LowerBound string `json:"lower_bound,omitempty"`
	From       string `json:"from,omitempty"`
	Arithmetic string `json:"arithmetic,omitempty"`
	Far        bool   `json:"far,omitempty"`
	Meets      bool   `json:"meets_throughput"`
	// Undecided is set when the capacity is a lower bound below the need:
	// the size may or may not sustain it (Meets is false, yet it is not too
	// small), and only a search (--find-max) on it, or on a size measured
	// in a way that gives a capacity, can tell.
	Undecided bool `json:"undecided,omitempty"`
	sku       *catalog.SKU
}

// TierPlan is the plan's answer for one tier.
type TierPlan struct {
	Tier        string       `json:"tier"`
	Recommended string       `json:"recommended,omitempty"`
	Basis       Basis        `json:"basis,omitempty"`
	Verdict     string       `json:"verdict"`
	Candidates  []*Candidate `json:"candidates,omitempty"`
	// TooSmall says which smaller sizes do not hold the data.
	TooSmall string `json:"too_small,omitempty"`
	// NotRuledOut lists the sizes below Recommended (or, without one, every
	// size that holds the data) whose figures are lower bounds below the
	// need: they may be enough, and a search would tell.
	NotRuledOut []string `json:"not_ruled_out,omitempty"`
	// Price is the recommended size's price, when the plan has prices.
	Price *prices.Price `json:"price,omitempty"`
}

// Plan is a capacity plan: the runs it read, and for each tier the smallest
// SKU that meets the throughput, the objectives, the memory and the
// connections, with the arithmetic.
type Plan struct {
	Input      Input          `json:"input"`
	Objectives []string       `json:"objectives"`
	NeededOps  float64        `json:"needed_ops"`
	Runs       []*MeasuredRun `json:"runs"`
	Tiers      []*TierPlan    `json:"tiers"`
	Warnings   []string       `json:"warnings,omitempty"`
	// Possible is false when no tier has a recommendation.
	Possible bool   `json:"possible"`
	Answer   string `json:"answer"`
	// Pricing is the recommended sizes' prices (SetPricing); nil when the
	// plan was not asked for them.
	Pricing *Pricing `json:"pricing,omitempty"`
	// tierSKUs are the SKUs of the tier being planned.
	tierSKUs []*catalog.SKU
}

// NewPlan reads the runs and plans for in against the catalog.
func NewPlan(c *catalog.Catalog, in Input, runs []results.NamedRun) (*Plan, error) {
	if in.TargetOps <= 0 {
		return nil, fmt.Errorf("target throughput %v: must be above zero", in.TargetOps)
	}
	if len(in.Objectives) == 0 {
		return nil, fmt.Errorf("no latency objective")
	}
	if in.MemoryHeadroom < 0 || in.MemoryHeadroom >= 1 || in.ThroughputHeadroom < 0 || in.ThroughputHeadroom >= 1 {
		return nil, fmt.Errorf("headroom must be at least 0 %% and below 100 %%")
	}
	if in.Keys > 0 {
		if in.ValueBytes < 0 || in.PerKeyOverheadBytes < 0 {
			return nil, fmt.Errorf("value size %v B and per-key overhead %v B: neither may be negative", in.ValueBytes, in.PerKeyOverheadBytes)
		}
		in.DatasetBytes = in.Keys * (in.ValueBytes + in.PerKeyOverheadBytes)
	}
	p := &Plan{Input: in, NeededOps: in.TargetOps / (1 - in.ThroughputHeadroom)}
	for _, o := range in.Objectives {
		p.Objectives = append(p.Objectives, o.String())
	}
	for _, nr := range runs {
		p.Runs = append(p.Runs, p.readRun(c, nr))
	}
	p.checkRuns()

	tiers := []string{}
	for _, t := range c.Tiers() {
		if c.TierSKUs(t)[0].Family == catalog.FamilyAMR || p.measuredTier(t) {
			tiers = append(tiers, t)
		}
	}
	for _, t := range tiers {
		p.Tiers = append(p.Tiers, p.planTier(c, t))
	}
	p.checkFlashRAM()
	p.answer(c)
	return p, nil
}

func (p *Plan) objectivesText() string { return strings.Join(p.Objectives, ", ") }

func (p *Plan) measuredTier(tier string) bool {
	for _, r := range p.Runs {
		if r.Tier == tier {
			return true
		}
	}
	return false
}

// skuCapacity is what the runs of one SKU say about it.
type skuCapacity struct {
	rate    float64
	atLeast bool
	// bound is why rate is only a lower bound (MeasuredRun.LowerBound).
	bound    string
	neverMet bool
	runs     int
}

// measuredCapacities returns, per SKU of the tier, the rate meeting the
// objectives: the lowest of the searches (the conservative reading), or else
// the highest lower bound.
func (p *Plan) measuredCapacities(tier string) map[string]*skuCapacity {
	caps := map[string]*skuCapacity{}
	for _, r := range p.Runs {
		if r.Tier != tier {
			continue
		}
		switch r.Evidence {
		case EvidenceSearched, EvidenceRecomputed, EvidenceSaturated, EvidenceNeverMet:
			c := caps[r.SKU]
			if c == nil || c.atLeast {
				c = &skuCapacity{rate: r.Rate}
				caps[r.SKU] = c
			}
			c.rate = math.Min(c.rate, r.Rate)
			c.runs++
			c.neverMet = c.rate == 0
		case EvidenceLowerBound:
			c := caps[r.SKU]
			if c == nil {
				c = &skuCapacity{rate: r.Rate, atLeast: true, bound: r.LowerBound}
				caps[r.SKU] = c
			}
			if c.atLeast {
				if r.Rate > c.rate {
					c.rate, c.bound = r.Rate, r.LowerBound
				}
				c.runs++
			}
		}
	}
	return caps
}

// planTier walks a tier from its smallest size up.
func (p *Plan) planTier(c *catalog.Catalog, tier string) *TierPlan {
	tp := &TierPlan{Tier: tier}
	skus := c.TierSKUs(tier)
	caps := p.measuredCapacities(tier)
	var refs []*catalog.SKU // measured SKUs with a positive rate
	for _, s := range skus {
		if cp := caps[s.Name]; cp != nil && cp.rate > 0 {
			refs = append(refs, s)
		}
	}

	p.tierSKUs = skus
	var tooSmall []*catalog.SKU
	var fitting []*Candidate
	for _, s := range skus {
		cand := p.candidate(s, caps, refs)
		if cand == nil {
			continue // size unknown
		}
		if !cand.FitsMemory {
			tooSmall = append(tooSmall, s)
			continue
		}
		fitting = append(fitting, cand)
		if cand.FitsConns && cand.Meets {
			tp.Recommended, tp.Basis = s.Name, cand.Basis
			break
		}
		if cand.FitsConns && cand.Undecided {
			tp.NotRuledOut = append(tp.NotRuledOut, s.Name)
		}
	}
	tp.Candidates = fitting
	if len(tooSmall) > 0 && p.Input.DatasetBytes > 0 {
		last := tooSmall[len(tooSmall)-1]
		cap, _ := last.DataCapacity()
		names := tooSmall[0].Name
		if len(tooSmall) > 1 {
			names += " to " + last.Name
		}
		tp.TooSmall = fmt.Sprintf("%s do not hold %s: %s allows %s × (1 − %s) = %s for data", names, units.FormatBytes(p.Input.DatasetBytes), last.Name,
			units.FormatGB(cap.Value), units.FormatPercent(p.Input.MemoryHeadroom), units.FormatGB(cap.Value*(1-p.Input.MemoryHeadroom)))
	}

	p.tierVerdict(tp, skus, fitting, caps, refs)
	return tp
}

func anyConns(cands []*Candidate) bool {
	for _, c := range cands {
		if c.FitsConns {
			return true
		}
	}
	return false
}

func describeBasis(c *Candidate) string {
	switch c.Basis {
	case BasisMeasured:
		if c.AtLeast {
			return "measured (at least " + units.FormatWhole(c.Capacity) + " ops/s)"
		}
		return "measured"
	case BasisExtrapolated:
		text := "extrapolated from " + c.From + ", not measured: confirm with a run on " + c.SKU
		if c.Far {
			text = "extrapolated far from " + c.From + ": measure " + c.SKU + " before buying"
		}
		return text
	}
	return string(c.Basis)
}

// candidate checks one SKU; nil when its size is unknown.
func (p *Plan) candidate(s *catalog.SKU, caps map[string]*skuCapacity, refs []*catalog.SKU) *Candidate {
	capFig, _ := s.DataCapacity()
	if !capFig.Known() {
		return nil
	}
	c := &Candidate{SKU: s.Name, sku: s, DataCapacityGB: capFig.Value, DataLimitGB: round3(capFig.Value * (1 - p.Input.MemoryHeadroom))}
	c.FitsMemory = c.DataLimitGB*catalog.BytesPerGB >= p.Input.DatasetBytes
	c.MaxConnections = s.MaxConnections.Value
	c.FitsConns = p.Input.Connections == 0 || !s.MaxConnections.Known() || float64(p.Input.Connections) <= s.MaxConnections.Value
	if m := caps[s.Name]; m != nil {
		c.Capacity, c.Basis, c.AtLeast, c.LowerBound = m.rate, BasisMeasured, m.atLeast, m.bound
	} else if ref := nearest(s, refs); ref != nil {
		m := caps[ref.Name]
		c.Capacity, c.Arithmetic = extrapolate(ref, m.rate, s, pivot(s, p.tierSKUs))
		c.Basis, c.From, c.AtLeast, c.LowerBound = BasisExtrapolated, ref.Name, m.atLeast, m.bound
		if c.Capacity == 0 {
			c.Basis = BasisNone
		}
		ratio := s.VCPUs.Value / ref.VCPUs.Value
		c.Far = ratio > farExtrapolation || ratio < 1.0/farExtrapolation
	} else {
		c.Basis = BasisNone
	}
	c.Meets = c.Capacity >= p.NeededOps
	c.Undecided = c.AtLeast && !c.Meets && c.Basis != BasisNone
	return c
}

// answer writes the one-paragraph answer.
func (p *Plan) answer(c *catalog.Catalog) {
	var picks, none []string
	for _, t := range p.Tiers {
		switch {
		case t.Recommended != "" && len(t.NotRuledOut) > 0:
			picks = append(picks, fmt.Sprintf("%s %s or smaller (%s; %s not ruled out)", t.Tier, t.Recommended, t.Basis, sizeRange(t.NotRuledOut)))
		case t.Recommended != "":
			picks = append(picks, fmt.Sprintf("%s %s (%s)", t.Tier, t.Recommended, t.Basis))
		default:
			none = append(none, t.Tier)
		}
	}
	p.Possible = len(picks) > 0
	if p.Possible {
		p.Answer = "Smallest size per tier: " + strings.Join(picks, ", ") + "."
		if len(none) > 0 {
			p.Answer += " None for " + strings.Join(none, ", ") + " (see above)."
		}
		return
	}
	// Say the one reason that rules everything out, when there is one.
	var largest *catalog.SKU
	for _, s := range c.SKUs {
		if s.Family == catalog.FamilyAMR && (largest == nil || s.MemoryGB.Value > largest.MemoryGB.Value) {
			largest = s
		}
	}
	allTooBig := true
	for _, t := range p.Tiers {
		if len(t.Candidates) > 0 || !strings.Contains(t.Verdict, "does not fit") {
			allTooBig = false
		}
	}
	if allTooBig && largest != nil {
		cap, _ := largest.DataCapacity()
		p.Answer = fmt.Sprintf("Impossible: %s does not fit any Azure Managed Redis size. The largest, %s, has %s usable, of which the plan lets data take %s. Split the data over several caches, or lower --memory-headroom.",
			units.FormatBytes(p.Input.DatasetBytes), largest.Name, units.FormatGB(cap.Value), units.FormatGB(cap.Value*(1-p.Input.MemoryHeadroom)))
		return
	}
	p.Answer = "No size can be recommended: " + strings.Join(none, ", ") + " (see above)."
}
