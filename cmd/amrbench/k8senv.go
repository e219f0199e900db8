package main

import (
	"strconv"
	"strings"

	"github.com/amrbench/amrbench/internal/k8sjob"
	"github.com/amrbench/amrbench/results/segment"
)

// podPlacement returns the Kubernetes node and pod the process runs in,
// from the downward-API variables amrbench k8s-job sets; empty elsewhere.
func podPlacement(env *environment) (node, pod string) {
	return strings.TrimSpace(env.getenv(k8sjob.EnvNodeName)), strings.TrimSpace(env.getenv(k8sjob.EnvPodName))
}

// checkJobIndex refuses a --segment that disagrees with the index an
// Indexed Job gave the pod (JOB_COMPLETION_INDEX): the pod would measure
// another pod's share of the test, and one share would be counted twice.
func checkJobIndex(env *environment, seg segment.Segment) error {
	v := strings.TrimSpace(env.getenv(k8sjob.EnvJobIndex))
	if v == "" {
		return nil
	}
	i, err := strconv.Atoi(v)
	if err != nil || i < 0 {
		return usagef("%s %q is not an index", k8sjob.EnvJobIndex, v)
	}
	if i != seg.Index {
		return usagef("--segment %s disagrees with %s %d: a pod of an Indexed Job runs --segment $(%s)/%d", seg, k8sjob.EnvJobIndex, i, k8sjob.EnvJobIndex, seg.Count)
	}
	return nil
}
