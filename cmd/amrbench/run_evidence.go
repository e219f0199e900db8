package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/spf13/pflag"

	"github.com/amrbench/amrbench/bench"
	"github.com/amrbench/amrbench/bench/azmonitor"
	"github.com/amrbench/amrbench/bench/entra"
	"github.com/amrbench/amrbench/internal/cmdline"
	"github.com/amrbench/amrbench/internal/live"
	"github.com/amrbench/amrbench/report/openmetrics"
	"github.com/amrbench/amrbench/results"
)

// evidenceFlags are run's flags for the server's side of a run: its own
// statistics, Azure Monitor's, and live metrics for Prometheus.
type evidenceFlags struct {
	serverStats     bool
	metricsAddr     string
	azureResource   string
	azureCredential string
	azureEndpoint   string
	azureCACert     string
	azureWait       time.Duration
}

// azureCredentialKinds are the credentials --azure-credential takes: those
// that need no secret flag (the default chain reads a service principal's
// from the environment).
var azureCredentialKinds = []string{entra.CredentialDefault, entra.CredentialManagedIdentity, entra.CredentialWorkloadIdentity, entra.CredentialAzureCLI}

// defaultAzureWait is how long after the run amrbench waits before it asks
// Azure Monitor: a minute's values are published a few minutes after it.
const defaultAzureWait = 2 * time.Minute

func (f *evidenceFlags) register(fs *pflag.FlagSet) {
	fs.BoolVar(&f.serverStats, "server-stats", true, "read every server's INFO (each shard's primary and replicas) once per interval, on a connection of its own, and record its CPU, memory, clients, evictions and command counts beside the load's (--server-stats=false: do not)")
	fs.StringVar(&f.metricsAddr, "metrics-addr", "", "serve the run's metrics live for Prometheus at http://ADDR/metrics while it lasts, e.g. 9464 or 127.0.0.1:9464 (loopback unless a host is given, 0.0.0.0:9464 for every interface)")
	fs.StringVar(&f.azureResource, "azure-resource", "", "the cache's Azure resource ID (/subscriptions/.../providers/Microsoft.Cache/redisEnterprise/NAME, or .../Microsoft.Cache/Redis/NAME): after the run, fetch its Azure Monitor metrics for the run's window into result.jsonl")
	fs.StringVar(&f.azureCredential, "azure-credential", "", "Entra ID credential for Azure Monitor: "+strings.Join(azureCredentialKinds, ", ")+" (default: the run's own with --auth entra, else default); it needs the Monitoring Reader role on the cache")
	f.azureWait = defaultAzureWait
	fs.Var(cmdline.Duration(&f.azureWait), "azure-wait", "with --azure-resource, wait this long after the run before fetching, so Azure Monitor has published its last minutes (Ctrl-C fetches at once)")
	fs.StringVar(&f.azureEndpoint, "azure-monitor-endpoint", azmonitor.PublicEndpoint, "Azure Resource Manager endpoint to read the metrics from (another cloud's, e.g. https://management.chinacloudapi.cn)")
	fs.StringVar(&f.azureCACert, "azure-monitor-cacert", "", "PEM file of the CA that signs the Azure Monitor endpoint's certificate (default: the system's)")
}

// evidencePlan is the validated server-side evidence of a run.
type evidencePlan struct {
	// metricsAddr is the address to serve metrics on; empty: none.
	metricsAddr string
	// azure is the cache whose metrics are fetched after the run; nil: none.
	azure     *azmonitor.Resource
	azureCred azcore.TokenCredential
	azureOpts azmonitor.Options
	azureWait time.Duration
}

// planEvidence checks the evidence flags. Only the Azure credential is
// built here (it makes no request yet).
func (f *runFlags) planEvidence(fs *pflag.FlagSet, env *environment, p *runPlan) error {
	e := f.evidence
	p.cfg.ServerStats = e.serverStats
	if e.metricsAddr != "" {
		addr, err := openmetrics.ListenAddr(e.metricsAddr)
		if err != nil {
			return usagef("--metrics-addr %w", err)
		}
		p.evidence.metricsAddr = addr
	}
	if e.azureResource == "" {
		for _, name := range []string{"azure-credential", "azure-monitor-endpoint", "azure-monitor-cacert"} {
			if fs.Changed(name) {
				return usagef("--%s is for --azure-resource, which was not given", name)
			}
		}
		return nil
	}
	r, err := azmonitor.ParseResourceID(e.azureResource)
	if err != nil {
		return usagef("--azure-resource: %w", err)
	}
	if e.azureWait < 0 {
		return usagef("--azure-wait %s: not below zero", e.azureWait)
	}
	p.evidence.azure, p.evidence.azureWait = &r, e.azureWait
	p.evidence.azureOpts.Endpoint = e.azureEndpoint
	if e.azureCACert != "" {
		pem, err := os.ReadFile(e.azureCACert)
		if err != nil {
			return usagef("--azure-monitor-cacert: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return usagef("--azure-monitor-cacert %s: no PEM certificate in it", e.azureCACert)
		}
		p.evidence.azureOpts.Transport = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	}
	kind := e.azureCredential
	if kind == "" && p.cfg.Target.Auth == bench.AuthEntra {
		p.evidence.azureCred = p.cfg.Target.Entra.TokenCredential // the same identity as the load's
		return nil
	}
	if kind == "" {
		kind = entra.CredentialDefault
	}
	if !slices.Contains(azureCredentialKinds, kind) {
		return usagef("--azure-credential %q: use one of %s (a service principal's secret or certificate: the default chain reads AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH)", kind, strings.Join(azureCredentialKinds, ", "))
	}
	o := entra.CredentialOptions{Kind: kind}
	if kind == entra.CredentialManagedIdentity || kind == entra.CredentialWorkloadIdentity {
		o.ClientID = env.getenv("AZURE_CLIENT_ID")
	}
	if kind == entra.CredentialWorkloadIdentity {
		o.TenantID = env.getenv("AZURE_TENANT_ID")
		o.TokenFilePath = env.getenv("AZURE_FEDERATED_TOKEN_FILE")
	}
	cred, err := entra.NewCredential(o)
	if err != nil {
		return usagef("--azure-credential %s: %w", kind, err)
	}
	p.evidence.azureCred = cred
	return nil
}

// evidence is a run's server-side evidence while it runs: the live metrics
// endpoint, and what the Azure Monitor fetch after it needs.
type evidence struct {
	plan     evidencePlan
	exporter *openmetrics.Exporter
}

// startEvidence starts the live metrics endpoint, if asked for: a port in
// use fails the run before anything is written.
func startEvidence(env *environment, p *runPlan, h *results.Header) (*evidence, error) {
	ev := &evidence{plan: p.evidence}
	if ev.plan.metricsAddr == "" {
		return ev, nil
	}
	ev.exporter = openmetrics.New(openmetrics.Labels{RunID: h.RunID, Label: h.Label, Segment: h.Segment})
	if err := ev.exporter.Listen(ev.plan.metricsAddr); err != nil {
		return nil, fmt.Errorf("--metrics-addr: %w", err)
	}
	fmt.Fprintf(env.stderr, "amrbench: live metrics at http://%s/metrics while the run lasts\n", ev.exporter.Addr())
	return ev, nil
}

// close stops the metrics endpoint.
func (ev *evidence) close() {
	if ev == nil || ev.exporter == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = ev.exporter.Close(ctx)
}

// observe returns the observer of the run: obs, and the metrics endpoint
// beside it.
func (ev *evidence) observe(obs *live.Observer) bench.Observer {
	if ev.exporter == nil {
		return obs
	}
	return &exportingObserver{Observer: obs, exporter: ev.exporter}
}

// exportingObserver is the live observer that also feeds the metrics
// endpoint, after the record is written.
type exportingObserver struct {
	*live.Observer
	exporter *openmetrics.Exporter
}

func (o *exportingObserver) Interval(iv *results.Interval) error {
	if err := o.Observer.Interval(iv); err != nil {
		return err
	}
	return o.exporter.Interval(iv)
}

func (o *exportingObserver) Event(e *results.Event) error {
	if err := o.Observer.Event(e); err != nil {
		return err
	}
	return o.exporter.Event(e)
}

func (o *exportingObserver) ServerInterval(s *results.ServerInterval) error {
	if err := o.Observer.ServerInterval(s); err != nil {
		return err
	}
	return o.exporter.ServerInterval(s)
}

var (
	_ bench.ServerObserver = (*exportingObserver)(nil)
	_ bench.Progress       = (*exportingObserver)(nil)
)

// azureFetchTimeout bounds the whole Azure Monitor fetch.
const azureFetchTimeout = 2 * time.Minute

// fetchAzure reads the cache's Azure Monitor metrics for the run's window
// and appends them to the result file. A failure is said, and recorded,
// and the run's own results stand: nothing of them depends on it.
func (ev *evidence) fetchAzure(ctx context.Context, env *environment, w *results.Writer, outcome bench.Outcome) {
	r := ev.plan.azure
	if r == nil || outcome.Start.IsZero() {
		return
	}
	end := outcome.End
	if end.IsZero() {
		end = time.Now()
	}
	if wait := ev.plan.azureWait - time.Since(end); wait > 0 && ctx.Err() == nil {
		fmt.Fprintf(env.stderr, "amrbench: waiting %s for Azure Monitor to publish the run's last minutes (--azure-wait; Ctrl-C fetches now)\n", wait.Round(time.Second))
		select {
		case <-time.After(wait):
		case <-ctx.Done():
		}
	}
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), azureFetchTimeout)
	defer cancel()
	rec, err := ev.fetch(fctx, *r, outcome.Start, end)
	if rec != nil {
		if werr := w.WriteAzureMetrics(rec); werr != nil {
			fmt.Fprintf(env.stderr, "amrbench: Azure Monitor metrics not written: %v\n", werr)
			return
		}
	}
	if err != nil {
		msg := fmt.Sprintf("Azure Monitor metrics missing: %v; the run's own results are complete", err)
		_ = w.WriteEvent(&results.Event{Time: time.Now(), Kind: results.EventWarning, Detail: msg})
		fmt.Fprintf(env.stderr, "amrbench: %s\n", msg)
		return
	}
	metrics := map[string]bool{}
	for _, s := range rec.Series {
		metrics[s.Metric] = true
	}
	line := fmt.Sprintf("Azure Monitor: %d metrics of %s from %s to %s", len(metrics), r.Name, rec.Start.Format("15:04"), rec.End.Format("15:04 MST"))
	if len(rec.Skipped) > 0 {
		var names []string
		for _, s := range rec.Skipped {
			names = append(names, s.Metric)
		}
		line += fmt.Sprintf("; skipped %s (see result.jsonl for why)", strings.Join(names, ", "))
	}
	fmt.Fprintf(env.stderr, "amrbench: %s\n", line)
}

// fetch makes the Azure Monitor client and fetches.
func (ev *evidence) fetch(ctx context.Context, r azmonitor.Resource, start, end time.Time) (*results.AzureMetrics, error) {
	client, err := azmonitor.New(ev.plan.azureCred, ev.plan.azureOpts)
	if err != nil {
		return nil, err
	}
	return client.Fetch(ctx, r, start, end)
}
