package main

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/amrbench/amrbench/bench"
	"github.com/amrbench/amrbench/bench/azmonitor"
	"github.com/amrbench/amrbench/bench/entra"
	"github.com/amrbench/amrbench/internal/cmdline"
	"github.com/amrbench/amrbench/report/openmetrics"
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
		p.evidence.MetricsAddr = addr
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
	p.evidence.Azure, p.evidence.AzureWait = &r, e.azureWait
	p.evidence.AzureOpts.Endpoint = e.azureEndpoint
	if e.azureCACert != "" {
		pem, err := os.ReadFile(e.azureCACert)
		if err != nil {
			return usagef("--azure-monitor-cacert: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return usagef("--azure-monitor-cacert %s: no PEM certificate in it", e.azureCACert)
		}
		p.evidence.AzureOpts.Transport = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	}
	kind := e.azureCredential
	if kind == "" && p.cfg.Target.Auth == bench.AuthEntra {
		p.evidence.AzureCred = p.cfg.Target.Entra.TokenCredential // the same identity as the load's
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
	p.evidence.AzureCred = cred
	return nil
}
