package memtierflags

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/amrbench/amrbench/internal/units"
	"github.com/amrbench/amrbench/workloads"
)

// NewCommand returns the Value of --command, which gathers into cmds with
// --command-ratio and --command-key-pattern (NewCommandRatio,
// NewCommandKeyPattern).
func NewCommand(cmds *[]workloads.Command) pflag.Value { return commandLine{cmds} }

// NewCommandRatio returns the Value of --command-ratio: see NewCommand.
func NewCommandRatio(cmds *[]workloads.Command) pflag.Value { return commandRatio{cmds} }

// NewCommandKeyPattern returns the Value of --command-key-pattern: see
// NewCommand.
func NewCommandKeyPattern(cmds *[]workloads.Command) pflag.Value { return commandKeyPattern{cmds} }

// NewRequests returns the Value of -n/--requests: a count per connection
// into n, or allkeys.
func NewRequests(n *int64, allKeys *bool) pflag.Value { return requestsFlag{n, allKeys} }

// NewPipeline returns the Value of -P/--pipeline: a depth into depth, or
// memtier's protocol name into protocol.
func NewPipeline(depth *int, protocol *string) pflag.Value { return pipelineFlag{depth, protocol} }

// NewProtocol returns the Value of memtier's --protocol.
func NewProtocol(protocol *string) pflag.Value { return protocolFlag{protocol} }

// commandList gathers --command, --command-ratio and --command-key-pattern
// in the order given: as with memtier, a ratio or a key pattern applies to
// the last --command before it. pflag calls Set in command-line order.
type commandList struct{ cmds *[]workloads.Command }

// commandLine is the Value of --command.
type commandLine commandList

func (f commandLine) String() string { return "" }
func (f commandLine) Type() string   { return "command" }

func (f commandLine) Set(s string) error {
	c, err := workloads.NewCommand(s)
	if err != nil {
		return err
	}
	*f.cmds = append(*f.cmds, c)
	return nil
}

// commandRatio is the Value of --command-ratio.
type commandRatio commandList

func (f commandRatio) String() string { return "" }
func (f commandRatio) Type() string   { return "count" }

// last returns the --command given last, which its companions apply to.
func (l commandList) last() (*workloads.Command, error) {
	if len(*l.cmds) == 0 {
		return nil, errors.New("give it after the --command it applies to")
	}
	return &(*l.cmds)[len(*l.cmds)-1], nil
}

func (f commandRatio) Set(s string) error {
	c, err := commandList(f).last()
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 0 {
		return fmt.Errorf("%q is not a whole number of zero or more", s)
	}
	c.Ratio = n
	return nil
}

// commandKeyPattern is the Value of --command-key-pattern.
type commandKeyPattern commandList

func (f commandKeyPattern) String() string { return "" }
func (f commandKeyPattern) Type() string   { return "pattern" }

func (f commandKeyPattern) Set(s string) error {
	c, err := commandList(f).last()
	if err != nil {
		return err
	}
	p, err := workloads.ParseKeyPatterns(s)
	if err != nil || p.Set != p.Get {
		return fmt.Errorf("%q: one of R, S, G, Z or P", s)
	}
	c.KeyPattern = p.Set
	return nil
}

// requestsFlag is -n/--requests: requests per connection, as memtier counts
// them, or "allkeys": as many as the key range holds.
type requestsFlag struct {
	n       *int64
	allKeys *bool
}

func (f requestsFlag) String() string {
	if f.n == nil || *f.n == 0 {
		return ""
	}
	return strconv.FormatInt(*f.n, 10)
}

func (f requestsFlag) Type() string { return "n|allkeys" }

func (f requestsFlag) Set(s string) error {
	if strings.EqualFold(strings.TrimSpace(s), "allkeys") {
		*f.n, *f.allKeys = 0, true
		return nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n < 1 {
		return fmt.Errorf("%q is not a whole number of at least 1, or allkeys", s)
	}
	*f.n, *f.allKeys = n, false
	return nil
}

// TotalRequests turns -n into the run's total: n per connection, or for
// allkeys the key range per connection (with the P pattern, the key range
// once over all connections, each its own slice, as memtier's -n allkeys
// with P:P writes every key once). It returns a note for the user when the
// count is not the one given.
func TotalRequests(perConn int64, allKeys bool, conns int, spec *workloads.Spec) (int64, string, error) {
	if allKeys {
		keys := spec.KeyCount()
		if spec.Uses(workloads.Parallel) {
			if keys > math.MaxInt64 {
				return 0, "", fmt.Errorf("--requests allkeys: %d keys are too many requests", keys)
			}
			return int64(keys), fmt.Sprintf("--requests allkeys: %s requests, each key of the range once, each connection its own slice (P pattern)", units.FormatWhole(float64(keys))), nil
		}
		if keys > math.MaxInt64/uint64(conns) {
			return 0, "", fmt.Errorf("--requests allkeys: %d keys per connection are too many requests", keys)
		}
		perConn = int64(keys)
	}
	if perConn > math.MaxInt64/int64(conns) {
		return 0, "", fmt.Errorf("--requests %d per connection x %d connections: too many", perConn, conns)
	}
	note := ""
	if allKeys {
		note = fmt.Sprintf("--requests allkeys: %s requests per connection, the key range", units.FormatWhole(float64(perConn)))
	}
	return perConn * int64(conns), note, nil
}

// pipelineFlag is -P/--pipeline. -P is the pipeline depth here, as in
// redis-benchmark (and memtier's --pipeline); memtier's -P is its protocol.
// A protocol name after -P is taken in memtier's sense: amrbench always
// speaks RESP2, memtier's "redis" and "resp2", and refuses the others.
type pipelineFlag struct {
	depth    *int
	protocol *string
}

func (f pipelineFlag) String() string {
	if f.depth == nil {
		return ""
	}
	return strconv.Itoa(*f.depth)
}

func (f pipelineFlag) Type() string { return "int" }

func (f pipelineFlag) Set(s string) error {
	if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil {
		*f.depth = n
		return nil
	}
	if err := checkProtocol(s); err != nil {
		return fmt.Errorf("%q is neither a pipeline depth nor a protocol: %w", s, err)
	}
	*f.protocol = s
	return nil
}

// protocolFlag is memtier's --protocol.
type protocolFlag struct{ protocol *string }

func (f protocolFlag) String() string { return "" }
func (f protocolFlag) Type() string   { return "name" }

func (f protocolFlag) Set(s string) error {
	if err := checkProtocol(s); err != nil {
		return err
	}
	*f.protocol = s
	return nil
}

// checkProtocol accepts memtier's protocol names that amrbench speaks.
func checkProtocol(name string) error {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "redis", "resp2":
		return nil
	case "resp3":
		return errors.New("amrbench speaks RESP2 only (memtier's redis or resp2)")
	case "memcache_text", "memcache_binary":
		return errors.New("amrbench benchmarks Redis only: memcache is not supported")
	}
	return errors.New("memtier's protocols are redis, resp2, resp3, memcache_text and memcache_binary; amrbench speaks redis (RESP2)")
}
