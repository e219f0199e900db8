package bench

import (
	"strings"
	"testing"

	"github.com/amrbench/amrbench/bench/cluster"
)

func TestCheckGivenPolicy(t *testing.T) {
	oss := cluster.Finding{Policy: cluster.PolicyOSS, Reason: "3 shards", Shards: 3}
	single := cluster.Finding{Policy: cluster.PolicyNonClustered, Reason: "cluster support is disabled"}
	tests := []struct {
		name        string
		given       cluster.Policy
		found       cluster.Finding
		findErr     error
		wantWarning string
		wantErr     string
	}{
		{"oss for a cluster", cluster.PolicyOSS, oss, nil, "", ""},
		{"oss for a plain server fails", cluster.PolicyOSS, single, nil, "", "not an OSS cluster"},
		{"oss when nobody answered fails", cluster.PolicyOSS, cluster.Finding{}, cluster.ErrNoAnswer, "", "target.cluster_policy oss"},
		{"enterprise for a cluster warns of MOVED", cluster.PolicyEnterprise, oss, nil, "MOVED", ""},
		{"non-clustered for a single-shard cluster is fine", cluster.PolicyNonClustered, cluster.Finding{Policy: cluster.PolicyOSS, Shards: 1}, nil, "", ""},
		{"enterprise for a proxy", cluster.PolicyEnterprise, cluster.Finding{Policy: cluster.PolicyEnterprise}, nil, "", ""},
		{"enterprise when the question failed", cluster.PolicyEnterprise, cluster.Finding{}, cluster.ErrNoAnswer, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			warning, err := checkGivenPolicy(tt.given, tt.found, tt.findErr)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			text := ""
			if warning != nil {
				text = warning.Error()
			}
			if (tt.wantWarning == "") != (text == "") || !strings.Contains(text, tt.wantWarning) {
				t.Fatalf("warning %q, want %q", text, tt.wantWarning)
			}
		})
	}
}
