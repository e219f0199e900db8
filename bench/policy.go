package bench

import (
	"github.com/amrbench/amrbench/bench/cluster"
)

// checkGivenPolicy compares the policy given in the configuration with what
// the endpoint answered. It returns an error when the given policy cannot
// work (oss against an endpoint that is no cluster), and a warning when it
// works badly (one endpoint driven against an OSS cluster gets MOVED for
// every key of the other shards).
func checkGivenPolicy(given cluster.Policy, found cluster.Finding, findErr error) (warning, err error) {
	field := []string{"target.cluster_policy"}
	switch {
	case given == cluster.PolicyOSS && findErr != nil:
		return nil, fieldErrorf(field, "{target.cluster_policy} oss: %w", findErr)
	case given == cluster.PolicyOSS && found.Policy != cluster.PolicyOSS:
		return nil, fieldErrorf(field, "{target.cluster_policy} oss, but the endpoint is not an OSS cluster: %s", found.Reason)
	case given != cluster.PolicyOSS && found.Policy == cluster.PolicyOSS && found.Shards > 1:
		return fieldErrorf(field, "{target.cluster_policy} %s, but %s: operations on keys of the other shards will fail with MOVED; use {target.cluster_policy} oss (or auto) to reach every shard", given, found.Reason), nil
	}
	return nil, nil
}
