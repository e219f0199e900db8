package k8sjob

import (
	"io"
	"strconv"
	"strings"
	"time"
)

// Spec is a checked k8s-job: everything the manifest says. The command line
// validates it (with this package's Is and Parse functions) before Write.
type Spec struct {
	// Name is the Job's name; Namespace holds the Job and its
	// ServiceAccount, ServiceAccount the pods run as.
	Name, Namespace, ServiceAccount string
	// ClientID and TenantID annotate the ServiceAccount for AKS workload
	// identity (empty: none).
	ClientID, TenantID string
	// Segments is the number of pods, one index each.
	Segments int
	// Image is the amrbench image; CPUs and Memory each pod's requests and
	// limits.
	Image  string
	CPUs   int
	Memory string
	// NodeSelector holds KEY=VALUE node labels; Tolerations the taints the
	// pods tolerate.
	NodeSelector []string
	Tolerations  []Toleration
	// StartAt is the one start time of every pod.
	StartAt time.Time
	// Deadline is the Job's activeDeadlineSeconds (rounded up), TTL its
	// ttlSecondsAfterFinished, Grace the pods' termination grace period.
	Deadline, TTL, Grace time.Duration
	// RunArgs are the container's arguments ("run" and its flags).
	RunArgs []string
	// ResultsURL is the container the pods write to, unless
	// ResultsURLSecret gives it from a Secret.
	ResultsURL       string
	ResultsURLSecret *SecretRef
	// Password, when set, gives the pods the cache's access key from a
	// Secret.
	Password *SecretRef
	// FailureExitCodes fail a segment's index at once (podFailurePolicy).
	FailureExitCodes []int
}

// Write writes the ServiceAccount and the Job as two YAML documents.
func Write(w io.Writer, s *Spec) error {
	return writeYAML(w, s.serviceAccount(), s.job())
}

// labels are the Job's labels.
func (s *Spec) labels() yamlMap {
	return yamlMap{
		{"app.kubernetes.io/name", "amrbench"},
		{runLabel, s.Name},
	}
}

// serviceAccount returns the ServiceAccount the pods run as, annotated for
// AKS workload identity.
func (s *Spec) serviceAccount() yamlMap {
	meta := yamlMap{
		{"name", s.ServiceAccount},
		{"namespace", s.Namespace},
		{"labels", yamlMap{{"app.kubernetes.io/name", "amrbench"}}},
	}
	var ann yamlMap
	if s.ClientID != "" {
		ann = append(ann, yamlField{"azure.workload.identity/client-id", s.ClientID})
	}
	if s.TenantID != "" {
		ann = append(ann, yamlField{"azure.workload.identity/tenant-id", s.TenantID})
	}
	if len(ann) > 0 {
		meta = append(meta, yamlField{"annotations", ann})
	}
	return yamlMap{
		{"apiVersion", "v1"},
		{"kind", "ServiceAccount"},
		{"metadata", meta},
		{"automountServiceAccountToken", false},
	}
}

// job returns the Job.
func (s *Spec) job() yamlMap {
	n := s.Segments
	codes := make([]any, len(s.FailureExitCodes))
	for i, c := range s.FailureExitCodes {
		codes[i] = c
	}
	podLabels := append(s.labels(), yamlField{"azure.workload.identity/use", "true"})
	return yamlMap{
		{"apiVersion", "batch/v1"},
		{"kind", "Job"},
		{"metadata", yamlMap{
			{"name", s.Name},
			{"namespace", s.Namespace},
			{"labels", s.labels()},
			{"annotations", yamlMap{{"amrbench.io/start-at", s.StartAt.Format(time.RFC3339)}}},
		}},
		{"spec", yamlMap{
			{"completionMode", "Indexed"},
			{"completions", n},
			{"parallelism", n},
			// A retried segment would start after --start-at: never retry.
			{"backoffLimitPerIndex", 0},
			// Never two pods of one index at once.
			{"podReplacementPolicy", "Failed"},
			{"podFailurePolicy", yamlMap{{"rules", []any{
				// Evicted or preempted: replaced, not counted; the
				// replacement, too late for the start, fails the index.
				yamlMap{
					{"action", "Ignore"},
					{"onPodConditions", []any{yamlMap{{"type", "DisruptionTarget"}, {"status", "True"}}}},
				},
				yamlMap{
					{"action", "FailIndex"},
					{"onExitCodes", yamlMap{
						{"containerName", containerName},
						{"operator", "In"},
						{"values", codes},
					}},
				},
			}}}},
			{"activeDeadlineSeconds", int64((s.Deadline + time.Second - 1) / time.Second)},
			{"ttlSecondsAfterFinished", int64(s.TTL / time.Second)},
			{"template", yamlMap{
				{"metadata", yamlMap{{"labels", podLabels}}},
				{"spec", s.podSpec()},
			}},
		}},
	}
}

// podSpec returns the pods' spec.
func (s *Spec) podSpec() yamlMap {
	spec := yamlMap{
		{"restartPolicy", "Never"},
		{"serviceAccountName", s.ServiceAccount},
		{"terminationGracePeriodSeconds", int64(s.Grace / time.Second)},
		{"securityContext", yamlMap{
			{"runAsNonRoot", true},
			{"runAsUser", 65532},
			{"runAsGroup", 65532},
			{"fsGroup", 65532},
			{"seccompProfile", yamlMap{{"type", "RuntimeDefault"}}},
		}},
		// One segment per node: load generators share nothing.
		{"affinity", yamlMap{{"podAntiAffinity", yamlMap{
			{"requiredDuringSchedulingIgnoredDuringExecution", []any{yamlMap{
				{"labelSelector", yamlMap{{"matchLabels", yamlMap{{runLabel, s.Name}}}}},
				{"topologyKey", "kubernetes.io/hostname"},
			}}},
		}}}},
	}
	if len(s.NodeSelector) > 0 {
		var sel yamlMap
		for _, kv := range s.NodeSelector {
			k, v, _ := strings.Cut(kv, "=")
			sel = append(sel, yamlField{k, v})
		}
		spec = append(spec, yamlField{"nodeSelector", sel})
	}
	if len(s.Tolerations) > 0 {
		var list []any
		for _, t := range s.Tolerations {
			m := yamlMap{{"key", t.key}, {"operator", t.operator}}
			if t.value != "" {
				m = append(m, yamlField{"value", t.value})
			}
			if t.effect != "" {
				m = append(m, yamlField{"effect", t.effect})
			}
			list = append(list, m)
		}
		spec = append(spec, yamlField{"tolerations", list})
	}
	args := make([]any, len(s.RunArgs))
	for i, a := range s.RunArgs {
		args[i] = a
	}
	cpu := strconv.Itoa(s.CPUs)
	resources := yamlMap{{"cpu", cpu}, {"memory", s.Memory}}
	container := yamlMap{
		{"name", containerName},
		{"image", s.Image},
		{"args", args},
		{"env", s.env()},
		{"resources", yamlMap{{"requests", resources}, {"limits", resources}}},
		{"securityContext", yamlMap{
			{"allowPrivilegeEscalation", false},
			{"readOnlyRootFilesystem", true},
			{"runAsNonRoot", true},
			{"capabilities", yamlMap{{"drop", []any{"ALL"}}}},
		}},
		{"volumeMounts", []any{yamlMap{{"name", "work"}, {"mountPath", workDir}}}},
	}
	return append(spec,
		yamlField{"containers", []any{container}},
		yamlField{"volumes", []any{yamlMap{{"name", "work"}, {"emptyDir", yamlMap{}}}}},
	)
}

// env returns the container's environment: its index, where it runs, the
// results URL, and secrets by reference only.
func (s *Spec) env() []any {
	field := func(name, path string) yamlMap {
		return yamlMap{{"name", name}, {"valueFrom", yamlMap{{"fieldRef", yamlMap{{"fieldPath", path}}}}}}
	}
	secret := func(name string, ref *SecretRef) yamlMap {
		return yamlMap{{"name", name}, {"valueFrom", yamlMap{{"secretKeyRef", yamlMap{{"name", ref.Name}, {"key", ref.Key}}}}}}
	}
	env := []any{
		field(EnvJobIndex, indexField),
		field(EnvNodeName, "spec.nodeName"),
		field(EnvPodName, "metadata.name"),
		yamlMap{{"name", "HOME"}, {"value", workDir}},
		yamlMap{{"name", "TMPDIR"}, {"value", workDir}},
	}
	if s.ResultsURLSecret != nil {
		env = append(env, secret(EnvResultsURL, s.ResultsURLSecret))
	} else {
		env = append(env, yamlMap{{"name", EnvResultsURL}, {"value", s.ResultsURL}})
	}
	if s.Password != nil {
		env = append(env, secret(EnvPassword, s.Password))
	}
	return env
}
