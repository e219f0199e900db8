package compare

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/amrbench/amrbench/internal/units"
	"github.com/amrbench/amrbench/results"
)

// This file says what differs between the runs of a comparison and which
// runs cannot be compared at all.

// judgeComparable fills in what the run's own records say about it (its
// warnings, whether the client was the limit) and why it cannot be compared,
// if it cannot: more failed operations than maxErrorRate, connections down
// for more of the time than that, or the Enterprise policy driven against an
// OSS cluster.
func judgeComparable(r *ComparedRun, run *results.Run, d *runData, maxErrorRate float64) {
	r.Warnings = results.RunWarnings(run)
	r.ClientBound, r.ClientReason = results.RunClientBound(run)
	r.ServerRecords = len(run.Server) > 0
	var unavailable float64
	if v := results.RunVerdict(run); v != nil {
		r.ServerBound, r.LowerBound = v.ServerBound, v.LowerBound
		unavailable = v.UnavailableShare
	}
	if maxErrorRate < 1 && r.ErrorRate > maxErrorRate {
		r.NotComparable = append(r.NotComparable, fmt.Sprintf("%s of its operations failed (%s of %s), above the %s threshold (--max-error-rate): failures are not throughput, and its latencies are of the operations that succeeded",
			formatShare(r.ErrorRate), units.FormatWhole(float64(r.Errors)), units.FormatWhole(float64(r.Issued)), formatShare(maxErrorRate)))
	}
	// A run's error budget is its connections' time as well as its
	// operations: one whose connections were down (reconnecting) for more
	// of the time than the threshold failed it, as its verdict says, even
	// with few operations failed, and its throughput shows the outage.
	if maxErrorRate < 1 && unavailable > maxErrorRate {
		r.NotComparable = append(r.NotComparable, fmt.Sprintf("its connections spent %s of the measured time unable to send (reconnecting), above the %s threshold (--max-error-rate): its throughput and latencies are of a cache that was not reachable all the time",
			formatShare(unavailable), formatShare(maxErrorRate)))
	}
	if reason := policyMismatch(r, d); reason != "" {
		r.NotComparable = append(r.NotComparable, reason)
	}
}

// policyMismatch says why a run drove its endpoint with a policy that does
// not fit it: its policy-mismatch warning, or, in files without warning
// codes, a policy given by hand that met MOVED replies it could not follow.
func policyMismatch(r *ComparedRun, d *runData) string {
	t := r.Header.Target
	var moved int64
	if all := d.commands[results.AllCommands]; all != nil {
		moved = all.stats.Errors[results.ErrMoved]
	}
	warned := slices.ContainsFunc(r.Warnings, func(w results.Warning) bool { return w.Code == results.WarnPolicyMismatch })
	if !warned && (moved == 0 || t.ClusterPolicy == "oss") {
		return ""
	}
	text := fmt.Sprintf("it drove an OSS cluster with the %s policy (%s)", t.ClusterPolicy, t.PolicyReason)
	if moved > 0 {
		text += fmt.Sprintf(": %s operations failed with MOVED, their keys being on other shards", units.FormatWhole(float64(moved)))
	}
	return text + "; run it with --cluster-policy oss (or auto)"
}

// conditions lists the aspects of the runs' set-ups and outcomes that are
// not the same in every run, with each run's value.
func conditions(runs []ComparedRun) []Condition {
	aspects := []struct {
		name  string
		value func(r ComparedRun) string
		// same decides equality where the text alone would not.
		same func(a, b ComparedRun) bool
	}{
		{"endpoint", func(r ComparedRun) string { return r.Header.Target.Endpoint }, nil},
		{"policy", describePolicy, nil},
		{"SKU", func(r ComparedRun) string {
			return dashIfEmpty(strings.TrimSpace(r.Header.Target.Tier + " " + r.Header.Target.SKU))
		}, nil},
		{"TLS", describeTLS, nil},
		{"connections", func(r ComparedRun) string {
			if r.Connections != r.Header.Connections {
				return fmt.Sprintf("%s x %d shards = %s", units.FormatInt(r.Header.Connections), r.Header.Target.Shards, units.FormatInt(r.Connections))
			}
			return units.FormatInt(r.Connections)
		}, nil},
		{"pipeline", func(r ComparedRun) string { return fmt.Sprint(r.Header.Pipeline) }, nil},
		{"load", func(r ComparedRun) string { return loadModel(r.Header) }, nil},
		{"workload", func(r ComparedRun) string { return dashIfEmpty(r.Header.WorkloadText) },
			func(a, b ComparedRun) bool { return sameWorkload(a.Header.Workload, b.Header.Workload) }},
		{"segment", func(r ComparedRun) string {
			if s := r.Header.Segment; s != "" && s != "0/1" {
				return "segment " + s + " of a split test"
			}
			return "the whole test"
		}, nil},
		{"client machine", func(r ComparedRun) string { return dashIfEmpty(r.Header.Host) }, nil},
		{"client-bound", describeClientBound, nil},
		{"server-bound", describeServerBound, nil},
		{"error rate", func(r ComparedRun) string {
			if r.Errors == 0 {
				return "0"
			}
			return fmt.Sprintf("%s (%s)", formatShare(r.ErrorRate), countOf(r.Errors, "error"))
		}, nil},
		{"warnings", func(r ComparedRun) string { return dashIfEmpty(warningCodes(r.Warnings)) }, nil},
	}
	var out []Condition
	for _, a := range aspects {
		c := Condition{Name: a.name}
		differ := false
		for i, r := range runs {
			c.Values = append(c.Values, a.value(r))
			if i == 0 {
				continue
			}
			if a.same != nil {
				differ = differ || !a.same(runs[0], r)
			} else {
				differ = differ || c.Values[i] != c.Values[0]
			}
		}
		if differ {
			out = append(out, c)
		}
	}
	return out
}

func describePolicy(r ComparedRun) string {
	t := r.Header.Target
	text := t.ClusterPolicy
	if t.Shards > 1 {
		text += fmt.Sprintf(", %d shards", t.Shards)
	}
	if strings.HasPrefix(t.PolicyReason, "given") {
		text += ", given with --cluster-policy"
	}
	return text
}

// describeTLS says whether the run used TLS and whether it verified the
// server's certificate.
func describeTLS(r ComparedRun) string {
	if !r.Header.Target.TLS {
		return "off"
	}
	var cfg struct {
		Target struct {
			TLS struct {
				SkipVerify bool `json:"skip_verify"`
			} `json:"tls"`
		} `json:"target"`
	}
	_ = json.Unmarshal(r.Header.Config, &cfg) // a header without a configuration says nothing
	unverified := cfg.Target.TLS.SkipVerify || slices.ContainsFunc(r.Warnings, func(w results.Warning) bool { return w.Code == results.WarnTLSUnverified })
	if unverified {
		return "on, certificate not verified"
	}
	return "on"
}

func describeClientBound(r ComparedRun) string {
	if !r.ClientBound {
		return "no"
	}
	if r.ClientReason != "" {
		return "yes: " + r.ClientReason
	}
	return "yes"
}

func describeServerBound(r ComparedRun) string {
	switch {
	case r.ServerBound != nil:
		return "yes: " + r.ServerBound.String()
	case r.ServerRecords:
		return "no"
	}
	return "not recorded"
}

// warningCodes names a run's warnings in a line: their codes, or "N
// warnings" for those without one.
func warningCodes(ws []results.Warning) string {
	var codes []string
	uncoded := 0
	for _, w := range ws {
		if w.Code == "" {
			uncoded++
		} else if !slices.Contains(codes, w.Code) {
			codes = append(codes, w.Code)
		}
	}
	if uncoded > 0 {
		codes = append(codes, units.Plural(int64(uncoded), "warning"))
	}
	return strings.Join(codes, ", ")
}

// countOf writes n things with thousands grouped: "2,694,759 errors",
// "1 error".
func countOf(n int64, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return units.FormatWhole(float64(n)) + " " + thing + "s"
}

func dashIfEmpty(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// sameWorkload reports whether two encoded workload specs are the same but
// for their seeds (a different sequence of the same distribution).
func sameWorkload(a, b json.RawMessage) bool {
	var ma, mb map[string]any
	if json.Unmarshal(a, &ma) != nil || json.Unmarshal(b, &mb) != nil {
		return bytes.Equal(a, b)
	}
	delete(ma, "seed")
	delete(mb, "seed")
	return reflect.DeepEqual(ma, mb)
}
