//go:build !linux

package main

import (
	"errors"
	"time"
)

// relay is Linux only: it is an epoll loop.
type relay struct{}

func newRelay(string, string, time.Duration) (*relay, error) {
	return nil, errors.New("the delay relay runs on Linux only")
}

func (*relay) addr() string                { return "" }
func (*relay) stop()                       {}
func (*relay) run() error                  { return nil }
func (*relay) report(time.Duration) string { return "" }
