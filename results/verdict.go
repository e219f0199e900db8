package results

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/amrbench/amrbench/internal/units"
)

// Verdict statuses: what a run's numbers may be used for.
const (
	// StatusOK: the run did what was asked and met its objectives.
	StatusOK = "ok"
	// StatusSLOMissed: a latency objective (--slo) was missed: by the one
	// step of a constant rate or a closed loop, by any step of a staircase,
	// or by every step of a search.
	StatusSLOMissed = "slo-missed"
	// StatusErrorBudget: more operations failed, or the connections were
	// down for more of the time, than --max-error-rate allows; or every
	// step of a search that met none had failed operations.
	StatusErrorBudget = "error-budget"
	// StatusNotOffered: an open loop could not offer its rate: operations
	// due were never sent (dropped).
	StatusNotOffered = "not-offered"
	// StatusStoppedEarly: the run was stopped before its end; what it
	// measured is sound.
	StatusStoppedEarly = "stopped-early"
	// StatusFailed: no operation succeeded.
	StatusFailed = "failed"
)

// DefaultMaxErrorRate is the share of failed operations above which a run's
// verdict is error-budget unless the run sets another (--max-error-rate).
const DefaultMaxErrorRate = 0.01

// DroppedTolerance is the share of an open loop's due operations that may
// be dropped before the run counts as not having offered its rate: as a
// step's achieved rate may fall short of its target (RateTolerance).
const DroppedTolerance = RateTolerance

// Warning codes: short, stable names of the warnings a run records as
// events (Event.Code) and its summary lists.
const (
	WarnPolicyMismatch    = "policy-mismatch"
	WarnConnectionLimit   = "connection-limit"
	WarnClientBound       = "client-bound"
	WarnLateStarts        = "late-starts"
	WarnReplyWaitFallback = "reply-wait-fallback"
	WarnClockOffset       = "clock-offset"
	WarnTLSUnverified     = "tls-unverified"
	WarnErrorBudget       = "error-budget"
	WarnOutOfRange        = "out-of-range"
	WarnStuckConnection   = "stuck-connection"
	WarnStartedLate       = "started-late"
	WarnDropped           = "dropped"
	WarnStoppedEarly      = "stopped-early"
	// WarnPasswordOnCommandLine: the password was given as an argument,
	// which other users of the machine can read.
	WarnPasswordOnCommandLine = "password-on-command-line"
	// WarnCleartextCredentials: a password or token went to a host on the
	// network without TLS.
	WarnCleartextCredentials = "cleartext-credentials"
	// WarnPartialMerge: a merge is not one whole test (a segment missing,
	// given twice, late or ended early: merge --allow-partial), so its
	// throughput lacks part of the test's load, or counts some twice.
	WarnPartialMerge = "partial-merge"
	// WarnConnectionsBusy: a failed search step kept its connections busy
	// most of the time: they, not the cache, may have capped the search.
	WarnConnectionsBusy = "connections-busy"
)

// Verdict says what a run's numbers may be used for. Decide computes it from
// the summary; the command line sets ExitCode, the exit status it returned.
type Verdict struct {
	Status   string `json:"status"`
	ExitCode int    `json:"exit_code"`
	// Reasons say why, one sentence each, the first the status's.
	Reasons      []string `json:"reasons"`
	MaxErrorRate float64  `json:"max_error_rate"`
	// LowerBound says the throughput figure is a lower bound of the cache's
	// capacity, not the capacity: a closed loop, or a client that was the
	// limit.
	LowerBound bool `json:"lower_bound"`
	// UnavailableShare is the share of the connections' time spent unable
	// to send (Summary.BackoffS over connections × duration).
	UnavailableShare float64 `json:"unavailable_share,omitempty"`
	// ServerBound is the server whose saturation set the run's pace
	// (FindServerBound); nil when no server was saturated or the run did
	// not read the servers.
	ServerBound *ServerBound `json:"server_bound,omitempty"`
}

// Warning is one warning of a run, as its summary lists it.
type Warning struct {
	Code   string    `json:"code,omitempty"`
	Detail string    `json:"detail"`
	Time   time.Time `json:"time"`
}

// ErrorSamplesPerClass is how many distinct messages of each error class a
// run keeps (error events, Summary.ErrorSamples).
const ErrorSamplesPerClass = 3

// maxErrorRate is the run's --max-error-rate, or the default.
func (h *Header) maxErrorRate() float64 {
	if h.MaxErrorRate != nil {
		return *h.MaxErrorRate
	}
	return DefaultMaxErrorRate
}

// FindMax reports whether the run searched for the highest rate meeting its
// objectives (--find-max), as its configuration says.
func (h *Header) FindMax() bool {
	var c struct {
		FindMax bool `json:"find_max"`
	}
	return len(h.Config) > 0 && json.Unmarshal(h.Config, &c) == nil && c.FindMax
}

// Decide judges a run by its summary and, when the run read its servers,
// by which server set its pace (bound, from FindServerBound; nil for
// none). The order of precedence is: failed, error-budget (the latency of
// a failing run is not evidence), not-offered (nor is that of a load the
// client could not offer), slo-missed, stopped-early, ok. A closed loop
// whose server was saturated by CPU or command time, with a client that
// was not the limit and its failures within the error budget, measured the
// cache's capacity at that load: its throughput is not a lower bound,
// unless the run is one segment of a split test, whose throughput is only
// its share of the load.
func Decide(h *Header, s *Summary, bound *ServerBound) *Verdict {
	v := &Verdict{Status: StatusOK, MaxErrorRate: h.maxErrorRate(), Reasons: []string{}, ServerBound: bound}
	all := s.Commands[AllCommands]
	stopped := s.hasWarning(WarnStoppedEarly)
	if all == nil || all.Count == 0 {
		v.Status = StatusFailed
		if n := s.ErrorsTotal; n > 0 {
			v.Reasons = append(v.Reasons, "every one of the "+units.Plural(n, "operation")+" failed")
		} else {
			v.Reasons = append(v.Reasons, "no operation completed in the measured window")
		}
		return v
	}
	if secs := float64(s.Connections) * s.DurationS; secs > 0 {
		v.UnavailableShare = min(s.BackoffS/secs, 1)
	}
	var budget, offered, slo []string
	if s.ErrorRate > v.MaxErrorRate {
		budget = append(budget, fmt.Sprintf("%s of the operations failed (%s), above --max-error-rate %s",
			units.FormatPercent(s.ErrorRate), describeClasses(all.Errors), units.FormatPercent(v.MaxErrorRate)))
	}
	if v.UnavailableShare > v.MaxErrorRate {
		budget = append(budget, fmt.Sprintf("the connections spent %s of the measured time unable to send (reconnecting), above --max-error-rate %s",
			units.FormatPercent(v.UnavailableShare), units.FormatPercent(v.MaxErrorRate)))
	}
	findMax := h.FindMax()
	var searchFailed string // no step met: every one failed operations
	if findMax && s.SLO != nil && s.SLO.MaxRate == 0 && !stopped {
		if searchFailed = searchFailedByErrors(s.SLO, all); searchFailed != "" {
			budget = append(budget, searchFailed)
		}
	}
	if h.Mode == ModeOpen && !findMax {
		offered = notOffered(h, s, bound)
	} else if findMax && s.SLO != nil {
		offered = searchNotOffered(s.SLO)
	}
	// A run above its error budget measured its failures, not the cache's
	// capacity, whichever server was saturated; a share of a split test saw
	// the servers under every share's load, and its own throughput is not
	// what saturated them.
	serverSet := bound != nil && bound.Reason != "memory" && len(budget) == 0 && !h.splitShare() && !s.partialMerge()
	if (h.Mode == ModeClosed && !serverSet) || len(offered) > 0 || s.partialMerge() {
		v.LowerBound = true
	}
	if s.Client != nil && s.Client.Bound {
		v.LowerBound = true // and lowerBoundReason says the client was the limit
	}
	if findMax && s.SLO != nil && s.SLO.MaxRate > 0 && s.hasWarning(WarnConnectionsBusy) && (bound == nil || bound.Reason == "memory") {
		v.LowerBound = true
	}
	if res := s.SLO; res != nil && searchFailed == "" {
		slo = judgeObjectives(res, findMax, stopped, v)
	}
	switch {
	case len(budget) > 0:
		v.Status = StatusErrorBudget
	case len(offered) > 0:
		v.Status = StatusNotOffered
	case len(slo) > 0:
		v.Status = StatusSLOMissed
	case stopped:
		v.Status = StatusStoppedEarly
		v.Reasons = append(v.Reasons, "the run was stopped before its end; every finished interval is in the results")
	}
	v.Reasons = append(append(append(budget, offered...), slo...), v.Reasons...)
	if bound != nil {
		v.Reasons = append(v.Reasons, serverBoundReason(h, s, bound, v.LowerBound))
	}
	if v.LowerBound {
		v.Reasons = append(v.Reasons, lowerBoundReason(h, s))
	}
	return v
}

// serverBoundReason says which server set the run's pace and what that
// makes of its throughput.
func serverBoundReason(h *Header, s *Summary, bound *ServerBound, lowerBound bool) string {
	switch {
	case bound.Reason == "memory":
		return bound.String() + ": the cache's memory, not its throughput, was at its limit"
	case h.splitShare() || s.partialMerge():
		return bound.String() + ": the whole test's load saturated it, and this run's throughput is only its share of that load (amrbench merge of every segment gives the cache's)"
	case s.Client != nil && s.Client.Bound:
		return bound.String() + ", and the client was the limit too"
	case h.Mode == ModeClosed && !lowerBound:
		return bound.String() + ": the cache, not the client, set this throughput, so it is the cache's capacity at this load"
	}
	return bound.String() + ": the cache, not the client, set this throughput"
}

// notOffered returns why an open loop did not offer its rate: operations
// due were never sent (dropped), beyond DroppedTolerance of them. A client
// that was the limit but still sent its operations, late, did offer the
// rate: the response times it measured include its own delays, which
// makes them pessimistic, not wrong; the verdict says so (a lower bound)
// without failing the run.
func notOffered(h *Header, s *Summary, bound *ServerBound) []string {
	all := s.Commands[AllCommands]
	due := all.Issued() + s.Dropped
	if due == 0 || float64(s.Dropped) <= DroppedTolerance*float64(due) {
		return nil
	}
	why := "the client could not offer the rate"
	switch busy := BusyShare(h.TargetRate, all.Service.MeanMicros, s.Connections, h.Pipeline); {
	case bound != nil && bound.Reason != "memory":
		why = "the server could not keep up with it"
	case busy >= 0.9 && (s.Client == nil || !s.Client.Bound):
		why = fmt.Sprintf("its %s (pipeline %d) could not carry the rate: at their mean service time of %.3f ms they hold about %s ops/s (add --connections)",
			units.Plural(s.Connections, "connection"), max(h.Pipeline, 1), all.Service.MeanMicros/1e3, units.FormatWhole(h.TargetRate/busy))
	}
	return []string{fmt.Sprintf("%s of the %s operations due (%s) were never sent: %s",
		units.FormatInt(s.Dropped), units.FormatInt(due), units.FormatPercent(float64(s.Dropped)/float64(due)), why)}
}

// BusyShare is how busy rate ops/s, served in meanMicros µs on average, keep
// the requests connections × pipeline may have in flight (Little's law).
func BusyShare(rate, meanMicros float64, connections, pipeline int) float64 {
	return rate * meanMicros / 1e6 / float64(connections*max(pipeline, 1))
}

// searchNotOffered returns why a search that met no step measured the
// client, not the cache: the client was the limit in its lowest step and
// could not offer that rate.
func searchNotOffered(res *SLOResult) []string {
	low := SLOStep{TargetRate: math.Inf(1)}
	for _, st := range res.Steps {
		if st.TargetRate < low.TargetRate {
			low = st
		}
	}
	if res.MaxRate > 0 || !low.ClientBound || low.Dropped == 0 || low.AchievedRate >= low.TargetRate*(1-RateTolerance) {
		return nil
	}
	return []string{fmt.Sprintf("the client was the limit in the search's lowest step and could not offer it: %s ops/s of %s, %s operations never sent; no step measured the cache",
		units.FormatWhole(low.AchievedRate), units.FormatWhole(low.TargetRate), units.FormatInt(low.Dropped))}
}

// searchFailedByErrors returns why a search that met no step measured
// failures, not latency: every step failed some operations; "" otherwise.
func searchFailedByErrors(res *SLOResult, all *CommandSummary) string {
	if slices.ContainsFunc(res.Steps, func(st SLOStep) bool { return st.Errors == 0 }) {
		return ""
	}
	return fmt.Sprintf("no step of the search met %s without failed operations: every step had some (%s in all), and a step meets its objectives only when none fail (the steps table gives their latency)",
		strings.Join(res.Objectives, " and "), describeClasses(all.Errors))
}

// judgeObjectives returns why the objectives were missed, if they were,
// and sets v's lower bound for a search whose failing steps were the
// client's.
func judgeObjectives(res *SLOResult, findMax, stopped bool, v *Verdict) []string {
	objectives := strings.Join(res.Objectives, " and ")
	if findMax {
		clientLimited := false
		for _, st := range res.Steps {
			if !st.Met && st.TargetRate > res.MaxRate && st.ClientBound {
				clientLimited = true
			}
		}
		if clientLimited {
			v.LowerBound = true
		}
		switch {
		case res.MaxRate > 0:
			v.Reasons = append(v.Reasons, fmt.Sprintf("the highest rate meeting %s was %s ops/s", objectives, units.FormatWhole(res.MaxRate)))
			return nil
		case stopped:
			return nil // the search was cut short: its end is unknown
		}
		return []string{fmt.Sprintf("no step of the search met %s", objectives)}
	}
	var missed []string
	for _, st := range res.Steps {
		if !st.Met {
			name := st.Phase
			if name == "" {
				name = "the run"
			}
			missed = append(missed, name)
		}
	}
	if len(missed) == 0 {
		return nil
	}
	if len(res.Steps) == 1 {
		return []string{fmt.Sprintf("%s missed %s", missed[0], objectives)}
	}
	return []string{fmt.Sprintf("%d of %d steps missed %s: %s", len(missed), len(res.Steps), objectives, strings.Join(missed, ", "))}
}

// lowerBoundReason says why the throughput is a lower bound of the cache's
// capacity.
func lowerBoundReason(h *Header, s *Summary) string {
	const lb = "this is a lower bound of the cache's capacity"
	switch {
	case s.partialMerge():
		return lb + ": the merge is not one whole test (merge --allow-partial; its warnings say what is missing), so its throughput is not the whole test's"
	case s.Client != nil && s.Client.Bound && h.Mode == ModeOpen:
		return lb + ": " + s.Client.Reason + "; the response times include the client's own delays"
	case s.Client != nil && s.Client.Bound:
		return lb + ": " + s.Client.Reason
	case h.Mode == ModeClosed:
		return lb + fmt.Sprintf(": a closed loop of %s sends each request when the last reply is in, so it measures what they achieved, not what the cache can do (run --find-max with an --slo for that)", units.Plural(s.Connections, "connection"))
	case h.FindMax() && s.hasWarning(WarnConnectionsBusy):
		return lb + ": steps that missed kept the connections busy, and no server was seen saturated: more --connections may hold a higher rate (the connections-busy warning says how busy)"
	case h.FindMax() && (s.SLO == nil || s.SLO.MaxRate == 0):
		return lb + ": no step met the objectives, and steps failed where the client was the limit: their misses may be the client's, not the cache's"
	case h.FindMax():
		return lb + ": the steps above the highest rate met failed where the client was the limit"
	}
	return lb + ": the rate was not offered in full"
}

// splitShare reports whether the run carries only a share of a test split
// between machines: a --segment i/n with n above 1, or a merge that lacks
// segments.
func (h *Header) splitShare() bool {
	return h.Segment != "" && h.Segment != "0/1" // segment.Whole, the whole test
}

// partialMerge reports whether the run is a merge of less than one whole
// test (WarnPartialMerge).
func (s *Summary) partialMerge() bool { return s.hasWarning(WarnPartialMerge) }

// hasWarning reports whether the summary lists a warning with code.
func (s *Summary) hasWarning(code string) bool {
	for _, w := range s.Warnings {
		if w.Code == code {
			return true
		}
	}
	return false
}

// describeClasses lists the non-zero error classes, in report order.
func describeClasses(m map[ErrorClass]int64) string {
	var parts []string
	for _, c := range ErrorClasses {
		if n := m[c]; n > 0 {
			parts = append(parts, string(c)+" "+units.FormatInt(n))
		}
	}
	return strings.Join(parts, ", ")
}

// Warnings returns the warning events of a run, in order, as its summary
// lists them.
func Warnings(events []*Event) []Warning {
	out := []Warning{}
	for _, e := range events {
		if e.Kind == EventWarning {
			out = append(out, Warning{Code: e.Code, Detail: e.Detail, Time: e.Time})
		}
	}
	return out
}

// ErrorSamples returns the first ErrorSamplesPerClass distinct messages of
// each error class that the run's error events carry.
func ErrorSamples(events []*Event) map[ErrorClass][]string {
	var out map[ErrorClass][]string
	for _, e := range events {
		if e.Kind != EventError || e.Class == "" {
			continue
		}
		if out == nil {
			out = map[ErrorClass][]string{}
		}
		list := out[e.Class]
		if len(list) < ErrorSamplesPerClass && !slices.Contains(list, e.Detail) {
			out[e.Class] = append(list, e.Detail)
		}
	}
	return out
}
