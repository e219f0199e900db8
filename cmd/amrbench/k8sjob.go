package main

import (
	"context"
	"fmt"
	"time"

	"github.com/amrbench/amrbench/bench"
	"github.com/amrbench/amrbench/internal/k8sjob"
	"github.com/amrbench/amrbench/internal/k8sjobflags"
)

const k8sJobSynopsis = `k8s-job --segments N --image REF (--results-url URL | --results-url-secret NAME/KEY) [flags] -- RUN FLAGS

Print a Kubernetes Job (batch/v1) and its ServiceAccount that run one test from N pods, one per
node, for 'kubectl apply -f -'. Pod i runs 'amrbench run --segment i/N --start-at T RUN FLAGS':
an Indexed Job with completions = parallelism = N, one literal start time for every pod, no retry
of a segment (a retried segment would start late), a pod failure policy that fails an index at
once on amrbench's failure exit codes and ignores disruptions (an evicted pod is replaced, and its
replacement, too late for T, fails its index), a deadline, and clean-up after a day. Each pod
appends every finished interval to PREFIX/seg-i-of-N/result.jsonl in the container; merge them
with 'amrbench merge URL'. A segment's verdict is partial: the pods run with --verdict-exit=false,
so the Job completes when every segment measured its share, and merge exits with the test's
verdict (0, 98, 99).

The run flags are checked here, with run's own parser, so a bad flag fails once and not in N pods.
No secret ever goes into the manifest: an access key comes from a Secret (--password-secret), a
SAS URL from a Secret (--results-url-secret), and Entra ID (AKS workload identity) needs none.`

const k8sJobExamples = `  # three pods against an access-key cache, results to a container via workload identity
  amrbench k8s-job --segments 3 --image myregistry.azurecr.io/amrbench@sha256:... \
      --client-id 00000000-0000-0000-0000-000000000000 --password-secret cache-key/key \
      --results-url https://myaccount.blob.core.windows.net/runs/b10-2026-11-23 \
      --node-selector agentpool=loadgen --toleration dedicated=loadgen:NoSchedule \
      -- -s mycache.westeurope.redis.azure.net --connections 1200 --duration 5m | kubectl apply -f -
  kubectl wait --for=condition=complete job/amrbench-20261123-120000 --timeout=20m
  amrbench merge https://myaccount.blob.core.windows.net/runs/b10-2026-11-23 -o b10

  # Entra ID for the cache too, and a SAS URL kept in a Secret
  kubectl create secret generic results-sas --from-literal=url="$SAS_URL"
  amrbench k8s-job --segments 8 --image REF --client-id $CLIENT_ID --results-url-secret results-sas/url \
      -- -s mycache.westeurope.redis.azure.net --entra-credential workload-identity --duration 10m
`

// jobFailureExitCodes are the exit statuses with which a segment says it
// could not measure its share: it could not be done (1), its flags or its
// start were wrong (2: a replacement pod too late for --start-at), or it was
// stopped before its end (143). The pod failure policy fails the segment's
// index at once on any of them (a retried segment would start after
// --start-at). A segment's verdict (98, 99) is not among them: the pods run
// with --verdict-exit=false, so a segment that measured completes, and the
// test's verdict is merge's, from every segment together.
var jobFailureExitCodes = []int{exitFailed, exitUsage, exitTerminated}

func k8sJobCommand(_ context.Context, env *environment, args []string) error {
	var f k8sjobflags.Flags
	fs := newFlagSet(env, "k8s-job", k8sJobSynopsis, k8sJobExamples)
	f.Register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.ArgsLenAtDash() < 0 && fs.NArg() > 0 {
		return usagef("unexpected argument %q: the run flags follow --", fs.Arg(0))
	}
	if fs.ArgsLenAtDash() > 0 {
		return usagef("unexpected argument %q before --", fs.Arg(0))
	}
	spec, err := f.Job(env.clock(), jobRun(env), fs.Args())
	if err != nil {
		return usageError{err}
	}
	spec.FailureExitCodes = jobFailureExitCodes
	if !k8sjob.IsImageDigest(spec.Image) {
		fmt.Fprintf(env.stderr, "amrbench k8s-job: warning: --image %s is not a digest: a tag can move while the pods pull it, so they may not run one build\n", spec.Image)
	}
	return k8sjob.Write(env.stdout, spec)
}

// jobRun is run's side of k8s-job: run's own parser and planner, which
// check the run flags as each pod will see them.
func jobRun(env *environment) k8sjobflags.Run {
	var rf runFlags
	fs := newFlagSet(env, "run", runSynopsis, runExamples)
	rf.register(fs)
	return k8sjobflags.Run{
		Flags: fs,
		URIHasPassword: func(uri string) bool {
			u, err := parseRedisURI(uri)
			return err == nil && u.password != ""
		},
		Plan: func(segment, startAt string, getenv func(string) string) (bench.Config, bool, error) {
			rf.segment, rf.startAt = segment, startAt
			p, err := rf.plan(fs, &environment{stdout: env.stdout, stderr: env.stderr, getenv: getenv, now: env.now})
			if err != nil {
				return bench.Config{}, false, err
			}
			return p.cfg, p.embedded, nil
		},
	}
}

// clock returns the environment's time.
func (e *environment) clock() time.Time {
	if e.now != nil {
		return e.now()
	}
	return time.Now()
}
