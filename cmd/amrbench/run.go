package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/amrbench/amrbench/bench"
	"github.com/amrbench/amrbench/bench/cluster"
	"github.com/amrbench/amrbench/bench/entra"
	"github.com/amrbench/amrbench/bench/openloop"
	"github.com/amrbench/amrbench/bench/transport"
	"github.com/amrbench/amrbench/internal/localserver"
	"github.com/amrbench/amrbench/report"
	"github.com/amrbench/amrbench/results"
	"github.com/amrbench/amrbench/workloads"
)

const runSynopsis = `run [flags]

Benchmark a Redis endpoint: open the connections, run the SET/GET workload, print a live line per
interval and a summary, and write the results (result.jsonl, summary.txt, HdrHistogram files) into
a run directory. With no --server or --uri, amrbench starts a local redis-server (or, without one,
an in-process stand-in) and benchmarks that: its numbers describe this machine, not a cache.

Passwords: prefer AMRBENCH_PASSWORD or --password-file to -a, which other users can see in ps.

Entra ID (--auth entra, implied by any --entra flag): amrbench gets a token before it opens a
connection, renews it at 70% of its lifetime (and no later than --reauth-before before it expires),
and sends each new token on every open connection with AUTH, staggered, so that runs outlast any
token. Those AUTHs are counted apart from the workload, under "Re-AUTH" in the summary.`

const runExamples = `  # 30 s against a local server started for you
  amrbench run

  # Azure Managed Redis with an access key: port 10000 and TLS are the defaults for *.redis.azure.net
  AMRBENCH_PASSWORD=$KEY amrbench run -s mycache.westeurope.redis.azure.net --duration 5m

  # Microsoft's read benchmark: 1 KiB GETs, pipeline 10, after writing every key once
  amrbench run -s mycache.westeurope.redis.azure.net --password-file key.txt \
      --ratio 0:1 -d 1024 --pipeline 10 --key-maximum 1699396 --preload --duration 5m

  # memtier's flags work too: 4 threads x 50 clients = 200 connections
  amrbench run -u rediss://default:$KEY@mycache.redis.cache.windows.net:6380 -t 4 -c 50 --test-time 60

  # an OSS-policy cache: a cluster client reaching every shard (auto finds this by itself)
  amrbench run -s mycache.westeurope.redis.azure.net --cluster-policy oss --label oss

  # Azure Managed Redis with Entra ID, from a VM's managed identity: a 2 h run outlasts the tokens
  amrbench run -s mycache.westeurope.redis.azure.net --entra-credential managed-identity --duration 2h

  # ... from AKS with workload identity, or from a laptop logged in with 'az login'
  amrbench run -s mycache.westeurope.redis.azure.net --entra-credential workload-identity
  amrbench run -s mycache.westeurope.redis.azure.net --entra-credential azure-cli

  # a skewed key space with expiring keys, reproducibly
  amrbench run -s 10.0.0.4 --key-pattern Z:Z --key-zipf-exp 1.2 --expiry-range 60-600 --seed 7

  # one test of 1,200 connections from three machines: on machine i (0, 1, 2) run
  amrbench run -s mycache.westeurope.redis.azure.net --connections 1200 --seed 7 \
      --segment i/3 --start-at 2026-11-23T12:00:00Z --out seg-i
  # then, with the three run directories on one machine
  amrbench merge seg-0 seg-1 seg-2 -o merged
`

// runFlags holds every flag of run.
type runFlags struct {
	server, uri                 string
	port                        int
	tls, tlsSkipVerify          bool
	cacert, cert, key, sni      string
	auth, authenticate, user    string
	passwordFile                string
	entraCredential             string
	entraClientID, entraTenant  string
	entraCertificate            string
	entraScope, entraUser       string
	reauth                      bool
	reauthBefore                time.Duration
	db                          int
	clusterPolicy               string
	clusterMode                 bool
	connections, clients        int
	threads, connectConcurrency int
	pipeline                    int
	duration                    time.Duration
	testTime                    int
	requests                    int64
	warmup, interval            time.Duration
	timeout, connectTimeout     time.Duration
	bufferSize                  int
	replyWait                   string
	ratio, keyPrefix            string
	keyMin, keyMax              uint64
	keyPattern                  string
	keyStddev, keyMedian        float64
	zipfExp                     float64
	dataSize                    int
	dataSizeRange, dataSizeList string
	randomData                  bool
	expiryRange                 string
	seed                        uint64
	preload                     bool
	workload, sku, preloadFill  string
	out, label                  string
	percentiles                 []float64
	jsonOut, hdrPrefix          string
	quiet                       bool
	maxErrorRate                string
	cpuProfile                  string
	cpus                        int
	rate, rateRamp              string
	rateLimiting                int
	slo                         []string
	findMax                     bool
	stepDuration, lateThreshold time.Duration
	maxRate                     string
	findMaxSteps                int
	segment, startAt            string
}

func (f *runFlags) register(fs *pflag.FlagSet) {
	def := bench.DefaultConfig()
	spec := workloads.DefaultSpec()
	// Target.
	fs.StringVarP(&f.server, "server", "s", "", "server host name or address (default: a local server started for the run)")
	fs.IntVarP(&f.port, "port", "p", bench.DefaultPort, "server port (10000 for *.redis.azure.net and *.redisenterprise.cache.azure.net, 6380 for *.redis.cache.windows.net)")
	fs.StringVarP(&f.uri, "uri", "u", "", "server URI: redis://[user:password@]host[:port][/db], or rediss:// for TLS")
	fs.BoolVar(&f.tls, "tls", false, "connect with TLS (on by default for Azure host names)")
	fs.StringVar(&f.cacert, "cacert", "", "PEM file of the CA that signs the server's certificate (default: the system's)")
	fs.StringVar(&f.cert, "cert", "", "PEM file of a client certificate")
	fs.StringVar(&f.key, "key", "", "PEM file of the client certificate's key")
	fs.StringVar(&f.sni, "sni", "", "TLS server name to send and verify (default: the host name)")
	fs.BoolVar(&f.tlsSkipVerify, "tls-skip-verify", false, "do not verify the server's certificate or its host name")
	fs.StringVar(&f.auth, "auth", "", "authentication: none, password or entra (default: password when one is given, entra when an --entra flag is)")
	fs.StringVarP(&f.authenticate, "authenticate", "a", "", "[USER:]PASSWORD (or set AMRBENCH_PASSWORD, or use --password-file)")
	fs.StringVar(&f.user, "user", "", "ACL user name (default: the default user)")
	fs.StringVar(&f.passwordFile, "password-file", "", "file whose first line is the password")
	// Entra ID.
	fs.StringVar(&f.entraCredential, "entra-credential", entra.CredentialDefault, "Entra ID credential: "+strings.Join(entra.CredentialKinds, ", "))
	fs.StringVar(&f.entraClientID, "entra-client-id", "", "client ID of a user-assigned managed identity (or its resource ID), or of the service principal (default $AZURE_CLIENT_ID for workload-identity, client-secret and client-certificate)")
	fs.StringVar(&f.entraTenant, "entra-tenant-id", "", "Entra tenant (default $AZURE_TENANT_ID for workload-identity, client-secret and client-certificate)")
	fs.StringVar(&f.entraCertificate, "entra-certificate", "", "client-certificate: PEM or PKCS#12 file with the certificate and its key (default $AZURE_CLIENT_CERTIFICATE_PATH; password in $AZURE_CLIENT_CERTIFICATE_PASSWORD)")
	fs.StringVar(&f.entraScope, "entra-scope", bench.DefaultEntraScope, "scope the tokens are requested for")
	fs.StringVar(&f.entraUser, "entra-user", "", "user name sent with the tokens (default: each token's oid claim, the principal's object ID)")
	fs.BoolVar(&f.reauth, "reauth", true, "send each new token on every open connection before the old one expires; --reauth=false shows what a client that does not suffers")
	f.reauthBefore = bench.DefaultReauthBefore
	fs.Var(secondsOrDuration{&f.reauthBefore}, "reauth-before", "renew each token at 70% of its lifetime, and no later than this before it expires")
	fs.IntVar(&f.db, "select-db", 0, "database number")
	fs.StringVar(&f.clusterPolicy, "cluster-policy", string(cluster.PolicyAuto), "auto (ask the endpoint), oss (a cluster client connecting to every shard), enterprise or non-clustered (one endpoint)")
	fs.BoolVar(&f.clusterMode, "cluster-mode", false, "memtier: the same as --cluster-policy oss")
	// Load.
	fs.IntVar(&f.connections, "connections", def.Connections, "connections, each driven by its own worker")
	fs.IntVarP(&f.clients, "clients", "c", 50, "memtier: clients per thread (connections = clients x threads)")
	fs.IntVarP(&f.threads, "threads", "t", 4, "memtier: threads (connections = clients x threads)")
	fs.IntVar(&f.connectConcurrency, "connect-concurrency", def.ConnectConcurrency, "connections opened at once; each is authenticated before the next opens")
	fs.IntVarP(&f.pipeline, "pipeline", "P", def.Pipeline, "commands each connection sends before reading their replies")
	fs.Var(secondsOrDuration{&f.duration}, "duration", "measured time, e.g. 30s, 5m, or seconds (default 30s)")
	fs.IntVar(&f.testTime, "test-time", 0, "memtier: measured time in seconds")
	fs.Int64VarP(&f.requests, "requests", "n", 0, "total measured operations over all connections, instead of --duration")
	fs.Var(secondsOrDuration{&f.warmup}, "warmup", "load sent before the measured window and left out of the statistics")
	f.interval = def.Interval
	fs.Var(secondsOrDuration{&f.interval}, "interval", "length of each interval record and live line")
	f.timeout, f.connectTimeout = def.Timeout, def.ConnectTimeout
	fs.Var(secondsOrDuration{&f.timeout}, "timeout", "command timeout")
	fs.Var(secondsOrDuration{&f.connectTimeout}, "connect-timeout", "timeout to connect, including TLS and AUTH")
	fs.Var(byteSize{&f.bufferSize}, "buffer-size", "read and write buffer of each connection (default: room for a pipeline of the largest values, 4k to 32k)")
	fs.StringVar(&f.replyWait, "reply-wait", string(transport.ReplyWaitAuto), "how connections wait for replies: auto (a closed loop polls while replies come within a round of the others, as an event loop does, and parks in Go's network poller otherwise), park, or poll (a closed loop only)")
	// Open loop.
	fs.StringVar(&f.rate, "rate", "", "offered load in ops/s over all connections, e.g. 50k or 1.5M: an open loop whose latency is measured from each operation's due time")
	fs.IntVar(&f.rateLimiting, "rate-limiting", 0, "memtier: ops/s per connection (the total is this times the connections)")
	fs.StringVar(&f.rateRamp, "rate-ramp", "", "staircase of rates FROM:TO:STEP[:STEP_DURATION], e.g. 10k:100k:10k:30s; each step is a phase")
	fs.StringArrayVar(&f.slo, "slo", nil, "latency objective each step is judged by, e.g. 'p99<2ms' or 'service:p99.9<10ms' (repeatable)")
	fs.BoolVar(&f.findMax, "find-max", false, "search for the highest rate that meets every --slo: climb from --rate (or the --rate-ramp), then bisect")
	f.stepDuration, f.lateThreshold = def.StepDuration, def.LateThreshold
	fs.Var(secondsOrDuration{&f.stepDuration}, "step-duration", "length of each step of --find-max, and of --rate-ramp when it gives none")
	fs.StringVar(&f.maxRate, "max-rate", openloop.FormatRate(def.MaxRate), "highest rate --find-max tries")
	fs.IntVar(&f.findMaxSteps, "find-max-steps", def.MaxSteps, "most steps --find-max runs")
	fs.Var(secondsOrDuration{&f.lateThreshold}, "late-threshold", "an operation sent later than this after its due time is a late start")
	// Workload.
	fs.StringVar(&f.ratio, "ratio", spec.Ratio.String(), "SET:GET ratio")
	fs.StringVar(&f.keyPrefix, "key-prefix", spec.KeyPrefix, "prefix of every key")
	fs.Uint64Var(&f.keyMin, "key-minimum", spec.KeyMinimum, "lowest key number")
	fs.Uint64Var(&f.keyMax, "key-maximum", spec.KeyMaximum, "highest key number")
	fs.StringVar(&f.keyPattern, "key-pattern", spec.KeyPattern.String(), "SET:GET key patterns: R uniform, S sequential, G gaussian, Z zipf, P parallel")
	fs.Float64Var(&f.keyStddev, "key-stddev", 0, "G pattern: standard deviation (default: a sixth of the key range)")
	fs.Float64Var(&f.keyMedian, "key-median", 0, "G pattern: centre (default: the middle of the key range)")
	fs.Float64Var(&f.zipfExp, "key-zipf-exp", spec.KeyZipfExp, "Z pattern: exponent, above 0 and below 5")
	f.dataSize = spec.DataSize
	fs.VarP(byteSize{&f.dataSize}, "data-size", "d", "value size in bytes")
	fs.StringVar(&f.dataSizeRange, "data-size-range", "", "value sizes drawn uniformly from MIN-MAX bytes")
	fs.StringVar(&f.dataSizeList, "data-size-list", "", "value sizes drawn by weight: SIZE:WEIGHT,SIZE:WEIGHT,...")
	fs.BoolVarP(&f.randomData, "random-data", "R", false, "random value bytes instead of a repeated character")
	fs.StringVar(&f.expiryRange, "expiry-range", "", "SET expiry in seconds, drawn uniformly from MIN-MAX (none: no expiry, to turn off a preset's)")
	fs.Uint64Var(&f.seed, "seed", 0, "seed of every connection's operation sequence (default: random, recorded in the results)")
	fs.BoolVar(&f.preload, "preload", false, "write every key of the key range first, outside the statistics")
	fs.StringVar(&f.workload, "workload", "", "workload preset ("+strings.Join(workloads.PresetNames(), ", ")+") or preset file; flags override it")
	fs.StringVar(&f.sku, "sku", "", "Azure SKU of the target (e.g. B10, X3, A250; see amrbench tiers): recorded in the results, connections checked against its limit")
	fs.StringVar(&f.preloadFill, "preload-fill", "", "size the key range to this share of the --sku's memory, as Microsoft's prefill rule does, and preload it, e.g. 75%")
	// Several machines.
	fs.StringVar(&f.segment, "segment", "", "run share i of a test split between n machines (0/3, 1/3, 2/3): its share of the connections, requests and rate, and of the keys to preload; merge the results with 'amrbench merge'")
	fs.StringVar(&f.startAt, "start-at", "", "begin the measured window at this time (RFC 3339, e.g. 2026-11-23T12:00:00Z), so that runs launched on several machines measure the same window")
	// Output.
	fs.StringVar(&f.out, "out", "", "run directory (default amrbench-results/<UTC time>-<label>)")
	fs.StringVar(&f.label, "label", "", "name of the run (default: the target's host)")
	fs.Var(percentileList{&f.percentiles}, "print-percentiles", "percentile columns of the summary (default 50,90,99,99.9,99.99)")
	fs.StringVar(&f.jsonOut, "json-out-file", "", "memtier: also write the summary as one JSON document to this file")
	fs.StringVar(&f.hdrPrefix, "hdr-file-prefix", "", "memtier: also write PREFIX_<COMMAND>.hgrm and PREFIX.hlog")
	fs.BoolVarP(&f.quiet, "quiet", "q", false, "no live line per interval")
	fs.StringVar(&f.maxErrorRate, "max-error-rate", "", "fail the run (exit 1) when more than this share of operations fail, e.g. 1%")
	fs.StringVar(&f.cpuProfile, "cpu-profile", "", "write a Go CPU profile of amrbench itself to this file")
	fs.IntVar(&f.cpus, "cpus", 0, "CPUs amrbench may use at once (GOMAXPROCS; default: all, or all but one when the server is on this machine)")
}

// runPlan is a validated run: what to connect to, what to send, where to
// write.
type runPlan struct {
	cfg          bench.Config
	spec         workloads.Spec
	embedded     bool
	notes        []string // said to the user before the run
	sku          *report.SKU
	preset       *workloads.Preset
	keySpace     *results.KeySpace
	maxErrorRate float64 // fraction; negative means no budget
	seedGiven    bool
}

func runCommand(ctx context.Context, env *environment, args []string) error {
	var f runFlags
	fs := newFlagSet(env, "run", runSynopsis, runExamples)
	f.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q (flags start with -)", fs.Arg(0))
	}
	plan, err := f.plan(fs, env)
	if err != nil {
		return err
	}
	if f.cpus < 0 {
		return usagef("--cpus %d: at least 1", f.cpus)
	}
	cpus := f.cpus
	if cpus == 0 && runtime.NumCPU() > 1 && (plan.embedded || isLoopback(plan.cfg.Target.Host)) {
		// The server shares this machine: a client using every CPU takes the
		// server's, and Go's idle threads spin for work on them.
		cpus = runtime.NumCPU() - 1
		plan.notes = append(plan.notes, fmt.Sprintf("the server runs on this machine: amrbench uses %d of its %d CPUs and leaves the rest to the server (--cpus to change)", cpus, runtime.NumCPU()))
	}
	if cpus > 0 && env.setMaxProcs != nil {
		defer env.setMaxProcs(env.setMaxProcs(cpus))
	}
	if f.cpuProfile != "" {
		stop, err := startCPUProfile(f.cpuProfile)
		if err != nil {
			return usagef("--cpu-profile: %w", err)
		}
		defer stop()
	}
	return execute(ctx, env, &f, plan)
}

// plan turns the flags into a validated run. Every error is a usage error
// that names its flag.
func (f *runFlags) plan(fs *pflag.FlagSet, env *environment) (*runPlan, error) {
	p := &runPlan{cfg: bench.DefaultConfig(), spec: workloads.DefaultSpec(), maxErrorRate: -1}
	if err := f.planTarget(fs, env, p); err != nil {
		return nil, err
	}
	if err := f.planLoad(fs, p); err != nil {
		return nil, err
	}
	if err := f.planSKU(fs, p); err != nil {
		return nil, err
	}
	if err := f.planWorkload(fs, p); err != nil {
		return nil, err
	}
	if err := f.planFill(fs, p); err != nil {
		return nil, err
	}
	if err := f.planSplit(p, time.Now()); err != nil {
		return nil, err
	}
	if f.maxErrorRate != "" {
		v, err := workloads.ParsePercent(f.maxErrorRate)
		if err != nil {
			return nil, usagef("--max-error-rate: %w", err)
		}
		p.maxErrorRate = v
	}
	for _, out := range []struct{ flag, path string }{{"json-out-file", f.jsonOut}, {"hdr-file-prefix", f.hdrPrefix}} {
		if err := checkOutputDir(out.path); err != nil {
			return nil, usagef("--%s %s: %w", out.flag, out.path, err)
		}
	}
	if !fs.Changed("buffer-size") {
		p.cfg.ReadBufferSize = autoBufferSize(p.cfg.Pipeline, p.spec.MaxValueSize())
		p.cfg.WriteBufferSize = p.cfg.ReadBufferSize
	}
	if err := p.cfg.Validate(); err != nil {
		return nil, usageError{err}
	}
	if err := p.spec.Validate(p.cfg.Connections); err != nil {
		return nil, usageError{err}
	}
	return p, nil
}

func (f *runFlags) planTarget(fs *pflag.FlagSet, env *environment, p *runPlan) error {
	tc := &p.cfg.Target
	uriUser, uriPassword, uriPort := "", "", false
	switch {
	case f.uri != "" && fs.Changed("server"):
		return usagef("give --uri or --server, not both")
	case f.uri != "":
		u, err := parseRedisURI(f.uri)
		if err != nil {
			return usagef("--uri: %w", err)
		}
		tc.Host, tc.DB = u.host, u.db
		if u.port > 0 {
			tc.Port, uriPort = u.port, true
		}
		tc.TLS.Enabled = u.tls
		uriUser, uriPassword = u.user, u.password
	case f.server != "":
		tc.Host = f.server
	default:
		p.embedded = true
		tc.Host = "127.0.0.1"
	}
	if fs.Changed("port") {
		tc.Port = f.port
	}
	if fs.Changed("select-db") {
		tc.DB = f.db
	}
	if fs.Changed("tls") {
		tc.TLS.Enabled = f.tls
	}
	if az, ok := bench.AzureDefaults(tc.Host); ok {
		var defaults []string
		if !fs.Changed("port") && !uriPort {
			tc.Port = az.Port
			defaults = append(defaults, fmt.Sprintf("port %d", az.Port))
		}
		if !fs.Changed("tls") && f.uri == "" && az.TLS {
			tc.TLS.Enabled = true
			defaults = append(defaults, "TLS")
		}
		if len(defaults) > 0 {
			p.notes = append(p.notes, fmt.Sprintf("%s is %s: using %s", tc.Host, az.Service, strings.Join(defaults, " and ")))
		}
	}
	tlsFlagUsed := false
	for _, name := range []string{"cacert", "cert", "key", "sni", "tls-skip-verify"} {
		tlsFlagUsed = tlsFlagUsed || fs.Changed(name)
	}
	if tlsFlagUsed && !tc.TLS.Enabled {
		return usagef("--cacert, --cert, --key, --sni and --tls-skip-verify need --tls")
	}
	tc.TLS.SNI, tc.TLS.SkipVerify = f.sni, f.tlsSkipVerify
	for _, file := range []struct {
		flag, path string
		dst        *[]byte
	}{{"cacert", f.cacert, &tc.TLS.CAPEM}, {"cert", f.cert, &tc.TLS.CertPEM}, {"key", f.key, &tc.TLS.KeyPEM}} {
		if file.path == "" {
			continue
		}
		b, err := os.ReadFile(file.path)
		if err != nil {
			return usagef("--%s: %w", file.flag, err)
		}
		*file.dst = b
	}
	if _, err := tc.TLS.Config(tc.Host); err != nil {
		return usagef("TLS: %w", err)
	}
	tc.ClusterPolicy = cluster.Policy(f.clusterPolicy)
	if f.clusterMode {
		if fs.Changed("cluster-policy") && cluster.Policy(f.clusterPolicy) != cluster.PolicyOSS {
			return usagef("--cluster-mode means --cluster-policy oss, not %s: give one", f.clusterPolicy)
		}
		tc.ClusterPolicy = cluster.PolicyOSS
	}
	return f.planAuth(fs, env, p, uriUser, uriPassword)
}

// planAuth resolves the user and password: -a first, then --password-file,
// then AMRBENCH_PASSWORD, then the URI.
func (f *runFlags) planAuth(fs *pflag.FlagSet, env *environment, p *runPlan, uriUser, uriPassword string) error {
	tc := &p.cfg.Target
	user, password := uriUser, uriPassword
	if v := env.getenv("AMRBENCH_USER"); v != "" {
		user = v
	}
	if v := env.getenv("AMRBENCH_PASSWORD"); v != "" {
		password = v
	}
	if f.passwordFile != "" {
		b, err := os.ReadFile(f.passwordFile)
		if err != nil {
			return usagef("--password-file: %w", err)
		}
		line, _, _ := strings.Cut(string(b), "\n")
		password = strings.TrimRight(line, "\r")
		if password == "" {
			return usagef("--password-file %s: the first line is empty", f.passwordFile)
		}
	}
	if fs.Changed("authenticate") {
		if u, pw, ok := strings.Cut(f.authenticate, ":"); ok {
			user, password = u, pw
		} else {
			password = f.authenticate
		}
	}
	if fs.Changed("user") {
		user = f.user
	}
	tc.Username, tc.Password = user, password
	entraFlag := ""
	for _, name := range entraFlags {
		if fs.Changed(name) {
			entraFlag = name
			break
		}
	}
	switch f.auth {
	case "":
		switch {
		case entraFlag != "":
			tc.Auth = bench.AuthEntra
		case password != "":
			tc.Auth = bench.AuthPassword
		default:
			tc.Auth = bench.AuthNone
		}
	case bench.AuthNone:
		if password != "" {
			return usagef("--auth none, but a password was given")
		}
		tc.Auth = bench.AuthNone
	case bench.AuthPassword, bench.AuthEntra:
		tc.Auth = f.auth
	default:
		return usagef("--auth %q: use none, password or entra", f.auth)
	}
	if entraFlag != "" && tc.Auth != bench.AuthEntra {
		return usagef("--%s is for --auth entra, not --auth %s", entraFlag, tc.Auth)
	}
	if p.embedded && tc.Auth == bench.AuthEntra {
		return usagef("--auth entra needs --server: the embedded local server takes no Entra ID tokens")
	}
	if p.embedded && tc.Auth != bench.AuthNone {
		return usagef("a password was given but no --server: the embedded local server has none")
	}
	if tc.Auth == bench.AuthEntra {
		if password != "" {
			return usagef("--auth entra authenticates with Entra ID tokens, but a password was given (-a, --password-file, AMRBENCH_PASSWORD or the URI)")
		}
		if user != "" {
			return usagef("--auth entra: give the user name with --entra-user, not --user, AMRBENCH_USER or the URI (default: the token's oid claim)")
		}
		return f.planEntra(env, p)
	}
	return nil
}

// entraFlags are the flags that only mean something with --auth entra.
var entraFlags = []string{"entra-credential", "entra-client-id", "entra-tenant-id", "entra-certificate", "entra-scope", "entra-user", "reauth", "reauth-before"}

// planEntra builds the Entra ID credential from the flags and the
// environment azidentity's users know: AZURE_CLIENT_ID, AZURE_TENANT_ID,
// AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH and _PASSWORD,
// AZURE_FEDERATED_TOKEN_FILE. Secrets come only from the environment or a
// file, never from the command line.
func (f *runFlags) planEntra(env *environment, p *runPlan) error {
	kind := f.entraCredential
	if !slices.Contains(entra.CredentialKinds, kind) {
		return usagef("--entra-credential %q: use one of %s", kind, strings.Join(entra.CredentialKinds, ", "))
	}
	o := entra.CredentialOptions{Kind: kind, ClientID: f.entraClientID, TenantID: f.entraTenant}
	switch kind {
	case entra.CredentialWorkloadIdentity, entra.CredentialClientSecret, entra.CredentialClientCertificate:
		if o.ClientID == "" {
			o.ClientID = env.getenv("AZURE_CLIENT_ID")
		}
		if o.TenantID == "" {
			o.TenantID = env.getenv("AZURE_TENANT_ID")
		}
		var missing []string
		if o.ClientID == "" {
			missing = append(missing, "a client ID (--entra-client-id or AZURE_CLIENT_ID)")
		}
		if o.TenantID == "" {
			missing = append(missing, "a tenant (--entra-tenant-id or AZURE_TENANT_ID)")
		}
		switch kind {
		case entra.CredentialWorkloadIdentity:
			if o.TokenFilePath = env.getenv("AZURE_FEDERATED_TOKEN_FILE"); o.TokenFilePath == "" {
				missing = append(missing, "AZURE_FEDERATED_TOKEN_FILE (set by the workload identity webhook)")
			}
		case entra.CredentialClientSecret:
			if o.ClientSecret = env.getenv("AZURE_CLIENT_SECRET"); o.ClientSecret == "" {
				missing = append(missing, "AZURE_CLIENT_SECRET")
			}
		case entra.CredentialClientCertificate:
			path := f.entraCertificate
			if path == "" {
				path = env.getenv("AZURE_CLIENT_CERTIFICATE_PATH")
			}
			if path == "" {
				missing = append(missing, "a certificate (--entra-certificate or AZURE_CLIENT_CERTIFICATE_PATH)")
			} else {
				b, err := os.ReadFile(path)
				if err != nil {
					return usagef("--entra-certificate: %w", err)
				}
				o.Certificate, o.CertificatePassword = b, env.getenv("AZURE_CLIENT_CERTIFICATE_PASSWORD")
			}
		}
		if len(missing) > 0 {
			return usagef("--entra-credential %s needs %s", kind, strings.Join(missing, ", "))
		}
	}
	if f.entraCertificate != "" && kind != entra.CredentialClientCertificate {
		return usagef("--entra-certificate is for --entra-credential client-certificate, not %s", kind)
	}
	cred, err := entra.NewCredential(o)
	if err != nil {
		return usagef("--entra-credential %s: %w", kind, err)
	}
	p.cfg.Target.Entra = bench.EntraConfig{
		Credential:      kind,
		ClientID:        o.ClientID,
		TenantID:        o.TenantID,
		Scope:           f.entraScope,
		User:            f.entraUser,
		Reauth:          f.reauth,
		ReauthBefore:    f.reauthBefore,
		TokenCredential: cred,
	}
	return nil
}

func (f *runFlags) planLoad(fs *pflag.FlagSet, p *runPlan) error {
	c := &p.cfg
	if fs.Changed("clients") || fs.Changed("threads") {
		if fs.Changed("connections") {
			return usagef("give --connections or memtier's --clients/--threads, not both")
		}
		if f.clients < 1 || f.threads < 1 || f.clients > bench.MaxConnections/f.threads {
			return usagef("--clients %d x --threads %d: each at least 1, and at most %d connections in all", f.clients, f.threads, bench.MaxConnections)
		}
		c.Connections = f.clients * f.threads
		p.notes = append(p.notes, fmt.Sprintf("%d connections = %d clients x %d threads, as memtier counts them", c.Connections, f.clients, f.threads))
	} else {
		c.Connections = f.connections
	}
	c.ConnectConcurrency = f.connectConcurrency
	c.Pipeline = f.pipeline
	switch {
	case fs.Changed("test-time") && fs.Changed("duration"):
		return usagef("give --duration or memtier's --test-time, not both")
	case fs.Changed("test-time"):
		if f.testTime < 1 {
			return usagef("--test-time %d: at least 1 second", f.testTime)
		}
		c.Duration = time.Duration(f.testTime) * time.Second
	case fs.Changed("duration"):
		c.Duration = f.duration
	}
	if fs.Changed("requests") {
		if fs.Changed("duration") || fs.Changed("test-time") {
			return usagef("--requests and --duration both bound the run: give one")
		}
		if f.requests < 1 {
			return usagef("--requests %d: at least 1", f.requests)
		}
		c.Requests, c.Duration = f.requests, 0
	}
	c.Warmup, c.Interval = f.warmup, f.interval
	c.Timeout, c.ConnectTimeout = f.timeout, f.connectTimeout
	c.ReadBufferSize, c.WriteBufferSize = f.bufferSize, f.bufferSize
	wait, err := transport.ParseReplyWait(f.replyWait)
	if err != nil {
		return usagef("--reply-wait %w", err)
	}
	c.ReplyWait = wait
	c.Preload = f.preload
	return f.planOpenLoop(fs, p)
}

// planOpenLoop reads the open-loop flags: a rate, a staircase, objectives
// and a search.
func (f *runFlags) planOpenLoop(fs *pflag.FlagSet, p *runPlan) error {
	c := &p.cfg
	var err error
	switch {
	case f.rate != "" && f.rateLimiting > 0:
		return usagef("give --rate or memtier's --rate-limiting, not both")
	case f.rate != "":
		if c.Rate, err = openloop.ParseRate(f.rate); err != nil {
			return usagef("--rate: %w", err)
		}
	case f.rateLimiting > 0:
		c.Rate = float64(f.rateLimiting * c.Connections)
		p.notes = append(p.notes, fmt.Sprintf("--rate-limiting %d per connection x %d connections = %s ops/s in all", f.rateLimiting, c.Connections, openloop.FormatRate(c.Rate)))
	case fs.Changed("rate-limiting"):
		return usagef("--rate-limiting %d: at least 1", f.rateLimiting)
	}
	c.StepDuration, c.LateThreshold = f.stepDuration, f.lateThreshold
	if f.rateRamp != "" {
		ramp, err := openloop.ParseRamp(f.rateRamp, f.stepDuration)
		if err != nil {
			return usagef("--rate-ramp: %w", err)
		}
		c.Ramp = &ramp
	}
	var texts []string
	for _, s := range f.slo {
		for _, part := range strings.Split(s, ",") {
			if strings.TrimSpace(part) != "" {
				texts = append(texts, part)
			}
		}
	}
	if c.Objectives, err = results.ParseObjectives(texts); err != nil {
		return usagef("--slo: %w", err)
	}
	if len(c.Objectives) > 0 && !c.Steps() && c.Rate == 0 {
		return usagef("--slo judges the steps of --rate-ramp or --find-max (or one --rate): give one of them")
	}
	c.FindMax = f.findMax
	if c.MaxRate, err = openloop.ParseRate(f.maxRate); err != nil {
		return usagef("--max-rate: %w", err)
	}
	c.MaxSteps = f.findMaxSteps
	if c.Steps() && !fs.Changed("duration") && !fs.Changed("test-time") {
		c.Duration = 0 // the steps decide the run's length
	}
	return nil
}

// planWorkload builds the workload: the --workload preset or file if one is
// given, then every flag that was set on top of it. Without --workload the
// flags' defaults are DefaultSpec's, so every flag applies.
func (f *runFlags) planWorkload(fs *pflag.FlagSet, p *runPlan) error {
	s := &p.spec
	if f.workload != "" {
		preset, err := loadWorkload(f.workload)
		if err != nil {
			return usagef("--workload: %w", err)
		}
		p.preset, *s = preset, preset.Spec
	}
	set := func(name string) bool { return p.preset == nil || fs.Changed(name) }
	var err error
	if set("ratio") {
		if s.Ratio, err = workloads.ParseRatio(f.ratio); err != nil {
			return usagef("--ratio: %w", err)
		}
	}
	if set("key-pattern") {
		if s.KeyPattern, err = workloads.ParseKeyPatterns(f.keyPattern); err != nil {
			return usagef("--key-pattern: %w", err)
		}
	}
	if set("key-prefix") {
		s.KeyPrefix = f.keyPrefix
	}
	if set("key-minimum") {
		s.KeyMinimum = f.keyMin
	}
	if set("key-maximum") {
		s.KeyMaximum = f.keyMax
	}
	if set("key-stddev") {
		s.KeyStddev = f.keyStddev
	}
	if set("key-zipf-exp") {
		s.KeyZipfExp = f.zipfExp
	}
	if fs.Changed("key-median") {
		m := f.keyMedian
		s.KeyMedian = &m
	}
	sizeFlags := 0
	for _, name := range []string{"data-size", "data-size-range", "data-size-list"} {
		if fs.Changed(name) {
			sizeFlags++
		}
	}
	if sizeFlags > 1 {
		return usagef("give one of --data-size, --data-size-range and --data-size-list")
	}
	if sizeFlags > 0 || p.preset == nil {
		// A size flag replaces the preset's size, whichever form it has.
		s.DataSize, s.DataSizeRange, s.DataSizeList = f.dataSize, workloads.Range{}, nil
	}
	if f.dataSizeRange != "" {
		if s.DataSizeRange, err = workloads.ParseRange(f.dataSizeRange); err != nil {
			return usagef("--data-size-range: %w", err)
		}
	}
	if f.dataSizeList != "" {
		if s.DataSizeList, err = workloads.ParseSizeList(f.dataSizeList); err != nil {
			return usagef("--data-size-list: %w", err)
		}
	}
	if set("random-data") {
		s.RandomData = f.randomData
	}
	if fs.Changed("expiry-range") || (p.preset == nil && f.expiryRange != "") {
		if s.ExpiryRange, err = workloads.ParseExpiryRange(f.expiryRange); err != nil {
			return usagef("--expiry-range: %w", err)
		}
	}
	p.seedGiven = fs.Changed("seed")
	s.Seed = f.seed
	if !p.seedGiven {
		s.Seed = uint64(time.Now().UnixNano())
	}
	return nil
}

// runningTool is toolInfo with the CPUs this run may use.
func runningTool() results.Tool {
	t := toolInfo()
	t.CPUs = runtime.GOMAXPROCS(0)
	return t
}

// isLoopback reports whether host names this machine.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// autoBufferSize sizes each connection's read and write buffers to hold a
// pipeline of the largest operations (so a batch goes out in one write),
// between 4 KiB and 32 KiB, go-redis's default: thousands of connections
// with small values then cost a few KiB each rather than 64 KiB.
func autoBufferSize(pipeline, maxValue int) int {
	need := pipeline * (maxValue + 128) // the value plus key, command and framing
	size := 4 << 10
	for size < need && size < bench.DefaultBufferSize {
		size *= 2
	}
	return size
}

// planSplit reads --segment and --start-at.
func (f *runFlags) planSplit(p *runPlan, now time.Time) error {
	if f.segment != "" {
		seg, err := results.ParseSegment(f.segment)
		if err != nil {
			return usagef("--segment: %w", err)
		}
		p.cfg.Segment = seg
	}
	if f.startAt == "" {
		return nil
	}
	at, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(f.startAt))
	if err != nil {
		return usagef("--start-at %q: not an RFC 3339 time such as 2026-11-23T12:00:00Z", f.startAt)
	}
	switch {
	case !at.After(now):
		return usagef("--start-at %s has passed: give a time far enough ahead for every machine to connect (and preload)", f.startAt)
	case at.Sub(now) > maxStartAtWait:
		return usagef("--start-at %s is more than %s away", f.startAt, maxStartAtWait)
	}
	p.cfg.StartAt = at.UTC()
	return nil
}

// maxStartAtWait bounds how far ahead --start-at may be, to catch a wrong
// date or time zone before a machine sits idle for days.
const maxStartAtWait = 24 * time.Hour

// redisURI is a parsed redis:// or rediss:// URI.
type redisURI struct {
	host           string
	port, db       int
	tls            bool
	user, password string
}

// parseRedisURI parses a redis URI. Its errors never repeat the URI, which
// may hold a password.
func parseRedisURI(s string) (redisURI, error) {
	u, err := url.Parse(s)
	if err != nil {
		return redisURI{}, errors.New("not a valid URI (redis://[user:password@]host[:port][/db])")
	}
	var r redisURI
	switch u.Scheme {
	case "redis":
	case "rediss":
		r.tls = true
	default:
		return r, fmt.Errorf("scheme %q: use redis:// or rediss://", u.Scheme)
	}
	r.host = u.Hostname()
	if r.host == "" {
		return r, errors.New("no host")
	}
	if ps := u.Port(); ps != "" {
		if r.port, err = strconv.Atoi(ps); err != nil {
			return r, fmt.Errorf("port %q is not a number", ps)
		}
	}
	if path := strings.Trim(u.Path, "/"); path != "" {
		if r.db, err = strconv.Atoi(path); err != nil {
			return r, fmt.Errorf("database %q is not a number", path)
		}
	}
	if u.User != nil {
		r.user = u.User.Username()
		r.password, _ = u.User.Password()
		if _, hasPassword := u.User.Password(); !hasPassword {
			// redis://password@host is common shorthand for a password alone.
			r.user, r.password = "", u.User.Username()
		}
	}
	return r, nil
}

// execute runs a validated plan: start the embedded server if needed, open
// the target, run, and write every result file.
func execute(ctx context.Context, env *environment, f *runFlags, p *runPlan) error {
	embeddedText, filesPerConn := "", 1
	if p.embedded {
		srv, err := localserver.Start(ctx)
		if err != nil {
			return fmt.Errorf("start the embedded default server: %w", err)
		}
		defer srv.Close()
		p.cfg.Target.Host, p.cfg.Target.Port = srv.Host, srv.Port
		embeddedText = srv.Description()
		if srv.Kind == localserver.KindInProcess {
			filesPerConn = 2 // the server's end of each connection is in this process too
			// Its goroutines wait in Go's network poller: connections
			// that polled would starve them.
			if p.cfg.ReplyWait == transport.ReplyWaitPoll {
				fmt.Fprintf(env.stderr, "amrbench: --reply-wait %s: connections park, as the in-process server's goroutines would starve if they polled\n", p.cfg.ReplyWait)
			}
			p.cfg.ReplyWait = transport.ReplyWaitPark
		}
		fmt.Fprintf(env.stderr, "amrbench: no --server given: benchmarking %s at %s; its numbers describe this machine, not a cache\n", embeddedText, srv.Addr())
	}
	for _, n := range p.notes {
		fmt.Fprintf(env.stderr, "amrbench: %s\n", n)
	}
	wl, err := workloads.New(p.spec, p.cfg.Connections)
	if err != nil {
		return usageError{err}
	}
	target, err := bench.Open(ctx, p.cfg)
	if err != nil {
		return err
	}
	defer target.Close()
	if err := checkOpenFiles(filesPerConn * target.ConnectionPlan().Total()); err != nil {
		return err
	}

	info := target.Info()
	info.Embedded = embeddedText
	header, err := newHeader(f, p, info)
	if err != nil {
		return err
	}
	if clock, err := target.ReadClock(ctx); err == nil {
		header.Clock = clock
	}
	dir, err := runDirectory(f.out, header)
	if err != nil {
		return err
	}
	out, err := createRunFiles(dir, header)
	if err != nil {
		return err
	}
	defer out.close()

	fmt.Fprintf(env.stderr, "amrbench: %s; %s, %s; results in %s\n",
		describeTargetLine(info), describeShare(p.cfg), describeBound(p.cfg), dir)
	describeConnections(env, target, p.cfg.ConnectionLimit)
	if !p.cfg.StartAt.IsZero() {
		fmt.Fprintf(env.stderr, "amrbench: the measured window begins at %s (--start-at, in %s)\n",
			p.cfg.StartAt.Format(time.RFC3339Nano), time.Until(p.cfg.StartAt).Round(100*time.Millisecond))
	}
	obs := newLiveObserver(env, header, out.writer, f.quiet, p.cfg.Duration, segmentRequests(p.cfg))
	outcome, runErr := bench.Run(ctx, target, wl, obs)
	obs.finish()
	if outcome.Preloaded > 0 {
		fmt.Fprintf(env.stderr, "amrbench: preloaded %d keys\n", outcome.Preloaded)
	}
	if runErr != nil && outcome.Start.IsZero() {
		return runErr // nothing was measured
	}
	sum, err := out.finish(env, f, header)
	if err != nil {
		return errors.Join(runErr, err)
	}
	if runErr != nil {
		return runErr
	}
	if outcome.Interrupted {
		fmt.Fprintf(env.stderr, "amrbench: interrupted after %.1f s measured; every finished interval is in %s\n", sum.DurationS, dir)
	}
	return checkErrorBudget(sum, p.maxErrorRate)
}

func describeTargetLine(t results.Target) string {
	s := "target " + t.Endpoint
	var parts []string
	if t.Server != "" {
		parts = append(parts, t.Server)
	}
	if t.TLS {
		parts = append(parts, "TLS")
	}
	parts = append(parts, t.ClusterPolicy+": "+t.PolicyReason)
	return s + " (" + strings.Join(parts, ", ") + ")"
}

// describeConnections tells the user, before the run, how many connections
// the target will take (what counts against an Azure cache's limit), and
// any warning. (A cluster's shards and slots follow as the run's first
// topology event.)
func describeConnections(env *environment, target *bench.Target, limit int) {
	plan := target.ConnectionPlan()
	fmt.Fprintf(env.stderr, "amrbench: %s\n", plan)
	warnings := target.Warnings()
	if w := plan.Warning(limit); w != "" {
		warnings = append(warnings, w)
	}
	for _, w := range warnings {
		fmt.Fprintf(env.stderr, "amrbench: warning: %s\n", w)
	}
}

// segmentRequests returns the requests this segment's connections send: each
// connection of the whole test sends Requests/Connections, and the first
// Requests%Connections one more.
func segmentRequests(c bench.Config) int64 {
	if c.Requests <= 0 {
		return 0
	}
	first, n := c.SegmentConnections()
	conns := int64(c.Connections)
	return int64(n)*(c.Requests/conns) + max(0, min(int64(first+n), c.Requests%conns)-int64(first))
}

// describeShare says how many connections the run drives: all of them, or
// its segment's share.
func describeShare(c bench.Config) string {
	if c.Segment.IsWhole() {
		return report.Plural(int64(c.Connections), "connection")
	}
	first, n := c.SegmentConnections()
	return fmt.Sprintf("segment %s: connections %d to %d of %d", c.Segment, first+1, first+n, c.Connections)
}

func describeBound(c bench.Config) string {
	mode := "closed loop"
	if c.OpenLoop() {
		mode = "open loop: " + describeSchedule(c)
	}
	bound := fmt.Sprintf(", %s measured", c.Duration)
	switch {
	case c.Requests > 0:
		bound = ", " + report.Plural(c.Requests, "request")
	case c.Steps():
		bound = ""
	}
	if c.Warmup > 0 {
		bound += fmt.Sprintf(" after %s of warmup", c.Warmup)
	}
	return mode + ", pipeline " + strconv.Itoa(c.Pipeline) + bound
}

// describeSchedule says what load an open-loop run offers.
func describeSchedule(c bench.Config) string {
	switch {
	case c.FindMax:
		from := c.Rate
		if from == 0 {
			from = bench.DefaultSearchStart
		}
		climb := fmt.Sprintf("doubling from %s ops/s", openloop.FormatRate(from))
		if c.Ramp != nil {
			climb = fmt.Sprintf("climbing %s to %s ops/s by %s", openloop.FormatRate(c.Ramp.From), openloop.FormatRate(c.Ramp.To), openloop.FormatRate(c.Ramp.Step))
		}
		return fmt.Sprintf("search for the highest rate meeting %s, %s then bisecting, steps of %s", strings.Join(objectiveTexts(c.Objectives), " and "), climb, c.StepDuration)
	case c.Ramp != nil:
		return fmt.Sprintf("staircase %s to %s ops/s by %s, %s per step", openloop.FormatRate(c.Ramp.From), openloop.FormatRate(c.Ramp.To), openloop.FormatRate(c.Ramp.Step), c.Ramp.StepDuration)
	case c.Rate > 0:
		return fmt.Sprintf("%s ops/s", openloop.FormatRate(c.Rate))
	}
	return ""
}

func objectiveTexts(objectives []results.Objective) []string {
	var texts []string
	for _, o := range objectives {
		texts = append(texts, o.Text)
	}
	return texts
}

// checkErrorBudget fails the run when the share of failed operations is
// above the budget, or when nothing succeeded at all.
func checkErrorBudget(s *results.Summary, budget float64) error {
	all := s.Commands[results.AllCommands]
	if all == nil || all.Count == 0 {
		return errors.New("no operation completed in the measured window")
	}
	failed := all.ErrorCount()
	if failed == all.Count {
		return fmt.Errorf("every one of the %d operations failed", all.Count)
	}
	share := float64(failed) / float64(all.Count)
	if budget >= 0 && share > budget {
		return fmt.Errorf("%.3g%% of operations failed, above --max-error-rate %.3g%%", 100*share, 100*budget)
	}
	return nil
}

// newHeader builds the result header. The configuration it embeds has every
// secret removed: bench.Config never encodes passwords or key material.
func newHeader(f *runFlags, p *runPlan, target results.Target) (*results.Header, error) {
	cfgJSON, err := json.Marshal(p.cfg)
	if err != nil {
		return nil, fmt.Errorf("encode configuration: %w", err)
	}
	specJSON, err := json.Marshal(p.spec)
	if err != nil {
		return nil, fmt.Errorf("encode workload: %w", err)
	}
	host, _ := os.Hostname()
	start := time.Now().UTC()
	label := f.label
	if label == "" {
		label = "embedded"
		if !p.embedded {
			label = p.cfg.Target.Host
		}
	}
	percentiles := f.percentiles
	if len(percentiles) == 0 {
		percentiles = results.DefaultPercentiles
	}
	mode, lateMS := results.ModeClosed, 0.0
	if p.cfg.OpenLoop() {
		mode, lateMS = results.ModeOpen, float64(p.cfg.LateThreshold)/float64(time.Millisecond)
	}
	if p.sku != nil {
		target.SKU, target.Tier = p.sku.Name, p.sku.Tier
		target.VCPUs = int(p.sku.VCPUs.Value)
		target.MemoryGB = p.sku.MemoryGB.Value
		target.MaxConnections = int(p.sku.MaxConnections.Value)
	}
	preset := ""
	if p.preset != nil {
		preset = p.preset.Name
	}
	runID := start.Format("20060102T150405Z") + "-" + safeName(label)
	if !p.cfg.Segment.IsWhole() { // segments launched together on one host get directories of their own
		runID += fmt.Sprintf("-seg%dof%d", p.cfg.Segment.Index, p.cfg.Segment.Count)
	}
	_, conns := p.cfg.SegmentConnections()
	return &results.Header{
		Tool:            runningTool(),
		RunID:           runID,
		Label:           label,
		Start:           start,
		Host:            host,
		Segment:         p.cfg.Segment.String(),
		StartAt:         p.cfg.StartAt,
		Target:          target,
		Mode:            mode,
		TargetRate:      p.cfg.Rate * float64(conns) / float64(p.cfg.Connections),
		Schedule:        describeSchedule(p.cfg),
		LateThresholdMS: lateMS,
		SLO:             objectiveTexts(p.cfg.Objectives),
		IntervalS:       p.cfg.Interval.Seconds(),
		WarmupS:         p.cfg.Warmup.Seconds(),
		Connections:     conns,
		Pipeline:        p.cfg.Pipeline,
		Percentiles:     percentiles,
		Seed:            p.spec.Seed,
		Config:          cfgJSON,
		Workload:        specJSON,
		WorkloadText:    p.spec.Describe(),
		Preset:          preset,
		KeySpace:        p.keySpace,
	}, nil
}

var unsafeNameChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// safeName makes s usable in a file name.
func safeName(s string) string {
	s = strings.Trim(unsafeNameChars.ReplaceAllString(s, "-"), "-.")
	if s == "" {
		return "run"
	}
	return s
}

// runDirectory returns the run directory: --out, or
// amrbench-results/<run id>.
func runDirectory(out string, h *results.Header) (string, error) {
	if out == "" {
		out = filepath.Join("amrbench-results", h.RunID)
	}
	if err := checkFreeRunDirectory(out); err != nil {
		return "", err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return "", usagef("--out: %w", err)
	}
	return out, nil
}

// checkFreeRunDirectory refuses a directory that already holds a result, so
// that no run overwrites another.
func checkFreeRunDirectory(out string) error {
	if _, err := os.Stat(filepath.Join(out, results.FileName)); err == nil {
		return usagef("--out %s already holds a result; choose another directory", out)
	}
	return nil
}

// filesBesideConnections is what amrbench keeps open besides its connections:
// result files, the embedded server's pipes, the runtime's own descriptors.
const filesBesideConnections = 64

// checkOpenFiles refuses a run whose connections would not fit in the files
// this process may open (files of them: one per connection, two when the
// server is in this process too), before any of them opens: past the limit
// every dial fails, and the run would measure the failures. It is this
// machine's limit, not a wrong flag: exit status 1.
func checkOpenFiles(files int) error {
	limit, ok := openFileLimit()
	if !ok || uint64(files)+filesBesideConnections <= limit {
		return nil
	}
	return fmt.Errorf("--connections: the run needs %d open files for its connections, but this process may open only %d; raise the limit (ulimit -n) or lower --connections", files, limit)
}
