package main

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/amrbench/amrbench/bench"
	"github.com/amrbench/amrbench/bench/cluster"
	"github.com/amrbench/amrbench/bench/entra"
	"github.com/amrbench/amrbench/internal/cmdline"
	"github.com/amrbench/amrbench/internal/units"
	"github.com/amrbench/amrbench/report/catalog"
	"github.com/amrbench/amrbench/results"
)

func (f *runFlags) planTarget(fs *pflag.FlagSet, env *environment, p *runPlan) error {
	tc := &p.cfg.Target
	uriUser, uriPassword, uriPort := "", "", false
	switch {
	case f.uri != "" && fs.Changed("server"):
		return usagef("give --uri or --server, not both")
	case f.uri != "":
		u, err := parseRedisURI(f.uri)
		if err != nil {
			return usagef("--uri: %w", err)
		}
		tc.Host, tc.DB = u.host, u.db
		if u.port > 0 {
			tc.Port, uriPort = u.port, true
		}
		tc.TLS.Enabled = u.tls
		uriUser, uriPassword = u.user, u.password
	case f.server != "":
		tc.Host = f.server
	default:
		p.embedded = true
		tc.Host = "127.0.0.1"
	}
	if fs.Changed("port") {
		tc.Port = f.port
	}
	if fs.Changed("select-db") {
		tc.DB = f.db
	}
	if fs.Changed("tls") {
		tc.TLS.Enabled = f.tls
	}
	if az, ok := catalog.AzureDefaults(tc.Host); ok {
		var defaults []string
		if !fs.Changed("port") && !uriPort {
			tc.Port = az.Port
			defaults = append(defaults, fmt.Sprintf("port %d", az.Port))
		}
		if !fs.Changed("tls") && f.uri == "" && az.TLS {
			tc.TLS.Enabled = true
			defaults = append(defaults, "TLS")
		}
		if len(defaults) > 0 {
			p.notes = append(p.notes, fmt.Sprintf("%s is %s: using %s", tc.Host, az.Service, strings.Join(defaults, " and ")))
		}
	}
	tlsFlagUsed := false
	for _, name := range []string{"cacert", "cert", "key", "sni", "tls-skip-verify"} {
		tlsFlagUsed = tlsFlagUsed || fs.Changed(name)
	}
	if tlsFlagUsed && !tc.TLS.Enabled {
		return usagef("--cacert, --cert, --key, --sni and --tls-skip-verify need --tls")
	}
	tc.TLS.SNI, tc.TLS.SkipVerify = f.sni, f.tlsSkipVerify
	if tc.TLS.SkipVerify {
		p.warnings = append(p.warnings, planWarning{results.WarnTLSUnverified,
			"--tls-skip-verify: the server's certificate and host name are not verified, so anyone on the network path could pose as the server and read the traffic, the password included"})
	}
	for _, file := range []struct {
		flag, path string
		dst        *[]byte
	}{{"cacert", f.cacert, &tc.TLS.CAPEM}, {"cert", f.cert, &tc.TLS.CertPEM}, {"key", f.key, &tc.TLS.KeyPEM}} {
		if file.path == "" {
			continue
		}
		b, err := cmdline.ReadSmallFile(file.path)
		if err != nil {
			return usagef("--%s: %w", file.flag, err)
		}
		*file.dst = b
	}
	if (len(tc.TLS.CertPEM) > 0) != (len(tc.TLS.KeyPEM) > 0) {
		return usagef("TLS: a client certificate needs both --cert and --key")
	}
	if _, err := tc.TLS.Config(tc.Host); err != nil {
		return usagef("TLS: %w", err)
	}
	tc.ClusterPolicy = cluster.Policy(f.clusterPolicy)
	if f.clusterMode {
		if fs.Changed("cluster-policy") && cluster.Policy(f.clusterPolicy) != cluster.PolicyOSS {
			return usagef("--cluster-mode means --cluster-policy oss, not %s: give one", f.clusterPolicy)
		}
		tc.ClusterPolicy = cluster.PolicyOSS
	}
	if err := f.planAuth(fs, env, p, uriUser, uriPassword); err != nil {
		return err
	}
	p.warnings = append(p.warnings, credentialWarnings(fs, f, p, uriPassword)...)
	return nil
}

// planAuth resolves the user and password: -a first, then --password-file,
// then AMRBENCH_PASSWORD, then the URI.
func (f *runFlags) planAuth(fs *pflag.FlagSet, env *environment, p *runPlan, uriUser, uriPassword string) error {
	tc := &p.cfg.Target
	user, password := uriUser, uriPassword
	if v := env.getenv("AMRBENCH_USER"); v != "" {
		user = v
	}
	if v := env.getenv("AMRBENCH_PASSWORD"); v != "" {
		password = v
	}
	if f.passwordFile != "" {
		b, err := cmdline.ReadSmallFile(f.passwordFile)
		if err != nil {
			return usagef("--password-file: %w", err)
		}
		line, _, _ := strings.Cut(string(b), "\n")
		password = strings.TrimRight(line, "\r")
		if password == "" {
			return usagef("--password-file %s: the first line is empty", f.passwordFile)
		}
	}
	if fs.Changed("authenticate") {
		if u, pw, ok := strings.Cut(f.authenticate, ":"); ok {
			user, password = u, pw
		} else {
			password = f.authenticate
		}
	}
	if fs.Changed("user") {
		user = f.user
	}
	tc.Username, tc.Password = user, password
	entraFlag := ""
	for _, name := range entraFlags {
		if fs.Changed(name) {
			entraFlag = name
			break
		}
	}
	switch f.auth {
	case "":
		switch {
		case entraFlag != "":
			tc.Auth = bench.AuthEntra
		case password != "":
			tc.Auth = bench.AuthPassword
		default:
			tc.Auth = bench.AuthNone
		}
	case bench.AuthNone:
		if password != "" {
			return usagef("--auth none, but a password was given")
		}
		tc.Auth = bench.AuthNone
	case bench.AuthPassword, bench.AuthEntra:
		tc.Auth = f.auth
	default:
		return usagef("--auth %q: use none, password or entra", f.auth)
	}
	if entraFlag != "" && tc.Auth != bench.AuthEntra {
		return usagef("--%s is for --auth entra, not --auth %s", entraFlag, tc.Auth)
	}
	if p.embedded && tc.Auth == bench.AuthEntra {
		return usagef("--auth entra needs --server: the embedded local server takes no Entra ID tokens")
	}
	if p.embedded && tc.Auth != bench.AuthNone {
		return usagef("a password was given but no --server: the embedded local server has none")
	}
	if tc.Auth == bench.AuthEntra {
		if password != "" {
			return usagef("--auth entra authenticates with Entra ID tokens, but a password was given (-a, --password-file, AMRBENCH_PASSWORD or the URI)")
		}
		if user != "" {
			return usagef("--auth entra: give the user name with --entra-user, not --user, AMRBENCH_USER or the URI (default: the token's oid claim)")
		}
		return f.planEntra(env, p)
	}
	return nil
}

// credentialWarnings warns, once, of a password given on the command line
// (-a, or in the URI), where other users of the machine can read it, and of
// a password that would cross the network without TLS. It never shows the
// password.
func credentialWarnings(fs *pflag.FlagSet, f *runFlags, p *runPlan, uriPassword string) []planWarning {
	var out []planWarning
	var where []string
	if fs.Changed("authenticate") && f.authenticate != "" {
		where = append(where, "-a")
	}
	if uriPassword != "" {
		where = append(where, "the --uri")
	}
	if len(where) > 0 {
		out = append(out, planWarning{results.WarnPasswordOnCommandLine, fmt.Sprintf(
			"a password in %s can be read by other users of this machine (ps, /proc); set AMRBENCH_PASSWORD or use --password-file instead", strings.Join(where, " and "))})
	}
	tc := p.cfg.Target // (Entra ID tokens need TLS: Validate says so)
	if tc.Auth == bench.AuthPassword && !tc.TLS.Enabled && !units.IsLoopback(tc.Host) {
		out = append(out, planWarning{results.WarnCleartextCredentials, fmt.Sprintf(
			"the password goes to %s without TLS, where anyone on the network path can read it: add --tls if the server has a TLS port", tc.Host)})
	}
	return out
}

// entraFlags are the flags that only mean something with --auth entra.
var entraFlags = []string{"entra-credential", "entra-client-id", "entra-tenant-id", "entra-certificate", "entra-scope", "entra-user", "reauth", "reauth-before"}

// planEntra builds the Entra ID credential from the flags and the
// environment azidentity's users know: AZURE_CLIENT_ID, AZURE_TENANT_ID,
// AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH and _PASSWORD,
// AZURE_FEDERATED_TOKEN_FILE. Secrets come only from the environment or a
// file, never from the command line.
func (f *runFlags) planEntra(env *environment, p *runPlan) error {
	kind := f.entraCredential
	if !slices.Contains(entra.CredentialKinds, kind) {
		return usagef("--entra-credential %q: use one of %s", kind, strings.Join(entra.CredentialKinds, ", "))
	}
	o := entra.CredentialOptions{Kind: kind, ClientID: f.entraClientID, TenantID: f.entraTenant}
	switch kind {
	case entra.CredentialWorkloadIdentity, entra.CredentialClientSecret, entra.CredentialClientCertificate:
		if o.ClientID == "" {
			o.ClientID = env.getenv("AZURE_CLIENT_ID")
		}
		if o.TenantID == "" {
			o.TenantID = env.getenv("AZURE_TENANT_ID")
		}
		var missing []string
		if o.ClientID == "" {
			missing = append(missing, "a client ID (--entra-client-id or AZURE_CLIENT_ID)")
		}
		if o.TenantID == "" {
			missing = append(missing, "a tenant (--entra-tenant-id or AZURE_TENANT_ID)")
		}
		switch kind {
		case entra.CredentialWorkloadIdentity:
			if o.TokenFilePath = env.getenv("AZURE_FEDERATED_TOKEN_FILE"); o.TokenFilePath == "" {
				missing = append(missing, "AZURE_FEDERATED_TOKEN_FILE (set by the workload identity webhook)")
			}
		case entra.CredentialClientSecret:
			if o.ClientSecret = env.getenv("AZURE_CLIENT_SECRET"); o.ClientSecret == "" {
				missing = append(missing, "AZURE_CLIENT_SECRET")
			}
		case entra.CredentialClientCertificate:
			path := f.entraCertificate
			if path == "" {
				path = env.getenv("AZURE_CLIENT_CERTIFICATE_PATH")
			}
			if path == "" {
				missing = append(missing, "a certificate (--entra-certificate or AZURE_CLIENT_CERTIFICATE_PATH)")
			} else {
				b, err := cmdline.ReadSmallFile(path)
				if err != nil {
					return usagef("--entra-certificate: %w", err)
				}
				o.Certificate, o.CertificatePassword = b, env.getenv("AZURE_CLIENT_CERTIFICATE_PASSWORD")
			}
		}
		if len(missing) > 0 {
			return usagef("--entra-credential %s needs %s", kind, strings.Join(missing, ", "))
		}
	}
	if f.entraCertificate != "" && kind != entra.CredentialClientCertificate {
		return usagef("--entra-certificate is for --entra-credential client-certificate, not %s", kind)
	}
	cred, err := entra.NewCredential(o)
	if err != nil {
		return usagef("--entra-credential %s: %w", kind, err)
	}
	p.cfg.Target.Entra = bench.EntraConfig{
		Credential:      kind,
		ClientID:        o.ClientID,
		TenantID:        o.TenantID,
		Scope:           f.entraScope,
		User:            f.entraUser,
		Reauth:          f.reauth,
		ReauthBefore:    f.reauthBefore,
		TokenCredential: cred,
	}
	return nil
}

// redisURI is a parsed redis:// or rediss:// URI.
type redisURI struct {
	host           string
	port, db       int
	tls            bool
	user, password string
}

// parseRedisURI parses a redis URI. Its errors never repeat the URI, which
// may hold a password.
func parseRedisURI(s string) (redisURI, error) {
	u, err := url.Parse(s)
	if err != nil {
		return redisURI{}, errors.New("not a valid URI (redis://[user:password@]host[:port][/db])")
	}
	var r redisURI
	switch u.Scheme {
	case "redis":
	case "rediss":
		r.tls = true
	default:
		return r, fmt.Errorf("scheme %q: use redis:// or rediss://", u.Scheme)
	}
	// A '/', '?' or '#' in a password ends the URI's host part early, so
	// the rest of the password reads as a port, a path or a query: the
	// errors below say what is wrong without quoting any of it.
	if strings.ContainsAny(u.Path+u.RawQuery+u.Fragment, "@") {
		return r, errors.New("an '@' after the host: a password holding '/', '?' or '#' must write them %2F, %3F and %23")
	}
	r.host = u.Hostname()
	if r.host == "" {
		return r, errors.New("no host")
	}
	if ps := u.Port(); ps != "" {
		if r.port, err = strconv.Atoi(ps); err != nil || r.port < 1 || r.port > 65535 {
			return r, errors.New("the port is not a number from 1 to 65535")
		}
	}
	if path := strings.Trim(u.Path, "/"); path != "" {
		if r.db, err = strconv.Atoi(path); err != nil || r.db < 0 {
			return r, errors.New("the database (after the host, /db) is not a number of 0 or more")
		}
	}
	if u.User != nil {
		r.user = u.User.Username()
		r.password, _ = u.User.Password()
		if _, hasPassword := u.User.Password(); !hasPassword {
			// redis://password@host is common shorthand for a password alone.
			r.user, r.password = "", u.User.Username()
		}
	}
	return r, nil
}
