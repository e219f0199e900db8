package bench

import (
	"errors"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"
)

// policyFinding is what the endpoint's answer to CLUSTER SLOTS says about
// its clustering policy.
type policyFinding struct {
	// policy is PolicyOSS, PolicyEnterprise or PolicyNonClustered.
	policy string
	// reason says what the endpoint answered, for people.
	reason string
	// shards is the number of primaries of an OSS cluster.
	shards int
}

// errNoClusterAnswer is returned when CLUSTER SLOTS could not be asked at
// all (the connection failed), as opposed to being answered with an error.
var errNoClusterAnswer = errors.New("no answer to CLUSTER SLOTS")

// findPolicy interprets the endpoint's answer to CLUSTER SLOTS:
//
//   - slots: an OSS cluster (Redis Cluster, or AMR with the OSS policy),
//     whose shards a cluster client reaches directly;
//   - "ERR This instance has cluster support disabled": a plain server, or a
//     non-clustered cache (ACR Basic/Standard, AMR's Non-Clustered policy);
//   - any other error reply (unknown or blocked command): a proxied endpoint
//     such as AMR's Enterprise policy, which blocks CLUSTER SLOTS (Azure's
//     best-practices-client-libraries lists it among the blocked commands);
//   - NOPERM: the user may not ask; treated as one endpoint, and said so.
//
// A failure that is not a reply (a broken connection, a timeout) returns an
// error wrapping errNoClusterAnswer.
func findPolicy(slots []redis.ClusterSlot, err error) (policyFinding, error) {
	if err == nil {
		primaries := map[string]bool{}
		for _, s := range slots {
			if len(s.Nodes) > 0 {
				primaries[s.Nodes[0].Addr] = true
			}
		}
		if len(primaries) == 0 {
			return policyFinding{}, errors.New("the endpoint is a cluster node, but no slots are assigned: the cluster is not set up")
		}
		return policyFinding{
			policy: PolicyOSS,
			reason: fmt.Sprintf("the endpoint answered CLUSTER SLOTS with %s", plural(len(primaries), "shard")),
			shards: len(primaries),
		}, nil
	}
	var rerr redis.Error
	if !errors.As(err, &rerr) {
		return policyFinding{}, fmt.Errorf("%w: %w", errNoClusterAnswer, err)
	}
	msg := rerr.Error()
	switch {
	case strings.Contains(strings.ToLower(msg), "cluster support disabled"):
		return policyFinding{policy: PolicyNonClustered, reason: "the endpoint says cluster support is disabled: one server serves every key"}, nil
	case strings.HasPrefix(msg, "NOPERM"):
		return policyFinding{policy: PolicyNonClustered, reason: fmt.Sprintf("this user may not run CLUSTER SLOTS (%s), so it is driven as one endpoint; give --cluster-policy oss if it is an OSS cluster", clip(msg, 60))}, nil
	}
	return policyFinding{policy: PolicyEnterprise, reason: fmt.Sprintf("the endpoint refuses CLUSTER SLOTS (%q), as a proxy with the Enterprise clustering policy does: one endpoint routes every key", clip(msg, 60))}, nil
}

// checkGivenPolicy compares the policy given with --cluster-policy with what
// the endpoint answered. It returns an error when the given policy cannot
// work (oss against an endpoint that is no cluster), and a warning when it
// works badly (one endpoint driven against an OSS cluster gets MOVED for
// every key of the other shards).
func checkGivenPolicy(given string, found policyFinding, findErr error) (warning string, err error) {
	switch {
	case given == PolicyOSS && findErr != nil:
		return "", fmt.Errorf("--cluster-policy oss: %w", findErr)
	case given == PolicyOSS && found.policy != PolicyOSS:
		return "", fmt.Errorf("--cluster-policy oss, but the endpoint is not an OSS cluster: %s", found.reason)
	case given != PolicyOSS && found.policy == PolicyOSS && found.shards > 1:
		return fmt.Sprintf("--cluster-policy %s, but %s: operations on keys of the other shards will fail with MOVED; use --cluster-policy oss (or auto) to reach every shard", given, found.reason), nil
	}
	return "", nil
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// clip shortens s to at most n runes, marking the cut.
func clip(s string, n int) string {
	s = strings.TrimSpace(s)
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
