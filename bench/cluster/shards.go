package cluster

import (
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"
)

// MaxRedirects is how many MOVED or ASK redirects an operation follows
// before its last redirect is counted as its failure: go-redis's default,
// what an application using it gets.
const MaxRedirects = 3

// Registry numbers the nodes (shards) a cluster run meets, so that workers
// count per shard in slices and the results can name them. Indexes are never
// reused. It is safe for concurrent use.
type Registry struct {
	mu    sync.Mutex
	names []string
	index map[string]int
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{index: map[string]int{}} }

// IndexOf returns the index of the shard name, registering it if new.
func (r *Registry) IndexOf(name string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if i, ok := r.index[name]; ok {
		return i
	}
	r.names = append(r.names, name)
	r.index[name] = len(r.names) - 1
	return len(r.names) - 1
}

// Name returns the name of shard i.
func (r *Registry) Name(i int) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.names[i]
}

// A Redirect is one MOVED or ASK reply an operation met.
type Redirect struct {
	// Shard is the shard that sent it.
	Shard int32
	// Ask is set for ASK, clear for MOVED.
	Ask bool
}

// A Route is what the shards told one operation on its way: the shard
// whose reply was final, and the MOVED and ASK replies that redirected it.
// Hook fills it in, attempt by attempt; its owner resets it before each
// operation.
type Route struct {
	// Shard is the shard whose reply was final; -1 before any.
	Shard     int32
	redirects [MaxRedirects + 1]Redirect
	n         uint8
}

// Reset empties the route for a new operation.
func (r *Route) Reset() { r.Shard, r.n = -1, 0 }

// Redirects returns the MOVED and ASK replies met, in order.
func (r *Route) Redirects() []Redirect { return r.redirects[:r.n] }

// Answered records that shard answered the operation with err.
func (r *Route) Answered(shard int32, err error) {
	r.Shard = shard
	if err == nil || err == redis.Nil { //nolint:errorlint // go-redis returns the sentinel itself; this is the hot path of every miss
		return
	}
	var rerr redis.Error
	if !errors.As(err, &rerr) || int(r.n) == len(r.redirects) {
		return
	}
	switch prefix, _, _ := strings.Cut(rerr.Error(), " "); prefix {
	case "MOVED":
		r.redirects[r.n] = Redirect{Shard: shard}
		r.n++
	case "ASK":
		r.redirects[r.n] = Redirect{Shard: shard, Ask: true}
		r.n++
	}
}

// Routed is a command that carries its Route, for Hook to fill in.
type Routed interface {
	Route() *Route
}

// Hook tells each Routed command which node answered it, attempt by
// attempt, and which replies redirected it. Add one to every node client
// of a cluster client (OnNewNode), with the node's index in a Registry: it
// sees the MOVED and ASK replies that the cluster client then follows.
// Commands that are not Routed pass through at the cost of a type check.
type Hook struct {
	// Shard is the node's index.
	Shard int32
}

var _ redis.Hook = Hook{}

// DialHook passes dials through.
func (h Hook) DialHook(next redis.DialHook) redis.DialHook { return next }

// ProcessHook records the node's answer to a single command.
func (h Hook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		if c, ok := cmd.(Routed); ok {
			c.Route().Answered(h.Shard, err)
		}
		return err
	}
}

// ProcessPipelineHook records the node's answer to each command of a
// pipeline.
func (h Hook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		err := next(ctx, cmds)
		for _, cmd := range cmds {
			if c, ok := cmd.(Routed); ok {
				c.Route().Answered(h.Shard, cmd.Err())
			}
		}
		return err
	}
}
