package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/amrbench/amrbench/internal/localserver"
	"github.com/amrbench/amrbench/results"
)

// soakEnv names how long the soak runs (a duration); without it the soak
// is skipped: it is not part of the default test run. scripts/soak.sh
// sets it.
const soakEnv = "AMRBENCH_SOAK"

// soakSample is what the run's own metrics endpoint (--metrics-addr) said
// at one moment.
type soakSample struct {
	at         time.Duration
	rssBytes   float64
	goroutines float64
}

// TestSoak runs amrbench for AMRBENCH_SOAK (at least three token
// lifetimes) at a steady open-loop rate over 1,000 connections through the
// token-enforcing proxy, with tokens that expire every
// AMRBENCH_SOAK_TOKEN_LIFE seconds (default 60), and reads the run's
// resident memory and goroutines from its --metrics-addr endpoint once a
// minute (AMRBENCH_SOAK_SAMPLE): no authentication may fail, no connection
// may be closed for an expired token, memory must stay flat and the
// goroutines constant.
func TestSoak(t *testing.T) {
	length := os.Getenv(soakEnv)
	if length == "" {
		t.Skip("a soak test, outside the default run: scripts/soak.sh runs it")
	}
	duration, err := time.ParseDuration(length)
	if err != nil {
		t.Fatalf("%s=%q: %v", soakEnv, length, err)
	}
	tokenLife := envInt(t, "AMRBENCH_SOAK_TOKEN_LIFE", 60)
	connections := envInt(t, "AMRBENCH_SOAK_CONNECTIONS", 1000)
	rate := envInt(t, "AMRBENCH_SOAK_RATE", 2000)
	sampleEvery := time.Minute
	if v := os.Getenv("AMRBENCH_SOAK_SAMPLE"); v != "" {
		if sampleEvery, err = time.ParseDuration(v); err != nil {
			t.Fatalf("AMRBENCH_SOAK_SAMPLE=%q: %v", v, err)
		}
	}
	if lifetimes := duration.Seconds() / float64(tokenLife); lifetimes < 3 {
		t.Fatalf("%s runs %.1f token lifetimes; a soak runs past three", duration, lifetimes)
	}

	w := newAzWorld(t, "AZ_TOKEN_LIFE="+strconv.Itoa(tokenLife))
	port, err := localserver.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	metrics := "127.0.0.1:" + strconv.Itoa(port)
	dir := filepath.Join(t.TempDir(), "soak")
	args := []string{"run", "-s", "localhost", "-p", strconv.Itoa(w.proxy.Port), "--tls", "--cacert", w.caFile,
		"--entra-credential", "azure-cli", "--reauth-before", strconv.Itoa(tokenLife/4) + "s",
		"--connections", strconv.Itoa(connections), "--connect-concurrency", "50",
		"--rate", strconv.Itoa(rate), "--duration", duration.String(), "--interval", "5s",
		"--metrics-addr", metrics, "-q", "--out", dir}
	cmd := exec.Command(binary(t), args...)
	cmd.Env = w.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	done := make(chan int, 1)
	go func() { done <- exitCode(t, cmd, duration+5*time.Minute) }()

	var samples []soakSample
	tick := time.NewTicker(sampleEvery)
	defer tick.Stop()
	code := -1
	for code < 0 {
		select {
		case code = <-done:
		case <-tick.C:
			s, err := scrapeSoak("http://" + metrics + "/metrics")
			if err != nil {
				t.Logf("%s: no sample: %v", time.Since(start).Round(time.Second), err)
				continue
			}
			s.at = time.Since(start)
			samples = append(samples, s)
			t.Logf("%6s  RSS %6.1f MB  goroutines %d", s.at.Round(time.Second), s.rssBytes/1e6, int(s.goroutines))
		}
	}
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr.String())
	}

	run := readRun(t, dir)
	sum, st := run.Summary, w.proxy.Stats()
	all := sum.Commands[results.AllCommands]
	a := sum.Auth
	t.Logf("%s, %d connections, %d ops/s offered: %d operations, %d failed (%v); %d tokens, %d refresh failures, %d re-AUTHs (%d failed), %d connections closed for an expired token (proxy: %d closed, %d AUTHs refused, %d accepted)",
		duration, connections, rate, all.Count, all.ErrorCount(), all.Errors, a.Tokens, a.RefreshFailures,
		a.Reauth.Count, results.TotalErrors(a.Reauth.Errors), a.Reauth.ConnectionsExpired, st.ClosedExpired, st.Rejected, st.Accepted)
	for i, c := range st.Conns {
		if c.ClosedExpired || c.Rejected > 0 {
			t.Logf("proxy connection %d of %d: %+v", i+1, len(st.Conns), c)
		}
	}
	if all.ErrorCount() != 0 || a.RefreshFailures != 0 || results.TotalErrors(a.Reauth.Errors) != 0 || a.Reauth.ConnectionsExpired != 0 || st.ClosedExpired != 0 || st.Rejected != 0 {
		t.Errorf("authentication failed or a connection expired (above)")
	}
	if wantTokens := int64(duration.Seconds() / float64(tokenLife)); a.Tokens < wantTokens {
		t.Errorf("%d tokens in %s of %d s tokens, want at least %d", a.Tokens, duration, tokenLife, wantTokens)
	}
	if st.Accepted > int64(connections)+10 {
		t.Errorf("the proxy accepted %d connections for %d: connections were reopened", st.Accepted, connections)
	}
	checkSoakFlat(t, samples)
}

// checkSoakFlat checks that memory stayed flat and the goroutines constant
// from the first sample, taken with every connection open, to the last.
func checkSoakFlat(t *testing.T, samples []soakSample) {
	t.Helper()
	if len(samples) < 3 {
		t.Fatalf("%d samples: too few to judge", len(samples))
	}
	first := samples[0]
	var peakRSS, peakG float64
	for _, s := range samples {
		peakRSS, peakG = max(peakRSS, s.rssBytes), max(peakG, s.goroutines)
	}
	last := samples[len(samples)-1]
	t.Logf("RSS %.1f MB at %s, %.1f MB at the end, %.1f MB at the most (%+.1f %%); goroutines %d, %d at the end, %d at the most",
		first.rssBytes/1e6, first.at.Round(time.Second), last.rssBytes/1e6, peakRSS/1e6, 100*(peakRSS-first.rssBytes)/first.rssBytes,
		int(first.goroutines), int(last.goroutines), int(peakG))
	// The garbage collector lets the heap breathe; a leak grows with every
	// token and every minute.
	if peakRSS > 1.15*first.rssBytes {
		t.Errorf("memory grew %.1f %% from the first sample", 100*(peakRSS-first.rssBytes)/first.rssBytes)
	}
	if peakG > first.goroutines+10 || last.goroutines > first.goroutines+2 {
		t.Errorf("goroutines grew from %d to %d (at the most %d)", int(first.goroutines), int(last.goroutines), int(peakG))
	}
}

// scrapeSoak reads the process's resident memory and goroutines from a
// Prometheus text endpoint.
func scrapeSoak(url string) (soakSample, error) {
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		return soakSample{}, err
	}
	defer resp.Body.Close()
	var s soakSample
	found := 0
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		name, _, _ := strings.Cut(line, "{")
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		v, err := strconv.ParseFloat(fields[len(fields)-1], 64)
		if err != nil {
			continue
		}
		switch strings.Fields(name)[0] {
		case "process_resident_memory_bytes":
			s.rssBytes = v
			found++
		case "go_goroutines":
			s.goroutines = v
			found++
		}
	}
	if found != 2 {
		return s, fmt.Errorf("%s: no process_resident_memory_bytes or go_goroutines", url)
	}
	return s, sc.Err()
}

// envInt reads a whole number from the environment, or def.
func envInt(t *testing.T, name string, def int) int {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("%s=%q: want a whole number above 0", name, v)
	}
	return n
}
