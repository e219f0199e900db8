package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/amrbench/amrbench/internal/k8sjob"
	"github.com/amrbench/amrbench/results"
)

// podPlacement returns the Kubernetes node and pod the process runs in,
// from the downward-API variables amrbench k8s-job sets; empty elsewhere.
func podPlacement(env *environment) (node, pod string) {
	return strings.TrimSpace(env.getenv(k8sjob.EnvNodeName)), strings.TrimSpace(env.getenv(k8sjob.EnvPodName))
}

// checkJobIndex refuses a --segment that disagrees with the index an
// Indexed Job gave the pod (JOB_COMPLETION_INDEX): the pod would measure
// another pod's share of the test, and one share would be counted twice.
func checkJobIndex(env *environment, seg results.Segment) error {
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

// signalledEarly reports whether a signal (stopped) came before the
// planned end (zero for a run bounded by requests or steps: any signal is
// before its end).
func signalledEarly(stop stopSignal, stopped bool, plannedEnd time.Time) bool {
	return stopped && (plannedEnd.IsZero() || stop.at.Before(plannedEnd))
}

// stopEvent returns the warning that records a run stopped before its end
// (the summary's verdict is then stopped-early): by a signal before its
// planned end (early), naming the signal and when it came, or else, for a
// run interrupted otherwise, at end. It is nil for a run that was not
// stopped.
func stopEvent(stop stopSignal, early bool, plannedEnd time.Time, interrupted bool, end time.Time) *results.Event {
	const finished = "; every finished interval is in the results"
	if !early {
		if !interrupted {
			return nil
		}
		return &results.Event{Time: end.UTC(), Kind: results.EventWarning, Code: results.WarnStoppedEarly,
			Detail: "the run was stopped before its end (interrupted)" + finished}
	}
	detail := fmt.Sprintf("%s at %s, before the planned end", signalName(stop.sig), stop.at.UTC().Format(time.RFC3339Nano))
	if !plannedEnd.IsZero() {
		detail = fmt.Sprintf("%s at %s, %s before the planned end", signalName(stop.sig), stop.at.UTC().Format(time.RFC3339Nano), plannedEnd.Sub(stop.at).Round(time.Millisecond))
	}
	return &results.Event{Time: stop.at, Kind: results.EventWarning, Code: results.WarnStoppedEarly, Detail: detail + finished}
}
