package promtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// Start starts Prometheus scraping target ("host:port", path /metrics)
// every second and returns its address once its scrape loop has tried the
// target (which may not be up yet). It stops when the test ends.
func Start(t testing.TB, target string) string {
	t.Helper()
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		t.Fatal("prometheus is not on PATH: the test runs a real Prometheus (apt-get install prometheus)")
	}
	dir := t.TempDir()
	conf := fmt.Sprintf("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: amrbench\n    scrape_interval: 1s\n    static_configs:\n      - targets: [%q]\n", target)
	confFile := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(confFile, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(bin, "--config.file="+confFile, "--storage.tsdb.path="+filepath.Join(dir, "data"), "--web.listen-address="+addr, "--log.level=warn")
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	deadline := time.Now().Add(30 * time.Second)
	for !scraping(addr) {
		if time.Now().After(deadline) {
			t.Fatalf("Prometheus on %s is not scraping after 30 s:\n%s", addr, log.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	return addr
}

// scraping reports whether Prometheus at addr has tried its one target.
func scraping(addr string) bool {
	resp, err := http.Get("http://" + addr + "/api/v1/targets")
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	var body struct {
		Data struct {
			ActiveTargets []struct {
				Health string `json:"health"`
			} `json:"activeTargets"`
		} `json:"data"`
	}
	if json.NewDecoder(resp.Body).Decode(&body) != nil || len(body.Data.ActiveTargets) != 1 {
		return false
	}
	return body.Data.ActiveTargets[0].Health != "unknown"
}

// Query returns the value of an instant PromQL query that yields one
// sample, or -1 when it yields none; more than one fails the test.
func Query(t testing.TB, addr, promql string) float64 {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/api/v1/query?query=" + url.QueryEscape(promql))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Status, Error string
		Data          struct {
			Result []struct {
				Value [2]any `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if body.Status != "success" || len(body.Data.Result) > 1 {
		t.Fatalf("%s: %s %q, %d series", promql, body.Status, body.Error, len(body.Data.Result))
	}
	if len(body.Data.Result) == 0 {
		return -1
	}
	v, err := strconv.ParseFloat(fmt.Sprint(body.Data.Result[0].Value[1]), 64)
	if err != nil {
		t.Fatalf("%s: value %v", promql, body.Data.Result[0].Value)
	}
	return v
}
