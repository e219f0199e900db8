// Package clientload measures how hard the client itself works during a
// run: the process's CPU time, the time its threads waited for a CPU (on
// Linux, from the kernel's run-queue statistics), and the garbage
// collector's pauses, read at interval boundaries and shared out into one
// results.ClientStats per interval, judged client-bound or not.
//
// It imports nothing of bench: the recorder owns one Meter and feeds it
// the interval being written.
package clientload
