package main

import (
	"fmt"
	"sync"

	"github.com/schollz/progressbar/v3"

	"github.com/amrbench/amrbench/bench"
	"github.com/amrbench/amrbench/report"
	"github.com/amrbench/amrbench/results"
)

// liveObserver writes every record to the result file as it is finalized
// and tells the user how the run goes: a live line per interval, notable
// events, and progress bars for the long stages before the measured window.
type liveObserver struct {
	env    *environment
	header *results.Header
	writer *results.Writer
	quiet  bool

	mu       sync.Mutex
	bar      *progressbar.ProgressBar
	barStage string
	// lastDecile is the last tenth of a stage printed as a plain line, for
	// output that is not a terminal.
	lastDecile int64
}

var _ bench.Observer = (*liveObserver)(nil)
var _ bench.Progress = (*liveObserver)(nil)

// connectProgressMin is the number of connections from which opening them is
// worth a progress display.
const connectProgressMin = 500

func newLiveObserver(env *environment, h *results.Header, w *results.Writer, quiet bool) *liveObserver {
	return &liveObserver{env: env, header: h, writer: w, quiet: quiet, lastDecile: -1}
}

// Interval writes the interval, then prints its live line.
func (o *liveObserver) Interval(iv *results.Interval) error {
	if err := o.writer.WriteInterval(iv); err != nil {
		return err
	}
	if o.quiet {
		return nil
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.endBar()
	fmt.Fprintln(o.env.stderr, report.LiveLine(o.header, iv))
	return nil
}

// Event writes the event and prints the ones people should see at once.
func (o *liveObserver) Event(e *results.Event) error {
	if err := o.writer.WriteEvent(e); err != nil {
		return err
	}
	if o.quiet && e.Kind != results.EventWarning {
		return nil
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.endBar()
	fmt.Fprintf(o.env.stderr, "amrbench: %s: %s\n", e.Kind, e.Detail)
	return nil
}

// Progress draws a progress bar on a terminal, and a line per tenth
// otherwise.
func (o *liveObserver) Progress(stage string, done, total int64) {
	if o.quiet || total <= 0 || (stage == bench.StageConnect && total < connectProgressMin) {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	title := map[string]string{bench.StageConnect: "opening connections", bench.StagePreload: "preloading keys"}[stage]
	if !o.env.stderrIsTerminal {
		decile := done * 10 / total
		if stage != o.barStage {
			o.barStage, o.lastDecile = stage, -1
		}
		if decile > o.lastDecile {
			o.lastDecile = decile
			fmt.Fprintf(o.env.stderr, "amrbench: %s: %d of %d (%d%%)\n", title, done, total, decile*10)
		}
		return
	}
	if o.bar == nil || o.barStage != stage {
		o.endBar()
		o.barStage = stage
		o.bar = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(o.env.stderr),
			progressbar.OptionSetDescription(title),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString(map[string]string{bench.StageConnect: "conns", bench.StagePreload: "keys"}[stage]),
			progressbar.OptionThrottle(100_000_000),
			progressbar.OptionClearOnFinish(),
		)
	}
	_ = o.bar.Set64(done)
	if done >= total {
		o.endBar()
	}
}

// endBar removes a progress bar from the screen. Callers hold o.mu.
func (o *liveObserver) endBar() {
	if o.bar != nil {
		_ = o.bar.Finish()
		o.bar = nil
	}
}

// finish clears any progress bar left on the screen.
func (o *liveObserver) finish() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.endBar()
}
