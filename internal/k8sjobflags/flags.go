package k8sjobflags

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/amrbench/amrbench/bench"
	"github.com/amrbench/amrbench/bench/entra"
	"github.com/amrbench/amrbench/internal/cmdline"
	"github.com/amrbench/amrbench/internal/k8sjob"
	"github.com/amrbench/amrbench/internal/units"
	"github.com/amrbench/amrbench/results/blobstore"
)

// Flags holds every flag of k8s-job.
type Flags struct {
	segments                     int
	startIn                      time.Duration
	startAt                      string
	image                        string
	cpus                         int
	memory                       string
	nodeSelector, tolerations    []string
	namespace, serviceAccount    string
	name                         string
	clientID, tenantID           string
	resultsURL, resultsURLSecret string
	passwordSecret               string
	ttl, margin, activeDeadline  time.Duration
	grace                        time.Duration
}

// Register registers k8s-job's flags in fs.
func (f *Flags) Register(fs *pflag.FlagSet) {
	fs.IntVar(&f.segments, "segments", 0, "pods, one segment of the test each, on as many nodes")
	f.startIn = 5 * time.Minute
	fs.Var(cmdline.Duration(&f.startIn), "start-in", "start the measured window this long from now: time for every pod to be scheduled, pull the image and connect")
	fs.StringVar(&f.startAt, "start-at", "", "start the measured window at this time (RFC 3339) instead of --start-in")
	fs.StringVar(&f.image, "image", "", "amrbench image, by digest (repository@sha256:..., as scripts/image/build.sh prints)")
	fs.IntVar(&f.cpus, "cpus", 2, "whole CPUs of each pod: requests = limits, so each pod has Guaranteed QoS")
	fs.StringVar(&f.memory, "memory", "2Gi", "memory of each pod: requests = limits")
	fs.StringArrayVar(&f.nodeSelector, "node-selector", nil, "KEY=VALUE a node must carry (repeatable), e.g. agentpool=loadgen")
	fs.StringArrayVar(&f.tolerations, "toleration", nil, "KEY[=VALUE]:EFFECT of a taint the pods tolerate (repeatable), e.g. dedicated=loadgen:NoSchedule")
	fs.StringVar(&f.namespace, "namespace", "default", "namespace of the Job and its ServiceAccount")
	fs.StringVar(&f.serviceAccount, "service-account", "amrbench", "ServiceAccount the pods run as (printed too, for workload identity)")
	fs.StringVar(&f.name, "name", "", "name of the Job (default amrbench-<start time>)")
	fs.StringVar(&f.clientID, "client-id", "", "client ID of the managed identity or app the ServiceAccount is federated with (AKS workload identity)")
	fs.StringVar(&f.tenantID, "tenant-id", "", "its tenant, when not the cluster's")
	fs.StringVar(&f.resultsURL, "results-url", "", "container and prefix the pods write to: https://ACCOUNT.blob.core.windows.net/CONTAINER/PREFIX (workload identity)")
	fs.StringVar(&f.resultsURLSecret, "results-url-secret", "", "SECRET/KEY of a Secret holding the results URL, for a SAS URL, which is a secret")
	fs.StringVar(&f.passwordSecret, "password-secret", "", "SECRET/KEY of a Secret holding the cache's access key, given to the pods as AMRBENCH_PASSWORD")
	f.ttl = 24 * time.Hour
	fs.Var(cmdline.Duration(&f.ttl), "ttl", "delete the finished Job and its pods this long after it ends (the results are in the container)")
	f.margin = 5 * time.Minute
	fs.Var(cmdline.Duration(&f.margin), "deadline-margin", "time beyond the start delay, warmup and duration before Kubernetes stops the Job")
	fs.Var(cmdline.Duration(&f.activeDeadline), "active-deadline", "the Job's whole deadline, instead of one computed from the run (needed for --requests and --find-max)")
	f.grace = 30 * time.Second
	fs.Var(cmdline.Duration(&f.grace), "grace", "time a stopped pod has to flush its results before it is killed")
}

// Run is run's side of a Job: the pods' run flags are checked with run's
// own parser, as a pod will see them.
type Run struct {
	// Flags is a flag set with run's flags registered, not yet parsed.
	Flags *pflag.FlagSet
	// URIHasPassword reports whether a --uri holds a password.
	URIHasPassword func(uri string) bool
	// Plan plans the parsed run as the pod of segment (i/n), started at
	// startAt (RFC 3339), will in its environment getenv, and returns its
	// configuration and whether it would benchmark a local server.
	Plan func(segment, startAt string, getenv func(string) string) (cfg bench.Config, embedded bool, err error)
}

// Job checks the flags and the run flags (runArgs, checked by run) at now,
// and returns the Job's specification; every error is a mistake in the
// command line. The caller adds the exit statuses that fail an index.
func (f *Flags) Job(now time.Time, run Run, runArgs []string) (*k8sjob.Spec, error) {
	j, err := f.plan(run, runArgs, now)
	if err != nil {
		return nil, err
	}
	return j.spec(), nil
}

// jobPlan is a validated k8s-job: everything the manifest says.
type jobPlan struct {
	f        *Flags
	name     string
	startAt  time.Time
	runArgs  []string // after "run", with the segment, start and output
	deadline time.Duration
	// secrets
	password, resultsURL *k8sjob.SecretRef
}

// maxJobNameLength leaves room in the pods' names (JOB-INDEX-xxxxx) within
// Kubernetes' 63 characters.
const maxJobNameLength = 48

// maxJobSegments bounds --segments: one node each.
const maxJobSegments = 1000

// plan validates the flags and the run flags and returns the Job to print.
func (f *Flags) plan(run Run, runFlagArgs []string, now time.Time) (*jobPlan, error) {
	j := &jobPlan{f: f}
	switch {
	case f.segments < 1 || f.segments > maxJobSegments:
		return nil, usagef("--segments %d: from 1 to %d pods", f.segments, maxJobSegments)
	case f.image == "":
		return nil, usagef("--image: name the amrbench image, by digest (scripts/image/build.sh prints it)")
	case strings.ContainsAny(f.image, " \t\n\"'"):
		return nil, usagef("--image %q: not an image reference", f.image)
	case f.cpus < 1 || f.cpus > 512:
		return nil, usagef("--cpus %d: whole CPUs, from 1 to 512", f.cpus)
	case !k8sjob.IsQuantity(f.memory):
		return nil, usagef("--memory %q: a size such as 512Mi, 2Gi or 4G", f.memory)
	case !k8sjob.IsName(f.namespace, 63):
		return nil, usagef("--namespace %q: lower-case letters, digits and hyphens, at most 63", f.namespace)
	case !k8sjob.IsName(f.serviceAccount, 63):
		return nil, usagef("--service-account %q: lower-case letters, digits and hyphens, at most 63", f.serviceAccount)
	case f.clientID != "" && !k8sjob.IsGUID(f.clientID):
		return nil, usagef("--client-id %q: a GUID such as 00000000-0000-0000-0000-000000000000", f.clientID)
	case f.tenantID != "" && !k8sjob.IsGUID(f.tenantID):
		return nil, usagef("--tenant-id %q: a GUID", f.tenantID)
	case f.ttl < time.Second:
		return nil, usagef("--ttl %s: at least 1s", f.ttl)
	case f.grace < time.Second:
		return nil, usagef("--grace %s: at least 1s", f.grace)
	case f.margin < 0:
		return nil, usagef("--deadline-margin %s: not negative", f.margin)
	}
	if err := f.planStart(j, now); err != nil {
		return nil, err
	}
	j.name = f.name
	if j.name == "" {
		j.name = "amrbench-" + j.startAt.Format("20060102-150405")
	}
	if !k8sjob.IsName(j.name, maxJobNameLength) {
		return nil, usagef("--name %q: lower-case letters, digits and hyphens, at most %d", j.name, maxJobNameLength)
	}
	for _, s := range f.nodeSelector {
		if !k8sjob.IsNodeSelector(s) {
			return nil, usagef("--node-selector %q: KEY=VALUE, a node label such as agentpool=loadgen", s)
		}
	}
	for _, s := range f.tolerations {
		if _, err := k8sjob.ParseToleration(s); err != nil {
			return nil, usagef("--toleration %q: %w", s, err)
		}
	}
	var err error
	if j.password, err = parseSecretRef("password-secret", f.passwordSecret); err != nil {
		return nil, err
	}
	if j.resultsURL, err = parseSecretRef("results-url-secret", f.resultsURLSecret); err != nil {
		return nil, err
	}
	switch {
	case f.resultsURL != "" && j.resultsURL != nil:
		return nil, usagef("give --results-url or --results-url-secret, not both")
	case f.resultsURL == "" && j.resultsURL == nil:
		return nil, usagef("--results-url or --results-url-secret: the pods' own files go with them, so their results must go to a container")
	case f.resultsURL != "":
		loc, err := blobstore.ParseLocation(f.resultsURL)
		if err != nil {
			return nil, usagef("--results-url: %w", err)
		}
		if loc.SAS {
			return nil, usagef("--results-url: a SAS URL is a secret, and the manifest must hold none: put it in a Secret and give --results-url-secret NAME/KEY")
		}
	}
	if err := j.planRun(run, runFlagArgs, now); err != nil {
		return nil, err
	}
	return j, nil
}

// planStart sets the one start time every pod is given.
func (f *Flags) planStart(j *jobPlan, now time.Time) error {
	if f.startAt != "" {
		if f.startIn != 5*time.Minute {
			return usagef("give --start-in or --start-at, not both")
		}
		at, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(f.startAt))
		if err != nil {
			return usagef("--start-at %q: not an RFC 3339 time such as 2026-11-23T12:00:00Z", f.startAt)
		}
		j.startAt = at.UTC()
	} else {
		if f.startIn < minJobStartIn {
			return usagef("--start-in %s: at least %s, for the pods to be scheduled, pull the image and connect", f.startIn, minJobStartIn)
		}
		// Whole seconds: the time is read by people in kubectl and logs.
		j.startAt = now.Add(f.startIn).UTC().Truncate(time.Second).Add(time.Second)
	}
	switch wait := j.startAt.Sub(now); {
	case wait < minJobStartIn:
		return usagef("--start-at %s is less than %s away: give the pods time to be scheduled, pull the image and connect", j.startAt.Format(time.RFC3339), minJobStartIn)
	case wait > maxStartWait:
		return usagef("--start-at %s is more than %s away", j.startAt.Format(time.RFC3339), maxStartWait)
	}
	return nil
}

// minJobStartIn is the shortest time from printing a Job to its start.
const minJobStartIn = 10 * time.Second

// parseSecretRef reads NAME/KEY; empty gives nil.
func parseSecretRef(flag, s string) (*k8sjob.SecretRef, error) {
	if s == "" {
		return nil, nil
	}
	ref, ok := k8sjob.ParseSecretRef(s)
	if !ok {
		return nil, usagef("--%s %q: SECRET/KEY, a Secret in the Job's namespace and a key of its data", flag, s)
	}
	return ref, nil
}

// jobRefusedRunFlags are run flags a Job cannot pass to its pods, and why.
var jobRefusedRunFlags = []struct{ flag, why string }{
	{"segment", "k8s-job gives each pod its segment"},
	{"start-at", "k8s-job gives every pod one start time (--start-in or --start-at of k8s-job)"},
	{"out", "the pods write to their own directory, and the results to the container"},
	{"results-url", "give --results-url (or --results-url-secret) to k8s-job: it gives every pod the container"},
	{"cpus", "give --cpus to k8s-job: the pods' CPU limit sets what amrbench uses"},
	{"verdict-exit", "k8s-job sets it to false: a segment that measured completes, and merge gives the test's verdict and exit status"},
	{"authenticate", "a password on the command line would be in the manifest: put it in a Secret and give --password-secret"},
	{"password-file", "a file on this machine, which the pods cannot read: put the password in a Secret and give --password-secret"},
	{"cacert", "a file on this machine, which the pods cannot read"},
	{"cert", "a file on this machine, which the pods cannot read"},
	{"key", "a file on this machine, which the pods cannot read"},
	{"entra-certificate", "a file on this machine, which the pods cannot read: use --entra-credential workload-identity"},
	{"json-out-file", "the pods' files go with them: the results are in the container"},
	{"hdr-file-prefix", "the pods' files go with them: the results are in the container"},
	{"cpu-profile", "the pods' files go with them"},
}

// jobEntraCredentials are the Entra credentials a pod can use without a
// secret.
var jobEntraCredentials = []string{entra.CredentialWorkloadIdentity, entra.CredentialDefault, entra.CredentialManagedIdentity}

// planRun checks the run flags with run's own parser, as a pod will see
// them, and builds the pods' run arguments.
func (j *jobPlan) planRun(run Run, args []string, now time.Time) error {
	f := j.f
	if len(args) == 0 {
		return usagef("give the run flags after --, e.g. -- -s mycache.westeurope.redis.azure.net --duration 5m")
	}
	fs := run.Flags
	if err := fs.Parse(args); err != nil {
		return usagef("run flags: %w", err)
	}
	if fs.NArg() > 0 {
		return usagef("run flags: unexpected argument %q (flags start with -)", fs.Arg(0))
	}
	for _, r := range jobRefusedRunFlags {
		if fs.Changed(r.flag) {
			return usagef("run flag --%s: %s", r.flag, r.why)
		}
	}
	if workload := fs.Lookup("workload").Value.String(); workload != "" {
		if st, err := os.Stat(workload); err == nil && !st.IsDir() {
			return usagef("run flag --workload %s: a file on this machine, which the pods cannot read; use a preset or flags", workload)
		}
	}
	if uri := fs.Lookup("uri").Value.String(); uri != "" && run.URIHasPassword(uri) {
		return usagef("run flag --uri: a password in the URI would be in the manifest: put it in a Secret and give --password-secret")
	}
	if fs.Lookup("auth").Value.String() == bench.AuthPassword && j.password == nil {
		return usagef("--password-secret: the run needs a password, from a Secret")
	}
	extra := []string{}
	if !fs.Changed("seed") {
		// Every segment must draw from one seed for the test to be one.
		seed := strconv.FormatUint(rand.Uint64N(1<<53), 10)
		extra = append(extra, "--seed", seed)
		if err := fs.Set("seed", seed); err != nil {
			return err
		}
	}
	// A pod's environment: what the manifest gives it, and what AKS
	// workload identity's webhook adds.
	podEnv := map[string]string{}
	if j.password != nil {
		podEnv[k8sjob.EnvPassword] = "from-secret"
	}
	if f.resultsURL != "" {
		podEnv[k8sjob.EnvResultsURL] = f.resultsURL // checked by run's parser too
	}
	if f.clientID != "" {
		podEnv["AZURE_CLIENT_ID"] = f.clientID
		podEnv["AZURE_TENANT_ID"] = "00000000-0000-0000-0000-000000000000"
		podEnv["AZURE_FEDERATED_TOKEN_FILE"] = "/var/run/secrets/azure/tokens/azure-identity-token"
		podEnv["AZURE_AUTHORITY_HOST"] = "https://login.microsoftonline.com/"
	}
	var cfg bench.Config
	var embedded bool
	for i := range f.segments {
		segment := strconv.Itoa(i) + "/" + strconv.Itoa(f.segments)
		var err error
		cfg, embedded, err = run.Plan(segment, j.startAt.Format(time.RFC3339), func(k string) string { return podEnv[k] })
		if err != nil {
			return usagef("run flags, segment %s: %v", segment, units.OneLine(err))
		}
	}
	tc := cfg.Target
	switch {
	case embedded:
		return usagef("run flags: name the cache with -s or -u: without one each pod would benchmark a server of its own")
	case tc.Auth == bench.AuthEntra && !slices.Contains(jobEntraCredentials, tc.Entra.Credential):
		return usagef("run flag --entra-credential %s: a pod has no secret for it; use workload-identity (AKS), managed-identity or default", tc.Entra.Credential)
	case tc.Auth == bench.AuthEntra && tc.Entra.Credential != entra.CredentialManagedIdentity && f.clientID == "":
		return usagef("--client-id: Entra ID from a pod (workload identity) needs the client ID its ServiceAccount is federated with")
	case f.resultsURL != "" && f.clientID == "":
		return usagef("--client-id: writing to --results-url from a pod (workload identity) needs the client ID its ServiceAccount is federated with; or give a SAS URL with --results-url-secret")
	}
	if j.password != nil && tc.Auth == bench.AuthEntra {
		return usagef("--password-secret with Entra ID: the run authenticates with tokens")
	}
	length, err := runLength(cfg)
	switch {
	case f.activeDeadline > 0:
		if need := j.startAt.Sub(now) + cfg.Warmup + length; length > 0 && f.activeDeadline < need {
			return usagef("--active-deadline %s: shorter than the wait for the start and the run (%s)", f.activeDeadline, need.Round(time.Second))
		}
		j.deadline = f.activeDeadline
	case err != nil:
		return usagef("--active-deadline: %v", err)
	default:
		j.deadline = j.startAt.Sub(now) + cfg.Warmup + length + f.margin
	}
	j.runArgs = append([]string{
		"run",
		"--segment", "$(" + k8sjob.EnvJobIndex + ")/" + strconv.Itoa(f.segments),
		"--start-at", j.startAt.Format(time.RFC3339),
		"--out", k8sjob.OutDir,
		// A segment's verdict is partial: a segment that measured
		// completes its index, and merge judges the test.
		"--verdict-exit=false",
	}, extra...)
	j.runArgs = append(j.runArgs, args...)
	return nil
}

// runLength returns how long a run's measured window lasts, or an error
// when only the run can tell.
func runLength(c bench.Config) (time.Duration, error) {
	switch {
	case c.FindMax:
		return 0, fmt.Errorf("a --find-max search lasts as long as it takes: give the Job's deadline")
	case c.Ramp != nil:
		return time.Duration(len(c.Ramp.Rates())) * c.Ramp.StepDuration, nil
	case c.Requests > 0:
		return 0, fmt.Errorf("a run bounded by --requests lasts as long as it takes: give the Job's deadline")
	}
	return c.Duration, nil
}

// spec returns the manifest's specification.
func (j *jobPlan) spec() *k8sjob.Spec {
	f := j.f
	tolerations := make([]k8sjob.Toleration, len(f.tolerations))
	for i, s := range f.tolerations {
		tolerations[i], _ = k8sjob.ParseToleration(s) // checked in plan
	}
	return &k8sjob.Spec{
		Name: j.name, Namespace: f.namespace, ServiceAccount: f.serviceAccount,
		ClientID: f.clientID, TenantID: f.tenantID,
		Segments: f.segments, Image: f.image, CPUs: f.cpus, Memory: f.memory,
		NodeSelector: f.nodeSelector, Tolerations: tolerations,
		StartAt: j.startAt, Deadline: j.deadline, TTL: f.ttl, Grace: f.grace,
		RunArgs:    j.runArgs,
		ResultsURL: f.resultsURL, ResultsURLSecret: j.resultsURL, Password: j.password,
	}
}

// usagef is a mistake in the command line, which the caller reports as one.
func usagef(format string, args ...any) error { return fmt.Errorf(format, args...) }

// maxStartWait bounds how far ahead the start may be, as run's --start-at
// is bounded, to catch a wrong date or time zone.
const maxStartWait = 24 * time.Hour
