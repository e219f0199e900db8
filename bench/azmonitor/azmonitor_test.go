package azmonitor

import (
	"context"
	"errors"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/amrbench/amrbench/internal/azmonitortest"
	"github.com/amrbench/amrbench/internal/localserver"
	"github.com/amrbench/amrbench/results"
)

func TestParseResourceID(t *testing.T) {
	t.Parallel()
	const amr = "/subscriptions/0000-11/resourceGroups/rg-bench/providers/Microsoft.Cache/redisEnterprise/my-cache"
	tests := []struct {
		in      string
		want    Resource
		wantErr string
	}{
		{in: amr, want: Resource{ID: amr, Subscription: "0000-11", ResourceGroup: "rg-bench", Type: TypeRedisEnterprise, Name: "my-cache"}},
		{in: "  subscriptions/s/resourcegroups/g/providers/microsoft.cache/REDIS/c/ ", want: Resource{ID: "/subscriptions/s/resourcegroups/g/providers/microsoft.cache/REDIS/c", Subscription: "s", ResourceGroup: "g", Type: TypeRedis, Name: "c"}},
		{in: "", wantErr: "an empty resource ID"},
		{in: "my-cache", wantErr: `"my-cache" is not a resource ID: want /subscriptions/`},
		{in: "/subscriptions/s/resourceGroups/g/providers/Microsoft.Cache/redisEnterprise/c/databases/default", wantErr: "names a part of a cache (databases/default)"},
		{in: "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/virtualMachines/vm1", wantErr: "is a Microsoft.Compute/virtualMachines, not an Azure cache"},
		{in: "/subscriptions/s/resourceGroups/g/providers/Microsoft.Cache/redisEnterprise/c?api-version=1", wantErr: "is not a resource ID"},
		{in: "/subscriptions//resourceGroups/g/providers/Microsoft.Cache/Redis/c", wantErr: "has an empty segment"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseResourceID(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || strings.Contains(err.Error(), "\n") {
					t.Fatalf("ParseResourceID(%q) = %+v, %v; want one line with %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseResourceID(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestISODurations(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		s string
		d time.Duration
	}{{"PT1M", time.Minute}, {"PT5M", 5 * time.Minute}, {"PT1H", time.Hour}, {"PT12H", 12 * time.Hour}, {"P1D", 24 * time.Hour}, {"PT1H30M", 90 * time.Minute}, {"PT30S", 30 * time.Second}} {
		if d, err := ParseDuration(tt.s); err != nil || d != tt.d {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", tt.s, d, err, tt.d)
		}
		if s := FormatDuration(tt.d); s != tt.s {
			t.Errorf("FormatDuration(%v) = %q, want %q", tt.d, s, tt.s)
		}
	}
	for _, bad := range []string{"", "P", "PT", "1M", "PTM", "P1M", "PT1X", "PT1"} {
		if d, err := ParseDuration(bad); err == nil {
			t.Errorf("ParseDuration(%q) = %v, want an error", bad, d)
		}
	}
}

// The run window of the fetch tests: 12:00:30 to 12:03:10, which Azure
// Monitor is asked for as the whole minutes 12:00 to 12:04.
var (
	runStart = time.Date(2026, 11, 23, 12, 0, 30, 0, time.UTC)
	runEnd   = time.Date(2026, 11, 23, 12, 3, 10, 0, time.UTC)
)

const wantTimespan = "2026-11-23T12:00:00Z/2026-11-23T12:04:00Z"

func client(t *testing.T, srv *azmonitortest.Server, cred *azmonitortest.Credential) *Client {
	t.Helper()
	c, err := New(cred, Options{Endpoint: srv.URL, Transport: srv.Client})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestFetchAsksForEachMetricAsDocumented(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		typ       string
		defs      []azmonitortest.Definition
		dimension string // the dimension instance metrics are split by
	}{
		// An Azure Managed Redis whose metric definitions lack cacheLatency
		// (a preview metric), and whose server load is kept at 5 minutes.
		{"redisEnterprise", TypeRedisEnterprise, azmonitortest.WithGrains(azmonitortest.Without(azmonitortest.RedisEnterpriseMetrics(), "cacheLatency"), "serverLoad", "PT5M", "PT1H"), "InstanceId"},
		{"Redis", TypeRedis, azmonitortest.WithGrains(azmonitortest.Without(azmonitortest.RedisMetrics(), "cacheLatency"), "serverLoad", "PT5M", "PT1H"), "ShardId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := azmonitortest.Start(t)
			id := "/subscriptions/0000-11/resourceGroups/rg/providers/" + tt.typ + "/bench-cache"
			srv.Add(azmonitortest.Resource{ID: id, Type: tt.typ, Metrics: tt.defs})
			cred := &azmonitortest.Credential{}
			r, err := ParseResourceID(id)
			if err != nil {
				t.Fatal(err)
			}
			rec, err := client(t, srv, cred).Fetch(context.Background(), r, runStart, runEnd)
			if err != nil {
				t.Fatal(err)
			}

			// Every token was asked for Azure Resource Manager's scope, and
			// every request carried one for its audience.
			for _, s := range cred.Scopes() {
				if !slices.Equal(s, []string{azmonitortest.Scope}) {
					t.Errorf("token scopes %q, want [%s]", s, azmonitortest.Scope)
				}
			}
			reqs := srv.Requests()
			if len(reqs) == 0 || reqs[0].Kind != "metricDefinitions" {
				t.Fatalf("requests %+v: the metric definitions were not read first", reqs)
			}
			asked := map[string]azmonitortest.Request{}
			for _, q := range reqs {
				if q.Status != 200 || q.TokenAudience != azmonitortest.Audience || q.ResourceID != id || q.APIVersion != azmonitortest.APIVersion {
					t.Errorf("request %+v", q)
				}
				if q.Kind == "metrics" {
					asked[q.MetricNames] = q
				}
			}
			if len(asked) != len(Metrics)-1 {
				t.Errorf("%d metrics queried, want %d (all but cacheLatency)", len(asked), len(Metrics)-1)
			}
			for _, m := range Metrics {
				q, ok := asked[m.Name]
				if m.Name == "cacheLatency" {
					if ok {
						t.Errorf("cacheLatency, which the resource lacks, was queried")
					}
					continue
				}
				if !ok {
					t.Errorf("%s was not queried", m.Name)
					continue
				}
				wantInterval := "PT1M"
				if m.Name == "serverLoad" {
					wantInterval = "PT5M" // its finest grain
				}
				if q.Timespan != wantTimespan || q.Interval != wantInterval || q.Aggregation != string(m.Aggregation) {
					t.Errorf("%s asked over %s at %s as %s; want %s at %s as %s", m.Name, q.Timespan, q.Interval, q.Aggregation, wantTimespan, wantInterval, m.Aggregation)
				}
			}
			if q := asked["percentProcessorTime"]; q.Filter != tt.dimension+" eq '*'" {
				t.Errorf("CPU filter %q, want it split by %s", q.Filter, tt.dimension)
			}
			if q := asked["errors"]; q.Filter != "ErrorType eq '*' and "+tt.dimension+" eq '*'" {
				t.Errorf("errors filter %q", q.Filter)
			}

			if len(rec.Skipped) != 1 || rec.Skipped[0].Metric != "cacheLatency" || !strings.Contains(rec.Skipped[0].Reason, tt.typ+" does not offer it") {
				t.Errorf("skipped = %+v, want cacheLatency with a note", rec.Skipped)
			}
			if rec.ResourceID != id || rec.ResourceType != tt.typ || rec.Start.Format(time.RFC3339)+"/"+rec.End.Format(time.RFC3339) != wantTimespan || rec.Error != "" {
				t.Errorf("record %s %s %v..%v %q", rec.ResourceID, rec.ResourceType, rec.Start, rec.End, rec.Error)
			}
			checkSeries(t, rec, tt.dimension)
		})
	}
}

// checkSeries checks that the record holds the stand-in's values, point for
// point.
func checkSeries(t *testing.T, rec *results.AzureMetrics, dimension string) {
	t.Helper()
	byMetric := map[string][]results.AzureSeries{}
	for _, s := range rec.Series {
		byMetric[s.Metric] = append(byMetric[s.Metric], s)
	}
	cpu := byMetric["percentProcessorTime"]
	if len(cpu) != 2 {
		t.Fatalf("CPU series = %d, want one per %s (2)", len(cpu), dimension)
	}
	for _, s := range cpu {
		if s.Aggregation != "Maximum" || s.Unit != "Percent" || s.DisplayName != "CPU" || s.Grain != "PT1M" || s.GrainS != 60 || len(s.Points) != 4 {
			t.Fatalf("CPU series %+v", s)
		}
		if s.Dimensions[dimension] == "" {
			t.Fatalf("CPU series without its %s: %v", dimension, s.Dimensions)
		}
		for i, p := range s.Points {
			at := time.Date(2026, 11, 23, 12, i, 0, 0, time.UTC)
			want := azmonitortest.Value("percentProcessorTime", s.Dimensions, at)
			if !p.Time.Equal(at) || p.Value == nil || *p.Value != want {
				t.Errorf("CPU %v point %d = %v %v, want %v %v", s.Dimensions, i, p.Time, p.Value, at, want)
			}
		}
	}
	load := byMetric["serverLoad"]
	if len(load) < 1 || load[0].GrainS != 300 || len(load[0].Points) != 1 {
		t.Fatalf("server load series %+v, want one point of 5 minutes", load)
	}
	evicted := byMetric["evictedkeys"]
	if len(evicted) == 0 || evicted[0].Aggregation != "Total" {
		t.Fatalf("evicted keys %+v", evicted)
	}
}

func TestFetchFailuresAreOneLine(t *testing.T) {
	t.Parallel()
	srv := azmonitortest.Start(t)
	const id = "/subscriptions/s/resourceGroups/g/providers/Microsoft.Cache/redisEnterprise/c"
	srv.Add(azmonitortest.Resource{ID: id, Type: TypeRedisEnterprise, Metrics: azmonitortest.RedisEnterpriseMetrics()})
	port, err := localserver.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	closed := "https://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	tests := []struct {
		name     string
		id       string
		endpoint string
		cred     *azmonitortest.Credential
		untrust  bool
		want     []string
	}{
		{name: "a token for another resource", id: id, cred: &azmonitortest.Credential{Audience: "https://redis.azure.com"},
			want: []string{"HTTP 401 InvalidAuthenticationTokenAudience", "wrong audience", "the token was refused"}},
		{name: "no token", id: id, cred: &azmonitortest.Credential{Err: errors.New("AADSTS700016: Application with identifier 'x' was not found.\nTrace ID: 1234")},
			want: []string{"AADSTS700016: Application with identifier 'x' was not found."}},
		{name: "a cache that is not there", id: id + "-gone", cred: &azmonitortest.Credential{},
			want: []string{"HTTP 404 ResourceNotFound", "check --azure-resource"}},
		{name: "an endpoint nobody listens on", id: id, endpoint: closed, cred: &azmonitortest.Credential{},
			want: []string{"cannot reach Azure Monitor at " + closed, "connection refused"}},
		{name: "a certificate not trusted", id: id, cred: &azmonitortest.Credential{}, untrust: true,
			want: []string{"cannot reach Azure Monitor at " + srv.URL, "certificate"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opts := Options{Endpoint: srv.URL, Transport: srv.Client}
			if tt.endpoint != "" {
				opts.Endpoint = tt.endpoint
			}
			if tt.untrust {
				opts.Transport = nil
			}
			c, err := New(tt.cred, opts)
			if err != nil {
				t.Fatal(err)
			}
			r, err := ParseResourceID(tt.id)
			if err != nil {
				t.Fatal(err)
			}
			rec, err := c.Fetch(context.Background(), r, runStart, runEnd)
			if err == nil {
				t.Fatalf("no error; record %+v", rec)
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") || rec.Error != msg || len(rec.Series) != 0 {
				t.Fatalf("error %q (record error %q, %d series): want one line, in the record too", msg, rec.Error, len(rec.Series))
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q lacks %q", msg, w)
				}
			}
		})
	}
}

func TestNewRefusesAnEndpointThatIsNotHTTPS(t *testing.T) {
	t.Parallel()
	_, err := New(&azmonitortest.Credential{}, Options{Endpoint: "http://127.0.0.1:1"})
	if err == nil || !strings.Contains(err.Error(), "is not an https:// URL") {
		t.Fatalf("New with http:// = %v", err)
	}
}
