// Package units reads and writes the numbers amrbench's users type and
// read: sizes in bytes, data sizes, percentages, rates, durations, whole
// numbers with thousands separators, latencies in milliseconds, and the few
// words that go with them (Plural, OneLine, IsLoopback).
//
// It is the one home for these conventions: every package that parses a
// flag or a preset field, or prints a figure, calls this one copy, so a
// size or a rate reads and prints the same in every subcommand.
//
// The conventions, as they stand:
//
//   - Sizes have one convention everywhere (-d, --buffer-size, a preset's
//     data-size, plan --dataset): KB, MB, GB, TB and PB are decimal (1KB =
//     1,000 bytes, as Azure counts a cache's memory), KiB, MiB, GiB, TiB and
//     PiB binary (1KiB = 1,024 bytes); every size FormatBytes writes reads
//     back. A bare k, m, g, t or p is refused as ambiguous
//     (ErrAmbiguousSize), naming both readings, rather than guessed. ParseBytes reads a whole number of bytes, with or without a
//     unit; ParseDataSize a data set size, which needs a unit.
//   - ParsePercent reads "75%" or "75" and returns the fraction 0.75.
//   - ParseRate reads operations per second with k (10³), M (10⁶) and G
//     (10⁹), up to MaxRate (1G); FormatRate writes a rate back in the same
//     compact form.
//   - FormatWhole rounds half away from zero and groups thousands with
//     commas: 1,699,396. FormatThroughput does so from 100 up and keeps one
//     decimal below (12.5).
//   - FormatBytes and FormatGB write decimal units (1.32 GB), as Azure's
//     sizes are given.
//
// The package imports nothing of amrbench, so any package may use it.
package units
