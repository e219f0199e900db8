package k8sjobtest

import (
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// Decode splits manifest into its two documents, a ServiceAccount and a
// Job, and decodes each strictly (an unknown or misspelt field is an
// error), failing the test otherwise.
func Decode(t testing.TB, manifest string) (*corev1.ServiceAccount, *batchv1.Job) {
	t.Helper()
	docs := strings.Split(manifest, "\n---\n")
	if len(docs) != 2 {
		t.Fatalf("want 2 documents (ServiceAccount, Job), got %d:\n%s", len(docs), manifest)
	}
	var sa corev1.ServiceAccount
	if err := yaml.UnmarshalStrict([]byte(docs[0]), &sa); err != nil {
		t.Fatalf("ServiceAccount: %v\n%s", err, docs[0])
	}
	var job batchv1.Job
	if err := yaml.UnmarshalStrict([]byte(docs[1]), &job); err != nil {
		t.Fatalf("Job: %v\n%s", err, docs[1])
	}
	return &sa, &job
}
