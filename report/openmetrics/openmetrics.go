package openmetrics

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/amrbench/amrbench/results"
)

// DefaultPort is the port --metrics-addr binds when it names none.
const DefaultPort = "9464"

// Labels name the run in every series.
type Labels struct {
	RunID, Label, Segment string
}

// quantiles are the latency quantiles of the last interval, as gauges.
var quantiles = []float64{0.5, 0.9, 0.99, 0.999, 1}

// buckets are the upper bounds, in seconds, of the latency histograms.
var buckets = []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// Exporter holds what the run's records add up to and serves it. Its
// Interval, ServerInterval and Event methods may be called from several
// goroutines; each takes a lock only long enough to add a record's counts.
type Exporter struct {
	labels prometheus.Labels
	reg    *prometheus.Registry

	mu       sync.Mutex
	commands map[string]*commandState
	shards   map[string]*shardState
	servers  map[string]*serverState
	events   map[string]float64
	totals   struct {
		intervals, lateStarts, reconnects float64
	}
	last *results.Interval // the latest interval, warmup included
	// records counts the records added, collected the count the latest
	// scrape held; scrapes, lastScrape and longestGap describe the
	// scraper's pace, and scraped is told of each scrape (AwaitScrape).
	records, collected uint64
	scrapes            int
	lastScrape         time.Time
	longestGap         time.Duration
	scraped            chan struct{}

	srv *http.Server
	ln  net.Listener
}

// commandState is one command's totals over the measured intervals.
type commandState struct {
	count, hits, misses, sent, received float64
	errors                              map[results.ErrorClass]float64
	response, service                   latencyBuckets
}

// latencyBuckets is a cumulative latency histogram in Prometheus' buckets.
type latencyBuckets struct {
	counts   []uint64 // per bucket, not cumulative; the last is +Inf
	sum      float64  // seconds
	observed uint64
}

type shardState struct {
	count  float64
	errors map[results.ErrorClass]float64
}

// serverState is one server's latest levels and its counts' totals.
type serverState struct {
	last   *results.ServerSample
	counts map[string]float64
	calls  map[string]float64
}

// New returns an exporter for the run named by labels, with the Go
// runtime's and the process's own metrics (the client's CPU and memory)
// beside the run's.
func New(labels Labels) *Exporter {
	e := &Exporter{
		labels:   prometheus.Labels{"run_id": labels.RunID, "label": labels.Label, "segment": labels.Segment},
		reg:      prometheus.NewRegistry(),
		commands: map[string]*commandState{},
		shards:   map[string]*shardState{},
		servers:  map[string]*serverState{},
		events:   map[string]float64{},
		scraped:  make(chan struct{}, 1),
	}
	e.reg.MustRegister((*collector)(e))
	wrapped := prometheus.WrapRegistererWith(e.labels, e.reg)
	wrapped.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return e
}

// ListenAddr returns the address to listen on for a --metrics-addr value:
// a missing host means loopback (127.0.0.1), so the endpoint is reachable
// from other machines only when asked for ("0.0.0.0:9464"); a missing port
// means DefaultPort.
func ListenAddr(value string) (string, error) {
	host, port, err := net.SplitHostPort(value)
	if err != nil {
		// A bare host or port.
		if _, perr := net.LookupPort("tcp", value); perr == nil {
			host, port = "", value
		} else {
			host, port = value, DefaultPort
		}
	}
	if host == "" {
		host = "127.0.0.1"
	}
	if port == "" {
		port = DefaultPort
	}
	if _, err := net.LookupPort("tcp", port); err != nil {
		return "", fmt.Errorf("%q: the port %q is not a port", value, port)
	}
	return net.JoinHostPort(host, port), nil
}

// Listen binds addr (see ListenAddr) and starts serving /metrics in the
// background. A port in use is an error that says so.
func (e *Exporter) Listen(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) && op.Err != nil {
			return fmt.Errorf("listen on %s: %w", addr, op.Err)
		}
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(e.reg, promhttp.HandlerOpts{EnableOpenMetrics: true}))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintln(w, "amrbench: this run's metrics are at /metrics")
	})
	e.ln = ln
	e.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = e.srv.Serve(ln) }()
	return nil
}

// Addr returns the address the exporter listens on, once Listen succeeded.
func (e *Exporter) Addr() string {
	if e.ln == nil {
		return ""
	}
	return e.ln.Addr().String()
}

// MaxScrapeWait bounds AwaitScrape: a scraper slower than this is not
// waited for.
const MaxScrapeWait = 30 * time.Second

// firstScrapeWait is how long AwaitScrape waits when only one scrape was
// seen, which says nothing of the scraper's pace.
const firstScrapeWait = 5 * time.Second

// ScrapeWait says how long AwaitScrape would wait for a scrape holding every
// record added: zero when the latest scrape holds them all or nothing ever
// scraped; else one and a half times the longest gap between the scrapes
// seen (firstScrapeWait after a single one), at most MaxScrapeWait.
func (e *Exporter) ScrapeWait() time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	switch {
	case e.scrapes == 0 || e.collected == e.records:
		return 0
	case e.scrapes == 1:
		return firstScrapeWait
	}
	return min(e.longestGap*3/2, MaxScrapeWait)
}

// AwaitScrape waits, when something scrapes the endpoint, until a scrape
// has collected every record added so far, so that the scraper's totals at
// the end of a run are the run's: the run's last interval ends after the
// scrape before it, and a scraper that never came back would miss it. It
// waits ScrapeWait at most, and not past ctx; it reports whether the last
// records were scraped (or nothing was ever scraped).
func (e *Exporter) AwaitScrape(ctx context.Context) bool {
	wait := e.ScrapeWait()
	if wait == 0 {
		return true
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		select {
		case <-e.scraped:
			e.mu.Lock()
			done := e.collected == e.records
			e.mu.Unlock()
			if done {
				return true
			}
		case <-timer.C:
			return false
		case <-ctx.Done():
			return false
		}
	}
}

// noteScrape records a scrape, under the lock: what it holds and when.
func (e *Exporter) noteScrape(now time.Time) {
	if e.scrapes > 0 {
		e.longestGap = max(e.longestGap, now.Sub(e.lastScrape))
	}
	e.scrapes++
	e.lastScrape = now
	e.collected = e.records
	select {
	case e.scraped <- struct{}{}:
	default:
	}
}

// Close stops serving, waiting for scrapes in progress until ctx is done.
func (e *Exporter) Close(ctx context.Context) error {
	if e.srv == nil {
		return nil
	}
	return e.srv.Shutdown(ctx)
}

// Interval adds a finished interval: its counts to the totals when it is
// measured, and its rates and latencies to the latest-interval gauges.
func (e *Exporter) Interval(iv *results.Interval) error {
	// Bucket the histograms before taking the lock: a scrape never waits
	// for this.
	type bucketed struct{ response, service latencyBuckets }
	var hists map[string]bucketed
	if iv.Measured() {
		hists = make(map[string]bucketed, len(iv.Commands))
		for name, cs := range iv.Commands {
			hists[name] = bucketed{bucketize(cs.Response), bucketize(cs.Service)}
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.records++
	e.last = iv
	if !iv.Measured() {
		return nil
	}
	e.totals.intervals++
	e.totals.lateStarts += float64(iv.LateStarts)
	e.totals.reconnects += float64(iv.Reconnects)
	for name, cs := range iv.Commands {
		st := e.commands[name]
		if st == nil {
			st = &commandState{errors: map[results.ErrorClass]float64{}}
			e.commands[name] = st
		}
		st.count += float64(cs.Count)
		st.hits += float64(cs.Hits)
		st.misses += float64(cs.Misses)
		st.sent += float64(cs.BytesSent)
		st.received += float64(cs.BytesReceived)
		for class, n := range cs.Errors {
			st.errors[class] += float64(n)
		}
		st.response.add(hists[name].response)
		st.service.add(hists[name].service)
	}
	for addr, ss := range iv.Shards {
		st := e.shards[addr]
		if st == nil {
			st = &shardState{errors: map[results.ErrorClass]float64{}}
			e.shards[addr] = st
		}
		st.count += float64(ss.Count)
		for class, n := range ss.Errors {
			st.errors[class] += float64(n)
		}
	}
	return nil
}

// ServerInterval adds the servers' samples of one interval.
func (e *Exporter) ServerInterval(s *results.ServerInterval) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.records++
	for addr, sample := range s.Servers {
		st := e.servers[addr]
		if st == nil {
			st = &serverState{counts: map[string]float64{}, calls: map[string]float64{}}
			e.servers[addr] = st
		}
		st.last = sample
		for _, c := range serverCounters {
			if v := c.value(sample); v != nil {
				st.counts[c.name] += float64(*v)
			}
		}
		for name, cs := range sample.Commands {
			st.calls[name] += float64(cs.Calls)
		}
	}
	return nil
}

// Event counts the run's events by kind.
func (e *Exporter) Event(ev *results.Event) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.records++
	n := float64(max(ev.Count, 1))
	e.events[ev.Kind] += n
	return nil
}

// bucketize counts a histogram's values into Prometheus' buckets, by each
// HdrHistogram bucket's lowest value (within its 0.1 % precision of every
// value it holds).
func bucketize(h *results.Histogram) latencyBuckets {
	b := latencyBuckets{counts: make([]uint64, len(buckets)+1)}
	if h.Empty() {
		return b
	}
	for value, count := range h.ForEachBucket {
		i := sort.SearchFloat64s(buckets, float64(value)/1e6)
		b.counts[i] += uint64(count)
	}
	b.observed = uint64(h.TotalCount())
	b.sum = h.Mean() * float64(h.TotalCount()) / 1e6
	return b
}

func (b *latencyBuckets) add(o latencyBuckets) {
	if b.counts == nil {
		b.counts = make([]uint64, len(buckets)+1)
	}
	for i, n := range o.counts {
		b.counts[i] += n
	}
	b.sum += o.sum
	b.observed += o.observed
}

// cumulative returns the histogram as Prometheus' cumulative buckets.
func (b *latencyBuckets) cumulative() map[float64]uint64 {
	out := make(map[float64]uint64, len(buckets))
	var acc uint64
	for i, le := range buckets {
		if b.counts != nil {
			acc += b.counts[i]
		}
		out[le] = acc
	}
	return out
}
