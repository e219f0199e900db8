package serverstats

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/amrbench/amrbench/results"
)

// Info is one INFO reply, parsed. It keeps every "field:value" line by its
// field name, the sections the reply had ("# Memory" is "memory"), the
// command statistics, and the keys over all databases. A field the reply did
// not have is not in Fields: nothing is filled in.
type Info struct {
	Fields   map[string]string
	Sections map[string]bool
	// Commands is INFO commandstats by command, lower case as the server
	// names it ("get", "client|setname").
	Commands map[string]results.ServerCommandStats
	// Keys is the sum of keys= over the keyspace section's databases; it is
	// meaningful only when Sections["keyspace"] is set.
	Keys int64
}

// ParseInfo parses the text of an INFO reply. Lines it does not understand
// are skipped, as Redis asks of a robust reader ("fields may be added or
// removed"); an empty reply gives an empty Info (see Empty).
func ParseInfo(text string) *Info {
	info := &Info{
		Fields:   map[string]string{},
		Sections: map[string]bool{},
		Commands: map[string]results.ServerCommandStats{},
	}
	section := ""
	for line := range strings.Lines(text) {
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			continue
		}
		if name, ok := strings.CutPrefix(line, "#"); ok {
			section = strings.ToLower(strings.TrimSpace(name))
			info.Sections[section] = true
			continue
		}
		field, value, ok := strings.Cut(line, ":")
		if !ok || field == "" {
			continue
		}
		switch {
		case strings.HasPrefix(field, "cmdstat_"):
			if cs, ok := parseCommandStats(value); ok {
				info.Commands[strings.ToLower(strings.TrimPrefix(field, "cmdstat_"))] = cs
			}
			continue
		case section == "keyspace" && strings.HasPrefix(field, "db"):
			if n, ok := keyValue(value, "keys"); ok {
				info.Keys += n
			}
			continue
		}
		info.Fields[field] = value
	}
	return info
}

// Empty reports whether the reply had no field at all: what a proxy that
// does not pass INFO on, or a server that hides everything, answers.
func (i *Info) Empty() bool {
	return len(i.Fields) == 0 && len(i.Commands) == 0 && len(i.Sections) == 0
}

// Int returns the integer field name, or nil when the reply did not have it
// or it is not an integer.
func (i *Info) Int(name string) *int64 {
	v, ok := i.Fields[name]
	if !ok {
		return nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return nil
	}
	return &n
}

// Float returns the numeric field name, or nil when the reply did not have
// it or it is not a finite number.
func (i *Info) Float(name string) *float64 {
	v, ok := i.Fields[name]
	if !ok {
		return nil
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return nil
	}
	return &f
}

// ServerTime returns the server's clock at the reply (server_time_usec,
// Redis 7 and later), or the zero time when it did not say.
func (i *Info) ServerTime() time.Time {
	us := i.Int("server_time_usec")
	if us == nil || *us <= 0 {
		return time.Time{}
	}
	return time.UnixMicro(*us)
}

// Role returns results.RolePrimary or RoleReplica as the replication
// section says, with a replica's primary address; empty when the reply has
// no role.
func (i *Info) Role() (role, primary string) {
	switch i.Fields["role"] {
	case "master":
		return results.RolePrimary, ""
	case "slave", "replica":
		host, port := i.Fields["master_host"], i.Fields["master_port"]
		if host != "" && port != "" {
			primary = host + ":" + port
		}
		return results.RoleReplica, primary
	}
	return "", ""
}

// Clustered reports whether the server says it is a Redis Cluster node.
func (i *Info) Clustered() bool { return i.Fields["cluster_enabled"] == "1" }

// parseCommandStats parses "calls=3,usec=27,usec_per_call=9.00,
// rejected_calls=0,failed_calls=0" (rejected and failed calls are Redis 7's;
// older servers lack them).
func parseCommandStats(value string) (results.ServerCommandStats, bool) {
	var cs results.ServerCommandStats
	calls, ok := keyValue(value, "calls")
	if !ok {
		return cs, false
	}
	cs.Calls = calls
	cs.Usec, _ = keyValue(value, "usec")
	cs.RejectedCalls, _ = keyValue(value, "rejected_calls")
	cs.FailedCalls, _ = keyValue(value, "failed_calls")
	return cs, true
}

// keyValue returns the integer value of key in a "k=v,k=v" list.
func keyValue(list, key string) (int64, bool) {
	for kv := range strings.SplitSeq(list, ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k != key {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		return n, err == nil
	}
	return 0, false
}

// ClusterNodesSlots counts the hash slots of the node that answered CLUSTER
// NODES: those on its "myself" line ("0-5460", "5461", and not the
// "[slot->-node]" entries of slots being migrated in or out). ok is false
// when the reply has no myself line.
func ClusterNodesSlots(text string) (slots int64, ok bool) {
	for line := range strings.Lines(text) {
		fields := strings.Fields(line)
		if len(fields) < 8 || !hasFlag(fields[2], "myself") {
			continue
		}
		for _, r := range fields[8:] {
			if strings.HasPrefix(r, "[") {
				continue
			}
			lo, hi, isRange := strings.Cut(r, "-")
			a, err := strconv.ParseInt(lo, 10, 64)
			if err != nil {
				continue
			}
			b := a
			if isRange {
				if b, err = strconv.ParseInt(hi, 10, 64); err != nil || b < a {
					continue
				}
			}
			slots += b - a + 1
		}
		return slots, true
	}
	return 0, false
}

func hasFlag(flags, want string) bool {
	for f := range strings.SplitSeq(flags, ",") {
		if f == want {
			return true
		}
	}
	return false
}
