// Package promtest runs a real Prometheus for tests: started on a free
// loopback port, scraping one target every second, and queried through its
// HTTP API. prometheus must be on PATH (Debian's prometheus package; the CI
// script installs it): a test fails, rather than skips, without it.
package promtest
