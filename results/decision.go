package results

import (
	"strings"
	"time"
)

// This file holds what a run's summary says about the decisions drawn from
// it (SPEC-16): the verdict, whether the client was the limit, and the
// warnings printed during the run. The engine writes them; compare and plan
// read them, and fall back on what older files hold when they are absent.

// Warning is a warning printed during a run, kept in the summary.
type Warning struct {
	// Code is a short stable id (policy-mismatch, client-bound,
	// reply-wait-fallback, clock-offset, tls-unverified, error-budget);
	// empty in files written before warnings had codes.
	Code   string    `json:"code,omitempty"`
	Detail string    `json:"detail"`
	Time   time.Time `json:"time"`
}

// Warning codes that compare and plan act on.
const (
	// WarnPolicyMismatch: the clustering policy given does not fit the
	// endpoint (enterprise against an OSS cluster: MOVED errors).
	WarnPolicyMismatch = "policy-mismatch"
	// WarnClientBound: the client, not the cache, limited the run.
	WarnClientBound = "client-bound"
	// WarnTLSUnverified: the server's certificate was not verified.
	WarnTLSUnverified = "tls-unverified"
)

// ClientSummary says whether the client process was the limit of a run:
// its CPU against its budget, and the share of late starts (open loop).
type ClientSummary struct {
	Bound          bool    `json:"bound"`
	BoundIntervals int     `json:"bound_intervals"`
	CPUPctMax      float64 `json:"cpu_pct_max"`
	CPUPctMean     float64 `json:"cpu_pct_mean"`
	CPUBudget      int     `json:"cpu_budget"`
	LateShare      float64 `json:"late_share"`
	Reason         string  `json:"reason,omitempty"`
}

// Verdict statuses.
const (
	StatusOK           = "ok"
	StatusSLOMissed    = "slo-missed"
	StatusErrorBudget  = "error-budget"
	StatusNotOffered   = "not-offered"
	StatusStoppedEarly = "stopped-early"
	StatusFailed       = "failed"
)

// Verdict is what a run concludes: its status and exit code, why, the error
// budget it was judged by, and whether its throughput is only a lower bound
// of the cache's capacity (closed loop, or client-bound).
type Verdict struct {
	Status       string   `json:"status"`
	ExitCode     int      `json:"exit_code"`
	Reasons      []string `json:"reasons,omitempty"`
	MaxErrorRate float64  `json:"max_error_rate"`
	LowerBound   bool     `json:"lower_bound"`
}

// RunWarnings returns the warnings of a run: the summary's, or, for a file
// without them (a killed run, or one written before warnings were kept in
// the summary), its warning events.
func RunWarnings(run *Run) []Warning {
	if run.Summary != nil && run.Summary.Warnings != nil {
		return run.Summary.Warnings
	}
	var out []Warning
	for _, e := range run.Events {
		if e.Kind == EventWarning {
			out = append(out, Warning{Code: e.Code, Detail: strings.TrimSpace(e.Detail), Time: e.Time})
		}
	}
	return out
}

// RunClientBound reports whether the run's summary says the client was the
// limit, and why; false for files that do not say.
func RunClientBound(run *Run) (bool, string) {
	if run.Summary == nil || run.Summary.Client == nil || !run.Summary.Client.Bound {
		return false, ""
	}
	return true, run.Summary.Client.Reason
}

// Searched reports whether an SLO result judged a staircase of rates (a
// --rate-ramp or --find-max search, whose steps are phases), as opposed to
// one run at one rate judged as a whole.
func Searched(slo *SLOResult) bool {
	if slo == nil {
		return false
	}
	for _, s := range slo.Steps {
		if s.Phase != "" {
			return true
		}
	}
	return false
}
