package k8sjob

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Names a pod's environment and file system carry; run reads them.
const (
	// EnvNodeName and EnvPodName name the node and pod a segment ran in
	// (downward API); run records them in the result header.
	EnvNodeName = "AMRBENCH_NODE_NAME"
	EnvPodName  = "AMRBENCH_POD_NAME"
	// EnvJobIndex is the index an Indexed Job gives each pod.
	EnvJobIndex = "JOB_COMPLETION_INDEX"
	// EnvResultsURL is the container and prefix a pod writes its results to.
	EnvResultsURL = "AMRBENCH_RESULTS_URL"
	// EnvPassword is the cache's access key, from a Secret.
	EnvPassword = "AMRBENCH_PASSWORD"
	// OutDir is the pods' --out directory, in their one writable directory.
	OutDir = workDir + "/results"
)

// Names the manifest uses.
const (
	containerName = "amrbench"
	// workDir is the one writable directory of the pod (an emptyDir); the
	// root file system is read-only.
	workDir    = "/work"
	runLabel   = "amrbench.io/run"
	indexField = "metadata.annotations['batch.kubernetes.io/job-completion-index']"
)

var (
	// dnsLabel is a Kubernetes name (RFC 1123 label).
	dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	// secretKey is a key of a Secret's data.
	secretKey = regexp.MustCompile(`^[-._a-zA-Z0-9]+$`)
	// labelKey and labelValue are a Kubernetes label's key and value.
	labelKey   = regexp.MustCompile(`^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$`)
	labelValue = regexp.MustCompile(`^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$`)
	// quantity is a memory size as Kubernetes writes it.
	quantity = regexp.MustCompile(`^[1-9][0-9]*(Ki|Mi|Gi|Ti|k|M|G|T)?$`)
	// imageDigest is an image reference by digest.
	imageDigest = regexp.MustCompile(`^[^@\s]+@sha256:[0-9a-f]{64}$`)
	// guid is an Entra client or tenant ID.
	guid = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
)

// IsName reports whether s is a Kubernetes name (an RFC 1123 label) of at
// most max characters.
func IsName(s string, max int) bool { return dnsLabel.MatchString(s) && len(s) <= max }

// IsQuantity reports whether s is a memory size as Kubernetes writes it
// (512Mi, 2Gi, 4G).
func IsQuantity(s string) bool { return quantity.MatchString(s) }

// IsImageDigest reports whether s names an image by digest
// (repository@sha256:...).
func IsImageDigest(s string) bool { return imageDigest.MatchString(s) }

// IsGUID reports whether s is an Entra client or tenant ID.
func IsGUID(s string) bool { return guid.MatchString(s) }

// IsNodeSelector reports whether s is KEY=VALUE, a node label.
func IsNodeSelector(s string) bool {
	k, v, ok := strings.Cut(s, "=")
	return ok && labelKey.MatchString(k) && labelValue.MatchString(v)
}

// SecretRef is a key of a Secret in the Job's namespace.
type SecretRef struct{ Name, Key string }

// ParseSecretRef reads NAME/KEY; ok is false when s is not one.
func ParseSecretRef(s string) (ref *SecretRef, ok bool) {
	name, key, ok := strings.Cut(s, "/")
	if !ok || !dnsLabel.MatchString(name) || len(name) > 253 || !secretKey.MatchString(key) {
		return nil, false
	}
	return &SecretRef{name, key}, true
}

// Toleration is a parsed KEY[=VALUE][:EFFECT] of a taint the pods tolerate.
type Toleration struct{ key, operator, value, effect string }

// ParseToleration reads KEY[=VALUE][:EFFECT]: with a value the taint must
// match it (Equal), without one any value matches (Exists); without an
// effect, every effect is tolerated.
func ParseToleration(s string) (Toleration, error) {
	var t Toleration
	rest, effect, hasEffect := strings.Cut(s, ":")
	if hasEffect {
		if !slices.Contains([]string{"NoSchedule", "PreferNoSchedule", "NoExecute"}, effect) {
			return t, fmt.Errorf("effect %q: NoSchedule, PreferNoSchedule or NoExecute", effect)
		}
		t.effect = effect
	}
	key, value, hasValue := strings.Cut(rest, "=")
	if !labelKey.MatchString(key) {
		return t, fmt.Errorf("key %q is not a taint key", key)
	}
	t.key, t.operator = key, "Exists"
	if hasValue {
		if !labelValue.MatchString(value) {
			return t, fmt.Errorf("value %q is not a taint value", value)
		}
		t.operator, t.value = "Equal", value
	}
	return t, nil
}
