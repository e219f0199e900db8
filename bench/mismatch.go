package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/amrbench/amrbench/bench/failure"
	"github.com/amrbench/amrbench/bench/transport"
	"github.com/amrbench/amrbench/results"
)

// A client and a server that disagree about TLS fail in ways that do not say
// so: a TLS server resets a connection that speaks plain RESP to it, and
// Redis reads a TLS ClientHello as the start of an inline command and waits,
// silent, for its end until the client's connect timeout. The verifying
// PING asks the port the other way round when that happens, and says which
// flag is wrong.

// probeTimeout bounds each probe of a port's protocol.
const probeTimeout = time.Second

// tlsAnswerWait is how long the verifying PING waits over TLS before it asks
// whether the port speaks plain RESP: a TLS handshake takes a few round
// trips, far less than this even to a cache in another region.
const tlsAnswerWait = time.Second

// pingTarget sends the verifying PING over client and, when it fails,
// returns a *FieldError naming a TLS mismatch when that is the cause, or
// else the PING's own error, for the caller to explain.
func (t *Target) pingTarget(ctx context.Context, client *redis.Client) error {
	tc := t.cfg.Target
	if !tc.TLS.Enabled {
		err := client.Ping(ctx).Err()
		switch {
		case err == nil:
			return nil
		case failure.Classify(err) == results.ErrConnection && transport.SpeaksTLS(ctx, tc.Addr(), probeTimeout):
			return fmt.Errorf("connect to %s: %w", tc.Addr(), fieldErrorf([]string{"target.tls.enabled"}, "the server speaks TLS: add {target.tls.enabled} (%w)", err))
		}
		return err
	}
	pingCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- client.Ping(pingCtx).Err() }()
	wait := time.NewTimer(min(tlsAnswerWait, t.cfg.ConnectTimeout/2))
	defer wait.Stop()
	var err error
	select {
	case err = <-done:
	case <-wait.C:
		if !transport.SpeaksPlainRESP(ctx, tc.Addr(), probeTimeout) {
			err = <-done // a slow TLS server, or none: wait as long as the timeouts say
			break
		}
		cancel()
		if err = <-done; err != nil {
			return fmt.Errorf("connect to %s: %w", tc.Addr(), noTLSAnswer("the server answers plain RESP on this port", nil))
		}
	}
	return err
}

// noTLSAnswer is the error of a TLS handshake that a plain RESP server
// answered, or would have: why, and the flag to drop; err, when not nil, is
// what the handshake got.
func noTLSAnswer(why string, err error) *FieldError {
	text := "no TLS handshake answer: %s; is this a TLS port? (drop {target.tls.enabled}, or give the TLS port)"
	if err == nil {
		return fieldErrorf([]string{"target.tls.enabled"}, text, why)
	}
	return fieldErrorf([]string{"target.tls.enabled"}, text+": %w", why, err)
}
