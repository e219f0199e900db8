package cluster

import (
	"errors"
	"fmt"
	"strings"

	"github.com/amrbench/amrbench/internal/units"
	"github.com/redis/go-redis/v9"
)

// Policy is how a Redis endpoint spreads its keys: the clustering policy of
// an Azure cache, as amrbench drives it.
type Policy string

// Policies. PolicyAuto is not an endpoint's: it asks for detection.
const (
	// PolicyAuto asks the endpoint (Detect).
	PolicyAuto Policy = "auto"
	// PolicyOSS is an OSS cluster: a cluster client reaches every shard.
	PolicyOSS Policy = "oss"
	// PolicyEnterprise is a proxy that routes every key: one endpoint.
	PolicyEnterprise Policy = "enterprise"
	// PolicyNonClustered is one server: one endpoint.
	PolicyNonClustered Policy = "non-clustered"
)

// Policies lists every Policy, PolicyAuto first.
var Policies = []Policy{PolicyAuto, PolicyOSS, PolicyEnterprise, PolicyNonClustered}

// ParsePolicy reads a Policy from its name.
func ParsePolicy(s string) (Policy, error) {
	for _, p := range Policies {
		if string(p) == s {
			return p, nil
		}
	}
	return "", fmt.Errorf("%q: use auto, oss, enterprise or non-clustered", s)
}

// Finding is what the endpoint's answer to CLUSTER SLOTS says about its
// clustering policy.
type Finding struct {
	// Policy is PolicyOSS, PolicyEnterprise or PolicyNonClustered.
	Policy Policy
	// Reason says what the endpoint answered, for people.
	Reason string
	// Shards is the number of primaries of an OSS cluster.
	Shards int
}

// ErrNoAnswer is returned when CLUSTER SLOTS could not be asked at all (the
// connection failed), as opposed to being answered with an error.
var ErrNoAnswer = errors.New("no answer to CLUSTER SLOTS")

// Detect interprets the endpoint's answer to CLUSTER SLOTS:
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
// error wrapping ErrNoAnswer.
func Detect(slots []redis.ClusterSlot, err error) (Finding, error) {
	if err == nil {
		primaries := map[string]bool{}
		for _, s := range slots {
			if len(s.Nodes) > 0 {
				primaries[s.Nodes[0].Addr] = true
			}
		}
		if len(primaries) == 0 {
			return Finding{}, errors.New("the endpoint is a cluster node, but no slots are assigned: the cluster is not set up")
		}
		return Finding{
			Policy: PolicyOSS,
			Reason: fmt.Sprintf("the endpoint answered CLUSTER SLOTS with %s", units.Plural(len(primaries), "shard")),
			Shards: len(primaries),
		}, nil
	}
	var rerr redis.Error
	if !errors.As(err, &rerr) {
		return Finding{}, fmt.Errorf("%w: %w", ErrNoAnswer, err)
	}
	msg := rerr.Error()
	switch {
	case strings.Contains(strings.ToLower(msg), "cluster support disabled"):
		return Finding{Policy: PolicyNonClustered, Reason: "the endpoint says cluster support is disabled: one server serves every key"}, nil
	case strings.HasPrefix(msg, "NOPERM"):
		return Finding{Policy: PolicyNonClustered, Reason: fmt.Sprintf("this user may not run CLUSTER SLOTS (%s), so it is driven as one endpoint; set the cluster policy to oss if it is an OSS cluster", clip(msg, 60))}, nil
	}
	return Finding{Policy: PolicyEnterprise, Reason: fmt.Sprintf("the endpoint refuses CLUSTER SLOTS (%q), as a proxy with the Enterprise clustering policy does: one endpoint routes every key", clip(msg, 60))}, nil
}

// ProxyWithoutCluster is the finding for an endpoint that closed the
// connection when asked CLUSTER SLOTS and answers on a new one: a proxy
// that does not support the CLUSTER commands, as twemproxy, which closes
// the connection on any command it does not know. It routes every key to
// its shard itself, as AMR's Enterprise policy does: one endpoint.
func ProxyWithoutCluster() Finding {
	return Finding{Policy: PolicyEnterprise, Reason: "the endpoint closed the connection when asked CLUSTER SLOTS and answers on a new one, as a proxy without the CLUSTER commands does (twemproxy closes the connection on a command it does not support): one endpoint routes every key, as with the Enterprise clustering policy"}
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
