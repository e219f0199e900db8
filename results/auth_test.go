package results

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func entraHeader() *Header {
	h := header()
	h.Target = Target{Endpoint: "c.redis.azure.net:10000", TLS: true, Auth: "entra", Credential: "azure-cli", Principal: "oid-1", TokenExpires: t0.Add(time.Hour)}
	return h
}

func reauthInterval(index int64, count, expired int64, errs map[ErrorClass]int64, latencies ...int64) *Interval {
	iv := interval(index, "", 100)
	iv.Reauth = NewReauthStats()
	iv.Reauth.Count, iv.Reauth.Expired, iv.Reauth.Errors = count, expired, errs
	for _, v := range latencies {
		iv.Reauth.Latency.RecordValue(v)
	}
	return iv
}

func TestSummarizeAuth(t *testing.T) {
	t.Parallel()
	renewed := func(at time.Duration, n uint64, exp time.Duration) *Event {
		return &Event{Time: t0.Add(at), Kind: EventTokenRefresh, Outcome: OutcomeRenewed, Principal: "oid-1", Token: n, TokenExpires: t0.Add(exp)}
	}
	failed := func(at time.Duration, msg string) *Event {
		return &Event{Time: t0.Add(at), Kind: EventTokenRefresh, Outcome: OutcomeFailed, Error: msg}
	}
	wave := &Event{Kind: EventReauth, Outcome: OutcomeComplete, Count: 4}
	tests := []struct {
		name         string
		events       []*Event
		tokens       int64
		failures     int64
		expires      time.Duration
		failingSince time.Duration // -1: not failing
		lastError    string
		waves        int64
	}{
		{"the first token only", nil, 0, 0, time.Hour, -1, "", 0},
		{"renewals and their waves", []*Event{renewed(50*time.Minute, 2, 2*time.Hour), wave, renewed(100*time.Minute, 3, 3*time.Hour), wave}, 2, 0, 3 * time.Hour, -1, "", 2},
		{"failures that recovered", []*Event{failed(50*time.Minute, "x"), failed(51*time.Minute, "y"), renewed(52*time.Minute, 2, 2*time.Hour)}, 1, 2, 2 * time.Hour, -1, "y", 0},
		{"failing at the end", []*Event{renewed(50*time.Minute, 2, 2*time.Hour), failed(100*time.Minute, "a"), failed(101*time.Minute, "AADSTS50058: b")}, 1, 2, 2 * time.Hour, 100 * time.Minute, "AADSTS50058: b", 0},
		{"a cached token handed back ends no failure streak but is no token", []*Event{failed(50*time.Minute, "a"), {Time: t0.Add(51 * time.Minute), Kind: EventTokenRefresh, Outcome: OutcomeUnchanged}}, 0, 1, time.Hour, -1, "a", 0},
	}
	intervals := []*Interval{
		reauthInterval(0, 2, 0, nil, 300, 500),
		reauthInterval(1, 3, 1, map[ErrorClass]int64{ErrAuth: 1}, 200, 400, 9000),
		interval(2, "", 100), // no reauth record: an older file, or a gap
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := SummarizeAuth(entraHeader(), intervals, tt.events)
			if err != nil {
				t.Fatal(err)
			}
			if a.Principal != "oid-1" || a.Credential != "azure-cli" || a.Tokens != tt.tokens || a.RefreshFailures != tt.failures ||
				!a.TokenExpires.Equal(t0.Add(tt.expires)) || a.LastError != tt.lastError || a.Reauth.Waves != tt.waves {
				t.Fatalf("summary %+v", a)
			}
			if tt.failingSince < 0 && !a.FailingSince.IsZero() || tt.failingSince >= 0 && !a.FailingSince.Equal(t0.Add(tt.failingSince)) {
				t.Fatalf("failing since %s", a.FailingSince)
			}
			r := a.Reauth
			if r.Count != 5 || r.ConnectionsExpired != 1 || r.Errors[ErrAuth] != 1 || len(r.Errors) != len(ErrorClasses) || r.Latency.MaxMicros != 9007 {
				t.Fatalf("reauth %+v", r)
			}
		})
	}
	if a, err := SummarizeAuth(header(), intervals, nil); a != nil || err != nil {
		t.Fatalf("a run without Entra ID has an auth summary: %v %v", a, err)
	}
	// A file that says auth entra but records nothing about it (written
	// before amrbench did) has none either.
	bare := entraHeader()
	bare.Target.Principal = ""
	if a, err := SummarizeAuth(bare, []*Interval{interval(0, "", 5)}, nil); a != nil || err != nil {
		t.Fatalf("a file without authentication records has an auth summary: %+v %v", a, err)
	}
}

// TestAuthRecordsRoundTrip checks that reauth statistics, token events and
// the auth summary survive the file, and that a run's summary recomputed
// from the file carries the auth summary.
func TestAuthRecordsRoundTrip(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	w := NewWriter(&buf)
	h := entraHeader()
	if err := w.WriteHeader(h); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteInterval(reauthInterval(0, 2, 0, nil, 300, 500)); err != nil {
		t.Fatal(err)
	}
	exp := t0.Add(2 * time.Hour)
	if err := w.WriteEvent(&Event{Time: t0, Kind: EventTokenRefresh, Outcome: OutcomeRenewed, Principal: "oid-1", Token: 2, TokenExpires: exp, Detail: "token #2"}); err != nil {
		t.Fatal(err)
	}
	run, err := Read(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if got := run.Intervals[0].Reauth; got == nil || got.Count != 2 || got.Latency.TotalCount() != 2 {
		t.Fatalf("reauth after the round trip: %+v", got)
	}
	if e := run.Events[0]; e.Token != 2 || !e.TokenExpires.Equal(exp) || e.Outcome != OutcomeRenewed || e.Principal != "oid-1" {
		t.Fatalf("event after the round trip: %+v", e)
	}
	if !run.Header.Target.TokenExpires.Equal(h.Target.TokenExpires) || run.Header.Target.Principal != "oid-1" {
		t.Fatalf("header target after the round trip: %+v", run.Header.Target)
	}
	sum, err := run.Summarize()
	if err != nil {
		t.Fatal(err)
	}
	if sum.Auth == nil || sum.Auth.Tokens != 1 || !sum.Auth.TokenExpires.Equal(exp) || sum.Auth.Reauth.Count != 2 {
		t.Fatalf("auth summary %+v", sum.Auth)
	}
	b, err := json.Marshal(sum)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"auth":{`, `"principal":"oid-1"`, `"token_expires":"2026-11-23T14:00:00Z"`, `"reauth":{"count":2`, `"connections_expired":0`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("summary JSON lacks %s: %s", key, b)
		}
	}
	// A run without Entra ID writes none of it.
	plain, _ := json.Marshal(interval(0, "", 5))
	if strings.Contains(string(plain), "reauth") {
		t.Fatalf("a plain interval mentions reauth: %s", plain)
	}
}
