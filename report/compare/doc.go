// Package compare is `amrbench compare`. A comparison puts runs side by
// side: the same numbers for each, per command and for all commands
// together, and how each differs from the first (the baseline), in
// percent.
//
// Before any number, it says what differs between the runs' conditions
// (policy, endpoint, connections, TLS, workload, whether the client was the
// limit, errors, warnings), and it refuses to give differences for a run
// that cannot be compared: one whose failed operations exceed the error
// threshold, or that drove an OSS cluster with the Enterprise policy (its
// operations on other shards' keys failed with MOVED). Runs that searched
// for the highest rate meeting latency objectives are compared by that
// rate, not by whole-run averages that mix their steps.
//
// Whether a difference means anything is judged against the runs' own
// interval-to-interval noise. For every metric, each run gives a series of
// per-interval values (the interval's ops/s, its p99, its error rate, ...;
// intervals shorter than half the run's interval length, such as a cut
// last one, are left out). Two runs differ significantly when the means of
// their series differ by more than Welch's t-test allows at 95 %
// confidence: t = |mean_a - mean_b| / sqrt(se_a² + se_b²), where se is a
// series' standard error (its standard deviation over the square root of
// its length), against Student's t with the Welch–Satterthwaite degrees of
// freedom. A run with fewer than two intervals cannot be judged. The test
// treats intervals as independent; load that drifts during a run makes them
// less so, which a longer run with more intervals mitigates.
//
// The values shown are the whole run's (ops/s over the measured window,
// percentiles of the merged histogram); the test uses the interval series,
// whose mean is close to but not the same as the whole-run value for a
// percentile. Throughput is successful operations per second; failed ones
// are counted apart, as errors.
//
// The comparison is rendered as text, Markdown, CSV and an HTML page; the
// page is drawn with package report's page and charts (report.WritePage,
// report.OverlayCharts).
package compare
