package live

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/amrbench/amrbench/bench"
	"github.com/amrbench/amrbench/internal/units"
	"github.com/amrbench/amrbench/report"
	"github.com/amrbench/amrbench/results"
)

// Options are what an Observer writes to and shows.
type Options struct {
	// Stderr is where the lines and bars go; Terminal says it is a
	// terminal (bars), not a pipe, a file or a CI log (plain lines).
	Stderr   io.Writer
	Terminal bool
	// Header is the run's; Writer the result file the records go to.
	Header *results.Header
	Writer *results.Writer
	// Quiet prints only warnings and unreachable endpoints.
	Quiet bool
	// Duration or Requests is what ends the measured window: its length,
	// or a number of operations (from all segments' connections when the
	// run is split); zero for neither.
	Duration time.Duration
	Requests int64
}

// Observer writes every record to the result file as it is finalized and
// tells the user how the run goes: a live line per interval, notable
// events, and progress bars for the long stages before the measured window.
// On a terminal, a bar under the live lines also shows how far the measured
// window has come; elsewhere (a pipe, a file, a CI log) every line is plain,
// with no carriage returns or escape codes.
type Observer struct {
	stderr   io.Writer
	terminal bool
	header   *results.Header
	writer   *results.Writer
	quiet    bool
	duration time.Duration
	requests int64

	mu       sync.Mutex
	bar      *progressbar.ProgressBar
	barStage string
	// stageStart is when the current stage began; stageDone is set once its
	// last line is printed.
	stageStart time.Time
	stageDone  bool
	// lastDecile is the last tenth of a stage printed as a plain line, for
	// output that is not a terminal.
	lastDecile int64
	// runBar shows the measured window's progress on a terminal; measuredOps
	// counts the operations of the measured window so far.
	runBar      *progressbar.ProgressBar
	measuredOps int64
	// unreachable are the endpoints (or shards) every connection to which
	// failed, until one opens again: the live line says so.
	unreachable []string
}

var (
	_ bench.Observer       = (*Observer)(nil)
	_ bench.Progress       = (*Observer)(nil)
	_ bench.ServerObserver = (*Observer)(nil)
)

// connectProgressMin is the number of connections from which opening them is
// worth a progress display.
const connectProgressMin = 500

// New returns the observer of one run.
func New(o Options) *Observer {
	return &Observer{stderr: o.Stderr, terminal: o.Terminal, header: o.Header, writer: o.Writer, quiet: o.Quiet,
		lastDecile: -1, duration: o.Duration, requests: o.Requests}
}

// Interval writes the interval, then prints its live line.
func (o *Observer) Interval(iv *results.Interval) error {
	if err := o.writer.WriteInterval(iv); err != nil {
		return err
	}
	if o.quiet {
		return nil
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.endBar()
	o.clearRunBar()
	line := report.LiveLine(o.header, iv)
	if len(o.unreachable) > 0 {
		line += "  UNREACHABLE " + strings.Join(o.unreachable, ", ") + ": reconnecting"
	}
	fmt.Fprintln(o.stderr, line)
	if iv.Measured() {
		for _, cs := range iv.Commands {
			o.measuredOps += cs.Count
		}
		o.drawRunBar(iv)
	}
	return nil
}

// runBarScale is the run bar's unit for a run bounded by time.
const runBarScale = time.Millisecond

// drawRunBar shows, on a terminal, how much of the measured window is done.
// Callers hold o.mu.
func (o *Observer) drawRunBar(iv *results.Interval) {
	if !o.terminal || (o.duration <= 0 && o.requests <= 0) {
		return
	}
	var done, total int64
	var text string
	if o.duration > 0 {
		elapsed := min(iv.End.Sub(o.measuredStart(iv)), o.duration)
		done, total = int64(elapsed/runBarScale), int64(o.duration/runBarScale)
		text = fmt.Sprintf("measured %s of %s", elapsed.Round(100*time.Millisecond), o.duration)
	} else {
		done, total = min(o.measuredOps, o.requests), o.requests
		text = fmt.Sprintf("measured %s of %s operations", units.FormatInt(done), units.FormatInt(total))
	}
	if done >= total { // the run is over: the live line says the rest
		return
	}
	o.runBar = progressbar.NewOptions64(max(total, 1),
		progressbar.OptionSetWriter(o.stderr),
		progressbar.OptionSetDescription(text),
		progressbar.OptionThrottle(0),
		progressbar.OptionSetPredictTime(false),
		progressbar.OptionSetWidth(30),
		progressbar.OptionClearOnFinish(),
	)
	if done > 0 {
		_ = o.runBar.Set64(done) // draws it
	} else {
		_ = o.runBar.RenderBlank()
	}
}

// measuredStart returns where interval 0 begins, from an interval of the
// measured window.
func (o *Observer) measuredStart(iv *results.Interval) time.Time {
	if !o.header.StartAt.IsZero() {
		return o.header.StartAt
	}
	return iv.End.Add(-time.Duration(float64(iv.Index+1) * o.header.IntervalS * float64(time.Second)))
}

// clearRunBar removes the run bar from the screen before a line is printed.
// Callers hold o.mu.
func (o *Observer) clearRunBar() {
	if o.runBar != nil {
		_ = o.runBar.Clear()
		o.runBar = nil
	}
}

// Event writes the event and prints the ones people should see at once.
func (o *Observer) Event(e *results.Event) error {
	if err := o.writer.WriteEvent(e); err != nil {
		return err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if addr, _, ok := strings.Cut(e.Detail, ": "); ok {
		switch e.Kind {
		case results.EventUnreachable:
			if !slices.Contains(o.unreachable, addr) {
				o.unreachable = append(o.unreachable, addr)
			}
		case results.EventReachable:
			o.unreachable = slices.DeleteFunc(o.unreachable, func(a string) bool { return a == addr })
		}
	}
	if e.Kind == results.EventReplyWait || o.quiet && e.Kind != results.EventWarning && e.Kind != results.EventUnreachable {
		return nil // how amrbench waited for replies is for result.jsonl
	}
	o.endBar()
	o.clearRunBar()
	fmt.Fprintf(o.stderr, "amrbench: %s: %s\n", e.Kind, e.Detail)
	return nil
}

// Progress draws a progress bar on a terminal, and a line per tenth
// otherwise.
func (o *Observer) Progress(stage string, done, total int64) {
	if o.quiet || total <= 0 || (stage == bench.StageConnect && total < connectProgressMin) {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	title := map[string]string{bench.StageConnect: "opening connections", bench.StagePreload: "preloading keys"}[stage]
	if stage != o.barStage {
		o.endBar()
		o.barStage, o.lastDecile, o.stageStart, o.stageDone = stage, -1, time.Now(), false
	}
	if done >= total {
		o.endBar()
		if !o.stageDone {
			o.stageDone = true
			took := time.Since(o.stageStart)
			done := map[string]string{bench.StageConnect: "opened %s connections in %s", bench.StagePreload: "preloaded %s keys in %s, before the measured run"}[stage]
			fmt.Fprintf(o.stderr, "amrbench: "+done+"\n", units.FormatWhole(float64(total)), fmt.Sprintf("%.1f s", took.Seconds()))
		}
		return
	}
	if !o.terminal {
		// A line per tenth, for a stage long enough to wait for.
		decile := done * 10 / total
		if decile > o.lastDecile && time.Since(o.stageStart) >= plainProgressAfter {
			o.lastDecile = decile
			fmt.Fprintf(o.stderr, "amrbench: %s: %s of %s (%d%%)\n", title, units.FormatWhole(float64(done)), units.FormatWhole(float64(total)), decile*10)
		}
		return
	}
	if o.bar == nil {
		o.bar = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(o.stderr),
			progressbar.OptionSetDescription(title),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString(map[string]string{bench.StageConnect: "conns", bench.StagePreload: "keys"}[stage]),
			progressbar.OptionThrottle(100_000_000),
			progressbar.OptionClearOnFinish(),
		)
		_ = o.bar.RenderBlank() // starts the bar's clock, so its rate counts from here
	}
	_ = o.bar.Set64(done)
}

// plainProgressAfter is how long a stage runs before a plain output (not a
// terminal) gets its progress lines: a short preload needs none.
const plainProgressAfter = 2 * time.Second

// endBar removes a progress bar from the screen. Callers hold o.mu.
func (o *Observer) endBar() {
	if o.bar != nil {
		_ = o.bar.Finish()
		o.bar = nil
	}
}

// ServerInterval writes the servers' record of an interval.
func (o *Observer) ServerInterval(s *results.ServerInterval) error {
	return o.writer.WriteServer(s)
}

// Finish clears any progress bar left on the screen.
func (o *Observer) Finish() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.endBar()
	o.clearRunBar()
}
