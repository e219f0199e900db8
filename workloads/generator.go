package workloads

import (
	"math/rand/v2"
	"slices"
	"strconv"
)

// Workload is a validated Spec with the parts every connection shares: the
// value bytes and the value size distribution. It is safe for concurrent use;
// each connection draws operations through its own Generator.
type Workload struct {
	spec   Spec
	values []byte // read-only after New
	sizes  sizeChooser
	// commands are the spec's arbitrary commands, compiled, and shapes
	// their shapes; nil for the SET/GET mix.
	commands []compiledCommand
	shapes   []CommandShape
}

// New validates spec for the given number of connections and builds the
// shared parts of the workload.
func New(spec Spec, connections int) (*Workload, error) {
	if err := spec.Validate(connections); err != nil {
		return nil, err
	}
	w := &Workload{spec: spec, sizes: newSizeChooser(&spec)}
	w.values = newValueBytes(&spec)
	names := spec.StatNames()
	for _, c := range spec.Commands {
		cc, err := compileCommand(c.Line)
		if err != nil {
			return nil, err // Validate has parsed it already
		}
		cc.stat = slices.Index(names, c.Name())
		w.commands = append(w.commands, cc)
		shape := CommandShape{Verb: string(cc.args[0].text), Args: len(cc.args)}
		for j, a := range cc.args {
			if a.kind == argKey {
				shape.FirstKey = j
				break
			}
		}
		w.shapes = append(w.shapes, shape)
	}
	return w, nil
}

// Spec returns the workload's spec.
func (w *Workload) Spec() Spec { return w.spec }

// StatNames returns the names operations are recorded under, indexed by
// Op.Stat (see Spec.StatNames).
func (w *Workload) StatNames() []string { return w.spec.StatNames() }

// CommandShape is what a caller needs to prepare one reusable request for
// an arbitrary command: its name as written, its number of arguments (the
// name included), and the position of its first key argument (0: none).
type CommandShape struct {
	Verb     string
	Args     int
	FirstKey int
}

// CommandShapes returns the shape of each arbitrary command, in the order
// of Spec.Commands (Op.Command); nil for the SET/GET mix. The slice is
// shared: do not modify it.
func (w *Workload) CommandShapes() []CommandShape { return w.shapes }

// EmittedStats returns StatNames with the names of the stats the workload
// never sends (a side of the mix or a command with ratio 0) left empty.
func (w *Workload) EmittedStats() []string {
	names := w.spec.StatNames()
	out := make([]string, len(names))
	for _, i := range w.spec.UsedStats() {
		out[i] = names[i]
	}
	return out
}

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
	// cmdKeys draw the keys of each arbitrary command; cmd is the command
	// being sent and cmdLeft how many more times in a row it is sent.
	cmdKeys      []keyChooser
	cmd, cmdLeft int
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
	if len(s.Commands) > 0 {
		g.period = 0
		for _, c := range s.Commands {
			g.cmdKeys = append(g.cmdKeys, newKeyChooser(s, c.KeyPattern, conn, conns))
			g.period += c.Ratio
		}
		pos := conn % g.period
		for i, c := range s.Commands {
			if pos < c.Ratio {
				g.cmd, g.cmdLeft = i, c.Ratio-pos
				break
			}
			pos -= c.Ratio
		}
		return g
	}
	g.cycle = conn % g.period
	return g
}

// CommandShapes returns the shapes of the workload's arbitrary commands
// (Workload.CommandShapes).
func (g *Generator) CommandShapes() []CommandShape { return g.w.shapes }

// Next fills op with the next operation. It does not allocate once op.Key has
// grown to the longest key.
func (g *Generator) Next(op *Op) {
	s := &g.w.spec
	if g.w.commands != nil {
		g.nextCommand(op)
		return
	}
	if g.cycle < s.Ratio.Sets {
		op.Kind = Set
		op.KeyIndex = g.setKeys.next(g.rng)
		op.Value = g.value()
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
	op.Stat = int(op.Kind)
	op.Key = strconv.AppendUint(append(op.Key[:0], s.KeyPrefix...), op.KeyIndex, 10)
}

// nextCommand fills op with the next arbitrary command: its constant
// arguments as they are, each key drawn anew and written into op's own
// buffers, each value cut from the shared value bytes.
func (g *Generator) nextCommand(op *Op) {
	s := &g.w.spec
	c := &g.w.commands[g.cmd]
	op.Kind, op.Command, op.Stat = Arbitrary, g.cmd, c.stat
	op.Value, op.TTL = nil, 0
	if cap(op.Args) < len(c.args) {
		op.Args = make([][]byte, len(c.args))
	}
	op.Args = op.Args[:len(c.args)]
	for len(op.keyArgs) < c.keys {
		op.keyArgs = append(op.keyArgs, nil)
	}
	k := 0
	for i := range c.args {
		a := &c.args[i]
		switch a.kind {
		case argConstant:
			op.Args[i] = a.text
		case argKey:
			n := g.cmdKeys[g.cmd].next(g.rng)
			b := append(op.keyArgs[k][:0], a.text...)
			b = append(b, s.KeyPrefix...)
			b = strconv.AppendUint(b, n, 10)
			op.keyArgs[k] = append(b, a.suffix...)
			op.Args[i] = op.keyArgs[k]
			if k == 0 {
				op.KeyIndex = n
				op.Key = strconv.AppendUint(append(op.Key[:0], s.KeyPrefix...), n, 10)
			}
			k++
		case argData:
			op.Value = g.value()
			op.Args[i] = op.Value
		}
	}
	g.cmdLeft--
	for g.cmdLeft <= 0 {
		g.cmd++
		if g.cmd == len(g.w.commands) {
			g.cmd = 0
		}
		g.cmdLeft = s.Commands[g.cmd].Ratio
	}
}

// value draws a value: its size from the workload's sizes, its bytes from
// the shared buffer.
func (g *Generator) value() []byte {
	size := g.w.sizes.next(g.rng)
	off := 0
	if g.w.spec.RandomData {
		off = g.rng.IntN(randomDataSlack)
	}
	return g.w.values[off : off+size]
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
