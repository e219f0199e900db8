// Package evidence is a run's server-side evidence beyond the servers' own
// statistics (bench/serverstats): the live Prometheus/OpenMetrics endpoint,
// fed every finished record beside the live observer while the run lasts,
// and the cache's Azure Monitor metrics for the run's window, fetched after
// it and appended to the result file. A failure of either is said and
// recorded; the run's own results never depend on them.
package evidence
