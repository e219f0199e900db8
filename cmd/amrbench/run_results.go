package main

import (
	"fmt"
	"time"

	"github.com/amrbench/amrbench/bench"
	"github.com/amrbench/amrbench/bench/entra"
	"github.com/amrbench/amrbench/internal/k8sjob"
	"github.com/amrbench/amrbench/internal/stopsignal"
	"github.com/amrbench/amrbench/results"
	"github.com/amrbench/amrbench/results/blobstore"
)

// resultsPlan is where a run's results also go: a container.
type resultsPlan struct {
	loc    blobstore.Location
	access blobstore.Access
}

// planResults reads --results-url, or AMRBENCH_RESULTS_URL (how a pod of
// amrbench k8s-job gets it). A SAS URL authorizes by itself; otherwise the
// run's Entra ID credential serves storage too (its own scope), and a run
// that authenticates to the cache with a password uses Azure's default
// credential chain, which finds AKS workload identity and managed
// identities.
func (f *runFlags) planResults(env *environment, p *runPlan) error {
	raw, flag := f.resultsURL, "--results-url"
	if raw == "" {
		raw, flag = env.getenv(k8sjob.EnvResultsURL), k8sjob.EnvResultsURL
	}
	if raw == "" {
		return nil
	}
	loc, err := blobstore.ParseLocation(raw)
	if err != nil {
		return usagef("%s: %w", flag, err)
	}
	rp := &resultsPlan{loc: loc}
	if !loc.SAS {
		if p.cfg.Target.Auth == bench.AuthEntra {
			rp.access.Credential = p.cfg.Target.Entra.TokenCredential
		} else if rp.access.Credential, err = entra.NewCredential(entra.CredentialOptions{Kind: entra.CredentialDefault}); err != nil {
			return usagef("%s: no credential for the container: %w", flag, err)
		}
	}
	p.results = rp
	return nil
}

// openSink starts the sink of the run's result file, or returns nil when
// the run has no --results-url.
func openSink(p *runPlan, h *results.Header) (*blobstore.Sink, error) {
	if p.results == nil {
		return nil, nil
	}
	sink, err := blobstore.NewSink(p.results.loc, p.results.access, blobstore.SinkOptions{Segment: p.cfg.Segment, RunID: h.RunID})
	if err != nil {
		return nil, fmt.Errorf("--results-url %s: %w", p.results.loc, err)
	}
	return sink, nil
}

// stoppedEarly is a run stopped by a signal before its planned end: SIGTERM
// exits 143, SIGINT (Ctrl-C) 0, as documented; err is what else went wrong.
type stoppedEarly struct {
	stop stopsignal.Stop
	err  error
}

func (s stoppedEarly) Error() string {
	if s.err != nil {
		return s.err.Error()
	}
	return "stopped by " + stopsignal.Name(s.stop.Signal) + " before the planned end"
}

func (s stoppedEarly) Unwrap() error { return s.err }

// plannedEnd returns when the measured window is planned to end, or the
// zero time when only the run can tell (a request count, steps).
func plannedEnd(cfg bench.Config, measured time.Time) time.Time {
	if cfg.Duration <= 0 || cfg.Steps() || cfg.Requests > 0 || measured.IsZero() {
		return time.Time{}
	}
	return measured.Add(cfg.Duration)
}
