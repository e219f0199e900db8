package bench

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"
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

// Auth modes.
const (
	AuthNone     = "none"
	AuthPassword = "password"
	AuthEntra    = "entra"
)

// Cluster policies.
const (
	PolicyAuto         = "auto"
	PolicyOSS          = "oss"
	PolicyEnterprise   = "enterprise"
	PolicyNonClustered = "non-clustered"
)

// TargetConfig says where to connect and how to authenticate.
type TargetConfig struct {
	Host string     `json:"host"`
	Port int        `json:"port"`
	DB   int        `json:"db,omitempty"`
	TLS  TLSOptions `json:"tls"`
	// Auth is AuthNone, AuthPassword or AuthEntra.
	Auth     string `json:"auth"`
	Username string `json:"username,omitempty"`
	// Password is the password of AuthPassword. It is never encoded.
	Password string `json:"-"`
	// ClusterPolicy is one of the Policy constants.
	ClusterPolicy string `json:"cluster_policy"`
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
	// Preload writes every key of the key range before the run, outside the
	// statistics.
	Preload bool `json:"preload,omitempty"`
	// ConnectionLimit is the most connections the target accepts (from the
	// SKU, --sku); 0 when unknown.
	ConnectionLimit int `json:"connection_limit,omitempty"`
}

// DefaultConfig returns a closed-loop configuration against localhost.
func DefaultConfig() Config {
	return Config{
		Target:             TargetConfig{Host: "127.0.0.1", Port: DefaultPort, Auth: AuthNone, ClusterPolicy: PolicyAuto},
		Connections:        DefaultConnections,
		ConnectConcurrency: DefaultConnectConcurrency,
		Pipeline:           DefaultPipeline,
		Duration:           DefaultDuration,
		Interval:           DefaultInterval,
		Timeout:            DefaultTimeout,
		ConnectTimeout:     DefaultConnectTimeout,
		ReadBufferSize:     DefaultBufferSize,
		WriteBufferSize:    DefaultBufferSize,
	}
}

// Validate checks the configuration. Errors name the flag a value came from.
func (c *Config) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.Target.Host == "" {
		add("--server: empty host name")
	}
	if c.Target.Port <= 0 || c.Target.Port > 65535 {
		add("--port %d: must be between 1 and 65535", c.Target.Port)
	}
	switch c.Target.Auth {
	case AuthNone, AuthPassword, AuthEntra:
	default:
		add("--auth %q: use none, password or entra", c.Target.Auth)
	}
	if c.Target.Auth == AuthPassword && c.Target.Password == "" {
		add("--auth password: no password given (use -a, AMRBENCH_PASSWORD or --password-file)")
	}
	if c.Target.Auth == AuthEntra && !c.Target.TLS.Enabled {
		add("--auth entra needs --tls: Azure accepts Entra ID tokens only over TLS")
	}
	switch c.Target.ClusterPolicy {
	case PolicyAuto, PolicyOSS, PolicyEnterprise, PolicyNonClustered:
	default:
		add("--cluster-policy %q: use auto, oss, enterprise or non-clustered", c.Target.ClusterPolicy)
	}
	if c.Connections < 1 {
		add("--connections %d: at least 1", c.Connections)
	}
	if c.ConnectConcurrency < 1 {
		add("--connect-concurrency %d: at least 1", c.ConnectConcurrency)
	}
	if c.Pipeline < 1 {
		add("--pipeline %d: at least 1", c.Pipeline)
	}
	switch {
	case c.Duration < 0:
		add("--duration %s: cannot be negative", c.Duration)
	case c.Requests < 0:
		add("--requests %d: cannot be negative", c.Requests)
	case c.Duration == 0 && c.Requests == 0:
		add("give --duration or --requests")
	case c.Duration > 0 && c.Requests > 0:
		add("--duration and --requests both bound the run: give one")
	}
	if c.Warmup < 0 {
		add("--warmup %s: cannot be negative", c.Warmup)
	}
	if c.Interval < 10*time.Millisecond {
		add("--interval %s: at least 10ms", c.Interval)
	}
	if c.Timeout <= 0 {
		add("--timeout %s: must be above zero", c.Timeout)
	}
	if c.ConnectTimeout <= 0 {
		add("--connect-timeout %s: must be above zero", c.ConnectTimeout)
	}
	if c.ReadBufferSize < 512 || c.WriteBufferSize < 512 {
		add("--buffer-size: at least 512 bytes")
	}
	return errors.Join(errs...)
}
