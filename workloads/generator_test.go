package workloads

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
)

func mustWorkload(t testing.TB, s Spec, conns int) *Workload {
	t.Helper()
	w, err := New(s, conns)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestGeneratorRatioIsExact(t *testing.T) {
	t.Parallel()
	for _, r := range []Ratio{{1, 10}, {1, 1}, {10, 1}, {0, 1}, {1, 0}, {3, 7}} {
		s := DefaultSpec()
		s.Ratio = r
		g := mustWorkload(t, s, 1).Generator(3, 7)
		period := r.Sets + r.Gets
		var counts [Arbitrary]int
		var op Op
		for range period * 1000 {
			g.Next(&op)
			counts[op.Kind]++
		}
		if counts[Set] != r.Sets*1000 || counts[Get] != r.Gets*1000 {
			t.Errorf("ratio %v: got %d SET and %d GET in %d ops", r, counts[Set], counts[Get], period*1000)
		}
	}
}

func TestGeneratorSameSeedSameSequence(t *testing.T) {
	t.Parallel()
	s := DefaultSpec()
	s.Seed = 42
	s.RandomData = true
	s.DataSizeRange = Range{10, 100}
	s.ExpiryRange = Range{1, 60}
	s.KeyPattern = KeyPatterns{Zipf, Gaussian}
	w := mustWorkload(t, s, 4)
	seq := func(g *Generator) []string {
		var out []string
		var op Op
		for range 500 {
			g.Next(&op)
			out = append(out, fmt.Sprintf("%v %s %x %d", op.Kind, op.Key, op.Value, op.TTL))
		}
		return out
	}
	a, b := seq(w.Generator(2, 4)), seq(w.Generator(2, 4))
	if !slices.Equal(a, b) {
		t.Fatal("two generators with the same seed and connection differ")
	}
	if c := seq(w.Generator(3, 4)); slices.Equal(a, c) {
		t.Fatal("two connections produced the same sequence")
	}
	s.Seed = 43
	if d := seq(mustWorkload(t, s, 4).Generator(2, 4)); slices.Equal(a, d) {
		t.Fatal("a different seed produced the same sequence")
	}
}

func TestKeysStayInRangeAndSpelling(t *testing.T) {
	t.Parallel()
	for _, p := range []KeyPattern{Uniform, Sequential, Gaussian, Zipf, Parallel} {
		s := DefaultSpec()
		s.KeyPrefix = "k-"
		s.KeyMinimum, s.KeyMaximum = 1000, 1999
		s.KeyPattern = KeyPatterns{p, p}
		g := mustWorkload(t, s, 8).Generator(5, 8)
		var op Op
		for range 20000 {
			g.Next(&op)
			if op.KeyIndex < 1000 || op.KeyIndex > 1999 {
				t.Fatalf("pattern %s: key %d outside 1000..1999", p, op.KeyIndex)
			}
			if want := "k-" + strconv.FormatUint(op.KeyIndex, 10); string(op.Key) != want {
				t.Fatalf("pattern %s: key %q, want %q", p, op.Key, want)
			}
		}
	}
}

func TestParallelSlicesAreDisjointAndCover(t *testing.T) {
	t.Parallel()
	s := DefaultSpec()
	s.KeyMinimum, s.KeyMaximum = 7, 1006 // 1000 keys
	s.Ratio = Ratio{1, 0}                // the SET and GET sides walk their slices independently
	s.KeyPattern = KeyPatterns{Parallel, Parallel}
	const conns = 7
	w := mustWorkload(t, s, conns)
	seen := map[uint64]int{}
	for c := range conns {
		lo, count := ParallelSlice(s.KeyMinimum, s.KeyCount(), c, conns)
		g := w.Generator(c, conns)
		var op Op
		for range count {
			g.Next(&op)
			if op.KeyIndex < lo || op.KeyIndex >= lo+count {
				t.Fatalf("connection %d drew %d outside its slice [%d,%d)", c, op.KeyIndex, lo, lo+count)
			}
			seen[op.KeyIndex]++
		}
	}
	if len(seen) != 1000 {
		t.Fatalf("one pass of all connections covered %d keys, want 1000", len(seen))
	}
	for k, n := range seen {
		if n != 1 {
			t.Fatalf("key %d drawn %d times in one pass", k, n)
		}
	}
}

func TestSequentialWrapsAround(t *testing.T) {
	t.Parallel()
	s := DefaultSpec()
	s.KeyMinimum, s.KeyMaximum = 10, 12
	s.Ratio = Ratio{1, 0}
	s.KeyPattern = KeyPatterns{Sequential, Sequential}
	g := mustWorkload(t, s, 1).Generator(0, 1)
	var got []uint64
	var op Op
	for range 7 {
		g.Next(&op)
		got = append(got, op.KeyIndex)
	}
	if want := []uint64{10, 11, 12, 10, 11, 12, 10}; !slices.Equal(got, want) {
		t.Fatalf("sequential keys %v, want %v", got, want)
	}
}

func TestGaussianMoments(t *testing.T) {
	t.Parallel()
	s := DefaultSpec()
	s.KeyMinimum, s.KeyMaximum = 0, 99999
	median := 30000.0
	s.KeyMedian = &median
	s.KeyStddev = 2000
	s.KeyPattern = KeyPatterns{Gaussian, Gaussian}
	g := mustWorkload(t, s, 1).Generator(0, 1)
	const n = 100000
	var sum, sq float64
	var op Op
	for range n {
		g.Next(&op)
		x := float64(op.KeyIndex)
		sum += x
		sq += x * x
	}
	mean := sum / n
	sd := math.Sqrt(sq/n - mean*mean)
	if math.Abs(mean-30000) > 50 || math.Abs(sd-2000) > 50 {
		t.Fatalf("gaussian keys: mean %.1f sd %.1f, want 30000 and 2000", mean, sd)
	}
}

// TestZipfFollowsPowerLaw checks the sampler against the exact probabilities
// 1/k^s / H(n,s) for the hottest ranks, for exponents below, at and above 1.
func TestZipfFollowsPowerLaw(t *testing.T) {
	t.Parallel()
	const n, draws = 1000, 400000
	for _, exp := range []float64{0.5, 0.99, 1.0, 1.5, 3} {
		z := newZipfSampler(n, exp)
		r := rand.New(rand.NewPCG(1, 2))
		counts := make([]int, n+1)
		for range draws {
			k := z.sample(r)
			if k < 1 || k > n {
				t.Fatalf("exp %g: rank %d outside 1..%d", exp, k, n)
			}
			counts[k]++
		}
		var norm float64
		for k := 1; k <= n; k++ {
			norm += math.Pow(float64(k), -exp)
		}
		for _, k := range []int{1, 2, 3, 10} {
			p := math.Pow(float64(k), -exp) / norm
			want := p * draws
			sigma := math.Sqrt(draws * p * (1 - p))
			if math.Abs(float64(counts[k])-want) > 5*sigma+1 {
				t.Errorf("exp %g: rank %d drawn %d times, want %.0f ± %.0f", exp, k, counts[k], want, 5*sigma)
			}
		}
	}
}

func TestValueSizes(t *testing.T) {
	t.Parallel()
	t.Run("fixed", func(t *testing.T) {
		s := DefaultSpec()
		s.Ratio = Ratio{1, 0}
		s.DataSize = 100
		g := mustWorkload(t, s, 1).Generator(0, 1)
		var op Op
		g.Next(&op)
		if len(op.Value) != 100 || op.Value[0] != 'x' {
			t.Fatalf("value %q, want 100 bytes of x", op.Value)
		}
	})
	t.Run("range", func(t *testing.T) {
		s := DefaultSpec()
		s.Ratio = Ratio{1, 0}
		s.DataSizeRange = Range{10, 20}
		g := mustWorkload(t, s, 1).Generator(0, 1)
		seen := map[int]bool{}
		var op Op
		for range 5000 {
			g.Next(&op)
			if len(op.Value) < 10 || len(op.Value) > 20 {
				t.Fatalf("size %d outside 10-20", len(op.Value))
			}
			seen[len(op.Value)] = true
		}
		if len(seen) != 11 {
			t.Fatalf("saw %d distinct sizes, want all 11", len(seen))
		}
	})
	t.Run("weighted list", func(t *testing.T) {
		s := DefaultSpec()
		s.Ratio = Ratio{1, 0}
		s.DataSizeList = []SizeWeight{{10, 3}, {1000, 1}}
		g := mustWorkload(t, s, 1).Generator(0, 1)
		small := 0
		var op Op
		const n = 40000
		for range n {
			g.Next(&op)
			if len(op.Value) == 10 {
				small++
			} else if len(op.Value) != 1000 {
				t.Fatalf("size %d not in the list", len(op.Value))
			}
		}
		if frac := float64(small) / n; math.Abs(frac-0.75) > 0.01 {
			t.Fatalf("fraction of 10-byte values %.3f, want 0.75", frac)
		}
	})
	t.Run("random data differs", func(t *testing.T) {
		s := DefaultSpec()
		s.Ratio = Ratio{1, 0}
		s.RandomData = true
		g := mustWorkload(t, s, 1).Generator(0, 1)
		var a, b Op
		g.Next(&a)
		g.Next(&b)
		if string(a.Value) == string(b.Value) {
			t.Fatal("two random values are equal")
		}
	})
}

func TestExpiryRange(t *testing.T) {
	t.Parallel()
	s := DefaultSpec()
	s.Ratio = Ratio{1, 1}
	s.ExpiryRange = Range{5, 9}
	g := mustWorkload(t, s, 1).Generator(0, 1)
	var op Op
	seen := map[int64]bool{}
	for range 2000 {
		g.Next(&op)
		switch op.Kind {
		case Set:
			if op.TTL < 5 || op.TTL > 9 {
				t.Fatalf("SET TTL %d outside 5-9", op.TTL)
			}
			seen[op.TTL] = true
		case Get:
			if op.TTL != 0 || op.Value != nil {
				t.Fatalf("GET carries TTL %d or a value", op.TTL)
			}
		}
	}
	if len(seen) != 5 {
		t.Fatalf("saw TTLs %v, want all of 5..9", seen)
	}
}

// BenchmarkGeneratorNext measures drawing one operation; it must not allocate.
func BenchmarkGeneratorNext(b *testing.B) {
	for _, p := range []KeyPattern{Uniform, Zipf, Gaussian, Parallel} {
		b.Run(string(p), func(b *testing.B) {
			s := DefaultSpec()
			s.KeyPattern = KeyPatterns{p, p}
			s.ExpiryRange = Range{1, 100}
			s.RandomData = true
			g := mustWorkload(b, s, 50).Generator(1, 50)
			var op Op
			g.Next(&op)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				g.Next(&op)
			}
		})
	}
}

func TestGeneratorNextDoesNotAllocate(t *testing.T) {
	s := DefaultSpec()
	s.KeyPattern = KeyPatterns{Zipf, Gaussian}
	s.DataSizeList = []SizeWeight{{32, 1}, {64, 1}}
	g := mustWorkload(t, s, 4).Generator(0, 4)
	var op Op
	op.Key = make([]byte, 0, 64)
	if allocs := testing.AllocsPerRun(1000, func() { g.Next(&op) }); allocs != 0 {
		t.Fatalf("Next allocates %.1f times per call", allocs)
	}
}
