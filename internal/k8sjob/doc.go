// Package k8sjob writes the Kubernetes manifest of amrbench k8s-job: a
// ServiceAccount and an Indexed Job (batch/v1) whose pods each run one
// segment of a test, from a Spec the command line has checked. It owns the
// manifest's names (the downward-API variables a pod reads, its work
// directory), the syntax of Kubernetes names, labels, quantities, taints and
// Secret keys, and a YAML writer that keeps every string a string. It
// imports no Kubernetes package: the manifest is a template, and its tests
// decode it strictly with k8s.io/api.
package k8sjob
