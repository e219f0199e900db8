package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/amrbench/amrbench/internal/benchtest"
	"github.com/amrbench/amrbench/results"
)

const azOID = "6a3b1f0e-9c2d-4e8f-a1b2-c3d4e5f60718"

// jwtHeader is how every token the stand-in az prints begins; it must never
// appear in amrbench's output or files.
const jwtHeader = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0"

func TestEntraUsageErrors(t *testing.T) {
	t.Parallel()
	certFile := filepath.Join(t.TempDir(), "missing.pem")
	base := []string{"run", "-s", "mycache.example", "-p", "10000"}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"entra without TLS", nil, []string{"--auth", "entra", "--entra-credential", "azure-cli"}, "--auth entra needs --tls"},
		{"an --entra flag implies --auth entra, which needs TLS", nil, []string{"--entra-credential", "azure-cli"}, "--auth entra needs --tls"},
		{"an unknown credential", nil, []string{"--tls", "--entra-credential", "browser"}, `--entra-credential "browser": use one of default, managed-identity, workload-identity, azure-cli, client-secret, client-certificate`},
		{"an unknown auth mode", nil, []string{"--tls", "--auth", "kerberos"}, `--auth "kerberos": use none, password or entra`},
		{"entra flags with a password", nil, []string{"--tls", "--auth", "password", "-a", "pw", "--entra-user", "me"}, "--entra-user is for --auth entra, not --auth password"},
		{"a password with entra", nil, []string{"--tls", "--auth", "entra", "-a", "s3cret"}, "--auth entra authenticates with Entra ID tokens, but a password was given"},
		{"a password from the environment with entra", map[string]string{"AMRBENCH_PASSWORD": "s3cret"}, []string{"--tls", "--entra-credential", "azure-cli"}, "a password was given"},
		{"--user with entra", nil, []string{"--tls", "--auth", "entra", "--user", "bob"}, "give the user name with --entra-user"},
		{"entra against the embedded server", nil, []string{"--auth", "entra"}, "--auth entra needs --server"},
		{"client-secret without its inputs", map[string]string{"AZURE_TENANT_ID": "72f988bf-86f1-41af-91ab-2d7cd011db47"}, []string{"--tls", "--entra-credential", "client-secret"},
			"--entra-credential client-secret needs a client ID (--entra-client-id or AZURE_CLIENT_ID), AZURE_CLIENT_SECRET"},
		{"client-certificate without a certificate", map[string]string{"AZURE_TENANT_ID": "t", "AZURE_CLIENT_ID": "c"}, []string{"--tls", "--entra-credential", "client-certificate"},
			"needs a certificate (--entra-certificate or AZURE_CLIENT_CERTIFICATE_PATH)"},
		{"client-certificate with a missing file", map[string]string{"AZURE_TENANT_ID": "t", "AZURE_CLIENT_ID": "c"}, []string{"--tls", "--entra-credential", "client-certificate", "--entra-certificate", certFile},
			"--entra-certificate: open " + certFile},
		{"a certificate for another credential", nil, []string{"--tls", "--entra-credential", "azure-cli", "--entra-certificate", certFile}, "--entra-certificate is for --entra-credential client-certificate, not azure-cli"},
		{"workload identity outside AKS", map[string]string{"AZURE_TENANT_ID": "t", "AZURE_CLIENT_ID": "c"}, []string{"--tls", "--entra-credential", "workload-identity"},
			"needs AZURE_FEDERATED_TOKEN_FILE (set by the workload identity webhook)"},
		{"a client ID for the default chain", nil, []string{"--tls", "--entra-credential", "default", "--entra-client-id", "c"}, "--entra-credential default: the default credential chain takes a user-assigned identity's client ID from AZURE_CLIENT_ID"},
		{"a bad tenant", map[string]string{"AZURE_CLIENT_SECRET": "s3cret"}, []string{"--tls", "--entra-credential", "client-secret", "--entra-tenant-id", "not a tenant!", "--entra-client-id", "c"}, "--entra-credential client-secret: invalid tenantID"},
		{"no time before expiry", nil, []string{"--tls", "--entra-credential", "azure-cli", "--reauth-before", "0"}, "--reauth-before 0s: must be above zero"},
		{"a negative time before expiry", nil, []string{"--tls", "--entra-credential", "azure-cli", "--reauth-before", "-1m"}, `invalid argument "-1m" for "--reauth-before"`},
		{"an empty scope", nil, []string{"--tls", "--entra-credential", "azure-cli", "--entra-scope", ""}, "--entra-scope: empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := cli(t, tt.env, append(append([]string{}, base...), tt.args...)...)
			if tt.name == "entra against the embedded server" {
				res = cli(t, tt.env, append([]string{"run"}, tt.args...)...)
			}
			if res.code != exitUsage {
				t.Fatalf("exit %d, want %d; stderr: %s", res.code, exitUsage, res.stderr)
			}
			if !strings.Contains(res.stderr, tt.want) {
				t.Fatalf("stderr %q lacks %q", res.stderr, tt.want)
			}
			if strings.Count(strings.TrimSpace(res.stderr), "\n") != 0 || strings.Contains(res.stderr, "s3cret") {
				t.Fatalf("want one line and no secret: %q", res.stderr)
			}
		})
	}
}

// azWorld is a stand-in Azure CLI on a PATH of its own, and a token proxy
// in front of a redis-server.
type azWorld struct {
	dir    string // holds az, its calls log, and fail when it must fail
	proxy  *benchtest.TokenProxy
	caFile string
	env    []string
}

func newAzWorld(t *testing.T, env ...string) *azWorld {
	t.Helper()
	w := &azWorld{dir: t.TempDir()}
	script, err := os.ReadFile(filepath.Join("testdata", "az"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(w.dir, "az"), script, 0o755); err != nil {
		t.Fatal(err)
	}
	s := benchtest.StartServer(t)
	w.proxy = benchtest.StartTokenProxy(t, s, benchtest.WithDelay(10*time.Millisecond))
	w.caFile = filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(w.caFile, w.proxy.Certs.CAPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	w.env = append(os.Environ(), "PATH="+w.dir+string(os.PathListSeparator)+os.Getenv("PATH"), "AZ_OID="+azOID)
	w.env = append(w.env, env...)
	return w
}

// run runs amrbench against the proxy with the Azure CLI credential and
// returns its exit status, stdout and stderr.
func (w *azWorld) run(t *testing.T, extra ...string) (int, string, string) {
	t.Helper()
	return runBinary(t, w.env, nil, append([]string{"run", "-s", "localhost", "-p", strconv.Itoa(w.proxy.Port), "--tls", "--cacert", w.caFile,
		"--entra-credential", "azure-cli"}, extra...)...)
}

func (w *azWorld) calls(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(w.dir, "calls"))
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(b), "\n")
}

// assertNoToken checks that no token appears in the output or any file of
// the run directory.
func assertNoToken(t *testing.T, dir string, outputs ...string) {
	t.Helper()
	for i, o := range outputs {
		if strings.Contains(o, jwtHeader) {
			t.Errorf("output %d shows a token", i)
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(jwtHeader)) {
			t.Errorf("%s holds a token", e.Name())
		}
	}
}

// TestEntraAzureCLIEndToEnd runs azidentity's AzureCLICredential for real,
// against a stand-in az printing 4 s tokens, through the token-enforcing
// proxy: every token is renewed and sent on every connection, and none is
// closed.
func TestEntraAzureCLIEndToEnd(t *testing.T) {
	t.Parallel()
	w := newAzWorld(t, "AZ_TOKEN_LIFE=4")
	dir := filepath.Join(t.TempDir(), "out")
	// The load's connections alone: the server stats sampler's own is
	// tested by TestServerStatsOutlastTokens.
	code, stdout, stderr := w.run(t, "--reauth-before", "2s", "--duration", "8s", "--connections", "6", "--interval", "500ms", "--server-stats=false", "--out", dir)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	run := readRun(t, dir)
	sum, st := run.Summary, w.proxy.Stats()
	if sum == nil || sum.Auth == nil {
		t.Fatalf("summary %+v without auth", sum)
	}
	a := sum.Auth
	if all := sum.Commands[results.AllCommands]; all.Count == 0 || all.ErrorCount() != 0 {
		t.Fatalf("%d operations, errors %v", all.Count, all.Errors)
	}
	if a.Principal != azOID || a.Credential != "azure-cli" || run.Header.Target.Principal != azOID {
		t.Fatalf("principal %q (header %q), credential %q", a.Principal, run.Header.Target.Principal, a.Credential)
	}
	// A renewal may be under way when the run ends: az has been called, but
	// its token arrives after the last record is written.
	if calls := w.calls(t); a.Tokens < 3 || (calls != int(a.Tokens) && calls != int(a.Tokens)+1) || a.RefreshFailures != 0 {
		t.Fatalf("%d tokens, %d failures; az was called %d times", a.Tokens, a.RefreshFailures, calls)
	}
	var proxyAuths int64
	for i, c := range st.Conns {
		proxyAuths += c.Auths
		if c.Auths < a.Tokens-2 {
			t.Errorf("connection %d sent %d AUTHs for %d tokens", i, c.Auths, a.Tokens)
		}
	}
	if a.Reauth.Count != proxyAuths || a.Reauth.ConnectionsExpired != 0 || st.ClosedExpired != 0 || st.Accepted != 6 {
		t.Fatalf("re-AUTH %d (proxy %d), expired %d (proxy closed %d), %d connections accepted",
			a.Reauth.Count, proxyAuths, a.Reauth.ConnectionsExpired, st.ClosedExpired, st.Accepted)
	}
	if !a.TokenExpires.After(run.Header.Start) {
		t.Fatalf("last token expires %s, before the run's start %s", a.TokenExpires, run.Header.Start)
	}
	summary, err := os.ReadFile(filepath.Join(dir, "summary.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Auth      Entra ID (azure-cli credential), principal " + azOID, "Re-AUTH: ", "Expired: no connection was closed"} {
		if !strings.Contains(string(summary), want) || !strings.Contains(stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, summary)
		}
	}
	if !strings.Contains(stderr, "token-refresh: token #1 for principal "+azOID) {
		t.Errorf("stderr does not report the first token:\n%s", stderr)
	}
	assertNoToken(t, dir, stdout, stderr)
}

// TestEntraCredentialFailsAtStart: no token, no connection, exit 1 with one
// line that says why.
func TestEntraCredentialFailsAtStart(t *testing.T) {
	t.Parallel()
	w := newAzWorld(t, "AZ_FAIL_AFTER=0")
	dir := filepath.Join(t.TempDir(), "out")
	code, stdout, stderr := w.run(t, "--duration", "5s", "--out", dir)
	if code != exitFailed {
		t.Fatalf("exit %d, want %d:\n%s", code, exitFailed, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	last := lines[len(lines)-1]
	for _, want := range []string{"amrbench run: Entra ID (azure-cli credential): get a token for https://redis.azure.com/.default:", "AADSTS700082"} {
		if !strings.Contains(last, want) {
			t.Errorf("error line %q lacks %q", last, want)
		}
	}
	if st := w.proxy.Stats(); st.Accepted != 0 {
		t.Fatalf("%d connections were made without a token", st.Accepted)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("a run directory was created: %v", err)
	}
	if w.calls(t) != 1 {
		t.Fatalf("az was called %d times, want once", w.calls(t))
	}
	assertNoToken(t, dir, stdout, stderr)
}

// TestEntraCredentialFailsMidRun: the credential fails from the second
// renewal on; the run goes on while the token is valid, shows every retry as
// an event, and its summary says what happened.
func TestEntraCredentialFailsMidRun(t *testing.T) {
	t.Parallel()
	w := newAzWorld(t, "AZ_TOKEN_LIFE=4", "AZ_FAIL_AFTER=2")
	dir := filepath.Join(t.TempDir(), "out")
	code, stdout, stderr := w.run(t, "--reauth-before", "2s", "--duration", "9s", "--connections", "5", "--interval", "500ms", "--out", dir)
	// Once the last token expired, no connection could be opened: the
	// connections were down for about half the run, above the error budget.
	if code != exitErrorBudget {
		t.Fatalf("exit %d, want %d:\n%s", code, exitErrorBudget, stderr)
	}
	run := readRun(t, dir)
	if v := run.Summary.Verdict; v.Status != results.StatusErrorBudget || v.UnavailableShare < 0.2 {
		t.Fatalf("verdict %+v: want error-budget, the connections down a good part of the run", v)
	}
	a := run.Summary.Auth
	if a == nil || a.Tokens != 2 || a.RefreshFailures < 2 || a.FailingSince.IsZero() || !strings.Contains(a.LastError, "AADSTS700082") {
		t.Fatalf("auth summary %+v: want 2 tokens, then failures to the end", a)
	}
	var failures []*results.Event
	for _, e := range run.Events {
		if e.Kind == results.EventTokenRefresh && e.Outcome == results.OutcomeFailed {
			failures = append(failures, e)
			if e.Attempt != len(failures) || e.Token != 2 {
				t.Errorf("failure event %d: attempt %d, token #%d: %s", len(failures), e.Attempt, e.Token, e.Detail)
			}
		}
	}
	if int64(len(failures)) != a.RefreshFailures || !failures[0].Time.Equal(a.FailingSince) {
		t.Fatalf("%d failure events for %d failures", len(failures), a.RefreshFailures)
	}
	// While the last token was valid the run went on without an error;
	// after it expired, the server closed the connections, failing the
	// operations in flight (auth errors), and refused the expired token to
	// every connection opened after: no operation could be sent, and the
	// server's refusal is kept among the auth messages.
	var okWhileFailing, authAfter int64 // authAfter: operations issued after expiry
	for _, iv := range run.Intervals {
		for _, cs := range iv.Commands {
			switch {
			case iv.End.Before(a.TokenExpires.Add(-time.Second)):
				if cs.ErrorCount() != 0 {
					t.Errorf("interval %d, before the token expired: errors %v", iv.Index, cs.Errors)
				}
				if !iv.Start.Before(a.FailingSince) {
					okWhileFailing += cs.Count
				}
			case iv.Start.After(a.TokenExpires.Add(time.Second)):
				authAfter += cs.Issued()
			}
		}
	}
	if okWhileFailing == 0 || authAfter != 0 {
		t.Fatalf("%d operations between the first failed renewal and the token's expiry, %d issued after it (a connection attempt is not an operation)", okWhileFailing, authAfter)
	}
	if a.Reauth.ConnectionsExpired == 0 || run.Summary.Commands[results.AllCommands].Errors[results.ErrAuth] == 0 || len(run.Summary.ErrorSamples[results.ErrAuth]) == 0 {
		t.Fatalf("expired %d, auth errors %v, auth messages %q: want the operations in flight at expiry and the server's refusal", a.Reauth.ConnectionsExpired, run.Summary.Commands[results.AllCommands].Errors, run.Summary.ErrorSamples[results.ErrAuth])
	}
	if st := w.proxy.Stats(); st.ClosedExpired < 5 || a.Reauth.ConnectionsExpired == 0 {
		t.Fatalf("the proxy closed %d connections at expiry; the run counted %d", st.ClosedExpired, a.Reauth.ConnectionsExpired)
	}
	for _, want := range []string{"Token requests: ", "failing from", "Last error: ", "AADSTS700082", "Expired: "} {
		if !strings.Contains(stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, stdout)
		}
	}
	if !strings.Contains(stderr, "token-refresh: token request failed (1 in a row)") {
		t.Errorf("stderr does not show the failed renewal:\n%s", stderr)
	}
	assertNoToken(t, dir, stdout, stderr)
}
