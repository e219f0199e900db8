// Package k8sjobflags is k8s-job's flags and their checks: the pods' sizes,
// names, placement and Secrets, the one start time and the Job's deadline,
// the run flags a Job refuses (files of this machine, secrets on the command
// line, what k8s-job sets itself), and the pods' run arguments. The run
// flags are checked with run's own parser, which the command line gives it
// (Run), so a bad flag fails once and not in every pod. The result is the
// internal/k8sjob Spec the manifest is written from.
package k8sjobflags
