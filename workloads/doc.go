// Package workloads decides WHAT a benchmark sends: the SET:GET mix (or,
// instead, memtier's arbitrary commands with __key__ and __data__
// placeholders), the key space and how keys are drawn from it, value sizes
// and contents, and expiry.
//
// A Spec is the user's description of a workload; New validates it and builds
// the parts shared by every connection (the value buffer, the size
// distribution). Each connection then gets its own Generator, which owns its
// random number generator and fills an Op in place, so producing an operation
// takes no lock and allocates nothing. Two Generators built from the same Spec,
// seed and connection index produce the same sequence of operations.
//
// Key patterns follow memtier_benchmark's letters: R uniform, S sequential,
// G gaussian, Z zipf and P parallel (each connection owns a contiguous slice of
// the key range). The SET and GET sides each have their own pattern.
//
// This package depends on the standard library only.
package workloads
