package workloads

import (
	"math/rand/v2"
	"strconv"
)

// Workload is a validated Spec with the parts every connection shares: the
// value bytes and the value size distribution. It is safe for concurrent use;
// each connection draws operations through its own Generator.
type Workload struct {
	spec   Spec
	values []byte // read-only after New
	sizes  sizeChooser
}

// New validates spec for the given number of connections and builds the
// shared parts of the workload.
func New(spec Spec, connections int) (*Workload, error) {
	if err := spec.Validate(connections); err != nil {
		return nil, err
	}
	w := &Workload{spec: spec, sizes: newSizeChooser(&spec)}
	w.values = newValueBytes(&spec)
	return w, nil
}

// Spec returns the workload's spec.
func (w *Workload) Spec() Spec { return w.spec }

// newValueBytes returns the buffer values are cut from: a run of 'x' (as
// memtier fills values) or, with RandomData, random bytes with room to start
// each value at a random offset so consecutive values differ.
func newValueBytes(s *Spec) []byte {
	n := s.MaxValueSize()
	if !s.RandomData {
		b := make([]byte, n)
		for i := range b {
			b[i] = 'x'
		}
		return b
	}
	b := make([]byte, n+randomDataSlack)
	r := rand.New(rand.NewPCG(s.Seed, 0x76616c756573)) // "values"
	for i := 0; i < len(b); i += 8 {
		v := r.Uint64()
		for j := 0; j < 8 && i+j < len(b); j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	return b
}

// Generator draws the operations of one connection. It is not safe for
// concurrent use.
type Generator struct {
	w       *Workload
	rng     *rand.Rand
	setKeys keyChooser
	getKeys keyChooser
	cycle   int // position in the SET:GET cycle
	period  int // Sets + Gets
}

// Generator returns the generator of connection conn out of conns. Generators
// for the same connection index and seed produce the same sequence.
func (w *Workload) Generator(conn, conns int) *Generator {
	s := &w.spec
	g := &Generator{
		w:       w,
		rng:     rand.New(rand.NewPCG(s.Seed, uint64(conn)+1)),
		setKeys: newKeyChooser(s, s.KeyPattern.Set, conn, conns),
		getKeys: newKeyChooser(s, s.KeyPattern.Get, conn, conns),
		period:  s.Ratio.Sets + s.Ratio.Gets,
	}
	// Start connections at different points of the cycle so that, with many
	// connections, SETs are spread over time rather than sent all at once.
	g.cycle = conn % g.period
	return g
}

// Next fills op with the next operation. It does not allocate once op.Key has
// grown to the longest key.
func (g *Generator) Next(op *Op) {
	s := &g.w.spec
	if g.cycle < s.Ratio.Sets {
		op.Kind = Set
		op.KeyIndex = g.setKeys.next(g.rng)
		size := g.w.sizes.next(g.rng)
		off := 0
		if s.RandomData {
			off = g.rng.IntN(randomDataSlack)
		}
		op.Value = g.w.values[off : off+size]
		op.TTL = 0
		if !s.ExpiryRange.IsZero() {
			r := s.ExpiryRange
			op.TTL = r.Min + g.rng.Int64N(r.Max-r.Min+1)
		}
	} else {
		op.Kind = Get
		op.KeyIndex = g.getKeys.next(g.rng)
		op.Value = nil
		op.TTL = 0
	}
	g.cycle++
	if g.cycle == g.period {
		g.cycle = 0
	}
	op.Key = strconv.AppendUint(append(op.Key[:0], s.KeyPrefix...), op.KeyIndex, 10)
}

// sizeChooser draws value sizes.
type sizeChooser struct {
	fixed  int
	lo, hi int
	sizes  []int
	cum    []int // cumulative weights
}

func newSizeChooser(s *Spec) sizeChooser {
	switch {
	case len(s.DataSizeList) > 0:
		c := sizeChooser{}
		total := 0
		for _, sw := range s.DataSizeList {
			total += sw.Weight
			c.sizes = append(c.sizes, sw.Size)
			c.cum = append(c.cum, total)
		}
		return c
	case !s.DataSizeRange.IsZero():
		return sizeChooser{lo: int(s.DataSizeRange.Min), hi: int(s.DataSizeRange.Max)}
	default:
		return sizeChooser{fixed: s.DataSize}
	}
}

func (c *sizeChooser) next(r *rand.Rand) int {
	switch {
	case c.fixed > 0:
		return c.fixed
	case len(c.cum) > 0:
		x := r.IntN(c.cum[len(c.cum)-1])
		for i, w := range c.cum {
			if x < w {
				return c.sizes[i]
			}
		}
		return c.sizes[len(c.sizes)-1]
	default:
		return c.lo + r.IntN(c.hi-c.lo+1)
	}
}
