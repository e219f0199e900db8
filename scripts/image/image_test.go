package main

import (
	"archive/tar"
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// buildScript runs build.sh into dir and returns the reference it printed.
func buildScript(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("bash", append([]string{"build.sh", dir}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("build.sh: %v\n%s", err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

func layoutImage(t *testing.T, dir string) v1.Image {
	t.Helper()
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	m, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Manifests) != 1 {
		t.Fatalf("%d images in the layout, want 1", len(m.Manifests))
	}
	img, err := idx.Image(m.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// TestImage builds the image twice with the script, checks it is the same
// image, what it runs as and what it runs, pushes it, and runs amrbench
// from its unpacked file system against a redis-server.
func TestImage(t *testing.T) {
	first, second := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
	ref1 := buildScript(t, first)
	ref2 := buildScript(t, second)
	if ref1 != ref2 || !strings.HasPrefix(ref1, "amrbench@sha256:") {
		t.Fatalf("two builds gave %s and %s: not reproducible", ref1, ref2)
	}
	img := layoutImage(t, first)
	digest, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	if "amrbench@"+digest.String() != ref1 {
		t.Fatalf("the layout holds %s, the script printed %s", digest, ref1)
	}
	for _, blob := range []string{"index.json", "oci-layout"} {
		a, _ := os.ReadFile(filepath.Join(first, blob))
		b, _ := os.ReadFile(filepath.Join(second, blob))
		if !bytes.Equal(a, b) || len(a) == 0 {
			t.Fatalf("%s differs between the builds", blob)
		}
	}

	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Config.User != "65532:65532" || !slices.Equal(cfg.Config.Entrypoint, []string{"/amrbench"}) || cfg.OS != "linux" {
		t.Fatalf("user %q, entrypoint %q, os %q", cfg.Config.User, cfg.Config.Entrypoint, cfg.OS)
	}
	layers, err := img.Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("%d layers (%v), want 1", len(layers), err)
	}

	// The files: every one owned by root but the user's home, at one time.
	root := t.TempDir()
	names := unpack(t, img, root)
	want := []string{"amrbench", "etc", "etc/group", "etc/passwd", "etc/ssl", "etc/ssl/certs", "etc/ssl/certs/ca-certificates.crt", "home", "home/nonroot", "tmp"}
	if !slices.Equal(names, want) {
		t.Fatalf("the layer holds %q, want %q", names, want)
	}
	passwd, _ := os.ReadFile(filepath.Join(root, "etc/passwd"))
	if !strings.Contains(string(passwd), "nonroot:x:65532:65532:") {
		t.Fatalf("passwd:\n%s", passwd)
	}

	// Pushed, it keeps its digest.
	reg := httptest.NewServer(registry.New())
	defer reg.Close()
	u, _ := url.Parse(reg.URL)
	pushed := buildScript(t, filepath.Join(t.TempDir(), "c"), "--push", u.Host+"/amrbench")
	if pushed != u.Host+"/amrbench@"+digest.String() {
		t.Fatalf("pushed as %s, want %s", pushed, u.Host+"/amrbench@"+digest.String())
	}
	ref, err := name.NewDigest(pushed)
	if err != nil {
		t.Fatal(err)
	}
	remoteImg, err := remote.Image(ref)
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := remoteImg.Digest(); d != digest {
		t.Fatalf("the registry serves %s", d)
	}

	runFromRootFS(t, root)
}

// unpack writes the image's file system into root and returns the names of
// its entries; it checks their owners and times.
func unpack(t *testing.T, img v1.Image, root string) []string {
	t.Helper()
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, strings.TrimSuffix(h.Name, "/"))
		if !h.ModTime.Equal(time.Unix(h.ModTime.Unix(), 0)) || h.Uname != "" || h.Gname != "" {
			t.Fatalf("%s: time %s, owner names %q %q", h.Name, h.ModTime, h.Uname, h.Gname)
		}
		if wantUID := map[bool]int{true: 65532, false: 0}[strings.TrimSuffix(h.Name, "/") == "home/nonroot"]; h.Uid != wantUID || h.Gid != wantUID {
			t.Fatalf("%s is owned by %d:%d", h.Name, h.Uid, h.Gid)
		}
		path := filepath.Join(root, h.Name)
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(path, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, os.FileMode(h.Mode&0o777)|map[bool]os.FileMode{true: os.ModeSticky}[h.Mode&0o1000 != 0]); err != nil {
				t.Fatal(err)
			}
		case tar.TypeReg:
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, b, os.FileMode(h.Mode)); err != nil {
				t.Fatal(err)
			}
		default:
			t.Fatalf("%s: type %c", h.Name, h.Typeflag)
		}
		if os.Geteuid() == 0 {
			if err := os.Lchown(path, h.Uid, h.Gid); err != nil {
				t.Fatal(err)
			}
		}
	}
	return names
}

// runFromRootFS runs the image's entrypoint from its file system, as its
// user, against a redis-server: what a pod does.
func runFromRootFS(t *testing.T, root string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("skipped: running the image from its file system needs chroot, which needs root (CI runs as root)")
	}
	redisBin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatal("redis-server is not on PATH: the image is run against a real one")
	}
	port := freePort(t)
	redis := exec.Command(redisBin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	redis.Dir = t.TempDir()
	redis.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := redis.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = redis.Process.Kill(); _ = redis.Wait() }()
	waitRedis(t, port)

	cmd := exec.Command("chroot", "--userspec=65532:65532", root, "/amrbench", "run", "-s", "127.0.0.1", "-p", strconv.Itoa(port),
		"-n", "1000", "--connections", "3", "--out", "/tmp/out", "-q") // -n counts per connection, as memtier's: 3 × 1,000
	cmd.Env = []string{"HOME=/home/nonroot"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("amrbench run in the image's file system: %v\n%s", err, out)
	}
	f, err := os.Open(filepath.Join(root, "tmp", "out", "result.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	if sys, ok := st.Sys().(*syscall.Stat_t); !ok || sys.Uid != 65532 {
		t.Fatalf("the result file is owned by %v, want 65532", st.Sys())
	}
	var sum struct {
		Type     string `json:"type"`
		Commands map[string]struct {
			Count int64 `json:"count"`
		} `json:"commands"`
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		_ = json.Unmarshal(sc.Bytes(), &sum)
	}
	if sum.Type != "summary" || sum.Commands["ALL"].Count != 3000 {
		t.Fatalf("the run in the image wrote a summary of %+v, want 3000 operations", sum)
	}
	calls := redisCalls(t, port)
	if calls != 3000 {
		t.Fatalf("redis-server counted %d GET and SET calls, the image's run 3000", calls)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// redisCommand sends one inline command and returns the reply's text.
func redisCommand(port int, command string) (string, error) {
	c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := fmt.Fprintf(c, "%s\r\n", command); err != nil {
		return "", err
	}
	r := bufio.NewReader(c)
	line, err := r.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "$") {
		return line, err
	}
	n, _ := strconv.Atoi(strings.TrimSpace(line[1:]))
	body := make([]byte, n+2)
	_, err = io.ReadFull(r, body)
	return string(body), err
}

func waitRedis(t *testing.T, port int) {
	t.Helper()
	for range 100 {
		if reply, err := redisCommand(port, "PING"); err == nil && strings.HasPrefix(reply, "+PONG") {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("redis-server did not answer")
}

// redisCalls returns the server's GET and SET calls from INFO commandstats.
func redisCalls(t *testing.T, port int) int64 {
	t.Helper()
	info, err := redisCommand(port, "INFO commandstats")
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, line := range strings.Split(info, "\r\n") {
		for _, cmd := range []string{"cmdstat_get:", "cmdstat_set:"} {
			if rest, ok := strings.CutPrefix(line, cmd); ok {
				calls, _, _ := strings.Cut(strings.TrimPrefix(rest, "calls="), ",")
				n, _ := strconv.ParseInt(calls, 10, 64)
				total += n
			}
		}
	}
	return total
}
