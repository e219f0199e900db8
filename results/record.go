package results

import (
	"encoding/json"
	"fmt"
	"math"
	"time"
)

// Schema is the version of the result format this package writes and reads.
const Schema = "amrbench.result/v1"

// Record types, the value of every record's "type" field.
const (
	TypeHeader   = "header"
	TypeInterval = "interval"
	TypeEvent    = "event"
	TypeSummary  = "summary"
)

// ErrorClass is the class an operation's failure is counted under.
type ErrorClass string

// The error classes, in the order reports print them.
const (
	ErrTimeout    ErrorClass = "timeout"
	ErrConnection ErrorClass = "connection"
	ErrAuth       ErrorClass = "auth"
	// ErrNoPerm is a command the server's ACL does not allow the user
	// (NOPERM): the user authenticated, but may not run it.
	ErrNoPerm      ErrorClass = "noperm"
	ErrMoved       ErrorClass = "moved"
	ErrAsk         ErrorClass = "ask"
	ErrTryAgain    ErrorClass = "tryagain"
	ErrClusterDown ErrorClass = "clusterdown"
	ErrOOM         ErrorClass = "oom"
	ErrOther       ErrorClass = "other"
)

// ErrorClasses lists every error class in report order.
var ErrorClasses = []ErrorClass{
	ErrTimeout, ErrConnection, ErrAuth, ErrNoPerm, ErrMoved, ErrAsk, ErrTryAgain, ErrClusterDown, ErrOOM, ErrOther,
}

// Modes of a run, the header's "mode".
const (
	// ModeClosed sends each request as soon as the previous reply arrives.
	ModeClosed = "closed"
	// ModeOpen sends requests on a schedule at a target rate.
	ModeOpen = "open"
)

// Phases an interval can belong to. Intervals of the measured window have no
// phase unless the run is a staircase of rates, where each step is a phase.
const (
	PhaseWarmup = "warmup"
	// PhaseIdle marks intervals between the steps of a search, when no load
	// is offered while the last step is judged.
	PhaseIdle = "idle"
)

// Event kinds.
const (
	EventReauth       = "reauth"
	EventTokenRefresh = "token-refresh"
	EventReconnect    = "reconnect"
	EventTopology     = "topology"
	EventError        = "error"
	EventPhase        = "phase"
	EventWarning      = "warning"
	// EventUnreachable says that every connection to an endpoint (or a
	// shard) failed and none could be opened again; EventReachable, that
	// one could, after it was unreachable.
	EventUnreachable = "unreachable"
	EventReachable   = "reachable"
	// EventReplyWait tells, at a closed-loop run's end, how its
	// connections waited for their replies (--reply-wait): polling, and
	// how often and for how much of the run they parked instead (then with
	// Code WarnReplyWaitFallback). It is not a warning: how amrbench waits
	// is its own economy of CPU, not a fault of the measurement.
	EventReplyWait = "reply-wait"
	// EventConnect tells, before the load begins, how long opening the
	// connections took and at what pace (--connect-concurrency,
	// --connect-rate); Count is the connections opened.
	EventConnect = "connect"
)

// Tool identifies the program that wrote a file.
type Tool struct {
	Name      string `json:"name"`
	Version   string `json:"version"`
	Commit    string `json:"commit,omitempty"`
	GoVersion string `json:"go_version,omitempty"`
	// CPUs is how many CPUs the tool could use at once (GOMAXPROCS).
	CPUs int `json:"cpus,omitempty"`
}

// Target describes what was benchmarked.
type Target struct {
	Endpoint string `json:"endpoint"`
	TLS      bool   `json:"tls"`
	// TLSUnverified says the TLS connections did not verify the server's
	// certificate or host name (--tls-skip-verify): anyone on the network
	// path could have posed as the server.
	TLSUnverified bool   `json:"tls_unverified,omitempty"`
	ClusterPolicy string `json:"cluster_policy"`
	// PolicyReason says how the cluster policy was chosen (given, or what the
	// endpoint answered when asked).
	PolicyReason string `json:"policy_reason,omitempty"`
	// SKU and Tier name the Azure offering (--sku); VCPUs, MemoryGB and
	// MaxConnections are its published or derived figures, so reports can
	// normalise per vCPU without a catalog.
	SKU            string  `json:"sku,omitempty"`
	Tier           string  `json:"tier,omitempty"`
	VCPUs          int     `json:"vcpus,omitempty"`
	MemoryGB       float64 `json:"memory_gb,omitempty"`
	MaxConnections int     `json:"max_connections,omitempty"`
	Auth           string  `json:"auth"`
	// Credential names the Entra ID credential (auth "entra"), Principal the
	// object ID the tokens name, and TokenExpires the expiry of the first
	// token; later tokens are in token-refresh events. Never the token.
	Credential   string    `json:"credential,omitempty"`
	Principal    string    `json:"principal,omitempty"`
	TokenExpires time.Time `json:"token_expires,omitzero"`
	Shards       int       `json:"shards,omitempty"`
	// Server is the server's own description (e.g. "redis 7.0.15").
	Server string `json:"server,omitempty"`
	// Embedded says which local server amrbench started because none was
	// named; empty when the user named the target.
	Embedded string `json:"embedded,omitempty"`
}

// Header is the first record of a result file.
type Header struct {
	Type      string    `json:"type"`
	Schema    string    `json:"schema"`
	Tool      Tool      `json:"tool"`
	RunID     string    `json:"run_id"`
	Label     string    `json:"label,omitempty"`
	Start     time.Time `json:"start"`
	Host      string    `json:"host"`
	Segment   string    `json:"segment"`
	Target    Target    `json:"target"`
	Mode      string    `json:"mode"` // "closed" or "open"
	IntervalS float64   `json:"interval_s"`
	WarmupS   float64   `json:"warmup_s,omitempty"`
	// Connections is the number of connections the run opens (per shard for a
	// cluster target, as each worker reaches every shard).
	Connections int     `json:"connections"`
	Pipeline    int     `json:"pipeline"`
	TargetRate  float64 `json:"target_rate,omitempty"`
	// Schedule describes an open-loop schedule in words (constant rate,
	// staircase, search).
	Schedule string `json:"schedule,omitempty"`
	// LateThresholdMS is how late past its due time an operation may be sent
	// before it counts as a late start (open loop).
	LateThresholdMS float64 `json:"late_threshold_ms,omitempty"`
	// SLO lists the latency objectives the run's steps are judged against.
	SLO []string `json:"slo,omitempty"`
	// Percentiles are the percentiles the run was asked to report.
	Percentiles []float64 `json:"percentiles"`
	Seed        uint64    `json:"seed"`
	// Config is the full configuration, with every secret removed.
	Config json.RawMessage `json:"config,omitempty"`
	// Workload is the workload spec as the workloads package encodes it;
	// WorkloadText says the same in a line for people.
	Workload     json.RawMessage `json:"workload,omitempty"`
	WorkloadText string          `json:"workload_text,omitempty"`
	// Preset names the workload preset or file the workload started from
	// (--workload); empty when flags alone described it.
	Preset string `json:"preset,omitempty"`
	// KeySpace relates the key space to the SKU's memory; nil unless the run
	// named a SKU or a preset.
	KeySpace *KeySpace `json:"key_space,omitempty"`
	// StartAt is the agreed start of the measured window (--start-at) that
	// runs on several machines share; zero when none was given.
	StartAt time.Time `json:"start_at,omitzero"`
	// Clock is how this host's clock compared with the server's when the run
	// began, so that a merge can tell whether the clocks of several machines
	// agreed; nil when the server would not tell its time.
	Clock *ClockReading `json:"clock,omitempty"`
	// Sources lists the runs a merged run was made from; empty for a run
	// that was measured.
	Sources []Source `json:"sources,omitempty"`
	// Node and Pod name the Kubernetes node and pod the run ran in (from
	// the downward API, as amrbench k8s-job sets it); empty elsewhere.
	Node string `json:"node,omitempty"`
	Pod  string `json:"pod,omitempty"`
	// CountExcludesErrors says that every count of the file counts
	// successful operations only, failures being counted in their error
	// class alone. Files written before it was set counted failures in
	// count too: Read subtracts them, so every reader sees one meaning.
	CountExcludesErrors bool `json:"count_excludes_errors"`
	// MaxErrorRate is the share of failed operations (0..1) above which the
	// run's verdict is error-budget (--max-error-rate); nil in files
	// written before it was recorded, which are judged by
	// DefaultMaxErrorRate.
	MaxErrorRate *float64 `json:"max_error_rate,omitempty"`
}

// IntervalDuration returns IntervalS as a duration, rounded to the
// nanosecond.
func (h *Header) IntervalDuration() time.Duration {
	return time.Duration(math.Round(h.IntervalS * float64(time.Second)))
}

// ClockReading compares the generator host's clock with the server's (the
// Redis TIME command), which every machine of a split test can read.
type ClockReading struct {
	// OffsetMS is host clock minus server clock, in milliseconds, taken at
	// the middle of the fastest of a few round trips.
	OffsetMS float64 `json:"offset_ms"`
	// UncertaintyMS is half that round trip: the true offset lies within
	// OffsetMS ± UncertaintyMS.
	UncertaintyMS float64 `json:"uncertainty_ms"`
}

// Source is one of the runs a merged run was made from.
type Source struct {
	// File is the result file as it was named to the merge.
	File        string    `json:"file"`
	RunID       string    `json:"run_id"`
	Host        string    `json:"host"`
	Segment     string    `json:"segment"`
	Start       time.Time `json:"start"`
	Connections int       `json:"connections"`
}

// CommandStats is what one command did in one interval. Count, Hits,
// Misses, Response and Service are of the successful operations (a reply
// that is not an error; a GET miss is a success); a failed operation is
// counted in Errors, by class, alone, and its time to failure in Failures.
// The operations issued are Count plus every error.
type CommandStats struct {
	Count  int64                `json:"count"`
	Hits   int64                `json:"hits,omitempty"`
	Misses int64                `json:"misses,omitempty"`
	Errors map[ErrorClass]int64 `json:"errors,omitempty"`
	// Redirects counts the MOVED and ASK replies (ErrMoved, ErrAsk) that the
	// cluster client followed to another shard; an operation that succeeded
	// after a redirect is not an error, and its latency includes the detour.
	Redirects     map[ErrorClass]int64 `json:"redirects,omitempty"`
	BytesSent     int64                `json:"bytes_sent"`
	BytesReceived int64                `json:"bytes_received"`
	// Response is the time from each operation's intended start to its reply.
	Response *Histogram `json:"response"`
	// Service is the time from each operation's actual send to its reply.
	Service *Histogram `json:"service"`
	// Failures is the time from each failed operation's intended start to
	// its failure, µs; nil when none failed.
	Failures *Histogram `json:"failures,omitempty"`
}

// NewCommandStats returns empty stats with empty histograms.
func NewCommandStats() *CommandStats {
	return &CommandStats{Response: NewHistogram(), Service: NewHistogram()}
}

// ErrorCount returns the number of failed operations over all classes.
func (c *CommandStats) ErrorCount() int64 {
	return TotalErrors(c.Errors)
}

// Issued returns the number of operations issued: the successful ones and
// the failed ones.
func (c *CommandStats) Issued() int64 { return c.Count + c.ErrorCount() }

// Add adds other's counts and histograms to c. It returns
// ErrCountOverflow when a count, or the operations issued (count and
// errors), would pass 2^63-1.
func (c *CommandStats) Add(other *CommandStats) error {
	var sum countSum
	sum.add(&c.Count, other.Count)
	sum.add(&c.Hits, other.Hits)
	sum.add(&c.Misses, other.Misses)
	sum.add(&c.BytesSent, other.BytesSent)
	sum.add(&c.BytesReceived, other.BytesReceived)
	c.Errors = sum.addClasses(c.Errors, other.Errors)
	c.Redirects = sum.addClasses(c.Redirects, other.Redirects)
	sum.issued(c.Count, c.Errors)
	if err := sum.err(); err != nil {
		return err
	}
	if c.Response == nil {
		c.Response = NewHistogram()
	}
	if c.Service == nil {
		c.Service = NewHistogram()
	}
	if err := c.Response.Add(other.Response); err != nil {
		return err
	}
	if other.Failures != nil && !other.Failures.Empty() {
		if c.Failures == nil {
			c.Failures = NewHistogram()
		}
		if err := c.Failures.Add(other.Failures); err != nil {
			return err
		}
	}
	return c.Service.Add(other.Service)
}

// TotalErrors returns the number of failed operations over all classes of
// counts by class.
func TotalErrors(m map[ErrorClass]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

// ShardStats is what one shard of a cluster did in one interval: as for a
// command, Count and Response are of its successful operations. A shard is
// named by the address of the primary that served it ("host:port"); after a
// failover its slots are served, and counted, under the new primary's
// address.
type ShardStats struct {
	// Count is the successful operations whose final reply came from this
	// shard; the failed ones are in Errors.
	Count  int64                `json:"count"`
	Errors map[ErrorClass]int64 `json:"errors,omitempty"`
	// Redirects counts the MOVED and ASK replies this shard sent, which the
	// client followed elsewhere.
	Redirects map[ErrorClass]int64 `json:"redirects,omitempty"`
	Response  *Histogram           `json:"response"`
}

// UnroutedShard is the name, in place of a shard's address, under which a
// cluster run counts the operations that failed before the client could
// pick a shard (it had no slot map at all). It is not a shard: reports
// leave it out of the spread between shards.
const UnroutedShard = "unrouted"

// NewShardStats returns empty shard stats with an empty histogram.
func NewShardStats() *ShardStats { return &ShardStats{Response: NewHistogram()} }

// Add adds other's counts and histogram to s; ErrCountOverflow as
// CommandStats.Add.
func (s *ShardStats) Add(other *ShardStats) error {
	var sum countSum
	sum.add(&s.Count, other.Count)
	s.Errors = sum.addClasses(s.Errors, other.Errors)
	s.Redirects = sum.addClasses(s.Redirects, other.Redirects)
	sum.issued(s.Count, s.Errors)
	if err := sum.err(); err != nil {
		return err
	}
	if s.Response == nil {
		s.Response = NewHistogram()
	}
	return s.Response.Add(other.Response)
}

// ErrorCount returns the number of failed operations over all classes.
func (s *ShardStats) ErrorCount() int64 {
	return TotalErrors(s.Errors)
}

// Interval is one slice of a run's time.
type Interval struct {
	Type  string    `json:"type"`
	Index int64     `json:"index"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// Phase is PhaseWarmup for intervals left out of the statistics, or the
	// name of a step in a staircase of rates.
	Phase       string `json:"phase,omitempty"`
	Connections int    `json:"connections"`
	// TargetRate is the offered load in operations per second (open loop).
	TargetRate float64 `json:"target_rate,omitempty"`
	// LateStarts counts operations sent later than their due time by more
	// than the late-start threshold (open loop).
	LateStarts int64 `json:"late_starts,omitempty"`
	// Reconnects counts the connections the server accepted to replace
	// connections that had failed.
	Reconnects int64 `json:"reconnects,omitempty"`
	// BackoffS is the time connections spent unable to send, from a
	// connection's failure until it was open again, summed over the
	// connections, in seconds.
	BackoffS float64 `json:"backoff_s,omitempty"`
	// Dropped counts open-loop operations that were due but never sent
	// because their step (or the run) ended first, counted in the interval
	// they were due in or a later one.
	Dropped int64 `json:"dropped,omitempty"`
	// Client is how hard the client itself worked; nil in files written
	// before it was recorded.
	Client   *ClientStats             `json:"client,omitempty"`
	Commands map[string]*CommandStats `json:"commands"`
	Shards   map[string]*ShardStats   `json:"shards,omitempty"`
	// Reauth is the re-authentication of open connections with fresh
	// tokens (auth "entra"), kept out of the commands' statistics.
	Reauth *ReauthStats `json:"reauth,omitempty"`
}

// ReauthStats is the re-authentication traffic of one interval: AUTH
// commands sent on open connections with a fresh token, and connections the
// server closed because their token expired.
type ReauthStats struct {
	// Count is the number of AUTH commands sent, Errors the failed ones by
	// class (a refused token is ErrAuth).
	Count  int64                `json:"count"`
	Errors map[ErrorClass]int64 `json:"errors,omitempty"`
	// Expired counts connections that broke after the token they had
	// authenticated with expired: the server closed them.
	Expired int64 `json:"connections_expired,omitempty"`
	// Latency is the time from sending each AUTH to its reply, µs.
	Latency *Histogram `json:"latency"`
}

// NewReauthStats returns empty stats with an empty histogram.
func NewReauthStats() *ReauthStats { return &ReauthStats{Latency: NewHistogram()} }

// ErrorCount returns the number of failed AUTH commands.
func (r *ReauthStats) ErrorCount() int64 {
	return TotalErrors(r.Errors)
}

// Add adds other's counts and histogram to r; ErrCountOverflow as
// CommandStats.Add.
func (r *ReauthStats) Add(other *ReauthStats) error {
	if other == nil {
		return nil
	}
	var sum countSum
	sum.add(&r.Count, other.Count)
	sum.add(&r.Expired, other.Expired)
	r.Errors = sum.addClasses(r.Errors, other.Errors)
	sum.issued(0, r.Errors)
	if err := sum.err(); err != nil {
		return err
	}
	if r.Latency == nil {
		r.Latency = NewHistogram()
	}
	return r.Latency.Add(other.Latency)
}

// Duration returns End - Start.
func (iv *Interval) Duration() time.Duration { return iv.End.Sub(iv.Start) }

// Measured reports whether the interval counts in the statistics.
func (iv *Interval) Measured() bool { return iv.Phase != PhaseWarmup }

// Add adds other's counts and histograms to iv, as the same slice of time
// measured by another machine, and widens iv's span to cover other's:
// connections and target rates add up, client statistics keep the worst
// machine's (mergeClient). It returns ErrCountOverflow as CommandStats.Add.
func (iv *Interval) Add(other *Interval) error {
	if other.Start.Before(iv.Start) {
		iv.Start = other.Start
	}
	if other.End.After(iv.End) {
		iv.End = other.End
	}
	iv.Connections += other.Connections
	iv.TargetRate += other.TargetRate
	var sum countSum
	sum.add(&iv.LateStarts, other.LateStarts)
	sum.add(&iv.Reconnects, other.Reconnects)
	sum.add(&iv.Dropped, other.Dropped)
	if err := sum.err(); err != nil {
		return fmt.Errorf("late starts, reconnects or dropped operations: %w", err)
	}
	iv.BackoffS += other.BackoffS
	iv.Client = mergeClient(iv.Client, other.Client)
	for name, cs := range other.Commands {
		if iv.Commands == nil {
			iv.Commands = map[string]*CommandStats{}
		}
		t := iv.Commands[name]
		if t == nil {
			t = NewCommandStats()
			iv.Commands[name] = t
		}
		if err := t.Add(cs); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	if other.Reauth != nil {
		if iv.Reauth == nil {
			iv.Reauth = NewReauthStats()
		}
		if err := iv.Reauth.Add(other.Reauth); err != nil {
			return fmt.Errorf("reauth: %w", err)
		}
	}
	for addr, ss := range other.Shards {
		if iv.Shards == nil {
			iv.Shards = map[string]*ShardStats{}
		}
		t := iv.Shards[addr]
		if t == nil {
			t = NewShardStats()
			iv.Shards[addr] = t
		}
		if err := t.Add(ss); err != nil {
			return fmt.Errorf("shard %s: %w", addr, err)
		}
	}
	return nil
}

// Outcomes of token-refresh and reauth events.
const (
	// OutcomeAcquired: the first token of the run.
	OutcomeAcquired = "acquired"
	// OutcomeRenewed: a new token.
	OutcomeRenewed = "renewed"
	// OutcomeUnchanged: the credential returned the token already held.
	OutcomeUnchanged = "unchanged"
	// OutcomeFailed: the request for a token failed and will be retried.
	OutcomeFailed = "failed"
	// OutcomeComplete: every connection was re-authenticated with the token.
	OutcomeComplete = "complete"
	// OutcomePartial: a wave ended (a newer token, or the run's end) before
	// every connection was re-authenticated.
	OutcomePartial = "partial"
)

// Event is something that happened at one moment of a run.
type Event struct {
	Type   string    `json:"type"`
	Time   time.Time `json:"time"`
	Kind   string    `json:"kind"`
	Detail string    `json:"detail"`
	// Count aggregates identical events (e.g. reconnects of many connections
	// within one interval; for a reauth wave, the connections
	// re-authenticated).
	Count int64 `json:"count,omitempty"`
	// Source names the run an event of a merged run came from (host and
	// segment); empty in a measured run.
	Source string `json:"source,omitempty"`
	// Outcome is one of the Outcome constants, for token-refresh and reauth
	// events.
	Outcome string `json:"outcome,omitempty"`
	// Principal and TokenExpires describe the token in force after a
	// token-refresh event; Token numbers it (1 for the run's first).
	Principal    string    `json:"principal,omitempty"`
	TokenExpires time.Time `json:"token_expires,omitzero"`
	Token        uint64    `json:"token,omitempty"`
	// Attempt counts the failed requests in a row of a failed token-refresh
	// event; Failed counts the failed AUTH commands of a reauth wave.
	Attempt int   `json:"attempt,omitempty"`
	Failed  int64 `json:"failed,omitempty"`
	// Error is why a token request failed, on one line.
	Error string `json:"error,omitempty"`
	// Class is the error class of an error event that carries the server's
	// (or the client library's) message in Detail.
	Class ErrorClass `json:"class,omitempty"`
	// Code is a short stable name of a warning event (WarnPolicyMismatch,
	// WarnClientBound, ...), for scripts.
	Code string `json:"code,omitempty"`
}
