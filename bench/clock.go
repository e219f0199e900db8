package bench

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/amrbench/amrbench/results"
)

// clockSamples is how many TIME round trips ReadClock takes; it keeps the
// fastest.
const clockSamples = 5

// ReadClock compares this host's clock with the server's, read with the
// Redis TIME command. Every machine of a test split with --segment talks to
// the same server, so the readings of their result files tell a merge
// whether the machines' clocks agreed. Of a few round trips it keeps the
// fastest: the server read its clock within half that round trip of its
// middle.
func (t *Target) ReadClock(ctx context.Context) (*results.ClockReading, error) {
	var client interface {
		Time(ctx context.Context) *redis.TimeCmd
	} = t.single
	if t.cluster != nil {
		client = t.cluster.client // a node of the cluster: their clocks are synchronised
	}
	best := time.Duration(-1)
	var reading results.ClockReading
	var errs []error
	for range clockSamples {
		sent := time.Now()
		server, err := client.Time(ctx).Result()
		done := time.Now()
		if err != nil {
			errs = append(errs, err)
			if ctx.Err() != nil {
				break
			}
			continue
		}
		rtt := done.Sub(sent)
		if best >= 0 && rtt >= best {
			continue
		}
		best = rtt
		middle := sent.Add(rtt / 2)
		reading = results.ClockReading{
			OffsetMS:      float64(middle.Sub(server)) / float64(time.Millisecond),
			UncertaintyMS: float64(rtt/2) / float64(time.Millisecond),
		}
	}
	if best < 0 {
		return nil, errors.Join(append([]error{errors.New("read the server's clock (TIME)")}, errs...)...)
	}
	return &reading, nil
}
