package main

import (
	"bytes"
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/amrbench/amrbench/bench"
	"github.com/amrbench/amrbench/internal/k8sjob/k8sjobtest"
	"github.com/amrbench/amrbench/results/segment"
)

const (
	testImage    = "myregistry.azurecr.io/amrbench@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	testClientID = "11111111-2222-3333-4444-555555555555"
)

// k8sJob runs k8s-job at now with args and decodes its output strictly
// (an unknown or misspelt field is an error) into the Kubernetes types.
func k8sJob(t *testing.T, now time.Time, env map[string]string, args ...string) (*corev1.ServiceAccount, *batchv1.Job, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	e := &environment{stdout: &stdout, stderr: &stderr, getenv: func(k string) string { return env[k] }, now: func() time.Time { return now }}
	if code := run(context.Background(), e, append([]string{"k8s-job"}, args...)); code != exitOK {
		t.Fatalf("k8s-job exit %d: %s", code, stderr.String())
	}
	sa, job := k8sjobtest.Decode(t, stdout.String())
	return sa, job, stdout.String()
}

func TestK8sJobMeetsEveryInvariant(t *testing.T) {
	t.Parallel()
	now := time.Now()
	const n = 4
	sa, job, text := k8sJob(t, now, map[string]string{"AMRBENCH_PASSWORD": "s3cret-of-this-machine"},
		"--segments", strconv.Itoa(n), "--start-in", "3m", "--image", testImage,
		"--cpus", "4", "--memory", "3Gi", "--node-selector", "agentpool=loadgen", "--node-selector", "gpu=true",
		"--toleration", "dedicated=loadgen:NoSchedule", "--toleration", "spot:NoExecute",
		"--namespace", "bench", "--service-account", "loadgen", "--name", "b10-run",
		"--client-id", testClientID, "--password-secret", "cache-key/primary",
		"--results-url", "https://acct.blob.core.windows.net/runs/b10/2026-11-23",
		"--", "-s", "mycache.westeurope.redis.azure.net", "--connections", "400", "--duration", "5m", "--warmup", "30s", "--label", "b10")

	if strings.Contains(text, "s3cret") {
		t.Fatal("the manifest holds this machine's AMRBENCH_PASSWORD")
	}
	// The ServiceAccount, federated for workload identity.
	if sa.Name != "loadgen" || sa.Namespace != "bench" || sa.Annotations["azure.workload.identity/client-id"] != testClientID {
		t.Fatalf("ServiceAccount %s/%s, annotations %v", sa.Namespace, sa.Name, sa.Annotations)
	}
	if job.APIVersion != "batch/v1" || job.Kind != "Job" || job.Name != "b10-run" || job.Namespace != "bench" {
		t.Fatalf("Job %s %s %s/%s", job.APIVersion, job.Kind, job.Namespace, job.Name)
	}
	s := job.Spec
	if s.CompletionMode == nil || *s.CompletionMode != batchv1.IndexedCompletion {
		t.Fatalf("completionMode %v, want Indexed", s.CompletionMode)
	}
	if s.Completions == nil || s.Parallelism == nil || *s.Completions != n || *s.Parallelism != n {
		t.Fatalf("completions %v parallelism %v, want %d each", s.Completions, s.Parallelism, n)
	}
	if s.BackoffLimitPerIndex == nil || *s.BackoffLimitPerIndex != 0 || s.BackoffLimit != nil {
		t.Fatalf("backoffLimitPerIndex %v backoffLimit %v, want 0 and unset", s.BackoffLimitPerIndex, s.BackoffLimit)
	}
	if s.PodReplacementPolicy == nil || *s.PodReplacementPolicy != batchv1.Failed {
		t.Fatalf("podReplacementPolicy %v, want Failed", s.PodReplacementPolicy)
	}
	if s.TTLSecondsAfterFinished == nil || *s.TTLSecondsAfterFinished != 86400 {
		t.Fatalf("ttlSecondsAfterFinished %v", s.TTLSecondsAfterFinished)
	}

	// The failure policy: disruptions ignored, then amrbench's failures fail
	// the index.
	rules := s.PodFailurePolicy.Rules
	if len(rules) != 2 {
		t.Fatalf("%d pod failure rules, want 2", len(rules))
	}
	if r := rules[0]; r.Action != batchv1.PodFailurePolicyActionIgnore || len(r.OnPodConditions) != 1 ||
		r.OnPodConditions[0].Type != corev1.DisruptionTarget || r.OnPodConditions[0].Status != corev1.ConditionTrue {
		t.Fatalf("first rule %+v, want Ignore on DisruptionTarget", r)
	}
	r := rules[1]
	if r.Action != batchv1.PodFailurePolicyActionFailIndex || r.OnExitCodes == nil ||
		r.OnExitCodes.Operator != batchv1.PodFailurePolicyOnExitCodesOpIn || r.OnExitCodes.ContainerName == nil || *r.OnExitCodes.ContainerName != "amrbench" {
		t.Fatalf("second rule %+v, want FailIndex on amrbench's exit codes", r)
	}
	// A segment that could not measure its share fails its index at once;
	// a segment's verdict (98, 99) is not a failure of the pod: it runs
	// with --verdict-exit=false, and merge judges the test.
	want := []int32{exitFailed, exitUsage, exitTerminated}
	if got := r.OnExitCodes.Values; !slices.Equal(got, want) || slices.Contains(got, exitErrorBudget) || slices.Contains(got, exitSLOMissed) {
		t.Fatalf("FailIndex exit codes %v, want %v", got, want)
	}

	// The pod.
	pod := s.Template.Spec
	if pod.RestartPolicy != corev1.RestartPolicyNever || pod.ServiceAccountName != sa.Name {
		t.Fatalf("restartPolicy %q, serviceAccountName %q", pod.RestartPolicy, pod.ServiceAccountName)
	}
	podLabels := s.Template.Labels
	if podLabels["azure.workload.identity/use"] != "true" {
		t.Fatalf("pod labels %v lack azure.workload.identity/use: true", podLabels)
	}
	anti := pod.Affinity.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution
	if len(anti) != 1 || anti[0].TopologyKey != corev1.LabelHostname {
		t.Fatalf("anti-affinity %+v, want one required term on %s", anti, corev1.LabelHostname)
	}
	sel, err := metav1.LabelSelectorAsSelector(anti[0].LabelSelector)
	if err != nil || !sel.Matches(labels.Set(podLabels)) || sel.Matches(labels.Set{"app.kubernetes.io/name": "amrbench", "amrbench.io/run": "other-run"}) {
		t.Fatalf("anti-affinity selector %v must match this run's pods and no other run's (%v)", sel, err)
	}
	if !maps.Equal(pod.NodeSelector, map[string]string{"agentpool": "loadgen", "gpu": "true"}) {
		t.Fatalf("nodeSelector %v", pod.NodeSelector)
	}
	wantTol := []corev1.Toleration{
		{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "loadgen", Effect: corev1.TaintEffectNoSchedule},
		{Key: "spot", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute},
	}
	if !slices.Equal(pod.Tolerations, wantTol) {
		t.Fatalf("tolerations %+v, want %+v", pod.Tolerations, wantTol)
	}
	psc := pod.SecurityContext
	if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.RunAsUser == nil || *psc.RunAsUser != 65532 {
		t.Fatalf("pod securityContext %+v", psc)
	}
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers", len(pod.Containers))
	}
	c := pod.Containers[0]
	if c.Name != "amrbench" || c.Image != testImage || len(c.Command) != 0 {
		t.Fatalf("container %q image %q command %q (the image's entrypoint must run)", c.Name, c.Image, c.Command)
	}
	csc := c.SecurityContext
	if csc == nil || csc.ReadOnlyRootFilesystem == nil || !*csc.ReadOnlyRootFilesystem || csc.AllowPrivilegeEscalation == nil ||
		*csc.AllowPrivilegeEscalation || csc.Capabilities == nil || !slices.Equal(csc.Capabilities.Drop, []corev1.Capability{"ALL"}) {
		t.Fatalf("container securityContext %+v", csc)
	}
	for _, res := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		req, lim := c.Resources.Requests[res], c.Resources.Limits[res]
		if req.IsZero() || req.Cmp(lim) != 0 {
			t.Fatalf("%s: request %s, limit %s: want equal (Guaranteed QoS)", res, req.String(), lim.String())
		}
	}
	if cpu := c.Resources.Limits[corev1.ResourceCPU]; cpu.MilliValue() != 4000 {
		t.Fatalf("cpu %s, want 4 whole CPUs", cpu.String())
	}
	if mem := c.Resources.Limits[corev1.ResourceMemory]; mem.Cmp(resource.MustParse("3Gi")) != 0 {
		t.Fatalf("memory %s, want 3Gi", mem.String())
	}
	// The one writable directory is an emptyDir.
	if len(c.VolumeMounts) != 1 || c.VolumeMounts[0].MountPath != "/work" || len(pod.Volumes) != 1 || pod.Volumes[0].EmptyDir == nil {
		t.Fatalf("mounts %+v volumes %+v", c.VolumeMounts, pod.Volumes)
	}

	// The environment: its index, where it runs, the results, the password
	// by reference.
	env := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		env[e.Name] = e
	}
	fieldPath := func(name string) string {
		if e := env[name]; e.ValueFrom != nil && e.ValueFrom.FieldRef != nil {
			return e.ValueFrom.FieldRef.FieldPath
		}
		return ""
	}
	if fieldPath("JOB_COMPLETION_INDEX") != "metadata.annotations['batch.kubernetes.io/job-completion-index']" ||
		fieldPath("AMRBENCH_NODE_NAME") != "spec.nodeName" || fieldPath("AMRBENCH_POD_NAME") != "metadata.name" {
		t.Fatalf("downward-API env %+v", c.Env)
	}
	if e := env["AMRBENCH_PASSWORD"]; e.Value != "" || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil ||
		e.ValueFrom.SecretKeyRef.Name != "cache-key" || e.ValueFrom.SecretKeyRef.Key != "primary" {
		t.Fatalf("AMRBENCH_PASSWORD %+v, want a reference to cache-key/primary", e)
	}
	if e := env["AMRBENCH_RESULTS_URL"]; e.Value != "https://acct.blob.core.windows.net/runs/b10/2026-11-23" {
		t.Fatalf("AMRBENCH_RESULTS_URL %+v", e)
	}

	// The run arguments: one literal start time, a segment from the index,
	// and run's own parser accepts them for every index.
	if c.Args[0] != "run" {
		t.Fatalf("args %q do not start with run", c.Args)
	}
	startAt, err := time.Parse(time.RFC3339, argAfter(c.Args, "--start-at"))
	if err != nil {
		t.Fatalf("--start-at: %v", err)
	}
	if d := startAt.Sub(now); d < 3*time.Minute || d > 3*time.Minute+2*time.Second || startAt.Nanosecond() != 0 {
		t.Fatalf("start %s is %s after now, want --start-in 3m in whole seconds", startAt, d)
	}
	if job.Annotations["amrbench.io/start-at"] != startAt.Format(time.RFC3339) {
		t.Fatalf("start-at annotation %q", job.Annotations["amrbench.io/start-at"])
	}
	if got := argAfter(c.Args, "--segment"); got != "$(JOB_COMPLETION_INDEX)/4" {
		t.Fatalf("--segment %q", got)
	}
	seed := argAfter(c.Args, "--seed")
	if seed == "" {
		t.Fatal("no --seed: the segments would draw from different seeds")
	}
	podEnv := map[string]string{"AMRBENCH_PASSWORD": "from-the-secret"}
	for i := range n {
		args := make([]string, len(c.Args)-1)
		for k, a := range c.Args[1:] {
			args[k] = strings.ReplaceAll(a, "$(JOB_COMPLETION_INDEX)", strconv.Itoa(i))
		}
		p := planRunArgs(t, podEnv, args)
		if p.cfg.Segment != (segment.Segment{Index: i, Count: n}) || !p.cfg.StartAt.Equal(startAt) || strconv.FormatUint(p.spec.Seed, 10) != seed {
			t.Fatalf("pod %d runs segment %s from %s with seed %d", i, p.cfg.Segment, p.cfg.StartAt, p.spec.Seed)
		}
		if p.out.verdictExit {
			t.Fatalf("pod %d exits with its segment's verdict: a segment that measured but missed an objective would fail its index", i)
		}
		if p.cfg.Connections != 400 || p.cfg.Duration != 5*time.Minute || p.cfg.Target.Auth != bench.AuthPassword {
			t.Fatalf("pod %d: %d connections, %s, auth %s", i, p.cfg.Connections, p.cfg.Duration, p.cfg.Target.Auth)
		}
	}
	// The deadline: the wait for the start, the warmup, the run and the
	// margin.
	wantDeadline := startAt.Sub(now) + 30*time.Second + 5*time.Minute + 5*time.Minute
	if got := time.Duration(*s.ActiveDeadlineSeconds) * time.Second; got < wantDeadline || got > wantDeadline+time.Second {
		t.Fatalf("activeDeadlineSeconds %d, want %s", *s.ActiveDeadlineSeconds, wantDeadline)
	}
}

// argAfter returns the argument after flag in args.
func argAfter(args []string, flag string) string {
	i := slices.Index(args, flag)
	if i < 0 || i+1 >= len(args) {
		return ""
	}
	return args[i+1]
}

// planRunArgs plans a run from args as run would.
func planRunArgs(t *testing.T, env map[string]string, args []string) *runPlan {
	t.Helper()
	var f runFlags
	e := &environment{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}, getenv: func(k string) string { return env[k] }}
	fs := newFlagSet(e, "run", runSynopsis, runExamples)
	f.register(fs)
	if err := parseFlags(fs, args); err != nil {
		t.Fatalf("run %q: %v", args, err)
	}
	p, err := f.plan(fs, e)
	if err != nil {
		t.Fatalf("run %q: %v", args, err)
	}
	return p
}

func TestK8sJobSecretsStayOutOfTheManifest(t *testing.T) {
	t.Parallel()
	_, job, text := k8sJob(t, time.Now(), nil,
		"--segments", "2", "--image", testImage, "--results-url-secret", "results-sas/url", "--client-id", testClientID,
		"--", "-s", "mycache.westeurope.redis.azure.net", "--entra-credential", "workload-identity", "--duration", "1m")
	c := job.Spec.Template.Spec.Containers[0]
	for _, e := range c.Env {
		if e.Name == "AMRBENCH_RESULTS_URL" {
			if e.Value != "" || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil || e.ValueFrom.SecretKeyRef.Name != "results-sas" || e.ValueFrom.SecretKeyRef.Key != "url" {
				t.Fatalf("AMRBENCH_RESULTS_URL %+v, want a reference to results-sas/url", e)
			}
		}
		if e.Name == "AMRBENCH_PASSWORD" {
			t.Fatalf("an Entra ID run was given a password: %+v", e)
		}
	}
	if !strings.Contains(text, "AMRBENCH_RESULTS_URL") {
		t.Fatal("no AMRBENCH_RESULTS_URL in the manifest")
	}
	if job.Name == "" || !strings.HasPrefix(job.Name, "amrbench-") {
		t.Fatalf("default name %q", job.Name)
	}
}

func TestK8sJobRefusesBadInput(t *testing.T) {
	t.Parallel()
	base := []string{"--segments", "3", "--image", testImage, "--client-id", testClientID, "--results-url", "https://acct.blob.core.windows.net/runs/x"}
	with := func(flags []string, runFlags ...string) []string {
		args := append(slices.Clone(flags), "--", "-s", "mycache.westeurope.redis.azure.net")
		return append(args, runFlags...)
	}
	past := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"a bad run flag value", with(base, "--connections", "many"), `run flags: invalid argument "many" for "--connections"`},
		{"an unknown run flag", with(base, "--conections", "10"), "run flags: unknown flag: --conections"},
		{"a run flag run refuses", with(base, "--ratio", "1:x"), "run flags, segment 0/3: --ratio"},
		{"fewer connections than segments", with(base, "--connections", "2"), "run flags, segment"},
		{"no run flags", base, "give the run flags after --"},
		{"an argument before --", append(slices.Clone(base), "stray", "--", "-s", "x"), `unexpected argument "stray" before --`},
		{"no server", append(slices.Clone(base), "--", "--duration", "1m"), "name the cache with -s or -u"},
		{"a segment in the run flags", with(base, "--segment", "0/3"), "run flag --segment: k8s-job gives each pod its segment"},
		{"a start in the run flags", with(base, "--start-at", "2030-01-01T00:00:00Z"), "run flag --start-at"},
		{"a results URL in the run flags", with(base, "--results-url", "https://acct.blob.core.windows.net/runs/y"), "run flag --results-url: give --results-url (or --results-url-secret) to k8s-job"},
		{"a verdict exit in the run flags", with(base, "--verdict-exit"), "run flag --verdict-exit: k8s-job sets it to false"},
		{"a password on the command line", with(base, "-a", "s3cret"), "run flag --authenticate: a password on the command line would be in the manifest"},
		{"a password in the URI", append(slices.Clone(base), "--", "-u", "rediss://:s3cret@mycache.westeurope.redis.azure.net:10000"), "run flag --uri: a password in the URI"},
		{"a password file", with(base, "--password-file", "/etc/hostname"), "run flag --password-file: a file on this machine"},
		{"a CA file", with(base, "--tls", "--cacert", "/etc/hostname"), "run flag --cacert: a file on this machine"},
		{"a password without a secret", with(base, "--auth", "password"), "--password-secret: the run needs a password"},
		{"an Entra credential a pod cannot have", with(base, "--entra-credential", "azure-cli"), "run flag --entra-credential azure-cli: a pod has no secret for it"},
		{"--requests without a deadline", with(base, "--requests", "100000"), "--active-deadline: a run bounded by --requests"},
		{"no segments", with([]string{"--image", testImage, "--results-url", "https://acct.blob.core.windows.net/runs/x"}), "--segments 0: from 1 to 1000 pods"},
		{"no image", with([]string{"--segments", "3", "--results-url", "https://acct.blob.core.windows.net/runs/x"}), "--image: name the amrbench image"},
		{"no results", with([]string{"--segments", "3", "--image", testImage}), "--results-url or --results-url-secret"},
		{"a SAS URL in the manifest", with([]string{"--segments", "3", "--image", testImage, "--results-url", "https://acct.blob.core.windows.net/runs/x?sv=2025-01-05&sig=c2VjcmV0"}), "--results-url: a SAS URL is a secret"},
		{"a results URL over plain HTTP", with([]string{"--segments", "3", "--image", testImage, "--client-id", testClientID, "--results-url", "http://acct.blob.core.windows.net/runs/x"}), "--results-url: not https"},
		{"a results URL without a client ID", with([]string{"--segments", "3", "--image", testImage, "--results-url", "https://acct.blob.core.windows.net/runs/x"}), "--client-id: writing to --results-url from a pod"},
		{"both results flags", with(append(slices.Clone(base), "--results-url-secret", "s/k")), "give --results-url or --results-url-secret, not both"},
		{"a bad secret reference", with(append(slices.Clone(base), "--password-secret", "cache-key")), `--password-secret "cache-key": SECRET/KEY`},
		{"a start too soon", with(append(slices.Clone(base), "--start-in", "2s")), "--start-in 2s: at least 10s"},
		{"a start that has passed", with(append(slices.Clone(base), "--start-at", past)), "is less than 10s away"},
		{"both start flags", with(append(slices.Clone(base), "--start-at", "2030-01-01T00:00:00Z", "--start-in", "10m")), "give --start-in or --start-at, not both"},
		{"fractional CPUs", with(append(slices.Clone(base), "--cpus", "0")), "--cpus 0: whole CPUs"},
		{"a bad memory size", with(append(slices.Clone(base), "--memory", "2 GB")), `--memory "2 GB"`},
		{"a bad node selector", with(append(slices.Clone(base), "--node-selector", "agentpool")), `--node-selector "agentpool": KEY=VALUE`},
		{"a bad toleration effect", with(append(slices.Clone(base), "--toleration", "dedicated=x:NoRun")), `--toleration "dedicated=x:NoRun": effect "NoRun"`},
		{"a bad name", with(append(slices.Clone(base), "--name", "B10_Run")), `--name "B10_Run"`},
		{"a bad client ID", with([]string{"--segments", "3", "--image", testImage, "--client-id", "me", "--results-url", "https://acct.blob.core.windows.net/runs/x"}), `--client-id "me": a GUID`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := cli(t, nil, append([]string{"k8s-job"}, tt.args...)...)
			if res.code != exitUsage {
				t.Fatalf("exit %d, want %d; stderr: %s; stdout: %.200s", res.code, exitUsage, res.stderr, res.stdout)
			}
			if !strings.Contains(res.stderr, tt.want) {
				t.Fatalf("stderr %q lacks %q", res.stderr, tt.want)
			}
			if strings.Count(strings.TrimSpace(res.stderr), "\n") != 0 || strings.Contains(res.stderr, "s3cret") || strings.Contains(res.stderr, "c2VjcmV0") {
				t.Fatalf("want one line and no secret: %q", res.stderr)
			}
			if res.stdout != "" {
				t.Fatalf("a refused Job was printed: %.200s", res.stdout)
			}
		})
	}
}

func TestK8sJobWarnsOfATag(t *testing.T) {
	t.Parallel()
	res := cli(t, nil, "k8s-job", "--segments", "1", "--image", "myregistry.azurecr.io/amrbench:latest", "--results-url-secret", "r/url",
		"--", "-s", "10.0.0.4", "-p", "6379", "--duration", "10s")
	if res.code != exitOK || !strings.Contains(res.stderr, "is not a digest") {
		t.Fatalf("exit %d, stderr %q: want a warning about the tag", res.code, res.stderr)
	}
}
