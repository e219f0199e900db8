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
//   - ParseBytes reads a value size with binary multiples (4k = 4KB = 4KiB =
//     4096 bytes), as memtier_benchmark's -d does.
//   - ParseDataSize reads a data set size with a unit: decimal multiples for
//     kB, MB, GB, TB and PB (80GB = 80 × 10⁹ bytes, as Azure counts a
//     cache's memory) and binary ones for KiB to PiB: every size
//     FormatBytes writes reads back.
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
