// Package openloop says when an open loop's operations are due: a Step is
// a stretch of the schedule at one rate, with absolute due times (a late
// operation never shifts the ones after it); a Plan publishes a run's steps
// to its workers, all at once (a constant rate, a staircase) or one by one
// (a search); Ramp is a staircase; Search picks the rates of a search for
// the highest rate that meets a run's objectives; a Waiter sleeps a worker
// until its next operation is due, more precisely than Go's timers on
// Linux.
//
// Schedule is the small, pure interface at its heart, after vegeta's Pacer:
// operation m is due at Due(m), and connection i of N takes the operations
// m ≡ i (mod N), so no goroutine hands operations to the workers.
//
// This package imports nothing of amrbench.
package openloop
