package memtierflags

import (
	"strings"
	"testing"

	"github.com/amrbench/amrbench/workloads"
)

func TestCommandsApplyToTheLastCommand(t *testing.T) {
	t.Parallel()
	var cmds []workloads.Command
	command, ratio, pattern := NewCommand(&cmds), NewCommandRatio(&cmds), NewCommandKeyPattern(&cmds)
	if err := ratio.Set("2"); err == nil || !strings.Contains(err.Error(), "give it after the --command") {
		t.Fatalf("a ratio before any command: %v", err)
	}
	for _, step := range []struct {
		v setter
		s string
	}{{command, "SET __key__ __data__"}, {ratio, "3"}, {command, "HGET __key__ f"}, {pattern, "P"}} {
		if err := step.v.Set(step.s); err != nil {
			t.Fatalf("Set(%q): %v", step.s, err)
		}
	}
	if len(cmds) != 2 || cmds[0].Ratio != 3 || cmds[1].KeyPattern != workloads.Parallel || cmds[0].KeyPattern == workloads.Parallel {
		t.Fatalf("commands %+v", cmds)
	}
	for _, bad := range []struct {
		v    setter
		s    string
		want string
	}{
		{ratio, "-1", `"-1" is not a whole number of zero or more`},
		{pattern, "Q", `"Q": one of R, S, G, Z or P`},
	} {
		if err := bad.v.Set(bad.s); err == nil || err.Error() != bad.want {
			t.Errorf("Set(%q) = %v, want %q", bad.s, err, bad.want)
		}
	}
}

// setter is the part of pflag.Value the tests use.
type setter interface{ Set(string) error }

func TestRequestsAndPipeline(t *testing.T) {
	t.Parallel()
	var n int64
	var all bool
	req := NewRequests(&n, &all)
	if err := req.Set("AllKeys"); err != nil || !all || n != 0 {
		t.Fatalf("allkeys: n %d all %v err %v", n, all, err)
	}
	if err := req.Set("250"); err != nil || all || n != 250 || req.String() != "250" {
		t.Fatalf("250: n %d all %v err %v", n, all, err)
	}
	if err := req.Set("0"); err == nil || err.Error() != `"0" is not a whole number of at least 1, or allkeys` {
		t.Fatalf("0: %v", err)
	}
	var depth int
	var protocol string
	p := NewPipeline(&depth, &protocol)
	if err := p.Set("16"); err != nil || depth != 16 || protocol != "" {
		t.Fatalf("-P 16: depth %d protocol %q err %v", depth, protocol, err)
	}
	if err := p.Set("redis"); err != nil || depth != 16 || protocol != "redis" {
		t.Fatalf("-P redis: depth %d protocol %q err %v", depth, protocol, err)
	}
	for name, want := range map[string]string{
		"resp3":         "RESP2 only",
		"memcache_text": "memcache is not supported",
		"http":          "memtier's protocols are",
	} {
		if err := NewProtocol(&protocol).Set(name); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("--protocol %s: %v, want %q", name, err, want)
		}
	}
}

func TestTotalRequests(t *testing.T) {
	t.Parallel()
	spec := func(pattern workloads.KeyPattern) *workloads.Spec {
		s := &workloads.Spec{KeyMinimum: 1, KeyMaximum: 1000, Ratio: workloads.Ratio{Sets: 1, Gets: 1}}
		s.KeyPattern = workloads.KeyPatterns{Set: pattern, Get: pattern}
		return s
	}
	for _, tt := range []struct {
		name    string
		perConn int64
		allKeys bool
		spec    *workloads.Spec
		want    int64
		note    string
	}{
		{"per connection", 10, false, spec(workloads.Uniform), 40, ""},
		{"allkeys", 0, true, spec(workloads.Uniform), 4000, "--requests allkeys: 1,000 requests per connection, the key range"},
		{"allkeys P", 0, true, spec(workloads.Parallel), 1000, "--requests allkeys: 1,000 requests, each key of the range once, each connection its own slice (P pattern)"},
	} {
		got, note, err := TotalRequests(tt.perConn, tt.allKeys, 4, tt.spec)
		if err != nil || got != tt.want || note != tt.note {
			t.Errorf("%s: %d, %q, %v; want %d, %q", tt.name, got, note, err, tt.want, tt.note)
		}
	}
	if _, _, err := TotalRequests(1<<62, false, 4, spec(workloads.Uniform)); err == nil || !strings.Contains(err.Error(), "too many") {
		t.Errorf("overflow: %v", err)
	}
}
