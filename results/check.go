package results

import (
	"errors"
	"fmt"
	"sort"
)

// ErrNegativeCount is returned by Read for a record holding a negative
// count.
var ErrNegativeCount = errors.New("a count cannot be negative")

// A count in a result file is a number of things that happened: amrbench
// never writes a negative one, nor a command or shard without statistics,
// nor counts and errors that add up past 2^63-1. Read refuses a record that
// holds one (an edited or corrupted file) instead of letting reports
// render it, add it into totals that then look plausible (or wrap round to
// negative ones), or stumble on it.

// recordCheck finds the first unsound field of a record.
type recordCheck struct{ err error }

// present refuses a null command or shard.
func (c *recordCheck) present(what string, isNil bool) bool {
	if c.err == nil && isNil {
		c.err = fmt.Errorf("%s is null", what)
	}
	return !isNil
}

func (c *recordCheck) count(what string, n int64) {
	if c.err == nil && n < 0 {
		c.err = fmt.Errorf("%s is %d: %w", what, n, ErrNegativeCount)
	}
}

// counts checks a map of counts by error class, in a fixed order so the
// error names the same class every time.
func (c *recordCheck) counts(what string, m map[ErrorClass]int64) {
	if c.err != nil {
		return
	}
	classes := make([]string, 0, len(m))
	for class := range m {
		classes = append(classes, string(class))
	}
	sort.Strings(classes)
	for _, class := range classes {
		c.count(what+" "+class, m[ErrorClass(class)])
	}
}

// issued refuses a count whose errors take the operations issued (count
// plus errors, which reports add up) past 2^63-1.
func (c *recordCheck) issued(what string, count int64, errs map[ErrorClass]int64) {
	if c.err != nil {
		return
	}
	var sum countSum
	sum.issued(count, errs)
	if err := sum.err(); err != nil {
		c.err = fmt.Errorf("%s count and errors: %w", what, err)
	}
}

// commandCounts are the counts of one command's record, in an interval or
// in the summary.
type commandCounts struct {
	count, hits, misses, sent, received int64
	errors, redirects                   map[ErrorClass]int64
}

// command checks the counts of command name.
func (c *recordCheck) command(name string, n commandCounts) {
	c.count(name+" count", n.count)
	c.count(name+" hits", n.hits)
	c.count(name+" misses", n.misses)
	c.counts(name+" errors", n.errors)
	c.issued(name, n.count, n.errors)
	c.counts(name+" redirects", n.redirects)
	c.count(name+" bytes_sent", n.sent)
	c.count(name+" bytes_received", n.received)
}

// shard checks the counts of the shard at addr.
func (c *recordCheck) shard(addr string, count int64, errors, redirects map[ErrorClass]int64) {
	c.count("shard "+addr+" count", count)
	c.counts("shard "+addr+" errors", errors)
	c.issued("shard "+addr, count, errors)
	c.counts("shard "+addr+" redirects", redirects)
}

// sortedKeys returns the keys of m, sorted.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (h *Header) check() error {
	var c recordCheck
	c.count("connections", int64(h.Connections))
	c.count("pipeline", int64(h.Pipeline))
	c.count("tool cpus", int64(h.Tool.CPUs))
	c.count("target vcpus", int64(h.Target.VCPUs))
	c.count("target max_connections", int64(h.Target.MaxConnections))
	c.count("target shards", int64(h.Target.Shards))
	for _, s := range h.Sources {
		c.count("source "+s.File+" connections", int64(s.Connections))
	}
	return c.err
}

func (iv *Interval) check() error {
	var c recordCheck
	c.count("connections", int64(iv.Connections))
	c.count("late_starts", iv.LateStarts)
	c.count("reconnects", iv.Reconnects)
	for _, name := range sortedKeys(iv.Commands) {
		if cs := iv.Commands[name]; c.present(name, cs == nil) {
			c.command(name, commandCounts{cs.Count, cs.Hits, cs.Misses, cs.BytesSent, cs.BytesReceived, cs.Errors, cs.Redirects})
		}
	}
	for _, addr := range sortedKeys(iv.Shards) {
		if ss := iv.Shards[addr]; c.present("shard "+addr, ss == nil) {
			c.shard(addr, ss.Count, ss.Errors, ss.Redirects)
		}
	}
	if r := iv.Reauth; r != nil {
		c.count("reauth count", r.Count)
		c.counts("reauth errors", r.Errors)
		c.count("reauth connections_expired", r.Expired)
	}
	return c.err
}

func (e *Event) check() error {
	var c recordCheck
	c.count("count", e.Count)
	c.count("attempt", int64(e.Attempt))
	c.count("failed", e.Failed)
	return c.err
}

func (s *Summary) check() error {
	var c recordCheck
	c.count("connections", int64(s.Connections))
	c.count("late_starts", s.LateStarts)
	c.count("reconnects", s.Reconnects)
	for _, name := range sortedKeys(s.Commands) {
		if cs := s.Commands[name]; c.present(name, cs == nil) {
			c.command(name, commandCounts{cs.Count, cs.Hits, cs.Misses, cs.BytesSent, cs.BytesReceived, cs.Errors, cs.Redirects})
		}
	}
	for _, addr := range sortedKeys(s.Shards) {
		if ss := s.Shards[addr]; c.present("shard "+addr, ss == nil) {
			c.shard(addr, ss.Count, ss.Errors, ss.Redirects)
		}
	}
	if s.SLO != nil {
		for _, st := range s.SLO.Steps {
			c.count("slo step "+st.Phase+" errors", st.Errors)
			c.count("slo step "+st.Phase+" late_starts", st.LateStarts)
		}
	}
	if a := s.Auth; a != nil {
		c.count("auth tokens", a.Tokens)
		c.count("auth refresh_failures", a.RefreshFailures)
		c.count("auth reauth count", a.Reauth.Count)
		c.counts("auth reauth errors", a.Reauth.Errors)
		c.count("auth reauth connections_expired", a.Reauth.ConnectionsExpired)
		c.count("auth reauth waves", a.Reauth.Waves)
	}
	return c.err
}
