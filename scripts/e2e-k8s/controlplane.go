// Package e2ek8s runs amrbench's Kubernetes Job through a real Kubernetes
// control plane on one machine: Debian's etcd, and kube-apiserver,
// kube-controller-manager and kube-scheduler built from the Go module proxy
// (scripts/e2e-k8s.sh), with a stand-in kubelet that runs each pod bound to
// its fake nodes as a local process. Only the kubelet is a stand-in: the
// API server validates and stores the Job, the Job controller creates and
// fails its pods by its pod failure policy, the scheduler places them by
// their anti-affinity, and the eviction API marks and deletes them.
package e2ek8s

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// ControlPlane is etcd, kube-apiserver, kube-controller-manager and
// kube-scheduler, each a process of its own.
type ControlPlane struct {
	// Config reaches the API server as an administrator.
	Config *rest.Config
	// Client is a client of it.
	Client *kubernetes.Clientset
	dir    string
	procs  []*process
}

// process is a child process and where its output goes.
type process struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
}

// StartControlPlane starts the control plane in dir with the binaries in
// binDir (kube-apiserver, kube-controller-manager, kube-scheduler) and
// etcd from PATH.
func StartControlPlane(ctx context.Context, binDir, dir string) (*ControlPlane, error) {
	cp := &ControlPlane{dir: dir}
	ok := false
	defer func() {
		if !ok {
			cp.Stop()
		}
	}()
	pki, err := writePKI(filepath.Join(dir, "pki"))
	if err != nil {
		return nil, err
	}
	ports, err := freePorts(5)
	if err != nil {
		return nil, err
	}
	etcdClient, etcdPeer, apiPort, cmPort, schedPort := ports[0], ports[1], ports[2], ports[3], ports[4]
	etcdURL := "http://127.0.0.1:" + strconv.Itoa(etcdClient)
	if err := cp.start("etcd", "etcd",
		"--name", "e2e", "--data-dir", filepath.Join(dir, "etcd"),
		"--listen-client-urls", etcdURL, "--advertise-client-urls", etcdURL,
		"--listen-peer-urls", "http://127.0.0.1:"+strconv.Itoa(etcdPeer),
		"--initial-advertise-peer-urls", "http://127.0.0.1:"+strconv.Itoa(etcdPeer),
		"--initial-cluster", "e2e=http://127.0.0.1:"+strconv.Itoa(etcdPeer),
		"--unsafe-no-fsync"); err != nil {
		return nil, err
	}
	if err := cp.waitHTTP(ctx, "etcd", etcdURL+"/health", nil); err != nil {
		return nil, err
	}
	server := "https://127.0.0.1:" + strconv.Itoa(apiPort)
	if err := cp.start("kube-apiserver", filepath.Join(binDir, "kube-apiserver"),
		"--etcd-servers", etcdURL,
		"--bind-address", "127.0.0.1", "--advertise-address", "127.0.0.1", "--secure-port", strconv.Itoa(apiPort),
		"--tls-cert-file", pki.serverCert, "--tls-private-key-file", pki.serverKey,
		"--client-ca-file", pki.caCert,
		"--service-account-issuer", "https://kubernetes.default.svc",
		"--service-account-key-file", pki.saPub, "--service-account-signing-key-file", pki.saKey,
		"--service-cluster-ip-range", "10.96.0.0/24",
		"--authorization-mode", "RBAC",
		"--allow-privileged=true",
		"--enable-priority-and-fairness=false",
		// A loopback address cannot be the kubernetes Service's endpoint.
		"--endpoint-reconciler-type", "none",
		"--cert-dir", filepath.Join(dir, "apiserver-certs")); err != nil {
		return nil, err
	}
	tlsCfg, err := pki.clientTLS()
	if err != nil {
		return nil, err
	}
	if err := cp.waitHTTP(ctx, "kube-apiserver", server+"/readyz", tlsCfg); err != nil {
		return nil, err
	}
	kubeconfig := filepath.Join(dir, "kubeconfig")
	if err := pki.writeKubeconfig(kubeconfig, server); err != nil {
		return nil, err
	}
	if err := cp.start("kube-controller-manager", filepath.Join(binDir, "kube-controller-manager"),
		"--kubeconfig", kubeconfig,
		"--authentication-kubeconfig", kubeconfig, "--authorization-kubeconfig", kubeconfig,
		"--leader-elect=false", "--use-service-account-credentials=false",
		// The Job controller and what it relies on: the garbage collector
		// (pods owned by a Job), the TTL controller (finished Jobs), pod GC,
		// and the node lifecycle controller (pods of nodes gone).
		"--controllers", "job-controller,garbage-collector-controller,ttl-after-finished-controller,pod-garbage-collector-controller,node-lifecycle-controller",
		"--bind-address", "127.0.0.1", "--secure-port", strconv.Itoa(cmPort),
		"--cert-dir", filepath.Join(dir, "cm-certs")); err != nil {
		return nil, err
	}
	// Their own serving certificates are self-signed: only whether they
	// answer matters here.
	selfSigned := &tls.Config{InsecureSkipVerify: true}
	if err := cp.waitHTTP(ctx, "kube-controller-manager", "https://127.0.0.1:"+strconv.Itoa(cmPort)+"/healthz", selfSigned); err != nil {
		return nil, err
	}
	if err := cp.start("kube-scheduler", filepath.Join(binDir, "kube-scheduler"),
		"--kubeconfig", kubeconfig,
		"--authentication-kubeconfig", kubeconfig, "--authorization-kubeconfig", kubeconfig,
		"--leader-elect=false",
		"--bind-address", "127.0.0.1", "--secure-port", strconv.Itoa(schedPort),
		"--cert-dir", filepath.Join(dir, "scheduler-certs")); err != nil {
		return nil, err
	}
	if err := cp.waitHTTP(ctx, "kube-scheduler", "https://127.0.0.1:"+strconv.Itoa(schedPort)+"/healthz", selfSigned); err != nil {
		return nil, err
	}
	cp.Config = &rest.Config{
		Host:            server,
		TLSClientConfig: rest.TLSClientConfig{CAFile: pki.caCert, CertFile: pki.adminCert, KeyFile: pki.adminKey},
		QPS:             100, Burst: 200,
	}
	if cp.Client, err = kubernetes.NewForConfig(cp.Config); err != nil {
		return nil, err
	}
	ok = true
	return cp, nil
}

// start starts a process whose output goes to a log file in the folder.
func (cp *ControlPlane) start(name, bin string, args ...string) error {
	logPath := filepath.Join(cp.dir, name+".log")
	f, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer f.Close()
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.done) }()
	cp.procs = append(cp.procs, p)
	return nil
}

// Logs returns the last lines of a component's log, to explain a failure.
func (cp *ControlPlane) Logs(name string, lines int) string {
	b, err := os.ReadFile(filepath.Join(cp.dir, name+".log"))
	if err != nil {
		return ""
	}
	all := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}

// waitHTTP waits until url answers 200, or the process named exits.
func (cp *ControlPlane) waitHTTP(ctx context.Context, name, url string, tlsCfg *tls.Config) error {
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{TLSClientConfig: tlsCfg}}
	p := cp.procs[len(cp.procs)-1]
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	for {
		if resp, err := client.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-p.done:
			return fmt.Errorf("%s exited: %s", name, cp.Logs(name, 10))
		case <-ctx.Done():
			return fmt.Errorf("%s did not become ready: %s", name, cp.Logs(name, 10))
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// Stop kills every process, by its ID, the last started first.
func (cp *ControlPlane) Stop() {
	for i := len(cp.procs) - 1; i >= 0; i-- {
		p := cp.procs[i]
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	}
	cp.procs = nil
}

// freePorts returns n distinct free loopback ports.
func freePorts(n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// pki is the control plane's certificates and keys, as files.
type pki struct {
	caCert, serverCert, serverKey, adminCert, adminKey, saKey, saPub string
}

func writePKI(dir string) (*pki, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	p := &pki{
		caCert: filepath.Join(dir, "ca.crt"), serverCert: filepath.Join(dir, "apiserver.crt"), serverKey: filepath.Join(dir, "apiserver.key"),
		adminCert: filepath.Join(dir, "admin.crt"), adminKey: filepath.Join(dir, "admin.key"),
		saKey: filepath.Join(dir, "sa.key"), saPub: filepath.Join(dir, "sa.pub"),
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "amrbench e2e CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(48 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	ca, _ := x509.ParseCertificate(caDER)
	if err := writePEM(p.caCert, "CERTIFICATE", caDER); err != nil {
		return nil, err
	}
	leaf := func(serial int64, subject pkix.Name, usage x509.ExtKeyUsage, certPath, keyPath string, ips []net.IP, dns []string) error {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return err
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: subject,
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(48 * time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
			IPAddresses: ips, DNSNames: dns,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			return err
		}
		keyDER, err := x509.MarshalECPrivateKey(key)
		if err != nil {
			return err
		}
		if err := writePEM(certPath, "CERTIFICATE", der); err != nil {
			return err
		}
		return writePEM(keyPath, "EC PRIVATE KEY", keyDER)
	}
	if err := leaf(2, pkix.Name{CommonName: "kube-apiserver"}, x509.ExtKeyUsageServerAuth, p.serverCert, p.serverKey,
		[]net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("10.96.0.1")}, []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"}); err != nil {
		return nil, err
	}
	if err := leaf(3, pkix.Name{CommonName: "admin", Organization: []string{"system:masters"}}, x509.ExtKeyUsageClientAuth, p.adminCert, p.adminKey, nil, nil); err != nil {
		return nil, err
	}
	saKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	saDER, err := x509.MarshalECPrivateKey(saKey)
	if err != nil {
		return nil, err
	}
	pubDER, err := x509.MarshalPKIXPublicKey(&saKey.PublicKey)
	if err != nil {
		return nil, err
	}
	if err := writePEM(p.saKey, "EC PRIVATE KEY", saDER); err != nil {
		return nil, err
	}
	return p, writePEM(p.saPub, "PUBLIC KEY", pubDER)
}

func writePEM(path, typ string, der []byte) error {
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600)
}

// clientTLS is the administrator's TLS configuration.
func (p *pki) clientTLS() (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(p.adminCert, p.adminKey)
	if err != nil {
		return nil, err
	}
	caPEM, err := os.ReadFile(p.caCert)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, errors.New("no CA certificate")
	}
	return &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}}, nil
}

// writeKubeconfig writes a kubeconfig for the administrator.
func (p *pki) writeKubeconfig(path, server string) error {
	text := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: e2e
  cluster:
    server: %s
    certificate-authority: %s
users:
- name: admin
  user:
    client-certificate: %s
    client-key: %s
contexts:
- name: e2e
  context:
    cluster: e2e
    user: admin
current-context: e2e
`, server, p.caCert, p.adminCert, p.adminKey)
	return os.WriteFile(path, []byte(text), 0o600)
}
