package workloads_test

import (
	"fmt"
	"log"
	"strings"

	"github.com/amrbench/amrbench/workloads"
)

// A preset file names run flags and their values; it can start from a
// built-in preset and change what it needs.
func ExampleParsePreset() {
	file := `# sessions with bigger values
base         session-store
description  sessions of 2 KiB
data-size    2KiB
key-maximum  9999
`
	p, err := workloads.ParsePreset("big-sessions", strings.NewReader(file), "big-sessions.conf")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(p.Name+":", p.Description)
	fmt.Println(p.Spec.Describe())
	fmt.Println(p.Fields)

	_, err = workloads.ParsePreset("typo", strings.NewReader("ratio 1:1\nkey-patern R:R\n"), "typo.conf")
	fmt.Println(strings.SplitN(err.Error(), " (", 2)[0])
	// Output:
	// big-sessions: sessions of 2 KiB
	// SET:GET 1:3, keys session:0..session:9999 (uniform), values 2048 B, expiry 1800-3600 s, seed 0
	// [data-size data-size-range description expiry-range key-maximum key-minimum key-pattern key-prefix ratio]
	// typo.conf:2: unknown field "key-patern"
}

// Each connection draws its operations from its own generator: the same
// seed gives the same sequence, and the SET:GET ratio is exact over every
// cycle.
func ExampleWorkload_Generator() {
	spec := workloads.DefaultSpec()
	spec.Ratio = workloads.Ratio{Sets: 1, Gets: 3}
	spec.KeyMaximum = 999
	spec.KeyPattern = workloads.KeyPatterns{Set: workloads.Sequential, Get: workloads.Sequential}
	spec.Seed = 42
	w, err := workloads.New(spec, 1)
	if err != nil {
		log.Fatal(err)
	}
	g := w.Generator(0, 1)
	var op workloads.Op
	for range 5 {
		g.Next(&op)
		fmt.Printf("%s %s %d bytes\n", op.Kind, op.Key, len(op.Value))
	}
	// Output:
	// SET key:0 32 bytes
	// GET key:0 0 bytes
	// GET key:1 0 bytes
	// GET key:2 0 bytes
	// SET key:1 32 bytes
}

// Flag values are parsed by the functions the run's flags and preset files
// share.
func ExampleParseRatio() {
	r, err := workloads.ParseRatio("1:10")
	fmt.Println(r.Sets, r.Gets, err)
	_, err = workloads.ParseRatio("1-10")
	fmt.Println(err)
	// Output:
	// 1 10 <nil>
	// "1-10" is not SETS:GETS (for example 1:10)
}
