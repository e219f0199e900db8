// Package azmonitortest is a stand-in for Azure Monitor's metrics endpoint
// (Azure Resource Manager's Microsoft.Insights/metricDefinitions and
// Microsoft.Insights/metrics of a resource), for tests: an HTTPS server on
// loopback that checks each request's bearer token, answers in the shape
// the REST API documents (api-version 2024-02-01), and records what it was
// asked. Real Azure is not reachable from the tests.
//
// Its series are a pure function of metric, dimensions and time (Value), so
// a test can tell what a fetch must have returned.
package azmonitortest
