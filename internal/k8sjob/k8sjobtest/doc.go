// Package k8sjobtest decodes the manifest package k8sjob writes, for the
// tests of k8sjob and of the k8s-job command, into the Kubernetes types of
// k8s.io/api. It is kept apart from k8sjob so that the command's binary
// depends on no Kubernetes module.
package k8sjobtest
