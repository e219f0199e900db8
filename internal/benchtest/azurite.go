package benchtest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/sas"

	"github.com/amrbench/amrbench/internal/localserver"
	"github.com/amrbench/amrbench/internal/units"
)

// Azurite, the Azure Storage emulator, serves the Blob API to the tests of
// the result sink: a real implementation of append blobs, conditional
// requests, SAS and bearer tokens, run from npm (package azurite).
const (
	// AzuriteVersion is the release the tests run.
	AzuriteVersion = "3.37.0"
	// AzuriteAccount and AzuriteKey are Azurite's well-known development
	// account, published in its documentation.
	AzuriteAccount = "devstoreaccount1"
	AzuriteKey     = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)

// AzuriteDir is where scripts/test.sh and .ci/run install Azurite:
// ${XDG_CACHE_HOME:-$HOME/.cache}/amrbench/azurite-<version>.
func AzuriteDir() string {
	cache := os.Getenv("XDG_CACHE_HOME")
	if cache == "" {
		home, _ := os.UserHomeDir()
		cache = filepath.Join(home, ".cache")
	}
	return filepath.Join(cache, "amrbench", "azurite-"+AzuriteVersion)
}

var (
	azuriteOnce sync.Once
	azuriteBin  string
	azuriteErr  error
	// errNoNPM is why Azurite is missing on a developer's machine without
	// npm: the tests that need it skip, saying so. In CI they fail.
	errNoNPM = errors.New("azurite is not installed and npm is not on PATH to install it (scripts/test.sh installs it; or npm install --prefix " + AzuriteDir() + " azurite@" + AzuriteVersion + ")")
)

// azuriteBinary finds azurite-blob: $AMRBENCH_AZURITE, the cache folder,
// PATH; or installs it into the cache folder with npm.
func azuriteBinary() (string, error) {
	azuriteOnce.Do(func() {
		if p := os.Getenv("AMRBENCH_AZURITE"); p != "" {
			azuriteBin = p
			return
		}
		cached := filepath.Join(AzuriteDir(), "node_modules", ".bin", "azurite-blob")
		if _, err := os.Stat(cached); err == nil {
			azuriteBin = cached
			return
		}
		if p, err := exec.LookPath("azurite-blob"); err == nil {
			azuriteBin = p
			return
		}
		if _, err := exec.LookPath("npm"); err != nil {
			azuriteErr = errNoNPM
			return
		}
		// Install beside the final folder, then move it in place, so two
		// test processes never see a half-installed Azurite.
		if err := os.MkdirAll(filepath.Dir(AzuriteDir()), 0o755); err != nil {
			azuriteErr = fmt.Errorf("install azurite: %w", err)
			return
		}
		tmp, err := os.MkdirTemp(filepath.Dir(AzuriteDir()), "azurite-install-")
		if err != nil {
			azuriteErr = fmt.Errorf("install azurite: %w", err)
			return
		}
		defer os.RemoveAll(tmp)
		out, err := exec.Command("npm", "install", "--prefix", tmp, "--no-audit", "--no-fund", "azurite@"+AzuriteVersion).CombinedOutput()
		if err != nil {
			azuriteErr = fmt.Errorf("npm install azurite@%s: %v: %s", AzuriteVersion, err, units.LastLines(string(out), 5, "; "))
			return
		}
		if err := os.Rename(tmp, AzuriteDir()); err != nil && !os.IsExist(err) {
			if _, serr := os.Stat(cached); serr != nil {
				azuriteErr = fmt.Errorf("install azurite: %w", err)
				return
			}
		}
		azuriteBin = cached
	})
	return azuriteBin, azuriteErr
}

// RequireAzurite returns the azurite-blob program. Without it the test
// fails in CI (CI set) and skips, saying why, on a developer's machine
// without npm.
func RequireAzurite(t testing.TB) string {
	t.Helper()
	bin, err := azuriteBinary()
	switch {
	case err == nil:
		return bin
	case errors.Is(err, errNoNPM) && os.Getenv("CI") == "":
		t.Skipf("skipped: %v", err)
	}
	t.Fatalf("%v", err)
	return ""
}

// Azurite is an Azurite blob service owned by a test: HTTPS on a loopback
// port with a certificate made for the test, bearer tokens checked as
// Azure does it (--oauth basic: issuer, audience and lifetime, not the
// signature).
type Azurite struct {
	// AccountURL is the development account's URL:
	// https://127.0.0.1:PORT/devstoreaccount1.
	AccountURL string
	// Certs are the service's certificate and its CA; CAFile is the CA's
	// PEM file, for a process's SSL_CERT_FILE.
	Certs  *Certs
	CAFile string
	// Client trusts the CA.
	Client *http.Client
	cmd    *exec.Cmd
	exited chan struct{}
	dir    string
}

// StartAzurite starts Azurite for the test and stops it, by its process
// ID, when the test ends.
func StartAzurite(t testing.TB) *Azurite {
	t.Helper()
	RequireAzurite(t)
	a, err := NewAzurite()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Stop)
	return a
}

// NewAzurite starts Azurite for a whole test binary (call RequireAzurite
// first, and Stop from TestMain): node takes seconds to start.
func NewAzurite() (*Azurite, error) {
	bin, err := azuriteBinary()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "amrbench-azurite-")
	if err != nil {
		return nil, err
	}
	certs, err := GenerateCerts("127.0.0.1")
	if err != nil {
		return nil, err
	}
	files, err := certs.Write(dir)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certs.CAPEM)
	a := &Azurite{
		Certs: certs, CAFile: files.CA, dir: dir,
		Client: &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}},
	}
	var lastErr error
	for range 3 { // a port found free may be taken before Azurite binds it
		port, err := localserver.FreePort()
		if err != nil {
			return nil, err
		}
		logPath := filepath.Join(dir, "azurite-"+strconv.Itoa(port)+".log")
		if lastErr = a.start(bin, dir, files, port, logPath); lastErr == nil {
			a.AccountURL = fmt.Sprintf("https://127.0.0.1:%d/%s", port, AzuriteAccount)
			return a, nil
		}
	}
	_ = os.RemoveAll(dir)
	return nil, fmt.Errorf("start azurite: %w", lastErr)
}

func (a *Azurite) start(bin, dir string, files CertFiles, port int, logPath string) error {
	logFile, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer logFile.Close()
	data := filepath.Join(dir, "data-"+strconv.Itoa(port))
	cmd := exec.Command(bin,
		"--blobHost", "127.0.0.1", "--blobPort", strconv.Itoa(port), "--location", data,
		"--cert", files.Cert, "--key", files.Key, "--oauth", "basic",
		"--skipApiVersionCheck", "--disableTelemetry", "--silent")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = childProcAttr()
	if err := cmd.Start(); err != nil {
		return err
	}
	a.cmd, a.exited = cmd, make(chan struct{})
	go func() { _ = cmd.Wait(); close(a.exited) }()
	deadline := time.Now().Add(90 * time.Second) // node starts slowly on a busy machine
	for time.Now().Before(deadline) {
		select {
		case <-a.exited:
			b, _ := os.ReadFile(logPath)
			return fmt.Errorf("azurite exited: %s", units.LastLines(string(b), 5, "; "))
		case <-time.After(200 * time.Millisecond):
		}
		resp, err := a.Client.Get(fmt.Sprintf("https://127.0.0.1:%d/%s?comp=list", port, AzuriteAccount))
		if err == nil {
			resp.Body.Close()
			return nil // any answer (403 without credentials) means it serves
		}
	}
	a.kill()
	return errors.New("azurite did not answer within 90 s")
}

// kill kills the process by its ID and waits for it.
func (a *Azurite) kill() {
	if a.cmd == nil || a.cmd.Process == nil {
		return
	}
	_ = a.cmd.Process.Kill()
	<-a.exited
}

// Stop stops Azurite and removes its files.
func (a *Azurite) Stop() {
	a.kill()
	_ = os.RemoveAll(a.dir)
}

// NewContainer creates a container of a name no other caller gets and
// returns its name.
func (a *Azurite) NewContainer(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("c%d-%d", os.Getpid(), containerSeq.Add(1))
	a.CreateContainer(t, name)
	return name
}

var containerSeq atomic.Int64

// sharedKey returns the development account's shared key credential.
func (a *Azurite) sharedKey(t testing.TB) *container.SharedKeyCredential {
	t.Helper()
	cred, err := container.NewSharedKeyCredential(AzuriteAccount, AzuriteKey)
	if err != nil {
		t.Fatal(err)
	}
	return cred
}

// CreateContainer creates a container with the development account's key
// and returns its URL.
func (a *Azurite) CreateContainer(t testing.TB, name string) string {
	t.Helper()
	u := a.AccountURL + "/" + name
	c, err := container.NewClientWithSharedKeyCredential(u, a.sharedKey(t), &container.ClientOptions{ClientOptions: azcore.ClientOptions{Transport: a.Client}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := c.Create(ctx, nil); err != nil {
		t.Fatalf("create container %s: %v", name, err)
	}
	return u
}

// SASURL returns the URL of the container with a shared access signature
// of the development account allowing read, add, create, write and list
// for an hour.
func (a *Azurite) SASURL(t testing.TB, containerName string) string {
	t.Helper()
	perms := sas.ContainerPermissions{Read: true, Add: true, Create: true, Write: true, List: true}
	q, err := sas.BlobSignatureValues{
		Protocol:      sas.ProtocolHTTPS,
		StartTime:     time.Now().Add(-5 * time.Minute).UTC(),
		ExpiryTime:    time.Now().Add(time.Hour).UTC(),
		Permissions:   perms.String(),
		ContainerName: containerName,
	}.SignWithSharedKey(a.sharedKey(t))
	if err != nil {
		t.Fatal(err)
	}
	return a.AccountURL + "/" + containerName + "?" + q.Encode()
}

// StorageCredential stands in for Entra ID towards Azurite: it mints
// unsigned JWTs with the issuer, audience and lifetime claims Azurite
// checks, for the audience it was made with whatever scope it is asked
// for, and records the scopes asked.
type StorageCredential struct {
	audience string
	mu       sync.Mutex
	scopes   []string
}

// StorageAudience is the audience of tokens for Azure Storage.
const StorageAudience = "https://storage.azure.com"

// NewStorageCredential returns a credential minting tokens for audience:
// StorageAudience for tokens Azurite accepts, another (the cache's,
// https://redis.azure.com) for tokens it must refuse.
func NewStorageCredential(audience string) *StorageCredential {
	return &StorageCredential{audience: audience}
}

var _ azcore.TokenCredential = (*StorageCredential)(nil)

// GetToken mints a token valid for an hour.
func (c *StorageCredential) GetToken(_ context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	c.mu.Lock()
	c.scopes = append(c.scopes, opts.Scopes...)
	c.mu.Unlock()
	now := time.Now()
	exp := now.Add(time.Hour)
	enc := base64.RawURLEncoding.EncodeToString
	payload := fmt.Sprintf(`{"iss":"https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/","aud":%q,"oid":"6a3b1f0e-9c2d-4e8f-a1b2-c3d4e5f60718","nbf":%d,"iat":%d,"exp":%d}`,
		c.audience, now.Add(-time.Minute).Unix(), now.Unix(), exp.Unix())
	token := enc([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc([]byte(payload)) + "."
	return azcore.AccessToken{Token: token, ExpiresOn: exp}, nil
}

// Scopes returns the scopes asked for so far.
func (c *StorageCredential) Scopes() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.scopes...)
}
