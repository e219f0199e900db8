package cluster

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// reply is an error reply from a server, as go-redis returns it.
type reply string

func (r reply) Error() string { return string(r) }
func (r reply) RedisError()   {}

var _ redis.Error = reply("")

// slotMap builds a CLUSTER SLOTS answer: each range is start, end, primary
// and replicas.
func slotMap(ranges ...[]any) []redis.ClusterSlot {
	var out []redis.ClusterSlot
	for _, r := range ranges {
		s := redis.ClusterSlot{Start: r[0].(int), End: r[1].(int)}
		for _, addr := range r[2:] {
			s.Nodes = append(s.Nodes, redis.ClusterNode{Addr: addr.(string)})
		}
		out = append(out, s)
	}
	return out
}

func TestFindPolicy(t *testing.T) {
	three := slotMap([]any{0, 5460, "10.0.0.1:8501"}, []any{5461, 10922, "10.0.0.2:8502"}, []any{10923, 16383, "10.0.0.3:8503", "10.0.0.4:8504"})
	tests := []struct {
		name       string
		slots      []redis.ClusterSlot
		err        error
		wantPolicy Policy
		wantReason string
		wantErr    string
	}{
		// A cluster answers with its slot map; replicas are not shards.
		{"OSS cluster", three, nil, PolicyOSS, "CLUSTER SLOTS with 3 shards", ""},
		// Plain Redis and non-clustered caches say so.
		{"plain server", nil, reply("ERR This instance has cluster support disabled"), PolicyNonClustered, "cluster support is disabled", ""},
		// A proxy that blocks CLUSTER: AMR's Enterprise policy.
		{"blocked command", nil, reply("ERR unknown command 'cluster', with args beginning with: 'slots'"), PolicyEnterprise, "refuses CLUSTER SLOTS", ""},
		{"command not allowed", nil, reply("ERR command is not allowed"), PolicyEnterprise, "Enterprise clustering policy", ""},
		// The user may not ask: driven as one endpoint, and told how to
		// say otherwise.
		{"ACL forbids", nil, reply("NOPERM this user has no permissions to run the 'cluster|slots' command"), PolicyNonClustered, "cluster policy to oss", ""},
		// A cluster node without slots cannot be benchmarked.
		{"no slots", []redis.ClusterSlot{}, nil, "", "", "no slots are assigned"},
		// No answer at all is an error, not a policy.
		{"connection lost", nil, io.EOF, "", "", "no answer to CLUSTER SLOTS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Detect(tt.slots, tt.err)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Policy != tt.wantPolicy || !strings.Contains(got.Reason, tt.wantReason) {
				t.Fatalf("got %q (%q), want %q (...%q...)", got.Policy, got.Reason, tt.wantPolicy, tt.wantReason)
			}
		})
	}
}

func TestDescribeTopologyChange(t *testing.T) {
	before := slotMap([]any{0, 5460, "a:1", "d:4"}, []any{5461, 10921, "b:2"}, []any{10922, 16383, "c:3"})
	tests := []struct {
		name  string
		after []redis.ClusterSlot
		want  []string // "" means no change
	}{
		{"same map in another order", slotMap([]any{10922, 16383, "c:3"}, []any{0, 5460, "a:1", "d:4"}, []any{5461, 10921, "b:2"}), nil},
		{"failover to the replica", slotMap([]any{0, 5460, "d:4"}, []any{5461, 10921, "b:2"}, []any{10922, 16383, "c:3"}),
			[]string{"failover: d:4, a replica of a:1, took over 5,461 slots 0-5460"}},
		{"one slot migrated", slotMap([]any{0, 99, "a:1", "d:4"}, []any{100, 100, "b:2"}, []any{101, 5460, "a:1", "d:4"}, []any{5461, 10921, "b:2"}, []any{10922, 16383, "c:3"}),
			[]string{"1 slot 100 moved from a:1 to b:2"}},
		{"slots lost their primary", slotMap([]any{0, 5460, "a:1", "d:4"}, []any{5461, 10921, "b:2"}),
			[]string{"5,462 slots 10922-16383 of c:3 are no longer served"}},
		{"a replica joined", slotMap([]any{0, 5460, "a:1", "d:4"}, []any{5461, 10921, "b:2", "e:5"}, []any{10922, 16383, "c:3"}),
			[]string{"replicas of b:2: none → e:5"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := describeTopologyChange(before, tt.after)
			if len(tt.want) == 0 {
				if got != "" {
					t.Fatalf("change %q, want none", got)
				}
				return
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("%q lacks %q", got, w)
				}
			}
		})
	}
	if got := Describe(before); got != "3 shards: a:1 slots 0-5460 (replicas d:4); b:2 slots 5461-10921; c:3 slots 10922-16383" {
		t.Errorf("Describe = %q", got)
	}
}

func TestSlotRanges(t *testing.T) {
	tests := []struct {
		slots []int
		want  string
	}{
		{[]int{7}, "7"},
		{[]int{0, 1, 2, 3}, "0-3"},
		{[]int{1, 3, 4, 9}, "1,3-4,9"},
		{[]int{0, 2, 4, 6, 8, 10, 12, 14, 16, 18}, "0,2,4,6,8,10,12,14,…"},
	}
	for _, tt := range tests {
		if got := slotRanges(tt.slots); got != tt.want {
			t.Errorf("slotRanges(%v) = %q, want %q", tt.slots, got, tt.want)
		}
	}
}

func TestNormalizeAddr(t *testing.T) {
	tests := []struct {
		name, addr, origin, want string
	}{
		{"announced address kept", "10.0.0.5:8501", "cache.redis.azure.net:10000", "10.0.0.5:8501"},
		{"unknown endpoint is the origin's host", ":8501", "cache.redis.azure.net:10000", "cache.redis.azure.net:8501"},
		{"loopback behind NAT is the origin's host", "127.0.0.1:7001", "10.1.2.3:7000", "10.1.2.3:7001"},
		{"loopback seen from loopback stays", "127.0.0.1:7001", "localhost:7000", "127.0.0.1:7001"},
		{"TLS-only port 0 is the origin's port", "10.0.0.5:0", "10.0.0.5:6380", "10.0.0.5:6380"},
	}
	for _, tt := range tests {
		if got := normalizeAddr(tt.addr, tt.origin); got != tt.want {
			t.Errorf("%s: normalizeAddr(%q, %q) = %q, want %q", tt.name, tt.addr, tt.origin, got, tt.want)
		}
	}
}

// TestRouteRecordsRedirects checks what the node hook records per
// attempt: the shard of the last reply, and each MOVED or ASK.
func TestRouteRecordsRedirects(t *testing.T) {
	var r Route
	r.Reset()
	r.Answered(2, reply("MOVED 3999 127.0.0.1:7002"))
	r.Answered(5, reply("ASK 3999 127.0.0.1:7005"))
	r.Answered(5, errors.New("EOF"))
	r.Answered(7, nil)
	got := r.Redirects()
	if r.Shard != 7 || len(got) != 2 || got[0] != (Redirect{Shard: 2}) || got[1] != (Redirect{Shard: 5, Ask: true}) {
		t.Fatalf("shard %d, redirects %v", r.Shard, got)
	}
	r.Reset()
	if r.Shard != -1 || len(r.Redirects()) != 0 {
		t.Fatal("Reset did not reset the redirects")
	}
}
