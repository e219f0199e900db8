package benchtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Certs is a CA and a server certificate it signed, as PEM.
type Certs struct {
	CAPEM   []byte
	CertPEM []byte
	KeyPEM  []byte
	// ClientCertPEM and ClientKeyPEM are a client certificate signed by the
	// same CA.
	ClientCertPEM []byte
	ClientKeyPEM  []byte
}

// CertFiles are the paths WriteFiles wrote.
type CertFiles struct {
	CA, Cert, Key, ClientCert, ClientKey string
}

// NewCerts generates a CA and a server certificate valid for hosts (DNS names
// or IP addresses).
func NewCerts(t testing.TB, hosts ...string) *Certs {
	t.Helper()
	c, err := GenerateCerts(hosts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// GenerateCerts is NewCerts for a fixture that outlives one test.
func GenerateCerts(hosts ...string) (*Certs, error) {
	caKey, err := newKey()
	if err != nil {
		return nil, err
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "amrbench test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	c := &Certs{CAPEM: pemBlock("CERTIFICATE", caDER)}
	if c.CertPEM, c.KeyPEM, err = leaf(ca, caKey, 2, x509.ExtKeyUsageServerAuth, hosts); err != nil {
		return nil, err
	}
	if c.ClientCertPEM, c.ClientKeyPEM, err = leaf(ca, caKey, 3, x509.ExtKeyUsageClientAuth, []string{"amrbench-client"}); err != nil {
		return nil, err
	}
	return c, nil
}

func leaf(ca *x509.Certificate, caKey *ecdsa.PrivateKey, serial int64, usage x509.ExtKeyUsage, hosts []string) (certPEM, keyPEM []byte, err error) {
	key, err := newKey()
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: hosts[0]},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{usage},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, nil, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pemBlock("CERTIFICATE", der), pemBlock("EC PRIVATE KEY", keyDER), nil
}

func newKey() (*ecdsa.PrivateKey, error) {
	return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

// WriteFiles writes the PEM files into dir.
func (c *Certs) WriteFiles(t testing.TB, dir string) CertFiles {
	t.Helper()
	f, err := c.Write(dir)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// Write is WriteFiles for a fixture that outlives one test.
func (c *Certs) Write(dir string) (CertFiles, error) {
	f := CertFiles{
		CA:         filepath.Join(dir, "ca.pem"),
		Cert:       filepath.Join(dir, "server.pem"),
		Key:        filepath.Join(dir, "server.key"),
		ClientCert: filepath.Join(dir, "client.pem"),
		ClientKey:  filepath.Join(dir, "client.key"),
	}
	for path, data := range map[string][]byte{f.CA: c.CAPEM, f.Cert: c.CertPEM, f.Key: c.KeyPEM, f.ClientCert: c.ClientCertPEM, f.ClientKey: c.ClientKeyPEM} {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return f, err
		}
	}
	return f, nil
}
