package e2ek8s

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
)

// Kubelet stands in for the kubelets of a few nodes: it registers them,
// keeps them Ready, and runs the one container of each pod bound to them as
// a local process, reporting its phase and exit code as a kubelet does, so
// the Job controller's pod failure policy applies. What it does not do: pull
// images (Images maps an image to a local executable, the image's
// entrypoint), isolate the process (volume mounts are folders of their own,
// and a mount path in an argument or environment value is rewritten to the
// folder), or enforce resources.
type Kubelet struct {
	Client kubernetes.Interface
	// Nodes are the names of the nodes; Labels are added to each.
	Nodes  []string
	Labels map[string]string
	// Images maps an image reference to the local program it runs.
	Images map[string]string
	// Dir holds a folder per pod: its volumes and its output.
	Dir string
	// ExtraEnv is added to every process's environment (the node's CA
	// bundle, for instance), before the pod's own.
	ExtraEnv []string
	// Logf reports what it does.
	Logf func(format string, args ...any)

	mu   sync.Mutex
	pods map[types.UID]*podProcess
}

// podProcess is a pod's running container.
type podProcess struct {
	pod         *corev1.Pod
	cmd         *exec.Cmd
	dir         string
	started     time.Time
	done        chan struct{}
	exitCode    int32
	terminating bool
}

// Run registers the nodes and serves their pods until ctx is done; it
// kills every process it started before it returns.
func (k *Kubelet) Run(ctx context.Context) error {
	k.pods = map[types.UID]*podProcess{}
	if k.Logf == nil {
		k.Logf = func(string, ...any) {}
	}
	for _, n := range k.Nodes {
		if err := k.register(ctx, n); err != nil {
			return fmt.Errorf("register node %s: %w", n, err)
		}
	}
	go k.heartbeat(ctx)
	factory := informers.NewSharedInformerFactory(k.Client, 0)
	podInformer := factory.Core().V1().Pods().Informer()
	if _, err := podInformer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { k.sync(ctx, obj) },
		UpdateFunc: func(_, obj any) { k.sync(ctx, obj) },
	}); err != nil {
		return err
	}
	factory.Start(ctx.Done())
	factory.WaitForCacheSync(ctx.Done())
	<-ctx.Done()
	k.mu.Lock()
	var all []*podProcess
	for _, p := range k.pods {
		all = append(all, p)
	}
	k.mu.Unlock()
	for _, p := range all {
		if p.cmd != nil && p.cmd.Process != nil {
			_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
			<-p.done
		}
	}
	return nil
}

func (k *Kubelet) ours(node string) bool {
	for _, n := range k.Nodes {
		if n == node {
			return true
		}
	}
	return false
}

// register creates a Ready node.
func (k *Kubelet) register(ctx context.Context, name string) error {
	labels := map[string]string{corev1.LabelHostname: name, corev1.LabelOSStable: "linux", corev1.LabelArchStable: "amd64"}
	for key, v := range k.Labels {
		labels[key] = v
	}
	capacity := corev1.ResourceList{
		corev1.ResourceCPU: resource.MustParse("8"), corev1.ResourceMemory: resource.MustParse("16Gi"), corev1.ResourcePods: resource.MustParse("110"),
	}
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels},
	}
	if _, err := k.Client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil {
		return err
	}
	// The node controller may write the new node first (a taint, its
	// lifecycle): read it again on a conflict, as a kubelet does.
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		node, err := k.Client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		node.Status = corev1.NodeStatus{
			Capacity: capacity, Allocatable: capacity,
			Conditions: k.conditions(),
			Addresses:  []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "127.0.0.1"}, {Type: corev1.NodeHostName, Address: name}},
			NodeInfo:   corev1.NodeSystemInfo{KubeletVersion: "v1.37.2", OperatingSystem: "linux", Architecture: "amd64", ContainerRuntimeVersion: "local://stand-in"},
		}
		_, err = k.Client.CoreV1().Nodes().UpdateStatus(ctx, node, metav1.UpdateOptions{})
		return err
	})
}

func (k *Kubelet) conditions() []corev1.NodeCondition {
	now := metav1.Now()
	cond := func(t corev1.NodeConditionType, s corev1.ConditionStatus, reason string) corev1.NodeCondition {
		return corev1.NodeCondition{Type: t, Status: s, Reason: reason, LastHeartbeatTime: now, LastTransitionTime: now}
	}
	return []corev1.NodeCondition{
		cond(corev1.NodeReady, corev1.ConditionTrue, "KubeletReady"),
		cond(corev1.NodeMemoryPressure, corev1.ConditionFalse, "KubeletHasSufficientMemory"),
		cond(corev1.NodeDiskPressure, corev1.ConditionFalse, "KubeletHasNoDiskPressure"),
		cond(corev1.NodePIDPressure, corev1.ConditionFalse, "KubeletHasSufficientPID"),
	}
}

// heartbeat renews the nodes' leases and Ready conditions, as the node
// lifecycle controller expects of a kubelet.
func (k *Kubelet) heartbeat(ctx context.Context) {
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	for {
		for _, n := range k.Nodes {
			k.renewLease(ctx, n)
			err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
				node, err := k.Client.CoreV1().Nodes().Get(ctx, n, metav1.GetOptions{})
				if err != nil {
					return err
				}
				node.Status.Conditions = k.conditions()
				_, err = k.Client.CoreV1().Nodes().UpdateStatus(ctx, node, metav1.UpdateOptions{})
				return err
			})
			if err != nil && ctx.Err() == nil {
				k.Logf("kubelet: heartbeat of %s: %v", n, err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (k *Kubelet) renewLease(ctx context.Context, node string) {
	leases := k.Client.CoordinationV1().Leases(corev1.NamespaceNodeLease)
	now := metav1.NewMicroTime(time.Now())
	lease, err := leases.Get(ctx, node, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		_, err = leases.Create(ctx, &coordinationv1.Lease{
			ObjectMeta: metav1.ObjectMeta{Name: node, Namespace: corev1.NamespaceNodeLease},
			Spec:       coordinationv1.LeaseSpec{HolderIdentity: ptr.To(node), LeaseDurationSeconds: ptr.To[int32](40), RenewTime: &now},
		}, metav1.CreateOptions{})
	} else if err == nil {
		lease.Spec.RenewTime = &now
		_, err = leases.Update(ctx, lease, metav1.UpdateOptions{})
	}
	if err != nil && ctx.Err() == nil {
		k.Logf("kubelet: lease of %s: %v", node, err)
	}
}

// sync brings a pod's process in line with the pod.
func (k *Kubelet) sync(ctx context.Context, obj any) {
	pod, ok := obj.(*corev1.Pod)
	if !ok || !k.ours(pod.Spec.NodeName) {
		return
	}
	k.mu.Lock()
	p := k.pods[pod.UID]
	switch {
	case p == nil && pod.DeletionTimestamp != nil:
		// Deleted before it started: nothing to stop.
		k.mu.Unlock()
		k.finalDelete(ctx, pod)
		return
	case p == nil && (pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed):
		k.mu.Unlock()
		return
	case p == nil:
		p = &podProcess{pod: pod, done: make(chan struct{})}
		k.pods[pod.UID] = p
		k.mu.Unlock()
		go k.runPod(ctx, p)
		return
	case pod.DeletionTimestamp != nil && !p.terminating:
		p.terminating = true
		k.mu.Unlock()
		go k.terminate(ctx, p, pod)
		return
	}
	k.mu.Unlock()
}

// terminate stops a deleted pod's process as a kubelet does: SIGTERM, then
// SIGKILL when its grace period is over.
func (k *Kubelet) terminate(ctx context.Context, p *podProcess, pod *corev1.Pod) {
	grace := 30 * time.Second
	if pod.DeletionGracePeriodSeconds != nil {
		grace = time.Duration(*pod.DeletionGracePeriodSeconds) * time.Second
	}
	if p.cmd != nil && p.cmd.Process != nil {
		k.Logf("kubelet: %s/%s deleted: SIGTERM to process %d (grace %s)", pod.Namespace, pod.Name, p.cmd.Process.Pid, grace)
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(grace):
			_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
			<-p.done
		}
	}
	k.finalDelete(ctx, pod)
}

// finalDelete removes a deleted pod once its process is gone, as the
// kubelet does; finalizers (the Job controller's) may keep it a while.
func (k *Kubelet) finalDelete(ctx context.Context, pod *corev1.Pod) {
	err := k.Client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{
		GracePeriodSeconds: ptr.To[int64](0),
		Preconditions:      &metav1.Preconditions{UID: &pod.UID},
	})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		k.Logf("kubelet: delete %s/%s: %v", pod.Namespace, pod.Name, err)
	}
}

// runPod starts the pod's container and reports its status until it ends.
func (k *Kubelet) runPod(ctx context.Context, p *podProcess) {
	pod := p.pod
	fail := func(reason string, err error) {
		k.Logf("kubelet: %s/%s: %s: %v", pod.Namespace, pod.Name, reason, err)
		close(p.done)
		k.setStatus(ctx, pod, func(s *corev1.PodStatus) {
			s.Phase, s.Reason, s.Message = corev1.PodFailed, reason, err.Error()
		})
	}
	if len(pod.Spec.Containers) != 1 {
		fail("Unsupported", errors.New("the stand-in kubelet runs pods of one container"))
		return
	}
	c := pod.Spec.Containers[0]
	p.dir = filepath.Join(k.Dir, pod.Namespace+"_"+pod.Name)
	mounts := map[string]string{}
	for _, m := range c.VolumeMounts {
		host := filepath.Join(p.dir, "volumes", m.Name)
		if err := os.MkdirAll(host, 0o755); err != nil {
			fail("CreateContainerError", err)
			return
		}
		mounts[m.MountPath] = host
	}
	env, err := k.resolveEnv(ctx, pod, c.Env)
	if err != nil {
		fail("CreateContainerConfigError", err)
		return
	}
	argv := append([]string{}, c.Command...)
	if len(argv) == 0 {
		entry, ok := k.Images[c.Image]
		if !ok {
			fail("ErrImagePull", fmt.Errorf("no local program for image %s", c.Image))
			return
		}
		argv = []string{entry}
	}
	argv = append(argv, c.Args...)
	for i, a := range argv {
		argv[i] = rewriteMounts(expand(a, env.values), mounts)
	}
	logFile, err := os.Create(filepath.Join(p.dir, "output.log"))
	if err != nil {
		fail("CreateContainerError", err)
		return
	}
	defer logFile.Close()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(append([]string{}, k.ExtraEnv...), env.list(mounts)...)
	cmd.Dir = p.dir
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if sc := pod.Spec.SecurityContext; sc != nil && sc.RunAsUser != nil && os.Geteuid() == 0 {
		uid := uint32(*sc.RunAsUser)
		gid := uid
		if sc.RunAsGroup != nil {
			gid = uint32(*sc.RunAsGroup)
		}
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uid, Gid: gid}
		for _, host := range mounts {
			_ = os.Chown(host, int(uid), int(gid))
		}
		_ = os.Chown(p.dir, int(uid), int(gid))
	}
	if err := cmd.Start(); err != nil {
		fail("StartError", err)
		return
	}
	p.cmd, p.started = cmd, time.Now()
	k.Logf("kubelet: %s/%s on %s: started process %d: %s", pod.Namespace, pod.Name, pod.Spec.NodeName, cmd.Process.Pid, strings.Join(argv, " "))
	k.setStatus(ctx, pod, func(s *corev1.PodStatus) {
		s.Phase = corev1.PodRunning
		s.StartTime = &metav1.Time{Time: p.started}
		s.HostIP, s.PodIP = "127.0.0.1", "127.0.0.1"
		setConditions(s, corev1.ConditionTrue)
		s.ContainerStatuses = []corev1.ContainerStatus{{
			Name: c.Name, Image: c.Image, ImageID: c.Image, ContainerID: "local://" + strconv.Itoa(cmd.Process.Pid),
			Ready: true, Started: ptr.To(true),
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.Time{Time: p.started}}},
		}}
	})
	err = cmd.Wait()
	finished := time.Now()
	p.exitCode = exitCode(err)
	close(p.done)
	k.Logf("kubelet: %s/%s: process %d exited %d", pod.Namespace, pod.Name, cmd.Process.Pid, p.exitCode)
	k.setStatus(ctx, pod, func(s *corev1.PodStatus) {
		s.Phase = corev1.PodSucceeded
		reason := "Completed"
		if p.exitCode != 0 {
			s.Phase, reason = corev1.PodFailed, "Error"
		}
		setConditions(s, corev1.ConditionFalse)
		s.ContainerStatuses = []corev1.ContainerStatus{{
			Name: c.Name, Image: c.Image, ImageID: c.Image, ContainerID: "local://" + strconv.Itoa(cmd.Process.Pid),
			Started: ptr.To(false),
			State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
				ExitCode: p.exitCode, Reason: reason, StartedAt: metav1.Time{Time: p.started}, FinishedAt: metav1.Time{Time: finished},
				ContainerID: "local://" + strconv.Itoa(cmd.Process.Pid),
			}},
		}}
	})
}

// exitCode returns a process's exit status as a container runtime reports
// it: 128 + the signal's number for a process a signal killed.
func exitCode(err error) int32 {
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		if err != nil {
			return 128
		}
		return 0
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return int32(128 + int(ws.Signal()))
	}
	return int32(ee.ExitCode())
}

// setConditions sets the kubelet's own pod conditions, leaving the others
// (DisruptionTarget, set by an eviction) alone.
func setConditions(s *corev1.PodStatus, ready corev1.ConditionStatus) {
	now := metav1.Now()
	set := map[corev1.PodConditionType]corev1.ConditionStatus{
		corev1.PodInitialized: corev1.ConditionTrue, corev1.PodScheduled: corev1.ConditionTrue,
		corev1.ContainersReady: ready, corev1.PodReady: ready,
	}
	for i := range s.Conditions {
		if v, ok := set[s.Conditions[i].Type]; ok {
			if s.Conditions[i].Status != v {
				s.Conditions[i].LastTransitionTime = now
			}
			s.Conditions[i].Status = v
			delete(set, s.Conditions[i].Type)
		}
	}
	for _, t := range []corev1.PodConditionType{corev1.PodInitialized, corev1.PodScheduled, corev1.ContainersReady, corev1.PodReady} {
		if v, ok := set[t]; ok {
			s.Conditions = append(s.Conditions, corev1.PodCondition{Type: t, Status: v, LastTransitionTime: now})
		}
	}
}

// setStatus updates the pod's status with edit, on the latest version.
func (k *Kubelet) setStatus(ctx context.Context, pod *corev1.Pod, edit func(*corev1.PodStatus)) {
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cur, err := k.Client.CoreV1().Pods(pod.Namespace).Get(ctx, pod.Name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if cur.UID != pod.UID {
			return nil
		}
		edit(&cur.Status)
		_, err = k.Client.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, cur, metav1.UpdateOptions{})
		return err
	})
	if err != nil && !apierrors.IsNotFound(err) && ctx.Err() == nil {
		k.Logf("kubelet: status of %s/%s: %v", pod.Namespace, pod.Name, err)
	}
}

// podEnv is a container's environment, in order.
type podEnv struct {
	names  []string
	values map[string]string
}

func (e podEnv) list(mounts map[string]string) []string {
	out := make([]string, len(e.names))
	for i, n := range e.names {
		out[i] = n + "=" + rewriteMounts(e.values[n], mounts)
	}
	return out
}

// resolveEnv resolves values, the downward API and secret and config map
// references, each value's $(VAR) against the variables before it.
func (k *Kubelet) resolveEnv(ctx context.Context, pod *corev1.Pod, vars []corev1.EnvVar) (podEnv, error) {
	env := podEnv{values: map[string]string{}}
	for _, v := range vars {
		var val string
		switch {
		case v.ValueFrom == nil:
			val = expand(v.Value, env.values)
		case v.ValueFrom.FieldRef != nil:
			var err error
			if val, err = fieldValue(pod, v.ValueFrom.FieldRef.FieldPath); err != nil {
				return env, fmt.Errorf("env %s: %w", v.Name, err)
			}
		case v.ValueFrom.SecretKeyRef != nil:
			ref := v.ValueFrom.SecretKeyRef
			s, err := k.Client.CoreV1().Secrets(pod.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
			if err != nil {
				return env, fmt.Errorf("env %s: secret %s: %w", v.Name, ref.Name, err)
			}
			b, ok := s.Data[ref.Key]
			if !ok {
				return env, fmt.Errorf("env %s: secret %s has no key %s", v.Name, ref.Name, ref.Key)
			}
			val = string(b)
		case v.ValueFrom.ConfigMapKeyRef != nil:
			ref := v.ValueFrom.ConfigMapKeyRef
			cm, err := k.Client.CoreV1().ConfigMaps(pod.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
			if err != nil {
				return env, fmt.Errorf("env %s: config map %s: %w", v.Name, ref.Name, err)
			}
			val = cm.Data[ref.Key]
		default:
			return env, fmt.Errorf("env %s: this stand-in resolves values, fields, secrets and config maps only", v.Name)
		}
		if _, seen := env.values[v.Name]; !seen {
			env.names = append(env.names, v.Name)
		}
		env.values[v.Name] = val
	}
	return env, nil
}

// fieldPattern matches metadata.labels['key'] and metadata.annotations['key'].
var fieldPattern = regexp.MustCompile(`^metadata\.(labels|annotations)\['([^']+)'\]$`)

// fieldValue resolves a downward-API field path.
func fieldValue(pod *corev1.Pod, path string) (string, error) {
	switch path {
	case "metadata.name":
		return pod.Name, nil
	case "metadata.namespace":
		return pod.Namespace, nil
	case "metadata.uid":
		return string(pod.UID), nil
	case "spec.nodeName":
		return pod.Spec.NodeName, nil
	case "spec.serviceAccountName":
		return pod.Spec.ServiceAccountName, nil
	case "status.hostIP", "status.podIP":
		return "127.0.0.1", nil
	}
	if m := fieldPattern.FindStringSubmatch(path); m != nil {
		if m[1] == "labels" {
			return pod.Labels[m[2]], nil
		}
		return pod.Annotations[m[2]], nil
	}
	return "", fmt.Errorf("field %q is not one this stand-in knows", path)
}

// varRef matches $(NAME) and the escape $$.
var varRef = regexp.MustCompile(`\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)`)

// expand replaces $(NAME) with the variable's value, as Kubernetes does in
// commands, arguments and values: $$ is a $, and an unknown name stays.
func expand(s string, vars map[string]string) string {
	return varRef.ReplaceAllStringFunc(s, func(ref string) string {
		if ref == "$$" {
			return "$"
		}
		name := ref[2 : len(ref)-1]
		if v, ok := vars[name]; ok {
			return v
		}
		return ref
	})
}

// rewriteMounts replaces a volume's mount path at the start of s with its
// folder.
func rewriteMounts(s string, mounts map[string]string) string {
	for path, host := range mounts {
		if s == path || strings.HasPrefix(s, path+"/") {
			return host + strings.TrimPrefix(s, path)
		}
	}
	return s
}
