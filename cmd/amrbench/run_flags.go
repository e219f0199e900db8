package main

import (
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/amrbench/amrbench/bench"
	"github.com/amrbench/amrbench/bench/cluster"
	"github.com/amrbench/amrbench/bench/entra"
	"github.com/amrbench/amrbench/bench/transport"
	"github.com/amrbench/amrbench/internal/cmdline"
	"github.com/amrbench/amrbench/internal/memtierflags"
	"github.com/amrbench/amrbench/internal/units"
	"github.com/amrbench/amrbench/workloads"
)

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
	connectRate                 string
	pipeline                    int
	duration                    time.Duration
	testTime                    int
	requests                    int64
	requestsAllKeys             bool
	runCount                    int
	showConfig                  bool
	commands                    []workloads.Command
	memtier                     memtierFlags
	warmup, interval            time.Duration
	timeout, connectTimeout     time.Duration
	bufferSize                  int
	replyWait, transport        string
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
	verdictExit                 bool
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
	evidence                    evidenceFlags
	resultsURL                  string
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
	cmdline.EndGroup(fs, "Target and authentication")
	// Entra ID.
	fs.StringVar(&f.entraCredential, "entra-credential", entra.CredentialDefault, "Entra ID credential: "+strings.Join(entra.CredentialKinds, ", "))
	fs.StringVar(&f.entraClientID, "entra-client-id", "", "client ID of a user-assigned managed identity (or its resource ID), or of the service principal (default $AZURE_CLIENT_ID for workload-identity, client-secret and client-certificate)")
	fs.StringVar(&f.entraTenant, "entra-tenant-id", "", "Entra tenant (default $AZURE_TENANT_ID for workload-identity, client-secret and client-certificate)")
	fs.StringVar(&f.entraCertificate, "entra-certificate", "", "client-certificate: PEM or PKCS#12 file with the certificate and its key (default $AZURE_CLIENT_CERTIFICATE_PATH; password in $AZURE_CLIENT_CERTIFICATE_PASSWORD)")
	fs.StringVar(&f.entraScope, "entra-scope", bench.DefaultEntraScope, "scope the tokens are requested for")
	fs.StringVar(&f.entraUser, "entra-user", "", "user name sent with the tokens (default: each token's oid claim, the principal's object ID)")
	fs.BoolVar(&f.reauth, "reauth", true, "send each new token on every open connection before the old one expires; --reauth=false shows what a client that does not suffers")
	f.reauthBefore = bench.DefaultReauthBefore
	fs.Var(cmdline.Duration(&f.reauthBefore), "reauth-before", "renew each token at 70% of its lifetime, and no later than this before it expires")
	cmdline.EndGroup(fs, "Entra ID")
	fs.IntVar(&f.db, "select-db", 0, "database number")
	fs.StringVar(&f.clusterPolicy, "cluster-policy", string(cluster.PolicyAuto), "auto (ask the endpoint), oss (a cluster client connecting to every shard), enterprise or non-clustered (one endpoint)")
	fs.BoolVar(&f.clusterMode, "cluster-mode", false, "memtier: the same as --cluster-policy oss")
	cmdline.EndGroup(fs, "Database and clustering")
	// Load.
	fs.IntVar(&f.connections, "connections", def.Connections, "connections, each driven by its own worker")
	fs.IntVarP(&f.clients, "clients", "c", 50, "memtier: clients per thread (connections = clients x threads)")
	fs.IntVarP(&f.threads, "threads", "t", 4, "memtier: threads (connections = clients x threads)")
	fs.IntVar(&f.connectConcurrency, "connect-concurrency", def.ConnectConcurrency, "connections opened at once; each is authenticated before the next opens")
	fs.StringVar(&f.connectRate, "connect-rate", "", "at most this many connections start opening per second, e.g. 200 (default: no bound beyond --connect-concurrency)")
	f.pipeline = def.Pipeline
	fs.VarP(memtierflags.NewPipeline(&f.pipeline, &f.memtier.protocol), "pipeline", "P", "commands each connection sends before reading their replies (-P as in redis-benchmark; memtier's -P redis, its protocol, is understood too)")
	fs.Var(cmdline.Duration(&f.duration), "duration", "measured time, e.g. 30s, 5m, or seconds (default 30s)")
	fs.IntVar(&f.testTime, "test-time", 0, "memtier: measured time in seconds")
	fs.VarP(memtierflags.NewRequests(&f.requests, &f.requestsAllKeys), "requests", "n", "measured requests per connection, as memtier counts them, instead of --duration (allkeys: as many as the key range holds; with the P pattern, each key once over all connections)")
	fs.IntVarP(&f.runCount, "run-count", "x", 1, "memtier: run the whole test this many times, each into a run-N directory, then print the best, the worst and the runs together")
	fs.Var(cmdline.Duration(&f.warmup), "warmup", "load sent before the measured window and left out of the statistics")
	f.interval = def.Interval
	fs.Var(cmdline.Duration(&f.interval), "interval", "length of each interval record and live line")
	f.timeout, f.connectTimeout = def.Timeout, def.ConnectTimeout
	fs.Var(cmdline.Duration(&f.timeout), "timeout", "command timeout")
	fs.Var(cmdline.Duration(&f.connectTimeout), "connect-timeout", "timeout to connect, including TLS and AUTH")
	fs.Var(cmdline.Bytes(&f.bufferSize), "buffer-size", "read and write buffer of each connection: 16KiB (16,384 B) or 16KB (16,000 B) (default: room for a pipeline of the largest values, 1KiB to 32KiB)")
	fs.StringVar(&f.transport, "transport", string(transport.TransportAuto), "how connections reach their sockets: auto (raw system calls on Linux, Go's net.Conn elsewhere), raw (raw system calls; connections may poll for replies, see --reply-wait), or std (Go's net.Conn as it is: reads park in Go's network poller)")
	fs.StringVar(&f.replyWait, "reply-wait", string(transport.ReplyWaitAuto), "how connections wait for replies: auto (a closed loop polls while replies come within a round of the others, as an event loop does, and parks in Go's network poller otherwise), park, or poll (a closed loop only)")
	fs.IntVar(&f.cpus, "cpus", 0, "CPUs amrbench may use at once, from 1 to this machine's count (GOMAXPROCS; default: all, or all but one when the server is on this machine)")
	cmdline.EndGroup(fs, "Load")
	// Open loop.
	fs.StringVar(&f.rate, "rate", "", "offered load in ops/s over all connections, e.g. 50k or 1.5M (at most 1G): an open loop whose latency is measured from each operation's due time")
	fs.IntVar(&f.rateLimiting, "rate-limiting", 0, "memtier: ops/s per connection (the total is this times the connections)")
	fs.StringVar(&f.rateRamp, "rate-ramp", "", "staircase of rates FROM:TO:STEP[:STEP_DURATION], e.g. 10k:100k:10k:30s; each step is a phase")
	fs.StringArrayVar(&f.slo, "slo", nil, "latency objective the run (each step of --rate-ramp and --find-max) is judged by, e.g. 'p99<2ms' or 'service:p99.9<10ms' (repeatable); missed: exit 99")
	fs.BoolVar(&f.findMax, "find-max", false, "search for the highest rate that meets every --slo: climb from --rate (or the --rate-ramp), then bisect")
	f.stepDuration, f.lateThreshold = def.StepDuration, def.LateThreshold
	fs.Var(cmdline.Duration(&f.stepDuration), "step-duration", "length of each step of --find-max, and of --rate-ramp when it gives none")
	fs.StringVar(&f.maxRate, "max-rate", units.FormatRate(def.MaxRate), "highest rate --find-max tries")
	fs.IntVar(&f.findMaxSteps, "find-max-steps", def.MaxSteps, "most steps --find-max runs")
	fs.Var(cmdline.Duration(&f.lateThreshold), "late-threshold", "an operation sent later than this after its due time is a late start")
	cmdline.EndGroup(fs, "Open loop: rates, staircases, objectives")
	// Workload.
	fs.StringVar(&f.ratio, "ratio", spec.Ratio.String(), "SET:GET ratio")
	fs.StringVar(&f.keyPrefix, "key-prefix", spec.KeyPrefix, "prefix of every key")
	fs.Uint64Var(&f.keyMin, "key-minimum", spec.KeyMinimum, "lowest key number")
	fs.Uint64Var(&f.keyMax, "key-maximum", spec.KeyMaximum, "highest key number")
	fs.StringVar(&f.keyPattern, "key-pattern", spec.KeyPattern.String(), "SET:GET key patterns: R uniform, S sequential, G gaussian, Z zipf, P parallel")
	fs.Var(memtierflags.NewCommand(&f.commands), "command", "memtier: send this command instead of the SET/GET mix, its __key__ and __data__ filled per operation, e.g. 'HSET __key__ f __data__' (repeatable; recorded under its first word, commands with the same first word together)")
	fs.Var(memtierflags.NewCommandRatio(&f.commands), "command-ratio", "memtier: how many times in a row the --command before it is sent (default 1)")
	fs.Var(memtierflags.NewCommandKeyPattern(&f.commands), "command-key-pattern", "memtier: key pattern of the --command before it: R, S, G, Z or P (default R)")
	fs.Float64Var(&f.keyStddev, "key-stddev", 0, "G pattern: standard deviation (default: a sixth of the key range)")
	fs.Float64Var(&f.keyMedian, "key-median", 0, "G pattern: centre (default: the middle of the key range)")
	fs.Float64Var(&f.zipfExp, "key-zipf-exp", spec.KeyZipfExp, "Z pattern: exponent, above 0 and below 5")
	f.dataSize = spec.DataSize
	fs.VarP(cmdline.Bytes(&f.dataSize), "data-size", "d", "value size in bytes: 1024, 1KiB (1,024 B) or 1KB (1,000 B)")
	fs.StringVar(&f.dataSizeRange, "data-size-range", "", "value sizes drawn uniformly from MIN-MAX bytes")
	fs.StringVar(&f.dataSizeList, "data-size-list", "", "value sizes drawn by weight: SIZE:WEIGHT,SIZE:WEIGHT,...")
	fs.BoolVarP(&f.randomData, "random-data", "R", false, "random value bytes instead of a repeated character")
	fs.StringVar(&f.expiryRange, "expiry-range", "", "SET expiry in seconds, drawn uniformly from MIN-MAX (none: no expiry, to turn off a preset's)")
	fs.Uint64Var(&f.seed, "seed", 0, "seed of every connection's operation sequence (default: random, recorded in the results)")
	fs.BoolVar(&f.preload, "preload", false, "write every key of the key range first, outside the statistics")
	fs.StringVar(&f.workload, "workload", "", "workload preset ("+strings.Join(workloads.PresetNames(), ", ")+") or preset file; flags override it")
	fs.StringVar(&f.sku, "sku", "", "Azure SKU of the target (e.g. B10, X3, A250; see amrbench tiers): recorded in the results, connections checked against its limit")
	fs.StringVar(&f.preloadFill, "preload-fill", "", "size the key range to this share of the --sku's memory, as Microsoft's prefill rule does, and preload it, e.g. 75%")
	cmdline.EndGroup(fs, "Workload")
	// Several machines.
	fs.StringVar(&f.segment, "segment", "", "run share i of a test split between n machines (0/3, 1/3, 2/3): its share of the connections, requests and rate, and of the keys to preload; merge the results with 'amrbench merge'")
	fs.StringVar(&f.resultsURL, "results-url", "", "also append every finished interval to a container, where the results outlive this machine: https://ACCOUNT.blob.core.windows.net/CONTAINER/PREFIX (a SAS URL, or Entra ID; default $AMRBENCH_RESULTS_URL); merge them with 'amrbench merge URL'")
	fs.StringVar(&f.startAt, "start-at", "", "begin the measured window at this time (RFC 3339, e.g. 2026-11-23T12:00:00Z), so that runs launched on several machines measure the same window")
	cmdline.EndGroup(fs, "Several machines")
	// Output.
	fs.StringVar(&f.out, "out", "", "run directory (default amrbench-results/<UTC time>-<label>)")
	fs.StringVar(&f.label, "label", "", "name of the run (default: the target's host)")
	fs.Var(cmdline.Percentiles(&f.percentiles), "print-percentiles", "percentile columns of the summary (default 50,90,99,99.9,99.99)")
	fs.StringVar(&f.jsonOut, "json-out-file", "", "memtier: also write the results to this file in memtier_benchmark's JSON layout")
	fs.StringVar(&f.hdrPrefix, "hdr-file-prefix", "", "memtier: also write PREFIX_<COMMAND>.hgrm and PREFIX.hlog")
	fs.BoolVarP(&f.quiet, "quiet", "q", false, "no live line per interval")
	fs.StringVar(&f.maxErrorRate, "max-error-rate", "1%", "exit 98 when more than this share of operations fail (or of the time the connections are down); 100% turns it off")
	fs.BoolVar(&f.verdictExit, "verdict-exit", true, "exit with the verdict's status (98, 99, 1 when an open loop could not offer its rate); false: a run that measured exits 0 and only records its verdict, as a segment of a split test does (k8s-job), whose verdict is merge's")
	fs.StringVar(&f.cpuProfile, "cpu-profile", "", "write a Go CPU profile of amrbench itself to this file")
	fs.BoolVar(&f.showConfig, "show-config", false, "memtier: print the resolved configuration (secrets left out) before running")
	cmdline.EndGroup(fs, "Output")
	f.memtier.register(fs)
	cmdline.EndGroup(fs, "Accepted from memtier_benchmark, with nothing to change here")
	// The server's side.
	f.evidence.register(fs)
	cmdline.EndGroup(fs, "The server's side")
}
