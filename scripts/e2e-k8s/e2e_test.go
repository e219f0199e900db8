package e2ek8s

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/amrbench/amrbench/internal/benchtest"
	"github.com/amrbench/amrbench/results"
	"github.com/amrbench/amrbench/results/blobstore"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// The image the Jobs name; the stand-in kubelet runs the amrbench binary
// for it.
const testImage = "registry.example/amrbench@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// cluster is the control plane, its stand-in kubelet, a redis-server and
// Azurite, the Azure Storage emulator, holding the pods' results.
type cluster struct {
	cp       *ControlPlane
	kubelet  *Kubelet
	amrbench string
	redis    *benchtest.Server
	podsDir  string
	az       *benchtest.Azurite
	// container and sasURL are the container the Jobs write to.
	container, sasURL string
	caFile            string
}

// TestJobOnAControlPlane runs amrbench's Job through a real API server, Job
// controller and scheduler. scripts/e2e-k8s.sh builds the control plane and
// runs it; without the binaries it skips, saying why.
func TestJobOnAControlPlane(t *testing.T) {
	binDir, amrbench := os.Getenv("AMRBENCH_K8S_BIN"), os.Getenv("AMRBENCH_BIN")
	if binDir == "" || amrbench == "" {
		t.Skip("skipped: AMRBENCH_K8S_BIN (kube-apiserver, kube-controller-manager, kube-scheduler) and AMRBENCH_BIN are not set: run scripts/e2e-k8s.sh")
	}
	for _, tool := range []string{"etcd", "redis-server"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not on PATH", tool)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()
	start := time.Now()
	cp, err := StartControlPlane(ctx, binDir, filepath.Join(dir, "control-plane"))
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Stop()
	t.Logf("control plane ready in %s", time.Since(start).Round(100*time.Millisecond))
	// The pods run as their user (65532) when this runs as root: their
	// folders must be reachable by it.
	podsDir, err := os.MkdirTemp("", "amrbench-e2e-pods-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(podsDir)
	if err := os.Chmod(podsDir, 0o755); err != nil {
		t.Fatal(err)
	}
	c := &cluster{cp: cp, amrbench: amrbench, podsDir: podsDir}
	benchtest.RequireAzurite(t)
	if c.az, err = benchtest.NewAzurite(); err != nil {
		t.Fatal(err)
	}
	defer c.az.Stop()
	c.container = c.az.NewContainer(t)
	c.sasURL = c.az.SASURL(t, c.container)
	// The nodes trust Azurite's certificate authority, as AKS nodes trust
	// Azure Storage's.
	c.caFile = filepath.Join(podsDir, "azurite-ca.pem")
	if err := os.WriteFile(c.caFile, c.az.Certs.CAPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	c.kubelet = &Kubelet{
		Client: cp.Client, Nodes: []string{"node-a", "node-b", "node-c"}, Labels: map[string]string{"agentpool": "loadgen"},
		Images: map[string]string{testImage: amrbench}, Dir: c.podsDir,
		ExtraEnv: []string{"SSL_CERT_FILE=" + c.caFile},
		Logf:     t.Logf,
	}
	kubeletDone := make(chan error, 1)
	go func() {
		err := c.kubelet.Run(ctx)
		if err != nil {
			// Without its kubelet no pod runs: say why at once, not
			// after every Job has timed out.
			t.Errorf("the stand-in kubelet stopped: %v", err)
			cancel()
		}
		kubeletDone <- err
	}()
	defer func() { cancel(); <-kubeletDone }()
	c.redis = benchtest.StartServer(t)

	t.Run("three segments on three nodes merge to the server's count and the test's verdict", c.threeSegments)
	t.Run("a fourth segment that can only start late fails its index at once", c.lateSegment)
	t.Run("an eviction fails its index and merge names the lost segment", c.eviction)
}

// apply prints the Job with amrbench k8s-job and creates its objects in
// namespace ns, as kubectl apply would.
func (c *cluster) apply(t *testing.T, ns string, segments int, startIn string, runFlags ...string) *batchv1.Job {
	t.Helper()
	ctx := context.Background()
	if _, err := c.cp.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// The results URL is a secret (a SAS URL), referred to by the Job.
	if _, err := c.cp.Client.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "results"},
		StringData: map[string]string{"url": c.resultsURL(ns)},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"k8s-job", "--segments", strconv.Itoa(segments), "--start-in", startIn, "--image", testImage,
		"--namespace", ns, "--name", "bench", "--cpus", "1", "--memory", "512Mi", "--grace", "10s",
		"--node-selector", "agentpool=loadgen", "--results-url-secret", "results/url",
		"--", "-s", c.redis.Host, "-p", strconv.Itoa(c.redis.Port), "--reply-wait", "park", "-q"}, runFlags...)
	cmd := exec.Command(c.amrbench, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("amrbench k8s-job: %v: %s", err, stderr.String())
	}
	docs := strings.Split(string(out), "\n---\n")
	var sa corev1.ServiceAccount
	var job batchv1.Job
	if len(docs) != 2 || yaml.UnmarshalStrict([]byte(docs[0]), &sa) != nil || yaml.UnmarshalStrict([]byte(docs[1]), &job) != nil {
		t.Fatalf("k8s-job printed:\n%s", out)
	}
	if _, err := c.cp.Client.CoreV1().ServiceAccounts(ns).Create(ctx, &sa, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	created, err := c.cp.Client.BatchV1().Jobs(ns).Create(ctx, &job, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("the API server refused the Job: %v", err)
	}
	return created
}

// waitJob waits until the Job has finished (Complete or Failed) and returns
// it.
func (c *cluster) waitJob(t *testing.T, ns string, limit time.Duration) *batchv1.Job {
	t.Helper()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		job, err := c.cp.Client.BatchV1().Jobs(ns).Get(context.Background(), "bench", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, cond := range job.Status.Conditions {
			if (cond.Type == batchv1.JobComplete || cond.Type == batchv1.JobFailed) && cond.Status == corev1.ConditionTrue {
				return job
			}
		}
		time.Sleep(500 * time.Millisecond)
	}
	var pods []string
	for _, p := range c.pods(t, ns) {
		pods = append(pods, fmt.Sprintf("%s on %q: %s %v", p.Name, p.Spec.NodeName, p.Status.Phase, p.Status.Conditions))
	}
	t.Fatalf("the Job in %s did not finish within %s; pods:\n%s\nscheduler:\n%s\ncontroller manager:\n%s", ns, limit,
		strings.Join(pods, "\n"), c.cp.Logs("kube-scheduler", 10), c.cp.Logs("kube-controller-manager", 10))
	return nil
}

func (c *cluster) pods(t *testing.T, ns string) []corev1.Pod {
	t.Helper()
	list, err := c.cp.Client.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pods := list.Items
	slices.SortFunc(pods, func(a, b corev1.Pod) int { return a.CreationTimestamp.Compare(b.CreationTimestamp.Time) })
	return pods
}

// resultsURL is the SAS URL of the prefix a namespace's Job writes to.
func (c *cluster) resultsURL(ns string) string {
	return strings.Replace(c.sasURL, "/"+c.container+"?", "/"+c.container+"/"+ns+"?", 1)
}

// blobURL is the URL, without the SAS, merge names a segment by.
func (c *cluster) blobURL(ns, segment string) string {
	return c.az.AccountURL + "/" + c.container + "/" + ns + "/" + segment + "/result.jsonl"
}

// resultDir is where a pod's run wrote its results (its /work emptyDir).
func (c *cluster) resultDir(pod corev1.Pod) string {
	return filepath.Join(c.podsDir, pod.Namespace+"_"+pod.Name, "volumes", "work", "results")
}

func index(pod corev1.Pod) string { return pod.Annotations[batchv1.JobCompletionIndexAnnotation] }

func exitStatus(pod corev1.Pod) int32 {
	for _, cs := range pod.Status.ContainerStatuses {
		if cs.State.Terminated != nil {
			return cs.State.Terminated.ExitCode
		}
	}
	return -1
}

func hasCondition(pod corev1.Pod, t corev1.PodConditionType) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == t && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}

// merge runs amrbench merge on dirs (or a container URL) and returns its
// exit status and stderr.
func (c *cluster) merge(t *testing.T, out string, dirs ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(c.amrbench, append(append([]string{"merge"}, dirs...), "-o", out)...)
	cmd.Env = append(os.Environ(), "SSL_CERT_FILE="+c.caFile)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), stderr.String()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0, stderr.String()
}

func (c *cluster) threeSegments(t *testing.T) {
	c.redis.ResetStats(t)
	// An objective no server meets (a median under a microsecond): each
	// segment misses it, and still completes its index, having measured
	// its share; the test's verdict is merge's, which exits 99.
	c.apply(t, "three", 3, "12s", "--connections", "6", "--duration", "3s", "--interval", "500ms", "--slo", "p50<1us")
	job := c.waitJob(t, "three", 3*time.Minute)
	if job.Status.Succeeded != 3 || job.Status.Failed != 0 {
		t.Fatalf("Job: %d succeeded, %d failed, failed indexes %v", job.Status.Succeeded, job.Status.Failed, ptrString(job.Status.FailedIndexes))
	}
	pods := c.pods(t, "three")
	nodes := map[string]bool{}
	for _, p := range pods {
		nodes[p.Spec.NodeName] = true
		if p.Status.Phase != corev1.PodSucceeded {
			t.Fatalf("pod %s: %s", p.Name, p.Status.Phase)
		}
	}
	if len(pods) != 3 || len(nodes) != 3 {
		t.Fatalf("%d pods on %d nodes, want 3 on 3 (anti-affinity)", len(pods), len(nodes))
	}
	// The results are in the container, whatever became of the pods.
	out := filepath.Join(t.TempDir(), "merged")
	code, stderr := c.merge(t, out, c.resultsURL("three"))
	const exitSLOMissed = 99 // amrbench's exit status for an objective missed
	if code != exitSLOMissed || !strings.Contains(stderr, "verdict slo-missed") {
		t.Fatalf("merge of the container: exit %d, want %d (the test missed its objective): %s", code, exitSLOMissed, stderr)
	}
	t.Logf("Job complete (%d of 3 indexes succeeded); merge: exit %d, %s", job.Status.Succeeded, code, firstLine(stderr, "verdict slo-missed"))
	get, set := readCounts(t, out)
	calls := c.redis.CommandCalls(t)
	t.Logf("merged from the container: GET %d + SET %d = %d; redis-server commandstats: get %d + set %d", get, set, get+set, calls["get"], calls["set"])
	if get != calls["get"] || set != calls["set"] || get+set == 0 {
		t.Fatalf("merged GET %d SET %d; the server counted get %d set %d", get, set, calls["get"], calls["set"])
	}
	// Each segment's header says where it ran.
	for _, p := range pods {
		if !strings.Contains(c.podLog(p), "verdict slo-missed") || !strings.Contains(c.podLog(p), "exit 0 (--verdict-exit=false") {
			t.Fatalf("pod %s did not record its segment's verdict and exit 0:\n%s", p.Name, c.podLog(p))
		}
		if !strings.Contains(c.podLog(p), "results in "+strings.TrimSuffix(c.blobURL("three", "seg-"+index(p)+"-of-3"), "/result.jsonl")) {
			t.Fatalf("pod %s did not say where its results went:\n%s", p.Name, c.podLog(p))
		}
	}
	for i := range 3 {
		run := c.segmentHeader(t, "three", fmt.Sprintf("seg-%d-of-3", i))
		if !strings.HasPrefix(run.Pod, "bench-"+strconv.Itoa(i)+"-") || !strings.HasPrefix(run.Node, "node-") {
			t.Fatalf("segment %d ran in pod %q on node %q by its header", i, run.Pod, run.Node)
		}
	}
}

// podLog returns what a pod's process printed.
func (c *cluster) podLog(p corev1.Pod) string {
	b, _ := os.ReadFile(filepath.Join(c.podsDir, p.Namespace+"_"+p.Name, "output.log"))
	return string(b)
}

// segmentHeader reads a segment's header from the container.
func (c *cluster) segmentHeader(t *testing.T, ns, segment string) *results.Header {
	t.Helper()
	loc, err := blobstore.ParseLocation(c.resultsURL(ns))
	if err != nil {
		t.Fatal(err)
	}
	r, err := blobstore.NewReader(loc, blobstore.Access{Transport: c.az.Client})
	if err != nil {
		t.Fatal(err)
	}
	body, err := r.Open(context.Background(), ns+"/"+segment+"/result.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer body.Close()
	run, err := results.Read(body)
	if err != nil {
		t.Fatal(err)
	}
	return run.Header
}

func ptrString(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func (c *cluster) lateSegment(t *testing.T) {
	c.redis.ResetStats(t)
	created := c.apply(t, "late", 4, "12s", "--connections", "8", "--duration", "4s", "--interval", "500ms")
	startAt, err := time.Parse(time.RFC3339, created.Annotations["amrbench.io/start-at"])
	if err != nil {
		t.Fatal(err)
	}
	job := c.waitJob(t, "late", 3*time.Minute)
	if job.Status.Succeeded != 3 || ptrString(job.Status.FailedIndexes) != "3" || !jobFailed(job, batchv1.JobReasonFailedIndexes) {
		t.Fatalf("Job: %d succeeded, failed indexes %q, conditions %v", job.Status.Succeeded, ptrString(job.Status.FailedIndexes), job.Status.Conditions)
	}
	var fourth []corev1.Pod
	var othersEnded time.Time
	for _, p := range c.pods(t, "late") {
		if index(p) == "3" {
			fourth = append(fourth, p)
			continue
		}
		if end := finishedAt(p); end.After(othersEnded) {
			othersEnded = end
		}
	}
	if len(fourth) != 1 {
		t.Fatalf("%d pods for index 3, want 1: a segment is never retried", len(fourth))
	}
	p := fourth[0]
	started, ended := p.Status.StartTime.Time, finishedAt(p)
	t.Logf("index 3 waited for a node until %s (--start-at %s), exited %d after %s", started.Format(time.RFC3339Nano), startAt.Format(time.RFC3339), exitStatus(p), ended.Sub(started).Round(time.Millisecond))
	if exitStatus(p) != 2 || !started.After(startAt) || ended.Sub(started) > 5*time.Second {
		t.Fatalf("index 3: exit %d, started %s (--start-at %s), ran %s; want exit 2 at once, after the start", exitStatus(p), started, startAt, ended.Sub(started))
	}
	if out := c.podLog(p); !strings.Contains(out, "has passed") {
		t.Fatalf("index 3 said:\n%s", out)
	}
	// merge names the segment that never wrote, and refuses the test.
	code, stderr := c.merge(t, filepath.Join(t.TempDir(), "merged"), c.resultsURL("late"))
	if code != 1 || !strings.Contains(stderr, "segment 3/4 is missing") || !strings.Contains(stderr, "not one whole test") {
		t.Fatalf("merge of the container: exit %d:\n%s", code, stderr)
	}
	t.Logf("merge: %s", firstLine(stderr, "is missing"))
}

func jobFailed(job *batchv1.Job, reason string) bool {
	for _, c := range job.Status.Conditions {
		if c.Type == batchv1.JobFailed && c.Status == corev1.ConditionTrue && c.Reason == reason {
			return true
		}
	}
	return false
}

func finishedAt(pod corev1.Pod) time.Time {
	for _, cs := range pod.Status.ContainerStatuses {
		if cs.State.Terminated != nil {
			return cs.State.Terminated.FinishedAt.Time
		}
	}
	return time.Time{}
}

func (c *cluster) eviction(t *testing.T) {
	c.redis.ResetStats(t)
	c.apply(t, "evict", 3, "12s", "--connections", "6", "--duration", "20s", "--interval", "500ms")
	// Wait until index 1 has measured a few intervals, then drain it.
	var victim corev1.Pod
	deadline := time.Now().Add(2 * time.Minute)
	for victim.Name == "" {
		if time.Now().After(deadline) {
			t.Fatal("index 1 never measured three intervals")
		}
		time.Sleep(250 * time.Millisecond)
		for _, p := range c.pods(t, "evict") {
			if index(p) == "1" && p.Status.Phase == corev1.PodRunning && measuredIntervals(filepath.Join(c.resultDir(p), "result.jsonl")) >= 3 {
				victim = p
			}
		}
	}
	c.evict(t, victim)
	t.Logf("evicted %s on %s", victim.Name, victim.Spec.NodeName)
	// Its last status, before the Job controller lets it go.
	var evicted *corev1.Pod
	for evicted == nil {
		if time.Now().After(deadline) {
			t.Fatal("the evicted pod never ended")
		}
		p, err := c.cp.Client.CoreV1().Pods("evict").Get(context.Background(), victim.Name, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("the evicted pod went before it was seen to end: %v", err)
		}
		if p.Status.Phase == corev1.PodFailed {
			evicted = p
		}
		time.Sleep(50 * time.Millisecond)
	}
	job := c.waitJob(t, "evict", 3*time.Minute)
	if job.Status.Succeeded != 2 || ptrString(job.Status.FailedIndexes) != "1" || !jobFailed(job, batchv1.JobReasonFailedIndexes) {
		t.Fatalf("Job: %d succeeded, failed indexes %q, conditions %v", job.Status.Succeeded, ptrString(job.Status.FailedIndexes), job.Status.Conditions)
	}
	var replacement *corev1.Pod
	pods := c.pods(t, "evict")
	for i, p := range pods {
		if p.UID != victim.UID && index(p) == "1" {
			replacement = &pods[i]
		}
	}
	if replacement == nil {
		t.Fatalf("%d pods: the evicted pod's replacement is missing", len(pods))
	}
	// The evicted pod stopped on SIGTERM with 143, marked as a disruption,
	// so the policy ignored it and replaced it; the replacement, too late
	// for the start, failed the index.
	if exitStatus(*evicted) != 143 || !hasCondition(*evicted, corev1.DisruptionTarget) {
		t.Fatalf("evicted pod: exit %d, conditions %v", exitStatus(*evicted), evicted.Status.Conditions)
	}
	if exitStatus(*replacement) != 2 {
		t.Fatalf("replacement pod: exit %d", exitStatus(*replacement))
	}
	t.Logf("evicted pod exited %d; its replacement exited %d; failed indexes %q", exitStatus(*evicted), exitStatus(*replacement), ptrString(job.Status.FailedIndexes))
	// merge names the segment that stopped early, and why, and refuses the
	// test.
	code, stderr := c.merge(t, filepath.Join(t.TempDir(), "merged"), c.resultsURL("evict"))
	if code != 1 || !strings.Contains(stderr, c.blobURL("evict", "seg-1-of-3")+" ended its measured window") ||
		!strings.Contains(stderr, "(SIGTERM at ") || !strings.Contains(stderr, "not one whole test") {
		t.Fatalf("merge of the container: exit %d:\n%s", code, stderr)
	}
	t.Logf("merge: %s", firstLine(stderr, "ended its measured window"))
	// The evicted pod's local file and its blob agree: it flushed on SIGTERM.
	local, err := os.ReadFile(filepath.Join(c.resultDir(*evicted), "result.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if h := c.segmentHeader(t, "evict", "seg-1-of-3"); h.Pod != evicted.Name {
		t.Fatalf("the container's segment 1 ran in pod %q, not the evicted %s", h.Pod, evicted.Name)
	}
	if !bytes.Contains(local, []byte(`"code":"stopped-early"`)) {
		t.Fatal("the evicted pod's result file does not record its stop")
	}
}

// firstLine returns the first line of s that holds sub.
func firstLine(s, sub string) string {
	for _, line := range strings.Split(s, "\n") {
		if strings.Contains(line, sub) {
			return line
		}
	}
	return ""
}

// measuredIntervals counts the measured intervals of a result file so far.
func measuredIntervals(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	n := 0
	for _, line := range bytes.Split(b, []byte("\n")) {
		if bytes.Contains(line, []byte(`"type":"interval"`)) && !bytes.Contains(line, []byte(`"phase":"warmup"`)) {
			n++
		}
	}
	return n
}

// evict asks the API server to evict a pod, as a node drain does.
func (c *cluster) evict(t *testing.T, pod corev1.Pod) {
	t.Helper()
	err := c.cp.Client.PolicyV1().Evictions(pod.Namespace).Evict(context.Background(), &policyv1.Eviction{
		ObjectMeta: metav1.ObjectMeta{Name: pod.Name, Namespace: pod.Namespace},
	})
	if err != nil {
		t.Fatalf("evict %s: %v", pod.Name, err)
	}
}

// readCounts returns the GET and SET counts of a run directory's summary.
func readCounts(t *testing.T, dir string) (get, set int64) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "result.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	var sum struct {
		Type     string `json:"type"`
		Commands map[string]struct {
			Count int64 `json:"count"`
		} `json:"commands"`
	}
	if err := json.Unmarshal(lines[len(lines)-1], &sum); err != nil || sum.Type != "summary" {
		t.Fatalf("%s ends without a summary: %v", dir, err)
	}
	return sum.Commands["GET"].Count, sum.Commands["SET"].Count
}
