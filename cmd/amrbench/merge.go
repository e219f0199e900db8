package main

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/amrbench/amrbench/bench/entra"
	"github.com/amrbench/amrbench/internal/blobresults"
	"github.com/amrbench/amrbench/internal/cmdline"
	"github.com/amrbench/amrbench/internal/rundir"
	"github.com/amrbench/amrbench/internal/units"
	"github.com/amrbench/amrbench/report"
	"github.com/amrbench/amrbench/results"
	"github.com/amrbench/amrbench/results/blobstore"
	"github.com/amrbench/amrbench/results/merge"
)

const mergeSynopsis = `merge RESULT|DIR|URL... [-o DIR] [flags]

Merge the results of one test run from several machines (run --segment i/n, best started together
with --start-at) into one run directory, as if one machine had run the whole test. Intervals are
aligned by wall-clock time; counts are added and HdrHistograms added exactly, so the merged
percentiles are those of every operation of every machine, never an average of percentiles.

A URL names a container and prefix the segments wrote to (run --results-url, or the pods of
k8s-job): https://ACCOUNT.blob.core.windows.net/CONTAINER/PREFIX, every PREFIX/seg-i-of-n/result.jsonl
under it is read. With a SAS query no sign-in is needed; otherwise --entra-credential signs in.

The merge warns when the hosts' clocks disagree (each run reads its host's clock against the
server's). It refuses, naming them, when a segment is missing, given twice or of another split,
when one run is given twice, when the runs' configurations or start times differ, when a segment
began late or ended early (stopped, evicted or killed), since the merged load is then not one
test: --allow-partial merges it anyway, and the merged files keep every warning.

The merged run is judged as a run is (a segment's own verdict is partial) and merge exits with
its verdict's status: 98 errors above --max-error-rate, 99 an objective missed, 1 a rate not
offered.`

const mergeExamples = `  # three machines ran --segment 0/3, 1/3 and 2/3 with one --start-at; their run directories are here
  amrbench merge seg-0 seg-1 seg-2 -o b10-merged

  # result files work too, and the merged directory renders like any other
  amrbench merge vm1/result.jsonl vm2/result.jsonl -o merged
  amrbench report merged --format html -o merged.html

  # the segments of a Kubernetes Job (amrbench k8s-job), from their container
  amrbench merge https://myaccount.blob.core.windows.net/runs/b10-2026-11-23 -o b10
  amrbench merge "$SAS_URL" -o b10 --allow-partial     # one pod was evicted: merge the rest
`

func mergeCommand(ctx context.Context, env *environment, args []string) error {
	var out, credential string
	var percentiles []float64
	var allowPartial bool
	fs := newFlagSet(env, "merge", mergeSynopsis, mergeExamples)
	fs.StringVarP(&out, "out", "o", "", "run directory to write (default amrbench-results/<time>-merged-<label>)")
	fs.Var(cmdline.Percentiles(&percentiles), "print-percentiles", "percentile columns of the summary (default: the runs' own)")
	fs.BoolVar(&allowPartial, "allow-partial", false, "merge even when the runs are not one whole test (a segment missing, late or stopped early)")
	fs.StringVar(&credential, "entra-credential", entra.CredentialDefault, "Entra ID credential for a URL without a SAS: "+strings.Join(mergeCredentials, ", "))
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("name the result files, run directories or container URLs to merge")
	}
	if !slices.Contains(mergeCredentials, credential) {
		return usagef("--entra-credential %q: use one of %s", credential, strings.Join(mergeCredentials, ", "))
	}
	if out != "" {
		if err := checkFreeRunDirectory(out); err != nil { // before the work, not after
			return err
		}
	}
	var runs []results.NamedRun
	for _, name := range fs.Args() {
		if name == "-" {
			return usagef("merge reads files, not the standard input")
		}
		if blobstore.IsURL(name) {
			blobRuns, err := readBlobRuns(ctx, env, name, credential)
			if err != nil {
				return err
			}
			runs = append(runs, blobRuns...)
			continue
		}
		run, err := readResult(env, name)
		if err != nil {
			return err
		}
		runs = append(runs, results.NamedRun{Name: name, Run: run})
	}
	merged, warnings, err := merge.Runs(runs)
	for _, w := range warnings {
		fmt.Fprintf(env.stderr, "amrbench merge: warning: %s\n", w)
	}
	if err != nil {
		return err
	}
	if partial := merge.PartialWarnings(warnings); len(partial) > 0 && !allowPartial {
		return fmt.Errorf("the runs are not one whole test (%s): nothing written; --allow-partial merges them anyway", units.Plural(int64(len(partial)), "warning")+" above")
	}
	merged.Header.Tool = toolInfo()
	merged.Header.RunID = safeName(merged.Header.RunID)
	if len(percentiles) > 0 {
		merged.Header.Percentiles = percentiles
	}
	sum, err := merged.Summarize() // before the directory, so a failure leaves none
	if err != nil {
		return fmt.Errorf("the merged runs: %w", err)
	}
	setExitCode(sum)
	dir, _, err := runDirectory(out, merged.Header)
	if err != nil {
		return err
	}
	opts := renderOptions(env, outputPlan{percentiles: percentiles})
	files, err := rundir.WriteMerged(dir, merged, sum, opts)
	if err != nil {
		return err
	}
	if err := report.WriteSummary(env.stdout, merged, sum, percentiles); err != nil {
		return err
	}
	fmt.Fprintf(env.stderr, "amrbench: merged %d runs into %s: %s\n", len(runs), dir, strings.Join(files, ", "))
	// The test's verdict, from every segment together: its exit status is
	// the one run gives (a segment's own verdict is partial).
	return verdictError(sum.Verdict)
}

// mergeCredentials are the Entra ID credentials merge can sign in with: the
// ones that need no secret on the command line.
var mergeCredentials = []string{entra.CredentialDefault, entra.CredentialManagedIdentity, entra.CredentialWorkloadIdentity, entra.CredentialAzureCLI}

// readBlobRuns reads every segment kept under a container URL.
func readBlobRuns(ctx context.Context, env *environment, raw, credential string) ([]results.NamedRun, error) {
	loc, err := blobstore.ParseLocation(raw)
	if err != nil {
		return nil, usagef("%s: %w", redactURL(raw), err)
	}
	access := blobstore.Access{}
	if !loc.SAS {
		o := entra.CredentialOptions{Kind: credential}
		if credential == entra.CredentialWorkloadIdentity {
			o.ClientID, o.TenantID, o.TokenFilePath = env.getenv("AZURE_CLIENT_ID"), env.getenv("AZURE_TENANT_ID"), env.getenv("AZURE_FEDERATED_TOKEN_FILE")
		}
		if access.Credential, err = entra.NewCredential(o); err != nil {
			return nil, usagef("--entra-credential %s: %w", credential, err)
		}
	}
	return blobresults.ReadSegments(ctx, env.stderr, loc, access)
}

// redactURL returns a URL without its query, which may hold a signature.
func redactURL(raw string) string {
	before, _, _ := strings.Cut(raw, "?")
	return before
}
