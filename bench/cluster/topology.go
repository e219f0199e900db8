package cluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/amrbench/amrbench/internal/units"
	"github.com/redis/go-redis/v9"
)

// minTopologyRefresh is the least time between two CLUSTER SLOTS asked by a
// run: the cluster client asks for the slot map after every MOVED (at most
// every 200 ms, go-redis's own cool-down), the watcher on every tick and
// after connection failures; within this time they share one answer.
const minTopologyRefresh = 100 * time.Millisecond

// Topology keeps an OSS cluster's slot map for the cluster client (its
// ClusterSlots method) and reports every change of it as an event. It
// asks CLUSTER SLOTS over a single connection of its own, to the endpoint
// first and, when that fails, to any node it has seen in a slot map, so a
// failed primary never leaves the run without a map.
type Topology struct {
	// newClient returns a one-connection client of the node at addr.
	newClient func(addr string) *redis.Client
	timeout   time.Duration
	seed      string

	mu         sync.Mutex
	client     *redis.Client
	clientAddr string
	slots      []redis.ClusterSlot
	fetched    time.Time
	failing    bool
	events     func(at time.Time, detail string)

	nudges chan struct{}
}

// NewTopology returns a topology that asks seed first, over seedClient
// (which it then owns); newClient makes a one-connection client of another
// node, and timeout bounds each question.
func NewTopology(seed string, seedClient *redis.Client, newClient func(string) *redis.Client, timeout time.Duration) *Topology {
	return &Topology{
		newClient:  newClient,
		timeout:    timeout,
		seed:       seed,
		client:     seedClient,
		clientAddr: seed,
		nudges:     make(chan struct{}, 1),
	}
}

// SetEvents directs topology changes to fn, told when and what changed
// (nil: none).
func (tp *Topology) SetEvents(fn func(at time.Time, detail string)) {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	tp.events = fn
}

// Current returns the last slot map read.
func (tp *Topology) Current() []redis.ClusterSlot {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	return tp.slots
}

// ClusterSlots is the cluster client's ClusterSlots function
// (redis.ClusterOptions): the slot map, read again unless it was read a
// moment ago.
func (tp *Topology) ClusterSlots(ctx context.Context) ([]redis.ClusterSlot, error) {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	if tp.slots != nil && time.Since(tp.fetched) < minTopologyRefresh {
		return tp.slots, nil
	}
	if _, err := tp.refreshLocked(ctx); err != nil {
		if tp.slots != nil {
			return tp.slots, nil // keep routing by the last map
		}
		return nil, err
	}
	return tp.slots, nil
}

// Refresh reads the slot map unless it was read a moment ago, and reports
// whether it changed.
func (tp *Topology) Refresh(ctx context.Context) (bool, error) {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	if tp.slots != nil && time.Since(tp.fetched) < minTopologyRefresh {
		return false, nil
	}
	return tp.refreshLocked(ctx)
}

func (tp *Topology) refreshLocked(ctx context.Context) (bool, error) {
	slots, err := tp.ask(ctx)
	tp.fetched = time.Now()
	if err != nil {
		if !tp.failing && tp.slots != nil {
			tp.failing = true
			tp.emit(fmt.Sprintf("no node answered CLUSTER SLOTS (%v); routing by the last slot map", err))
		}
		return false, err
	}
	tp.failing = false
	old := tp.slots
	tp.slots = slots
	if old == nil {
		return false, nil
	}
	change := describeTopologyChange(old, slots)
	if change == "" {
		return false, nil
	}
	tp.emit(change)
	return true, nil
}

// emit sends a topology event. Callers hold tp.mu.
func (tp *Topology) emit(detail string) {
	if tp.events != nil {
		tp.events(time.Now(), detail)
	}
}

// ask reads CLUSTER SLOTS from the node it last asked, or else from the
// endpoint and every node of the last map, switching to the first that
// answers. Callers hold tp.mu.
func (tp *Topology) ask(ctx context.Context) ([]redis.ClusterSlot, error) {
	candidates := []string{tp.clientAddr}
	for _, addr := range append([]string{tp.seed}, nodeAddrs(tp.slots)...) {
		if !slices.Contains(candidates, addr) {
			candidates = append(candidates, addr)
		}
	}
	var errs []error
	for i, addr := range candidates {
		client := tp.client
		if i > 0 {
			client = tp.newClient(addr)
		}
		actx, cancel := context.WithTimeout(ctx, tp.timeout)
		slots, err := ReadSlots(actx, client)
		cancel()
		if err == nil && len(slots) == 0 {
			err = errors.New("no slots assigned")
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", addr, err))
			if i > 0 {
				_ = client.Close()
			}
			continue
		}
		if i > 0 {
			_ = tp.client.Close()
			tp.client, tp.clientAddr = client, addr
		}
		return normalizeSlots(slots, addr), nil
	}
	return nil, errors.Join(errs...)
}

// Nudge asks the watcher to read the slot map soon: a connection failed or
// the cluster said it is down, as it does while a failed primary is
// replaced. It never blocks.
func (tp *Topology) Nudge() {
	select {
	case tp.nudges <- struct{}{}:
	default:
	}
}

// Watch reads the slot map every period and after nudges, and calls reload
// when it changed, until ctx is done.
func (tp *Topology) Watch(ctx context.Context, period time.Duration, reload func()) {
	tick := time.NewTicker(period)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-tp.nudges:
		}
		if changed, _ := tp.Refresh(ctx); changed {
			reload()
		}
		select { // a storm of nudges is one refresh per minTopologyRefresh
		case <-ctx.Done():
			return
		case <-time.After(minTopologyRefresh):
		}
	}
}

// Close closes the topology's connection.
func (tp *Topology) Close() error {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	return tp.client.Close()
}

// OpenConnections is the number of connections the topology holds.
func (tp *Topology) OpenConnections() int {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	return int(tp.client.PoolStats().TotalConns)
}

// normalizeSlots resolves the node addresses of a CLUSTER SLOTS answer that
// origin gave, as go-redis does for the maps it reads itself: an empty host
// (Redis 7's "unknown endpoint") is origin's host; a loopback address from a
// node that is not on loopback is origin's host (a node behind NAT that
// announces 127.0.0.1); port 0 (a TLS-only cluster) is origin's port.
func normalizeSlots(slots []redis.ClusterSlot, origin string) []redis.ClusterSlot {
	out := make([]redis.ClusterSlot, len(slots))
	for i, s := range slots {
		out[i] = redis.ClusterSlot{Start: s.Start, End: s.End, Nodes: make([]redis.ClusterNode, len(s.Nodes))}
		for j, n := range s.Nodes {
			n.Addr = normalizeAddr(n.Addr, origin)
			out[i].Nodes[j] = n
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start < out[j].Start })
	return out
}

func normalizeAddr(addr, origin string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	oHost, oPort, err := net.SplitHostPort(origin)
	if err != nil {
		return addr
	}
	switch {
	case host == "" || host == "?":
		host = oHost
	case units.IsLoopback(host) && !units.IsLoopback(oHost):
		host = oHost
	}
	if port == "0" {
		port = oPort
	}
	return net.JoinHostPort(host, port)
}

// nodeAddrs returns every node address of a slot map, primaries first.
func nodeAddrs(slots []redis.ClusterSlot) []string {
	var primaries, replicas []string
	for _, s := range slots {
		for j, n := range s.Nodes {
			list := &replicas
			if j == 0 {
				list = &primaries
			}
			if !slices.Contains(*list, n.Addr) {
				*list = append(*list, n.Addr)
			}
		}
	}
	return append(primaries, replicas...)
}

// PrimaryCount returns the number of distinct primaries of a slot map.
func PrimaryCount(slots []redis.ClusterSlot) int {
	seen := map[string]bool{}
	for _, s := range slots {
		if len(s.Nodes) > 0 {
			seen[s.Nodes[0].Addr] = true
		}
	}
	return len(seen)
}

// slotView is a slot map as the owner of every slot and the replicas of
// every primary.
type slotView struct {
	owner    [16384]string
	replicas map[string][]string
}

func viewOf(slots []redis.ClusterSlot) *slotView {
	v := &slotView{replicas: map[string][]string{}}
	for _, s := range slots {
		if len(s.Nodes) == 0 {
			continue
		}
		primary := s.Nodes[0].Addr
		for slot := max(s.Start, 0); slot <= min(s.End, 16383); slot++ {
			v.owner[slot] = primary
		}
		for _, r := range s.Nodes[1:] {
			if !slices.Contains(v.replicas[primary], r.Addr) {
				v.replicas[primary] = append(v.replicas[primary], r.Addr)
			}
		}
	}
	for _, rs := range v.replicas {
		sort.Strings(rs)
	}
	return v
}

// Describe says what a slot map holds: its primaries, their slots and
// replicas.
func Describe(slots []redis.ClusterSlot) string {
	v := viewOf(slots)
	bySlots := map[string][]int{}
	var primaries []string
	for slot, p := range v.owner {
		if p == "" {
			continue
		}
		if _, ok := bySlots[p]; !ok {
			primaries = append(primaries, p)
		}
		bySlots[p] = append(bySlots[p], slot)
	}
	parts := make([]string, 0, len(primaries))
	for _, p := range primaries {
		part := fmt.Sprintf("%s slots %s", p, slotRanges(bySlots[p]))
		if rs := v.replicas[p]; len(rs) > 0 {
			part += " (replicas " + strings.Join(rs, ", ") + ")"
		}
		parts = append(parts, part)
	}
	return fmt.Sprintf("%s: %s", units.Plural(len(primaries), "shard"), strings.Join(parts, "; "))
}

// describeTopologyChange says how a slot map changed, or returns "" when it
// did not: slots that moved between primaries (a failover when a replica of
// the old primary took them over) and replicas that came or went.
func describeTopologyChange(old, new []redis.ClusterSlot) string {
	a, b := viewOf(old), viewOf(new)
	type move struct{ from, to string }
	moved := map[move][]int{}
	var order []move
	for slot := range a.owner {
		if a.owner[slot] == b.owner[slot] {
			continue
		}
		m := move{a.owner[slot], b.owner[slot]}
		if _, ok := moved[m]; !ok {
			order = append(order, m)
		}
		moved[m] = append(moved[m], slot)
	}
	var changes []string
	for _, m := range order {
		slots := moved[m]
		what := fmt.Sprintf("%s %s", units.Plural(len(slots), "slot"), slotRanges(slots))
		switch {
		case m.to == "":
			changes = append(changes, fmt.Sprintf("%s of %s are no longer served", what, m.from))
		case m.from == "":
			changes = append(changes, fmt.Sprintf("%s are now served by %s", what, m.to))
		case slices.Contains(a.replicas[m.from], m.to):
			changes = append(changes, fmt.Sprintf("failover: %s, a replica of %s, took over %s", m.to, m.from, what))
		default:
			changes = append(changes, fmt.Sprintf("%s moved from %s to %s", what, m.from, m.to))
		}
	}
	primaries := map[string]bool{}
	for _, p := range b.owner {
		if p != "" {
			primaries[p] = true
		}
	}
	var names []string
	for p := range primaries {
		names = append(names, p)
	}
	sort.Strings(names)
	for _, p := range names {
		before, after := a.replicas[p], b.replicas[p]
		if !slices.Equal(before, after) {
			changes = append(changes, fmt.Sprintf("replicas of %s: %s → %s", p, listOrNone(before), listOrNone(after)))
		}
	}
	if len(changes) == 0 {
		return ""
	}
	return strings.Join(changes, "; ")
}

func listOrNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

// maxRangesShown bounds the slot ranges an event lists.
const maxRangesShown = 8

// slotRanges formats ascending slots as ranges: "0-5460", "1,3-4,9".
func slotRanges(slots []int) string {
	var parts []string
	for i := 0; i < len(slots); {
		j := i
		for j+1 < len(slots) && slots[j+1] == slots[j]+1 {
			j++
		}
		if len(parts) == maxRangesShown {
			parts = append(parts, "…")
			break
		}
		if i == j {
			parts = append(parts, strconv.Itoa(slots[i]))
		} else {
			parts = append(parts, strconv.Itoa(slots[i])+"-"+strconv.Itoa(slots[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}
