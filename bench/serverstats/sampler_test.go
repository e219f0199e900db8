package serverstats

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/amrbench/amrbench/internal/benchtest"
	"github.com/amrbench/amrbench/internal/localserver"
	"github.com/amrbench/amrbench/results"
)

// recorder is an Observer keeping what it is given.
type recorder struct {
	mu      sync.Mutex
	records []*results.ServerInterval
	events  []*results.Event
}

func (r *recorder) ServerInterval(s *results.ServerInterval) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.records = append(r.records, s)
	return nil
}

func (r *recorder) Event(e *results.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
	return nil
}

func (r *recorder) warnings() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.events {
		if e.Kind == results.EventWarning {
			out = append(out, e.Detail)
		}
	}
	return out
}

// sampleFor runs a sampler with cfg for d (its interval 0 starting now)
// and returns what it reported.
func sampleFor(t *testing.T, cfg Config, d time.Duration) *recorder {
	t.Helper()
	obs := &recorder{}
	cfg.Measured = time.Now()
	sampler, err := Start(context.Background(), cfg, obs)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(d)
	if err := sampler.Stop(); err != nil {
		t.Fatalf("Stop: %v (no failure of a server is an error)", err)
	}
	return obs
}

// load sends GETs of key through c until stop is closed and returns how
// many succeeded.
func load(c redis.Cmdable, key string, stop <-chan struct{}) int64 {
	var n int64
	for {
		select {
		case <-stop:
			return n
		default:
		}
		if err := c.Get(context.Background(), key).Err(); err == nil || err == redis.Nil {
			n++
		}
	}
}

func TestSamplerCountsEveryCallOnTheRecordersGrid(t *testing.T) {
	t.Parallel()
	s := benchtest.StartServer(t)
	const interval = 200 * time.Millisecond
	// Interval 0 starts a little after the sampler, as after a warmup: the
	// first record is interval -1, cut to begin at the sampler's start.
	measured := time.Now().Add(150 * time.Millisecond)
	obs := &recorder{}
	sampler, err := Start(context.Background(), Config{
		Servers:  []Server{{Addr: s.Addr()}},
		Interval: interval, Measured: measured,
	}, obs)
	if err != nil {
		t.Fatal(err)
	}
	client := redis.NewClient(&redis.Options{Addr: s.Addr(), Protocol: 2, DisableIdentity: true})
	defer client.Close()
	stop := make(chan struct{})
	time.AfterFunc(1100*time.Millisecond, func() { close(stop) })
	gets := load(client, "k", stop)
	if err := sampler.Stop(); err != nil {
		t.Fatal(err)
	}
	if w := obs.warnings(); len(w) > 0 {
		t.Fatalf("warnings from a server that answers: %q", w)
	}
	recs := obs.records
	if len(recs) < 5 {
		t.Fatalf("%d records in 1.1 s of 200 ms intervals", len(recs))
	}
	if recs[0].Index != -1 || !recs[0].End.Equal(measured) {
		t.Errorf("first record: index %d ending %v, want -1 ending at interval 0's start %v", recs[0].Index, recs[0].End, measured)
	}
	var sumGets int64
	for i, rec := range recs {
		if rec.Index != recs[0].Index+int64(i) {
			t.Fatalf("record %d has index %d: not contiguous", i, rec.Index)
		}
		if i > 0 && !rec.Start.Equal(recs[i-1].End) {
			t.Errorf("record %d starts at %v, the previous ends at %v", i, rec.Start, recs[i-1].End)
		}
		if i < len(recs)-1 && !rec.End.Equal(measured.Add(time.Duration(rec.Index+1)*interval)) {
			t.Errorf("record %d (index %d) ends at %v, off the grid", i, rec.Index, rec.End)
		}
		sample := rec.Servers[s.Addr()]
		if sample == nil {
			t.Fatalf("record %d has no sample of %s", i, s.Addr())
		}
		if sample.ElapsedS <= 0 || sample.ElapsedS > 1 {
			t.Errorf("record %d: elapsed %v s", i, sample.ElapsedS)
		}
		// Each interval holds the INFO that opened it, and nothing else of
		// the sampler's.
		if c := sample.Commands["info"]; c == nil || c.Calls != 1 {
			t.Errorf("record %d: info calls %v, want 1", i, c)
		}
		var calls int64
		for _, c := range sample.Commands {
			calls += c.Calls
		}
		if sample.CommandsProcessed == nil || *sample.CommandsProcessed != calls {
			t.Errorf("record %d: commands processed %v, commandstats say %d", i, deref(sample.CommandsProcessed), calls)
		}
		if g := sample.Commands["get"]; g != nil {
			sumGets += g.Calls
		}
		if sample.CPUPercent == nil || sample.MainThreadCPUPercent == nil || sample.UsedMemory == nil || sample.ConnectedClients == nil {
			t.Errorf("record %d: a field redis-server 7 reports is missing: %+v", i, sample)
		}
		// redis-server reports maxmemory 0 (no limit): there, not absent,
		// and no percentage of it.
		if sample.MaxMemory == nil || *sample.MaxMemory != 0 || sample.MemoryPercent != nil {
			t.Errorf("record %d: maxmemory %v, memory %% %v", i, deref(sample.MaxMemory), deref(sample.MemoryPercent))
		}
		if sample.Role != results.RolePrimary || sample.Slots != nil {
			t.Errorf("record %d: role %q slots %v", i, sample.Role, deref(sample.Slots))
		}
	}
	if sumGets != gets {
		t.Fatalf("the samples count %d GETs, the client sent %d", sumGets, gets)
	}
	// The load kept the server busy: its CPU shows it (how much depends on
	// what else this machine runs).
	if cpu := *recs[2].Servers[s.Addr()].CPUPercent; cpu <= 0 {
		t.Errorf("CPU %.1f %% while a client sent GETs back to back", cpu)
	}
}

func TestSamplerWarnsOnceWhenINFOIsRefused(t *testing.T) {
	t.Parallel()
	s := benchtest.StartServer(t)
	ctx := context.Background()
	const password = "s3cret-pw"
	if err := s.Admin.Do(ctx, "ACL", "SETUSER", "stats", "on", ">"+password, "~*", "+@all", "-info").Err(); err != nil {
		t.Fatal(err)
	}
	twem := benchtest.StartTwemproxyFor(t, s).Addr()
	// Another server, that answers, goes on being sampled; the same user
	// may read its INFO.
	other := benchtest.StartServer(t)
	if err := other.Admin.Do(ctx, "ACL", "SETUSER", "stats", "on", ">"+password, "~*", "+@all").Err(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		addr   string
		creds  Credentials
		reason string
	}{
		{"an ACL without INFO", s.Addr(), func(context.Context) (string, string, error) { return "stats", password, nil }, "NOPERM"},
		{"twemproxy", twem, nil, "closes the connection on INFO yet answers PING"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			obs := sampleFor(t, Config{
				Servers: []Server{{Addr: tt.addr}, {Addr: other.Addr()}}, Credentials: tt.creds, Interval: 100 * time.Millisecond,
			}, 450*time.Millisecond)
			w := obs.warnings()
			if len(w) != 1 || !strings.Contains(w[0], tt.addr) || !strings.Contains(w[0], tt.reason) {
				t.Fatalf("warnings = %q, want one naming %s and %q", w, tt.addr, tt.reason)
			}
			if strings.Contains(w[0], password) {
				t.Fatalf("the warning shows the password: %s", w[0])
			}
			if len(obs.records) < 3 {
				t.Fatalf("%d records of the server that answers", len(obs.records))
			}
			for _, rec := range obs.records {
				if _, ok := rec.Servers[tt.addr]; ok || rec.Servers[other.Addr()] == nil {
					t.Fatalf("record %d: servers %v", rec.Index, rec.Servers)
				}
			}
		})
	}
}

func TestSamplerRetriesAServerThatIsDown(t *testing.T) {
	t.Parallel()
	port, err := localserver.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	down := net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) // nothing listens there
	obs := sampleFor(t, Config{Servers: []Server{{Addr: down}}, Interval: 100 * time.Millisecond}, 450*time.Millisecond)
	// Several failed readings, one warning: the failure did not change.
	if w := obs.warnings(); len(w) != 1 || !strings.Contains(w[0], "cannot read INFO of "+down) {
		t.Fatalf("warnings = %q", w)
	}
	if len(obs.records) != 0 {
		t.Fatalf("%d records from a server that is down", len(obs.records))
	}
}

// TestSamplerNamesTheHotShard loads one shard of a real three-shard cluster
// with replicas: its samples hold every GET, exactly as its own
// commandstats counted them over the sampling window, and the other shards
// none.
func TestSamplerNamesTheHotShard(t *testing.T) {
	t.Parallel()
	cluster := benchtest.StartCluster(t, benchtest.WithReplicas(1))
	ctx := context.Background()
	const key = "{hot}k"
	slots, err := cluster.KeySlots(ctx, []string{key})
	if err != nil {
		t.Fatal(err)
	}
	hot, err := cluster.SlotOwner(ctx, slots[key])
	if err != nil {
		t.Fatal(err)
	}
	var servers []Server
	for _, n := range cluster.Nodes {
		role := results.RolePrimary
		if n.ReplicaOf != "" {
			role = results.RoleReplica
		}
		servers = append(servers, Server{Addr: n.ClientAddr(), Role: role})
	}
	before := cluster.CommandStats(t)
	obs := &recorder{}
	sampler, err := Start(ctx, Config{Servers: servers, Interval: 250 * time.Millisecond, Measured: time.Now()}, obs)
	if err != nil {
		t.Fatal(err)
	}
	host, port := cluster.Seed()
	client := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{net.JoinHostPort(host, strconv.Itoa(port))}, Protocol: 2, DisableIdentity: true})
	defer client.Close()
	stop := make(chan struct{})
	time.AfterFunc(time.Second, func() { close(stop) })
	gets := load(client, key, stop)
	if err := sampler.Stop(); err != nil {
		t.Fatal(err)
	}
	after := cluster.CommandStats(t)
	if w := obs.warnings(); len(w) > 0 {
		t.Fatalf("warnings: %q", w)
	}

	sum := map[string]int64{}
	var lastSlots = map[string]int64{}
	for _, rec := range obs.records {
		for addr, sample := range rec.Servers {
			if g := sample.Commands["get"]; g != nil {
				sum[addr] += g.Calls
			}
			n := cluster.NodeByClientAddr(addr)
			wantRole := results.RolePrimary
			if n.ReplicaOf != "" {
				wantRole = results.RoleReplica
				if p := cluster.NodeByID(n.ReplicaOf); sample.Primary != p.ClientAddr() {
					t.Errorf("replica %s names primary %q, want %s", addr, sample.Primary, p.ClientAddr())
				}
			}
			if sample.Role != wantRole {
				t.Errorf("%s: role %q, want %q", addr, sample.Role, wantRole)
			}
			if sample.Slots == nil {
				t.Fatalf("%s: no slot count in a cluster", addr)
			}
			lastSlots[addr] = *sample.Slots
		}
	}
	var total int64
	for addr, n := range lastSlots {
		total += n
		if cluster.NodeByClientAddr(addr).ReplicaOf != "" && n != 0 {
			t.Errorf("replica %s serves %d slots", addr, n)
		}
	}
	if total != 16384 || len(lastSlots) != 6 {
		t.Errorf("%d servers sampled serving %d slots, want 6 serving 16384", len(lastSlots), total)
	}
	for _, n := range cluster.Nodes {
		addr := n.ClientAddr()
		server := after[addr]["get"].Calls - before[addr]["get"].Calls
		if sum[addr] != server {
			t.Errorf("%s: the samples count %d GETs, its commandstats %d", addr, sum[addr], server)
		}
		if n == hot && (sum[addr] != gets || gets == 0) {
			t.Errorf("hot shard %s: %d GETs sampled, the client sent %d", addr, sum[addr], gets)
		}
		if n != hot && sum[addr] != 0 {
			t.Errorf("%s is not the hot shard but served %d GETs", addr, sum[addr])
		}
	}
}

// TestSamplerOverTLSWithAPassword reads a server through the dialer and
// credentials a run gives it: TLS verified against the test's CA, and AUTH.
func TestSamplerOverTLSWithAPassword(t *testing.T) {
	t.Parallel()
	s := benchtest.StartServer(t, benchtest.WithTLS("127.0.0.1"), benchtest.WithUser("bench", "pw-123"))
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(s.Certs.CAPEM) {
		t.Fatal("bad CA")
	}
	tlsDial := func(ctx context.Context, addr string) (net.Conn, error) {
		d := tls.Dialer{Config: &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}}
		return d.DialContext(ctx, "tcp", addr)
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(s.TLSPort))
	var asked sync.WaitGroup
	asked.Add(1)
	var once sync.Once
	obs := sampleFor(t, Config{
		Servers: []Server{{Addr: addr}}, Dial: tlsDial,
		Credentials: func(context.Context) (string, string, error) {
			once.Do(asked.Done)
			return "bench", "pw-123", nil
		},
		Interval: 100 * time.Millisecond,
	}, 350*time.Millisecond)
	asked.Wait()
	if w := obs.warnings(); len(w) > 0 {
		t.Fatalf("warnings: %q", w)
	}
	if len(obs.records) < 3 || obs.records[1].Servers[addr] == nil || obs.records[1].Servers[addr].Commands["info"].Calls != 1 {
		t.Fatalf("records over TLS: %d", len(obs.records))
	}
}

// TestSamplerStretchesTheLastInterval: once the run's last interval is
// known, no boundary past its start is read, and its record runs to Stop,
// as the run's last interval holds every operation until the load stops.
func TestSamplerStretchesTheLastInterval(t *testing.T) {
	t.Parallel()
	s := benchtest.StartServer(t)
	obs := sampleFor(t, Config{
		Servers: []Server{{Addr: s.Addr()}}, Interval: 100 * time.Millisecond,
		LastIndex: func() int64 { return 2 },
	}, 550*time.Millisecond)
	recs := obs.records
	if len(recs) != 3 || recs[2].Index != 2 {
		t.Fatalf("%d records (last index %d), want 0, 1 and 2", len(recs), recs[len(recs)-1].Index)
	}
	if d := recs[2].Duration(); d < 300*time.Millisecond {
		t.Fatalf("the last record spans %s, want it to run to Stop (about 350 ms)", d)
	}
	if c := recs[2].Servers[s.Addr()].Commands["info"]; c == nil || c.Calls != 1 {
		t.Fatalf("the last record holds %v INFO, want only the one that opened it", c)
	}
}
