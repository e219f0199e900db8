package results

// This file holds what compare and plan read of a run's decision fields
// (SPEC-16: the verdict, the client's load, the warnings), one way for every
// file: the summary's when it has them, or, for a file without them (a
// killed run, or one written before they were kept), what its records give.

// RunWarnings returns the warnings of a run: the summary's, or, for a file
// without them, its warning events.
func RunWarnings(run *Run) []Warning {
	if run.Summary != nil && run.Summary.Warnings != nil {
		return run.Summary.Warnings
	}
	return Warnings(run.Events)
}

// RunClientBound reports whether the run's summary says the client was the
// limit, and why; false for files that do not say.
func RunClientBound(run *Run) (bool, string) {
	if run.Summary == nil || run.Summary.Client == nil || !run.Summary.Client.Bound {
		return false, ""
	}
	return true, run.Summary.Client.Reason
}

// RunVerdict returns the run's verdict: its summary's when the file has
// one, or else the one Decide gives from its records, the server that set
// its pace included (FindServerBound); nil when it has no measured
// interval.
func RunVerdict(run *Run) *Verdict {
	if run.Summary != nil && run.Summary.Verdict != nil {
		return run.Summary.Verdict
	}
	s, err := run.Summarize()
	if err != nil {
		return nil
	}
	return s.Verdict
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
