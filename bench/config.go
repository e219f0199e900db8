package bench

import (
	"errors"
	"math"
	"net"
	"strconv"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/amrbench/amrbench/bench/cluster"
	"github.com/amrbench/amrbench/bench/entra"
	"github.com/amrbench/amrbench/bench/openloop"
	"github.com/amrbench/amrbench/bench/transport"
	"github.com/amrbench/amrbench/results"
	"github.com/amrbench/amrbench/results/segment"
	"github.com/amrbench/amrbench/workloads"
)

// Defaults for a Config.
const (
	DefaultPort               = 6379
	DefaultConnections        = 50
	DefaultPipeline           = 1
	DefaultDuration           = 30 * time.Second
	DefaultInterval           = time.Second
	DefaultTimeout            = 5 * time.Second
	DefaultConnectTimeout     = 5 * time.Second
	DefaultConnectConcurrency = 1
	DefaultBufferSize         = 32 << 10
)

// Limits of a Config: beyond them a run cannot be what was meant (a
// million connections is beyond any Azure cache; a pipeline deeper than
// MaxPipeline holds more replies than a server answers at once).
const (
	MaxConnections = 1 << 20
	MaxPipeline    = 10_000
	// MaxDB is the highest database number a server can have: Redis's
	// databases setting is an int.
	MaxDB = math.MaxInt32 - 1
)

// Auth modes.
const (
	AuthNone     = "none"
	AuthPassword = "password"
	AuthEntra    = "entra"
)

// TargetConfig says where to connect and how to authenticate.
type TargetConfig struct {
	Host string               `json:"host"`
	Port int                  `json:"port"`
	DB   int                  `json:"db,omitempty"`
	TLS  transport.TLSOptions `json:"tls"`
	// Auth is AuthNone, AuthPassword or AuthEntra.
	Auth     string `json:"auth"`
	Username string `json:"username,omitempty"`
	// Password is the password of AuthPassword. It is never encoded.
	Password string `json:"-"`
	// ClusterPolicy is how the endpoint spreads its keys; cluster.PolicyAuto
	// asks it.
	ClusterPolicy cluster.Policy `json:"cluster_policy"`
	// Entra configures AuthEntra.
	Entra EntraConfig `json:"entra,omitzero"`
}

// Entra ID defaults.
const (
	// DefaultEntraScope is the scope of Azure Redis tokens in every cloud.
	DefaultEntraScope = entra.DefaultScope
	// DefaultReauthBefore is how long before expiry a token is renewed at the
	// latest (Microsoft: at least three minutes).
	DefaultReauthBefore = entra.DefaultRefreshBefore
)

// EntraConfig is how a target is authenticated with Microsoft Entra ID
// tokens: the user name is the principal's object ID and the password a
// token, renewed before it expires and sent again on every open connection
// (re-AUTH), because the server closes a connection when its token expires.
type EntraConfig struct {
	// Credential names the kind of TokenCredential (one of
	// entra.CredentialKinds), for the record.
	Credential string `json:"credential"`
	// ClientID and TenantID are the credential's inputs, for the record.
	ClientID string `json:"client_id,omitempty"`
	TenantID string `json:"tenant_id,omitempty"`
	// Scope is the scope tokens are requested for.
	Scope string `json:"scope"`
	// User is the user name sent with the tokens; empty means each token's
	// oid claim.
	User string `json:"user,omitempty"`
	// Reauth sends every new token on every open connection before the old
	// one expires. Without it, tokens are still renewed for new connections,
	// and the server closes each connection when its token expires.
	Reauth bool `json:"reauth"`
	// ReauthBefore is how long before its expiry a token is renewed at the
	// latest; tokens are renewed at 70 % of their lifetime when that is
	// earlier.
	ReauthBefore time.Duration `json:"reauth_before"`
	// TokenCredential gets the tokens (entra.NewCredential builds the usual
	// ones). It is never encoded.
	TokenCredential azcore.TokenCredential `json:"-"`
}

// Addr returns host:port.
func (t TargetConfig) Addr() string { return net.JoinHostPort(t.Host, strconv.Itoa(t.Port)) }

// Config is how a run sends its load.
type Config struct {
	Target TargetConfig `json:"target"`
	// Connections is the number of connections, each driven by its own
	// worker goroutine.
	Connections int `json:"connections"`
	// ConnectConcurrency bounds how many connections are being opened and
	// authenticated at once; 1 opens them one after another, each
	// authenticated before the next is dialled, as Azure's protection against
	// floods of unauthenticated connections expects.
	ConnectConcurrency int `json:"connect_concurrency"`
	// ConnectRate bounds how many connections start opening per second;
	// 0 sets no bound beyond ConnectConcurrency. Azure rate-limits the
	// creation of connections; with the default concurrency of 1, each
	// connection's round trips (TCP, TLS, AUTH) pace the opening already.
	ConnectRate float64 `json:"connect_rate,omitempty"`
	// Pipeline is the number of commands each connection sends before
	// waiting for their replies.
	Pipeline int `json:"pipeline"`
	// Duration is the measured time; zero when Requests bounds the run.
	Duration time.Duration `json:"duration"`
	// Requests is the total number of measured operations over all
	// connections; zero when Duration bounds the run.
	Requests int64 `json:"requests,omitempty"`
	// Warmup is run before the measured window and left out of the
	// statistics.
	Warmup time.Duration `json:"warmup,omitempty"`
	// Interval is the length of one interval record.
	Interval time.Duration `json:"interval"`
	// Timeout bounds each command (or pipeline) on the wire.
	Timeout time.Duration `json:"timeout"`
	// ConnectTimeout bounds dialling and the TLS handshake.
	ConnectTimeout time.Duration `json:"connect_timeout"`
	// ReadBufferSize and WriteBufferSize size each connection's buffers.
	ReadBufferSize  int `json:"read_buffer_size"`
	WriteBufferSize int `json:"write_buffer_size"`
	// ReplyWait is how connections wait for replies (--reply-wait).
	ReplyWait transport.ReplyWait `json:"reply_wait"`
	// Transport is how connections reach their sockets (--transport): raw
	// system calls, or Go's net.Conn as it is.
	Transport transport.Transport `json:"transport,omitempty"`
	// Preload writes every key of the key range before the run, outside the
	// statistics.
	Preload bool `json:"preload,omitempty"`
	// ConnectionLimit is the most connections the target accepts (from the
	// SKU, --sku); 0 when unknown.
	ConnectionLimit int `json:"connection_limit,omitempty"`
	// MaxErrorRate is the share of failed operations (0..1) a run may have
	// before its verdict is error-budget (--max-error-rate); 1 turns the
	// check off.
	MaxErrorRate float64 `json:"max_error_rate"`
	// ServerStats reads every server's INFO at every interval boundary, on a
	// connection of its own per server (primaries and replicas), and hands
	// the samples to an Observer that is also a ServerObserver.
	ServerStats bool `json:"server_stats"`

	// Rate is the offered load in operations per second over all
	// connections, on an absolute schedule (open loop); 0 runs a closed
	// loop.
	Rate float64 `json:"rate,omitempty"`
	// Ramp runs a staircase of rates instead of one rate; each step is a
	// phase of its own.
	Ramp *openloop.Ramp `json:"ramp,omitempty"`
	// FindMax searches for the highest rate whose step meets every
	// objective: it climbs (Ramp's rates, or doubling from Rate) until a
	// step fails, then bisects.
	FindMax bool `json:"find_max,omitempty"`
	// Objectives judge each step of a staircase or a search.
	Objectives []results.Objective `json:"-"`
	// StepDuration is how long each step of a search lasts.
	StepDuration time.Duration `json:"step_duration,omitempty"`
	// MaxSteps bounds a search; MaxRate caps its climb; Precision ends its
	// bisection when the bracket is this fraction of the failing rate.
	MaxSteps  int     `json:"max_steps,omitempty"`
	MaxRate   float64 `json:"max_rate,omitempty"`
	Precision float64 `json:"precision,omitempty"`
	// LateThreshold is how late an operation may be sent before it counts as
	// a late start (open loop).
	LateThreshold time.Duration `json:"late_threshold,omitempty"`
	// Segment is this machine's share of a test split between several
	// machines (--segment i/n). Connections, Requests, Rate and the key range
	// are those of the whole test; the run opens its share of the
	// connections, each driven exactly as the same connection of the whole
	// test would be (its operation sequence, its share of the requests, its
	// slots of the open-loop schedule, so its share of the rate), and
	// preloads its share of the keys. The zero Segment is the whole test.
	Segment segment.Segment `json:"segment,omitzero"`
	// StartAt, when set, is when the measured window begins (--start-at), so
	// that runs launched independently on several machines measure the same
	// window: connections open and the preload runs first, then the run
	// waits until StartAt - Warmup to send load. Intervals are cut from
	// StartAt even when the run could not start in time.
	StartAt time.Time `json:"start_at,omitzero"`
}

// SegmentConnections returns the connections of the whole test that this
// run's segment drives: global connection numbers first to first+n-1.
func (c *Config) SegmentConnections() (first, n int) {
	lo, hi := c.Segment.Share(uint64(max(c.Connections, 0)))
	return int(lo), int(hi - lo)
}

// SegmentShare is the fraction of the whole test's connections that this
// run's segment drives: its share of every step's rate.
func (c *Config) SegmentShare() float64 {
	_, n := c.SegmentConnections()
	return float64(n) / float64(c.Connections)
}

// SegmentRate is this run's segment's share of Rate.
func (c *Config) SegmentRate() float64 {
	_, n := c.SegmentConnections()
	return c.Rate * float64(n) / float64(c.Connections)
}

// ConnRequests returns the measured operations connection conn of the
// whole test sends in a closed loop bounded by Requests, or -1 when the run
// is not bounded so. Requests are split between the connections as the P
// key pattern splits the keys (workloads.ParallelSlice), so that a run of
// as many requests as keys with the P pattern writes every key once.
func (c *Config) ConnRequests(conn int) int64 {
	if c.Requests <= 0 || c.OpenLoop() {
		return -1
	}
	_, quota := workloads.ParallelSlice(0, uint64(c.Requests), conn, c.Connections)
	return int64(quota)
}

// SegmentRequests returns the requests this run's segment's connections
// send (ConnRequests summed over them); 0 when Requests is not set.
func (c *Config) SegmentRequests() int64 {
	if c.Requests <= 0 {
		return 0
	}
	first, n := c.SegmentConnections()
	lo, _ := workloads.ParallelSlice(0, uint64(c.Requests), first, c.Connections)
	hi, _ := workloads.ParallelSlice(0, uint64(c.Requests), first+n, c.Connections)
	return int64(hi - lo)
}

// FirstRate is the rate an open loop starts at: Rate, the staircase's
// first, or DefaultSearchStart for a search given neither.
func (c *Config) FirstRate() float64 {
	first := c.Rate
	if c.Ramp != nil {
		first = c.Ramp.From
	}
	if c.FindMax && first == 0 {
		first = DefaultSearchStart
	}
	return first
}

// SearchStart is the rate a search doubles from when it climbs no
// staircase: Rate, or DefaultSearchStart.
func (c *Config) SearchStart() float64 {
	if c.Rate == 0 {
		return DefaultSearchStart
	}
	return c.Rate
}

// Defaults of an open-loop run.
const (
	DefaultStepDuration  = 10 * time.Second
	DefaultLateThreshold = time.Millisecond
	DefaultSearchStart   = 1000
	DefaultMaxSteps      = 16
	DefaultPrecision     = 0.02
	DefaultMaxRate       = 10e6
)

// OpenLoop reports whether the run sends on a schedule.
func (c *Config) OpenLoop() bool { return c.Rate > 0 || c.Ramp != nil || c.FindMax }

// Steps reports whether the run is a staircase or a search, whose length the
// steps decide.
func (c *Config) Steps() bool { return c.Ramp != nil || c.FindMax }

// DefaultConfig returns a closed-loop configuration against localhost.
func DefaultConfig() Config {
	return Config{
		Target:             TargetConfig{Host: "127.0.0.1", Port: DefaultPort, Auth: AuthNone, ClusterPolicy: cluster.PolicyAuto},
		Connections:        DefaultConnections,
		ConnectConcurrency: DefaultConnectConcurrency,
		Pipeline:           DefaultPipeline,
		Duration:           DefaultDuration,
		Interval:           DefaultInterval,
		Timeout:            DefaultTimeout,
		ConnectTimeout:     DefaultConnectTimeout,
		ReadBufferSize:     DefaultBufferSize,
		WriteBufferSize:    DefaultBufferSize,
		ReplyWait:          transport.ReplyWaitAuto,
		Transport:          transport.TransportAuto,
		StepDuration:       DefaultStepDuration,
		MaxSteps:           DefaultMaxSteps,
		MaxRate:            DefaultMaxRate,
		Precision:          DefaultPrecision,
		LateThreshold:      DefaultLateThreshold,
		MaxErrorRate:       results.DefaultMaxErrorRate,
	}
}

// Validate checks the configuration. Its errors are FieldErrors, which name
// the fields in the configuration's terms.
func (c *Config) Validate() error {
	var errs []error
	add := func(fields []string, format string, args ...any) {
		errs = append(errs, fieldErrorf(fields, format, args...))
	}
	type f = []string
	if c.Target.Host == "" {
		add(f{"target.host"}, "{target.host}: empty host name")
	}
	if c.Target.Port <= 0 || c.Target.Port > 65535 {
		add(f{"target.port"}, "{target.port} %d: must be between 1 and 65535", c.Target.Port)
	}
	if c.Target.DB < 0 || c.Target.DB > MaxDB {
		add(f{"target.db"}, "{target.db} %d: a database number from 0 to %d (a server has databases 0 to 15 unless its databases setting says otherwise)", c.Target.DB, MaxDB)
	}
	errs = append(errs, c.validateAuth()...)
	if _, err := cluster.ParsePolicy(string(c.Target.ClusterPolicy)); err != nil {
		add(f{"target.cluster_policy"}, "{target.cluster_policy} %w", err)
	}
	if c.Connections < 1 || c.Connections > MaxConnections {
		add(f{"connections"}, "{connections} %d: from 1 to %d", c.Connections, MaxConnections)
	} else if err := c.Segment.Validate(c.Connections); err != nil {
		add(f{"segment"}, "{segment} %s: %w", c.Segment, err)
	}
	if c.FindMax && !c.Segment.IsWhole() {
		add(f{"segment", "find_max", "rate", "ramp"}, "{segment} with {find_max}: each machine would search on its own; split a {rate} or a {ramp} instead")
	}
	if !(c.MaxErrorRate >= 0 && c.MaxErrorRate <= 1) {
		add(f{"max_error_rate"}, "{max_error_rate} %g %%: from 0 %% to 100 %%", 100*c.MaxErrorRate)
	}
	if c.ConnectConcurrency < 1 {
		add(f{"connect_concurrency"}, "{connect_concurrency} %d: at least 1", c.ConnectConcurrency)
	}
	if c.ConnectRate < 0 || math.IsNaN(c.ConnectRate) || math.IsInf(c.ConnectRate, 0) {
		add(f{"connect_rate"}, "{connect_rate} %v: 0 (no bound) or a rate above 0", c.ConnectRate)
	}
	if c.Pipeline < 1 || c.Pipeline > MaxPipeline {
		add(f{"pipeline"}, "{pipeline} %d: from 1 to %d", c.Pipeline, MaxPipeline)
	}
	bounds := f{"duration", "requests"}
	switch {
	case c.Duration < 0:
		add(f{"duration"}, "{duration} %s: cannot be negative", c.Duration)
	case c.Requests < 0:
		add(f{"requests"}, "{requests} %d: cannot be negative", c.Requests)
	case c.Steps() && (c.Duration > 0 || c.Requests > 0):
		add(f{"ramp", "find_max", "duration", "requests"}, "{ramp} and {find_max} set the run's length by their steps: drop {duration} and {requests}")
	case !c.Steps() && c.Duration == 0 && c.Requests == 0:
		add(bounds, "give {duration} or {requests}")
	case c.Duration > 0 && c.Requests > 0:
		add(bounds, "{duration} and {requests} both bound the run: give one")
	}
	errs = append(errs, c.validateOpenLoop()...)
	if _, err := transport.ParseReplyWait(string(c.ReplyWait)); err != nil {
		add(f{"reply_wait"}, "{reply_wait} %w", err)
	} else if c.ReplyWait == transport.ReplyWaitPoll && c.OpenLoop() {
		add(f{"reply_wait"}, "{reply_wait} poll: an open loop's workers wait on timers that polling connections would starve; use auto or park")
	} else if c.ReplyWait == transport.ReplyWaitPoll && c.Target.Auth == AuthEntra {
		add(f{"reply_wait"}, "{reply_wait} poll: Entra ID's token requests would be starved by polling connections; use auto or park")
	}
	if tr, err := transport.ParseTransport(string(c.Transport)); err != nil {
		add(f{"transport"}, "{transport} %w", err)
	} else if !tr.Raw() && c.ReplyWait == transport.ReplyWaitPoll {
		add(f{"transport", "reply_wait"}, "{reply_wait} poll needs raw system calls: Go's own connections ({transport} std) park; use {transport} auto or raw")
	}
	if c.Warmup < 0 {
		add(f{"warmup"}, "{warmup} %s: cannot be negative", c.Warmup)
	}
	if c.Interval < 10*time.Millisecond {
		add(f{"interval"}, "{interval} %s: at least 10ms", c.Interval)
	}
	if c.Timeout <= 0 {
		add(f{"timeout"}, "{timeout} %s: must be above zero", c.Timeout)
	}
	if c.ConnectTimeout <= 0 {
		add(f{"connect_timeout"}, "{connect_timeout} %s: must be above zero", c.ConnectTimeout)
	}
	if c.ReadBufferSize < 512 {
		add(f{"read_buffer_size"}, "{read_buffer_size}: at least 512 bytes")
	} else if c.WriteBufferSize < 512 {
		add(f{"write_buffer_size"}, "{write_buffer_size}: at least 512 bytes")
	}
	return errors.Join(errs...)
}

// validateAuth checks the target's authentication.
func (c *Config) validateAuth() []error {
	var errs []error
	add := func(fields []string, format string, args ...any) {
		errs = append(errs, fieldErrorf(fields, format, args...))
	}
	type f = []string
	switch c.Target.Auth {
	case AuthNone, AuthPassword, AuthEntra:
	default:
		add(f{"target.auth"}, "{target.auth} %q: use none, password or entra", c.Target.Auth)
	}
	if c.Target.Auth == AuthPassword && c.Target.Password == "" {
		e := fieldErrorf(f{"target.auth"}, "{target.auth} password: no password given")
		e.Hint = "target.password"
		errs = append(errs, e)
	}
	if c.Target.Auth != AuthEntra {
		return errs
	}
	e := c.Target.Entra
	if !c.Target.TLS.Enabled {
		add(f{"target.auth", "target.tls.enabled"}, "{target.auth} entra needs {target.tls.enabled}: Azure accepts Entra ID tokens only over TLS")
	}
	if e.TokenCredential == nil {
		add(f{"target.auth", "target.entra.credential"}, "{target.auth} entra: no credential ({target.entra.credential})")
	}
	if e.Scope == "" {
		add(f{"target.entra.scope"}, "{target.entra.scope}: empty")
	}
	if e.ReauthBefore <= 0 {
		add(f{"target.entra.reauth_before"}, "{target.entra.reauth_before} %s: must be above zero", e.ReauthBefore)
	}
	return errs
}

func (c *Config) validateOpenLoop() []error {
	var errs []error
	add := func(fields []string, format string, args ...any) {
		errs = append(errs, fieldErrorf(fields, format, args...))
	}
	type f = []string
	if c.Rate < 0 {
		add(f{"rate"}, "{rate} %g: cannot be negative", c.Rate)
	}
	if c.FindMax && len(c.Objectives) == 0 {
		add(f{"find_max", "objectives"}, "{find_max} needs at least one {objectives} to judge the steps by")
	}
	if c.Ramp != nil && c.Rate > 0 {
		add(f{"rate", "ramp"}, "{rate} and {ramp} both set the rate: give one")
	}
	stepLen, stepField := c.StepDuration, "step_duration"
	if c.Ramp != nil {
		stepLen, stepField = c.Ramp.StepDuration, "ramp"
	}
	if c.Steps() && c.Interval > 0 && (stepLen < c.Interval || stepLen%c.Interval != 0) {
		add(f{stepField, "interval"}, "step duration %s must be a whole number of {interval} %s, so each interval belongs to one step", stepLen, c.Interval)
	}
	if c.FindMax && (c.MaxSteps < 1 || c.Precision <= 0 || c.Precision >= 1 || c.MaxRate <= 0) {
		add(f{"find_max"}, "{find_max}: bad search limits (steps %d, precision %g, maximum rate %g)", c.MaxSteps, c.Precision, c.MaxRate)
	}
	if c.OpenLoop() && c.LateThreshold <= 0 {
		add(f{"late_threshold"}, "{late_threshold} %s: must be above zero", c.LateThreshold)
	}
	return errs
}
