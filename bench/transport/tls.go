package transport

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
)

// sessionCacheSize is how many servers' sessions a config keeps: one for
// an endpoint, one per shard name of a cluster (they share the endpoint's
// name, see TLSOptions.Config).
const sessionCacheSize = 64

// TLSOptions describes the TLS side of a target. The certificate material is
// passed as PEM bytes: reading files is the command line's job.
type TLSOptions struct {
	Enabled bool `json:"enabled"`
	// CAPEM holds the certificates that may sign the server's certificate;
	// empty means the system roots.
	CAPEM []byte `json:"-"`
	// CertPEM and KeyPEM are the client certificate and its key, for servers
	// that ask for one.
	CertPEM []byte `json:"-"`
	KeyPEM  []byte `json:"-"`
	// SNI is the name sent in the TLS handshake and verified against the
	// server certificate; empty means the host name of the target.
	SNI string `json:"sni,omitempty"`
	// SkipVerify turns off verification of the server certificate and its
	// host name.
	SkipVerify bool `json:"skip_verify,omitempty"`
}

// Config returns the tls.Config for connecting to host: TLS 1.2 at least,
// with the server certificate and its host name verified unless SkipVerify.
//
// Its connections resume the session of an earlier one (a session cache
// shared by every connection of the config): the first connection verifies
// the server's certificate in a full handshake, and the others, and every
// reconnection, skip the certificate's verification and the server its
// signature. Opening thousands of connections costs the server less, as
// Azure's own guidance on connection floods asks.
func (o TLSOptions) Config(host string) (*tls.Config, error) {
	if !o.Enabled {
		return nil, nil
	}
	cfg := &tls.Config{
		MinVersion:         tls.VersionTLS12,
		ServerName:         host,
		InsecureSkipVerify: o.SkipVerify, //nolint:gosec // only when the user asks, with --tls-skip-verify
		ClientSessionCache: tls.NewLRUClientSessionCache(sessionCacheSize),
	}
	if o.SNI != "" {
		cfg.ServerName = o.SNI
	}
	if len(o.CAPEM) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(o.CAPEM) {
			return nil, errors.New("no PEM certificate found in the CA file")
		}
		cfg.RootCAs = pool
	}
	if len(o.CertPEM) > 0 || len(o.KeyPEM) > 0 {
		if len(o.CertPEM) == 0 || len(o.KeyPEM) == 0 {
			return nil, errors.New("a client certificate needs both its certificate and its key")
		}
		pair, err := tls.X509KeyPair(o.CertPEM, o.KeyPEM)
		if err != nil {
			return nil, fmt.Errorf("client certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return cfg, nil
}
