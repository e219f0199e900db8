package k8sjob

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/amrbench/amrbench/internal/k8sjob/k8sjobtest"
)

// decode splits Write's output into its two documents and decodes them
// strictly (an unknown or misspelt field is an error).
func decode(t *testing.T, s *Spec) (*corev1.ServiceAccount, *batchv1.Job) {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, s); err != nil {
		t.Fatal(err)
	}
	return k8sjobtest.Decode(t, b.String())
}

func TestWriteIsTheSpec(t *testing.T) {
	t.Parallel()
	tol, err := ParseToleration("dedicated=loadgen:NoSchedule")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	s := &Spec{
		Name: "amrbench-x", Namespace: "bench", ServiceAccount: "runner",
		ClientID: "11111111-2222-3333-4444-555555555555",
		Segments: 3, Image: "reg/amrbench@sha256:00", CPUs: 4, Memory: "3Gi",
		NodeSelector: []string{"agentpool=loadgen"}, Tolerations: []Toleration{tol},
		StartAt: start, Deadline: 90*time.Second + time.Millisecond, TTL: time.Hour, Grace: 20 * time.Second,
		RunArgs:          []string{"run", "--out", OutDir},
		ResultsURLSecret: &SecretRef{"sas", "url"}, Password: &SecretRef{"key", "k"},
		FailureExitCodes: []int{1, 2, 143},
	}
	sa, job := decode(t, s)
	if sa.Name != "runner" || sa.Namespace != "bench" || sa.Annotations["azure.workload.identity/client-id"] != s.ClientID ||
		sa.AutomountServiceAccountToken == nil || *sa.AutomountServiceAccountToken {
		t.Fatalf("ServiceAccount %+v", sa)
	}
	js := job.Spec
	if job.Name != "amrbench-x" || *js.Completions != 3 || *js.Parallelism != 3 || *js.CompletionMode != batchv1.IndexedCompletion ||
		*js.BackoffLimitPerIndex != 0 || *js.ActiveDeadlineSeconds != 91 || *js.TTLSecondsAfterFinished != 3600 {
		t.Fatalf("Job spec %+v", js)
	}
	if job.Annotations["amrbench.io/start-at"] != "2026-11-23T12:00:00Z" || job.Labels[runLabel] != "amrbench-x" {
		t.Fatalf("Job metadata %+v", job.ObjectMeta)
	}
	rules := js.PodFailurePolicy.Rules
	if len(rules) != 2 || rules[1].Action != batchv1.PodFailurePolicyActionFailIndex || !slices.Equal(rules[1].OnExitCodes.Values, []int32{1, 2, 143}) {
		t.Fatalf("pod failure policy %+v", rules)
	}
	pod := js.Template.Spec
	if *pod.TerminationGracePeriodSeconds != 20 || pod.ServiceAccountName != "runner" || pod.NodeSelector["agentpool"] != "loadgen" ||
		len(pod.Tolerations) != 1 || pod.Tolerations[0].Key != "dedicated" || pod.Tolerations[0].Operator != corev1.TolerationOpEqual ||
		pod.Tolerations[0].Value != "loadgen" || pod.Tolerations[0].Effect != corev1.TaintEffectNoSchedule {
		t.Fatalf("pod spec %+v", pod)
	}
	c := pod.Containers[0]
	if c.Image != s.Image || !slices.Equal(c.Args, []string{"run", "--out", "/work/results"}) ||
		c.Resources.Limits.Cpu().Value() != 4 || c.Resources.Requests.Memory().String() != "3Gi" {
		t.Fatalf("container %+v", c)
	}
	refs := map[string]string{}
	for _, e := range c.Env {
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			refs[e.Name] = e.ValueFrom.SecretKeyRef.Name + "/" + e.ValueFrom.SecretKeyRef.Key
		} else if e.Name == EnvResultsURL || e.Name == EnvPassword {
			t.Fatalf("%s is not from a Secret: %+v", e.Name, e)
		}
	}
	if refs[EnvResultsURL] != "sas/url" || refs[EnvPassword] != "key/k" {
		t.Fatalf("secret references %v", refs)
	}
}

func TestParsers(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		s    string
		want Toleration
		err  string
	}{
		{"spot", Toleration{key: "spot", operator: "Exists"}, ""},
		{"spot:NoExecute", Toleration{key: "spot", operator: "Exists", effect: "NoExecute"}, ""},
		{"a=b:NoSchedule", Toleration{key: "a", operator: "Equal", value: "b", effect: "NoSchedule"}, ""},
		{"a:Never", Toleration{}, `effect "Never"`},
		{"-bad", Toleration{}, `key "-bad" is not a taint key`},
		{"a=b c", Toleration{}, `value "b c" is not a taint value`},
	} {
		got, err := ParseToleration(c.s)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("ParseToleration(%q) error %v, want %q", c.s, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ParseToleration(%q) = %+v, %v; want %+v", c.s, got, err, c.want)
		}
	}
	if ref, ok := ParseSecretRef("cache-key/key.1"); !ok || *ref != (SecretRef{"cache-key", "key.1"}) {
		t.Errorf("ParseSecretRef = %v, %v", ref, ok)
	}
	for _, bad := range []string{"nokey", "Upper/k", "a/", "a/b/c"} {
		if _, ok := ParseSecretRef(bad); ok {
			t.Errorf("ParseSecretRef(%q) accepted", bad)
		}
	}
	if !IsName("abc-1", 5) || IsName("abc-12", 5) || IsName("-a", 63) || !IsNodeSelector("kubernetes.io/os=linux") || IsNodeSelector("x") ||
		!IsQuantity("512Mi") || IsQuantity("0Gi") || !IsGUID("00000000-0000-0000-0000-000000000000") || IsGUID("0000") {
		t.Error("a name, node selector, quantity or GUID judged wrongly")
	}
}
