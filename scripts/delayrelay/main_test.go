//go:build linux

package main

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// startEcho starts a TCP server that sends back what it reads.
func startEcho(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { _, _ = io.Copy(c, c); _ = c.Close() }()
		}
	}()
	return ln.Addr().String()
}

// startRelay runs a relay in front of backend, and returns it and a
// function that stops it and waits for its loop to end (after which its
// statistics may be read); the test's end stops it too.
func startRelay(t *testing.T, backend string, rtt time.Duration) (*relay, func()) {
	t.Helper()
	r, err := newRelay("127.0.0.1:0", backend, rtt/2)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- r.run() }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			r.stop()
			if err := <-done; err != nil {
				t.Error(err)
			}
		})
	}
	t.Cleanup(stop)
	return r, stop
}

// TestRelayHoldsEachRoundTrip sends small messages one at a time through
// relays of several round-trip times to an echo server: no reply may come
// sooner than the round trip, and the median must be near it.
func TestRelayHoldsEachRoundTrip(t *testing.T) {
	backend := startEcho(t)
	for _, rtt := range []time.Duration{0, time.Millisecond, 5 * time.Millisecond} {
		t.Run(rtt.String(), func(t *testing.T) {
			r, _ := startRelay(t, backend, rtt)
			c, err := net.Dial("tcp", r.addr())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			var took []time.Duration
			buf := make([]byte, 4)
			for i := range 50 {
				msg := []byte{byte(i), 1, 2, 3}
				start := time.Now()
				if _, err := c.Write(msg); err != nil {
					t.Fatal(err)
				}
				if _, err := io.ReadFull(c, buf); err != nil {
					t.Fatal(err)
				}
				took = append(took, time.Since(start))
				if !bytes.Equal(buf, msg) {
					t.Fatalf("echo %v, want %v", buf, msg)
				}
			}
			slices.Sort(took)
			if took[0] < rtt {
				t.Fatalf("a reply came after %v, before the round trip of %v", took[0], rtt)
			}
			// A loaded machine is late, never early: only the bound below
			// is exact; the median must not be off by more than 2 ms.
			if med := took[len(took)/2]; med > rtt+2*time.Millisecond {
				t.Fatalf("median round trip %v through a relay of %v", med, rtt)
			}
			t.Logf("round trip %v: min %v, median %v, max %v", rtt, took[0], took[len(took)/2], took[len(took)-1])
		})
	}
}

// TestRelayKeepsOrder sends 1 MB over each of 20 connections at once, in
// writes of random sizes, and checks that each connection gets back exactly
// the bytes it sent, in order; then that the report counts them.
func TestRelayKeepsOrder(t *testing.T) {
	backend := startEcho(t)
	r, stop := startRelay(t, backend, 2*time.Millisecond)
	const conns, size = 20, 1 << 20
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	for i := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- sendAndCompare(r.addr(), uint64(i), size)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	stop()
	rep := r.report(time.Second)
	if r.stats.conns != conns || r.stats.bytes != 2*conns*size {
		t.Fatalf("relay counted %d connections and %d bytes, want %d and %d", r.stats.conns, r.stats.bytes, conns, 2*conns*size)
	}
	if !strings.Contains(rep, "2ms round trip") || !strings.Contains(rep, "CPU") {
		t.Fatalf("report %q", rep)
	}
	t.Log(rep)
}

// sendAndCompare writes size pseudo-random bytes (from seed) in pieces of
// random sizes over one connection through the relay, reading the echo
// concurrently, and compares.
func sendAndCompare(addr string, seed uint64, size int) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	rng := rand.New(rand.NewPCG(seed, 1))
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	got := make(chan []byte, 1)
	go func() {
		b := make([]byte, size)
		_, _ = io.ReadFull(c, b)
		got <- b
	}()
	for off := 0; off < size; {
		n := min(1+rng.IntN(40<<10), size-off)
		if _, err := c.Write(data[off : off+n]); err != nil {
			return err
		}
		off += n
	}
	select {
	case b := <-got:
		if !bytes.Equal(b, data) {
			return fmt.Errorf("connection %d: the echo differs from what was sent", seed)
		}
	case <-time.After(30 * time.Second):
		return fmt.Errorf("connection %d: no full echo within 30 s", seed)
	}
	return nil
}
