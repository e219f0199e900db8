package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/amrbench/amrbench/internal/units"
	"github.com/amrbench/amrbench/results"
)

// connectPace lets connection i start opening at start + i/rate: at most
// rate connections a second (--connect-rate); a zero rate never waits.
type connectPace struct {
	rate  float64
	start time.Time
}

func newConnectPace(rate float64, start time.Time) connectPace {
	return connectPace{rate: rate, start: start}
}

// at is when connection i may start opening.
func (p connectPace) at(i int) time.Time {
	return p.start.Add(time.Duration(float64(i) / p.rate * float64(time.Second)))
}

// wait waits until connection i may start opening; false if ctx ended
// first.
func (p connectPace) wait(ctx context.Context, i int) bool {
	if p.rate <= 0 {
		return ctx.Err() == nil
	}
	d := time.Until(p.at(i))
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// connectEvent tells how long opening n connections took, and at what
// pace.
func connectEvent(cfg Config, n int, took time.Duration, at time.Time) *results.Event {
	pace := fmt.Sprintf("%d at a time", min(cfg.ConnectConcurrency, n))
	if cfg.ConnectConcurrency == 1 {
		pace = "one at a time, each authenticated before the next"
	}
	if cfg.ConnectRate > 0 {
		pace += ", at most " + units.FormatRate(cfg.ConnectRate) + " a second"
	}
	detail := fmt.Sprintf("opened %s in %s (%s)", units.Plural(n, "connection"), took.Round(time.Millisecond), pace)
	if s := took.Seconds(); s > 0 && n > 1 {
		detail = fmt.Sprintf("opened %s in %s: %s a second (%s)", units.Plural(n, "connection"), took.Round(time.Millisecond), units.FormatWhole(float64(n)/s), pace)
	}
	return &results.Event{Time: at.UTC(), Kind: results.EventConnect, Count: int64(n), Detail: detail}
}
