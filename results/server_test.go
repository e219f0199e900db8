package results

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func ptr[T any](v T) *T { return &v }

// serverInterval builds a server record for interval index of a run whose
// interval 0 starts at measured, with one sample for each address, whose
// GET calls are calls.
func serverInterval(measured time.Time, index int64, calls int64, addrs ...string) *ServerInterval {
	s := &ServerInterval{
		Index:   index,
		Start:   measured.Add(time.Duration(index) * time.Second),
		End:     measured.Add(time.Duration(index+1) * time.Second),
		Servers: map[string]*ServerSample{},
	}
	for _, a := range addrs {
		s.Servers[a] = &ServerSample{
			Role: RolePrimary, ElapsedS: 1, CPUPercent: ptr(42.5),
			CommandsProcessed: ptr(calls + 1),
			Commands:          map[string]*ServerCommandStats{"get": {Calls: calls, Usec: calls * 2}},
			UsedMemory:        ptr(int64(1 << 20)), ConnectedClients: ptr(int64(5)),
			EvictedKeys: ptr(int64(0)),
		}
	}
	return s
}

func azureRecord(id string, fetched time.Time) *AzureMetrics {
	return &AzureMetrics{
		ResourceID: id, ResourceType: "Microsoft.Cache/redisEnterprise",
		Start: t0, End: t0.Add(5 * time.Minute), FetchedAt: fetched,
		Series: []AzureSeries{{
			Metric: "serverLoad", DisplayName: "Server Load", Unit: "Percent", Aggregation: "Maximum",
			Grain: "PT1M", GrainS: 60,
			Points: []AzurePoint{{Time: t0, Value: ptr(12.5)}, {Time: t0.Add(time.Minute)}},
		}},
		Skipped: []AzureSkipped{{Metric: "cacheLatency", Reason: "not offered"}},
	}
}

func TestServerAndAzureRecordsRoundTrip(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	w := NewWriter(&buf)
	if err := w.WriteHeader(header()); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteInterval(interval(0, "", 100, 200)); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteServer(serverInterval(t0, 0, 7, "10.0.0.1:6379", "10.0.0.2:6379")); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteAzureMetrics(azureRecord("/subscriptions/s/resourceGroups/g/providers/Microsoft.Cache/redisEnterprise/c", t0.Add(10*time.Minute))); err != nil {
		t.Fatal(err)
	}
	text := buf.String()
	// A level the server did not report is absent from the file, and a
	// count that was measured as zero is written as zero.
	serverLine := strings.Split(text, "\n")[2]
	for _, absent := range []string{"maxmemory", "main_thread_cpu_percent", "slots", "memory_percent"} {
		if strings.Contains(serverLine, `"`+absent+`"`) {
			t.Errorf("server record has %q though it was not reported: %s", absent, serverLine)
		}
	}
	if !strings.Contains(serverLine, `"evicted_keys":0`) || !strings.Contains(serverLine, `"type":"server"`) {
		t.Errorf("server record lacks evicted_keys 0 or its type: %s", serverLine)
	}

	run, err := Read(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Intervals) != 1 || len(run.Server) != 1 || len(run.Azure) != 1 {
		t.Fatalf("read %d intervals, %d server records, %d azure records; want 1 each", len(run.Intervals), len(run.Server), len(run.Azure))
	}
	s := run.Server[0].Servers["10.0.0.2:6379"]
	if s == nil || s.Commands["get"].Calls != 7 || *s.CommandsProcessed != 8 || *s.CPUPercent != 42.5 || s.MaxMemory != nil || *s.EvictedKeys != 0 {
		t.Fatalf("sample read back = %+v", s)
	}
	a := run.Azure[0]
	if a.Type != TypeAzureMetrics || a.Series[0].Metric != "serverLoad" || *a.Series[0].Points[0].Value != 12.5 || a.Series[0].Points[1].Value != nil {
		t.Fatalf("azure record read back = %+v", a)
	}
	// The records added to v1 change nothing a reader of the run computes.
	sum, err := run.Summarize()
	if err != nil {
		t.Fatal(err)
	}
	if got := sum.Commands["GET"].Count; got != 2 {
		t.Fatalf("GET count with server records present = %d, want 2", got)
	}
	// And the summary says what each server did.
	if srv := sum.Servers["10.0.0.2:6379"]; srv == nil || srv.LoadCalls != 7 || srv.Calls["get"] != 7 || *srv.CPUPercentMean != 42.5 {
		t.Fatalf("summary of 10.0.0.2:6379 = %+v", srv)
	}
}

func TestTruncatedServerRecordIsDropped(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	w := NewWriter(&buf)
	_ = w.WriteHeader(header())
	_ = w.WriteServer(serverInterval(t0, 0, 3, "a:1"))
	_ = w.WriteServer(serverInterval(t0, 1, 4, "a:1"))
	data := buf.Bytes()
	run, err := Read(bytes.NewReader(data[:len(data)-20]))
	if err != nil {
		t.Fatal(err)
	}
	if !run.Truncated || len(run.Server) != 1 || run.Server[0].Index != 0 {
		t.Fatalf("truncated=%v, %d server records (want the whole first only)", run.Truncated, len(run.Server))
	}
}
