package serverstats

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/amrbench/amrbench/results"
)

func fixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestParseInfo(t *testing.T) {
	t.Parallel()
	type want struct {
		empty     bool
		ints      map[string]int64 // fields that must be there, with their values
		absent    []string         // fields that must not be
		commands  map[string]results.ServerCommandStats
		sections  []string
		keys      int64
		role      string
		clustered bool
		time      time.Time
	}
	tests := []struct {
		name string
		text string
		want want
	}{{
		name: "redis-server 7.0.15, INFO all as captured",
		text: fixture(t, "redis7-info-all.txt"),
		want: want{
			ints: map[string]int64{
				"used_memory": 966024, "maxmemory": 104857600, "connected_clients": 1, "blocked_clients": 0,
				"total_commands_processed": 3, "instantaneous_ops_per_sec": 1, "evicted_keys": 0, "keyspace_hits": 1,
				"keyspace_misses": 1, "total_net_input_bytes": 94, "total_net_output_bytes": 17, "rejected_connections": 0,
			},
			commands: map[string]results.ServerCommandStats{"set": {Calls: 1, Usec: 27}, "get": {Calls: 2, Usec: 15}},
			sections: []string{"server", "clients", "memory", "stats", "cpu", "commandstats", "keyspace", "cluster", "replication"},
			keys:     1, role: results.RolePrimary,
			time: time.UnixMicro(1796627713676541),
		},
	}, {
		name: "a managed service hiding fields (constructed)",
		text: fixture(t, "amr-like-info.txt"),
		want: want{
			ints:     map[string]int64{"used_memory": 1048576000, "connected_clients": 42, "total_commands_processed": 123456789, "instantaneous_ops_per_sec": 15000},
			absent:   []string{"maxmemory", "used_cpu_sys_main_thread", "server_time_usec", "mem_fragmentation_ratio", "blocked_clients", "rejected_connections", "cluster_enabled"},
			commands: map[string]results.ServerCommandStats{"get": {Calls: 80000000, Usec: 96000000}, "set": {Calls: 43456789, Usec: 78222220}},
			sections: []string{"server", "cpu", "commandstats", "keyspace"},
			keys:     1000000, role: results.RolePrimary,
		},
	}, {
		// nutcracker 0.5.0 closes the connection on INFO: no reply at all.
		name: "twemproxy: no reply",
		text: "",
		want: want{empty: true, absent: []string{"used_memory", "connected_clients"}},
	}, {
		name: "LF line ends, unknown and malformed lines, a replica of a cluster",
		text: "# Replication\nrole:slave\nmaster_host:10.0.0.5\nmaster_port:7001\nnot a field\n:novalue\n" +
			"# Cluster\ncluster_enabled:1\n# Commandstats\ncmdstat_client|setname:calls=4,usec=8,usec_per_call=2.00,rejected_calls=1,failed_calls=2\n" +
			"cmdstat_broken:usec=3\n# Keyspace\ndb0:keys=3,expires=0,avg_ttl=0\ndb2:keys=4,expires=1,avg_ttl=5\n",
		want: want{
			commands:  map[string]results.ServerCommandStats{"client|setname": {Calls: 4, Usec: 8, RejectedCalls: 1, FailedCalls: 2}},
			absent:    []string{"not a field", "cmdstat_broken"},
			sections:  []string{"replication", "cluster", "commandstats", "keyspace"},
			keys:      7,
			role:      results.RoleReplica,
			clustered: true,
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			info := ParseInfo(tt.text)
			if info.Empty() != tt.want.empty {
				t.Fatalf("Empty() = %v, want %v", info.Empty(), tt.want.empty)
			}
			for field, v := range tt.want.ints {
				if got := info.Int(field); got == nil || *got != v {
					t.Errorf("%s = %v, want %d", field, deref(got), v)
				}
			}
			for _, field := range tt.want.absent {
				if _, ok := info.Fields[field]; ok || info.Int(field) != nil || info.Float(field) != nil {
					t.Errorf("%s is there (%q), want it absent", field, info.Fields[field])
				}
			}
			if len(info.Commands) != len(tt.want.commands) {
				t.Errorf("commands = %v, want %v", info.Commands, tt.want.commands)
			}
			for name, cs := range tt.want.commands {
				if info.Commands[name] != cs {
					t.Errorf("command %s = %+v, want %+v", name, info.Commands[name], cs)
				}
			}
			for _, sec := range tt.want.sections {
				if !info.Sections[sec] {
					t.Errorf("section %s not seen (have %v)", sec, info.Sections)
				}
			}
			if info.Sections["keyspace"] && info.Keys != tt.want.keys {
				t.Errorf("keys = %d, want %d", info.Keys, tt.want.keys)
			}
			if role, _ := info.Role(); role != tt.want.role {
				t.Errorf("role = %q, want %q", role, tt.want.role)
			}
			if info.Clustered() != tt.want.clustered {
				t.Errorf("clustered = %v", info.Clustered())
			}
			if !info.ServerTime().Equal(tt.want.time) {
				t.Errorf("server time = %v, want %v", info.ServerTime(), tt.want.time)
			}
		})
	}
}

func TestReplicaRoleNamesItsPrimary(t *testing.T) {
	t.Parallel()
	role, primary := ParseInfo("role:slave\r\nmaster_host:10.0.0.5\r\nmaster_port:7001\r\n").Role()
	if role != results.RoleReplica || primary != "10.0.0.5:7001" {
		t.Fatalf("role %q primary %q", role, primary)
	}
}

func TestClusterNodesSlots(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		text  string
		slots int64
		ok    bool
	}{
		// As redis-server 7.0.15 answered, slots added with ADDSLOTSRANGE
		// 0 5460 and ADDSLOTS 9000.
		{"captured", "4abe7ddfb765eb059e50cb2404187ff957d17148 :16392@26392 myself,master - 0 0 0 connected 0-5460 9000\n", 5462, true},
		{"myself among others, a slot migrating out",
			"aaa 127.0.0.1:7001@17001 master - 0 1 1 connected 0-5460\n" +
				"bbb 127.0.0.1:7002@17002 myself,master - 0 1 2 connected 5461-10922 [5461->-aaa]\n" +
				"ccc 127.0.0.1:7003@17003 master - 0 1 3 connected 10923-16383\n", 5462, true},
		{"a replica serves no slot", "ddd 127.0.0.1:7004@17004 myself,slave bbb 0 1 2 connected\n", 0, true},
		{"no myself line", "aaa 127.0.0.1:7001@17001 master - 0 1 1 connected 0-5460\n", 0, false},
		{"empty", "", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			slots, ok := ClusterNodesSlots(tt.text)
			if slots != tt.slots || ok != tt.ok {
				t.Fatalf("ClusterNodesSlots = %d, %v; want %d, %v", slots, ok, tt.slots, tt.ok)
			}
		})
	}
}

func deref[T any](p *T) any {
	if p == nil {
		return "absent"
	}
	return *p
}

// reading parses text as a reading taken at at.
func reading(text string, at time.Time) Reading {
	return Reading{At: at, Info: ParseInfo(text)}
}

func TestSampleOfTwoCapturedReadings(t *testing.T) {
	t.Parallel()
	t0 := time.Now()
	// The sampler's clock says 400 s passed; the server's own clock (used
	// in preference) says 386.669174 s.
	prev := reading(fixture(t, "redis7-info-all.txt"), t0)
	cur := reading(fixture(t, "redis7-info-all-later.txt"), t0.Add(400*time.Second))
	s := Sample(prev, cur, results.RolePrimary, "")

	if s.ElapsedS != 386.669174 || s.Reset || s.Role != results.RolePrimary {
		t.Fatalf("elapsed %v reset %v role %q", s.ElapsedS, s.Reset, s.Role)
	}
	// used_cpu_sys + used_cpu_user grew from 0.009423 + 0.004467 to
	// 0.327055 + 0.393488 seconds.
	wantCPU := round(100*((0.327055+0.393488)-(0.009423+0.004467))/386.669174, 3)
	wantMain := round(100*((0.326893+0.393293)-(0.010151+0.003383))/386.669174, 3)
	if s.CPUPercent == nil || *s.CPUPercent != wantCPU || s.MainThreadCPUPercent == nil || *s.MainThreadCPUPercent != wantMain {
		t.Errorf("cpu %v main %v, want %v %v", deref(s.CPUPercent), deref(s.MainThreadCPUPercent), wantCPU, wantMain)
	}
	// 50 GETs and 50 SETs were sent between the readings, from redis-cli,
	// which also sent COMMAND DOCS; INFO is the two readings' own.
	wantCmds := map[string]int64{"get": 50, "set": 50, "info": 2, "command|docs": 1}
	if len(s.Commands) != len(wantCmds) {
		t.Errorf("commands = %v, want %v", s.Commands, wantCmds)
	}
	for name, calls := range wantCmds {
		if c := s.Commands[name]; c == nil || c.Calls != calls {
			t.Errorf("%s calls = %v, want %d", name, c, calls)
		}
	}
	checks := []struct {
		name string
		got  *int64
		want int64
	}{
		{"commands_processed", s.CommandsProcessed, 103},
		{"keyspace_hits", s.KeyspaceHits, 50},
		{"keyspace_misses", s.KeyspaceMisses, 0},
		{"net_input_bytes", s.NetInputBytes, 2721 - 94},
		{"net_output_bytes", s.NetOutputBytes, 182563 - 17},
		{"evicted_keys", s.EvictedKeys, 0},
		{"rejected_connections", s.RejectedConnections, 0},
		{"keys", s.Keys, 51},
		{"maxmemory", s.MaxMemory, 104857600},
		{"connected_clients", s.ConnectedClients, 1},
		{"blocked_clients", s.BlockedClients, 0},
	}
	for _, c := range checks {
		if c.got == nil || *c.got != c.want {
			t.Errorf("%s = %v, want %d", c.name, deref(c.got), c.want)
		}
	}
	used := *cur.Info.Int("used_memory")
	if s.UsedMemory == nil || *s.UsedMemory != used || s.MemoryPercent == nil || *s.MemoryPercent != round(100*float64(used)/104857600, 3) {
		t.Errorf("used memory %v (%v %%)", deref(s.UsedMemory), deref(s.MemoryPercent))
	}
	if s.Slots != nil {
		t.Errorf("slots %v outside a cluster", *s.Slots)
	}
	// The commands' usec grew by 166 (set) + 71 (get) + 1521 (info) + 1681
	// (command|docs) µs in 386.669174 s.
	if want := round(100*3439/386669174.0, 3); s.CommandTimePercent == nil || *s.CommandTimePercent != want {
		t.Errorf("command time %v %%, want %v", deref(s.CommandTimePercent), want)
	}
}

func TestSampleLeavesHiddenFieldsAbsent(t *testing.T) {
	t.Parallel()
	t0 := time.Now()
	before := fixture(t, "amr-like-info.txt")
	after := strings.NewReplacer(
		"used_cpu_sys:120.50", "used_cpu_sys:121.00",
		"used_cpu_user:480.25", "used_cpu_user:481.25",
		"cmdstat_get:calls=80000000,", "cmdstat_get:calls=80015000,",
		"total_commands_processed:123456789", "total_commands_processed:123471789",
	).Replace(before)
	s := Sample(reading(before, t0), reading(after, t0.Add(2*time.Second)), results.RolePrimary, "")
	// CPU from the sampler's clock: 1.5 CPU seconds in 2 s.
	if s.ElapsedS != 2 || s.CPUPercent == nil || *s.CPUPercent != 75 {
		t.Fatalf("elapsed %v cpu %v, want 2 s and 75 %%", s.ElapsedS, deref(s.CPUPercent))
	}
	if s.Commands["get"] == nil || s.Commands["get"].Calls != 15000 || s.Commands["set"] != nil {
		t.Errorf("commands = %v, want get 15000 only", s.Commands)
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, hidden := range []string{"maxmemory", "memory_percent", "main_thread_cpu_percent", "mem_fragmentation_ratio", "blocked_clients", "rejected_connections", "slots"} {
		if strings.Contains(string(b), `"`+hidden+`"`) {
			t.Errorf("%s is in the sample though the server hid it: %s", hidden, b)
		}
	}
	for _, shown := range []string{`"evicted_keys":0`, `"connected_clients":42`, `"commands_processed":15000`, `"keys":1000000`} {
		if !strings.Contains(string(b), shown) {
			t.Errorf("sample lacks %s: %s", shown, b)
		}
	}
}

func TestSampleAfterRestartHasNoCounts(t *testing.T) {
	t.Parallel()
	t0 := time.Now()
	before := fixture(t, "redis7-info-all-later.txt")
	tests := []struct {
		name  string
		after string
	}{
		{"another run_id", strings.Replace(before, "run_id:098ed6d2255b90c7d8f889dbf5f217f8376ee88d", "run_id:1111111111111111111111111111111111111111", 1)},
		{"a counter went backwards (CONFIG RESETSTAT)", strings.Replace(before, "total_commands_processed:106", "total_commands_processed:2", 1)},
		{"a command's calls went backwards", strings.Replace(before, "cmdstat_get:calls=52,", "cmdstat_get:calls=1,", 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := Sample(reading(before, t0), reading(tt.after, t0.Add(time.Second)), results.RolePrimary, "")
			if !s.Reset || s.CommandsProcessed != nil || s.Commands != nil || s.CPUPercent != nil || s.KeyspaceHits != nil {
				t.Fatalf("reset %v, counts %v %v %v", s.Reset, deref(s.CommandsProcessed), s.Commands, deref(s.CPUPercent))
			}
			if s.UsedMemory == nil || s.ConnectedClients == nil {
				t.Fatal("levels dropped with the counts")
			}
		})
	}
}
