package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/amrbench/amrbench/internal/benchtest"
	"github.com/amrbench/amrbench/results/segment"
)

func TestCheckJobIndex(t *testing.T) {
	t.Parallel()
	tests := []struct {
		index string
		seg   segment.Segment
		want  string
	}{
		{"", segment.Segment{Index: 2, Count: 3}, ""},
		{"2", segment.Segment{Index: 2, Count: 3}, ""},
		{"1", segment.Segment{Index: 2, Count: 3}, "--segment 2/3 disagrees with JOB_COMPLETION_INDEX 1: a pod of an Indexed Job runs --segment $(JOB_COMPLETION_INDEX)/3"},
		{"x", segment.Segment{Index: 0, Count: 3}, `JOB_COMPLETION_INDEX "x" is not an index`},
	}
	for _, tt := range tests {
		env := &environment{getenv: func(k string) string { return map[string]string{"JOB_COMPLETION_INDEX": tt.index}[k] }}
		err := checkJobIndex(env, tt.seg)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%q with %s: %v", tt.index, tt.seg, err)
		case tt.want != "" && (err == nil || err.Error() != tt.want):
			t.Errorf("%q with %s: %v, want %q", tt.index, tt.seg, err, tt.want)
		case tt.want != "":
			if _, ok := err.(usageError); !ok {
				t.Errorf("%q: %T is not a usage error", tt.index, err)
			}
		}
	}
}

func TestPodPlacement(t *testing.T) {
	t.Parallel()
	env := &environment{getenv: func(k string) string {
		return map[string]string{"AMRBENCH_NODE_NAME": "aks-loadgen-1", "AMRBENCH_POD_NAME": "bench-1-x7k2p"}[k]
	}}
	if node, pod := podPlacement(env); node != "aks-loadgen-1" || pod != "bench-1-x7k2p" {
		t.Fatalf("node %q pod %q", node, pod)
	}
}

func TestRunInAPod(t *testing.T) {
	t.Parallel()
	s := benchtest.StartServer(t)
	t.Run("the header names the node and the pod", func(t *testing.T) {
		t.Parallel()
		dir := filepath.Join(t.TempDir(), "out")
		env := map[string]string{"AMRBENCH_NODE_NAME": "aks-loadgen-1", "AMRBENCH_POD_NAME": "bench-1-x7k2p", "JOB_COMPLETION_INDEX": "1"}
		res := cli(t, env, runArgs(s, "-n", "300", "--connections", "4", "--segment", "1/2", "--out", dir, "-q")...)
		if res.code != exitOK {
			t.Fatalf("exit %d: %s", res.code, res.stderr)
		}
		h := readRun(t, dir).Header
		if h.Node != "aks-loadgen-1" || h.Pod != "bench-1-x7k2p" || h.Segment != "1/2" {
			t.Fatalf("header node %q pod %q segment %q", h.Node, h.Pod, h.Segment)
		}
	})
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"an index that disagrees with --segment", map[string]string{"JOB_COMPLETION_INDEX": "2"}, []string{"--segment", "1/3"},
			"--segment 1/3 disagrees with JOB_COMPLETION_INDEX 2"},
		{"a results URL that is not one", nil, []string{"--results-url", "https://acct.blob.core.windows.net/"}, "--results-url: https://acct.blob.core.windows.net/ names no container"},
		{"a results URL from the environment", map[string]string{"AMRBENCH_RESULTS_URL": "http://acct.blob.core.windows.net/runs?sig=c2VjcmV0"}, nil,
			"AMRBENCH_RESULTS_URL: not https"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := cli(t, tt.env, runArgs(s, append([]string{"-n", "100", "--out", filepath.Join(t.TempDir(), "out")}, tt.args...)...)...)
			if res.code != exitUsage || !strings.Contains(res.stderr, tt.want) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", res.code, res.stderr, exitUsage, tt.want)
			}
			if strings.Contains(res.stderr, "c2VjcmV0") || strings.Count(strings.TrimSpace(res.stderr), "\n") != 0 {
				t.Fatalf("want one line and no signature: %q", res.stderr)
			}
		})
	}
}
