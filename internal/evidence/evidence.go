package evidence

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/amrbench/amrbench/bench"
	"github.com/amrbench/amrbench/bench/azmonitor"
	"github.com/amrbench/amrbench/internal/live"
	"github.com/amrbench/amrbench/report/openmetrics"
	"github.com/amrbench/amrbench/results"
)

// Plan is the validated server-side evidence of a run.
type Plan struct {
	// MetricsAddr is the address to serve metrics on; empty: none.
	MetricsAddr string
	// Azure is the cache whose metrics are fetched after the run; nil:
	// none. AzureCred signs in to Azure Monitor, reached with AzureOpts,
	// AzureWait after the run's end.
	Azure     *azmonitor.Resource
	AzureCred azcore.TokenCredential
	AzureOpts azmonitor.Options
	AzureWait time.Duration
}

// Session is a run's server-side evidence while it runs: the live metrics
// endpoint, and what the Azure Monitor fetch after it needs.
type Session struct {
	plan     Plan
	exporter *openmetrics.Exporter
	stderr   io.Writer
}

// Start starts the live metrics endpoint, if the plan asks for one, and
// says where it is on stderr: a port in use fails the run before anything
// is written.
func Start(stderr io.Writer, plan Plan, h *results.Header) (*Session, error) {
	ev := &Session{plan: plan, stderr: stderr}
	if plan.MetricsAddr == "" {
		return ev, nil
	}
	ev.exporter = openmetrics.New(openmetrics.Labels{RunID: h.RunID, Label: h.Label, Segment: h.Segment})
	if err := ev.exporter.Listen(plan.MetricsAddr); err != nil {
		return nil, fmt.Errorf("--metrics-addr: %w", err)
	}
	fmt.Fprintf(stderr, "amrbench: live metrics at http://%s/metrics while the run lasts\n", ev.exporter.Addr())
	return ev, nil
}

// Close stops the metrics endpoint, once its scraper, if anything scrapes
// it, has collected the run's last records (openmetrics.AwaitScrape): the
// last interval ends after the scrape before it, and the scraper's totals
// must be the run's.
func (ev *Session) Close() {
	if ev == nil || ev.exporter == nil {
		return
	}
	if wait := ev.exporter.ScrapeWait(); wait > 0 {
		fmt.Fprintf(ev.stderr, "amrbench: keeping http://%s/metrics up for its next scrape (at most %s), so that it holds the run's final counts\n", ev.exporter.Addr(), wait.Round(100*time.Millisecond))
		ev.exporter.AwaitScrape(context.Background())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = ev.exporter.Close(ctx)
}

// Observe returns the observer of the run: obs, and the metrics endpoint
// beside it.
func (ev *Session) Observe(obs *live.Observer) bench.Observer {
	if ev.exporter == nil {
		return obs
	}
	return &exportingObserver{Observer: obs, exporter: ev.exporter}
}

// exportingObserver is the live observer that also feeds the metrics
// endpoint, after the record is written.
type exportingObserver struct {
	*live.Observer
	exporter *openmetrics.Exporter
}

func (o *exportingObserver) Interval(iv *results.Interval) error {
	if err := o.Observer.Interval(iv); err != nil {
		return err
	}
	return o.exporter.Interval(iv)
}

func (o *exportingObserver) Event(e *results.Event) error {
	if err := o.Observer.Event(e); err != nil {
		return err
	}
	return o.exporter.Event(e)
}

func (o *exportingObserver) ServerInterval(s *results.ServerInterval) error {
	if err := o.Observer.ServerInterval(s); err != nil {
		return err
	}
	return o.exporter.ServerInterval(s)
}

var (
	_ bench.ServerObserver = (*exportingObserver)(nil)
	_ bench.Progress       = (*exportingObserver)(nil)
)

// azureFetchTimeout bounds the whole Azure Monitor fetch.
const azureFetchTimeout = 2 * time.Minute

// FetchAzure reads the cache's Azure Monitor metrics for the run's window
// and appends them to the result file through w, saying what it got on
// stderr. A failure is said, and recorded, and the run's own results stand:
// nothing of them depends on it.
func (ev *Session) FetchAzure(ctx context.Context, stderr io.Writer, w *results.Writer, outcome bench.Outcome) {
	r := ev.plan.Azure
	if r == nil || outcome.Start.IsZero() {
		return
	}
	end := outcome.End
	if end.IsZero() {
		end = time.Now()
	}
	if wait := ev.plan.AzureWait - time.Since(end); wait > 0 && ctx.Err() == nil {
		fmt.Fprintf(stderr, "amrbench: waiting %s for Azure Monitor to publish the run's last minutes (--azure-wait; Ctrl-C fetches now)\n", wait.Round(time.Second))
		select {
		case <-time.After(wait):
		case <-ctx.Done():
		}
	}
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), azureFetchTimeout)
	defer cancel()
	rec, err := ev.fetch(fctx, *r, outcome.Start, end)
	if rec != nil {
		if werr := w.WriteAzureMetrics(rec); werr != nil {
			fmt.Fprintf(stderr, "amrbench: Azure Monitor metrics not written: %v\n", werr)
			return
		}
	}
	if err != nil {
		msg := fmt.Sprintf("Azure Monitor metrics missing: %v; the run's own results are complete", err)
		_ = w.WriteEvent(&results.Event{Time: time.Now(), Kind: results.EventWarning, Detail: msg})
		fmt.Fprintf(stderr, "amrbench: %s\n", msg)
		return
	}
	metrics := map[string]bool{}
	for _, s := range rec.Series {
		metrics[s.Metric] = true
	}
	line := fmt.Sprintf("Azure Monitor: %d metrics of %s from %s to %s", len(metrics), r.Name, rec.Start.Format("15:04"), rec.End.Format("15:04 MST"))
	if len(rec.Skipped) > 0 {
		var names []string
		for _, s := range rec.Skipped {
			names = append(names, s.Metric)
		}
		line += fmt.Sprintf("; skipped %s (see result.jsonl for why)", strings.Join(names, ", "))
	}
	fmt.Fprintf(stderr, "amrbench: %s\n", line)
}

// fetch makes the Azure Monitor client and fetches.
func (ev *Session) fetch(ctx context.Context, r azmonitor.Resource, start, end time.Time) (*results.AzureMetrics, error) {
	client, err := azmonitor.New(ev.plan.AzureCred, ev.plan.AzureOpts)
	if err != nil {
		return nil, err
	}
	return client.Fetch(ctx, r, start, end)
}
