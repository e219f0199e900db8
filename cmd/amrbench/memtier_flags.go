package main

import (
	"fmt"

	"github.com/spf13/pflag"

	"github.com/amrbench/amrbench/internal/memtierflags"
)

// memtierFlags are memtier flags accepted so that memtier command lines run
// unchanged, though amrbench has nothing for them to change.
type memtierFlags struct {
	protocol                               string
	hideHistogram, distinctSeed, randomize bool
	printAllRuns                           bool
}

func (m *memtierFlags) register(fs *pflag.FlagSet) {
	fs.Var(memtierflags.NewProtocol(&m.protocol), "protocol", "memtier: redis or resp2 (amrbench speaks RESP2; -P takes a protocol name too)")
	fs.BoolVar(&m.hideHistogram, "hide-histogram", false, "memtier: accepted; amrbench prints no histogram (the .hgrm files hold them)")
	fs.BoolVar(&m.distinctSeed, "distinct-client-seed", false, "memtier: accepted; every connection draws its own sequence anyway")
	fs.BoolVar(&m.randomize, "randomize", false, "memtier: accepted; the seed is random unless --seed is given")
	fs.BoolVar(&m.printAllRuns, "print-all-runs", false, "memtier: with --run-count, also put every run's results in --json-out-file")
}

// notes says how amrbench reads the memtier flags given where memtier's
// meaning differs.
func (m *memtierFlags) notes(fs *pflag.FlagSet, seedGiven bool) []string {
	var notes []string
	if m.protocol != "" {
		notes = append(notes, fmt.Sprintf("protocol %s: amrbench speaks RESP2, memtier's redis protocol; -P N sets the pipeline here, as in redis-benchmark", m.protocol))
	}
	if fs.Changed("randomize") && seedGiven {
		notes = append(notes, "--randomize: ignored, --seed is given")
	}
	if fs.Changed("hdr-file-prefix") {
		notes = append(notes, "--hdr-file-prefix writes PREFIX_<COMMAND>.hgrm (percentile distributions, what memtier writes to .txt) and PREFIX.hlog (an interval log), not memtier's file names")
	}
	return notes
}
