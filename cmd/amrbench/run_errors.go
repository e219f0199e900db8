package main

import (
	"errors"
	"strings"

	"github.com/amrbench/amrbench/bench"
)

// flagOfField names each field of bench.Config by the flag that sets it, so
// that the engine's errors, which name the configuration's fields
// (bench.FieldError), reach the user in the command line's terms.
var flagOfField = map[string]string{
	"target.host":                "--server",
	"target.port":                "--port",
	"target.db":                  "--select-db",
	"target.auth":                "--auth",
	"target.tls.enabled":         "--tls",
	"target.tls.ca":              "--cacert",
	"target.tls.sni":             "--sni",
	"target.tls.skip_verify":     "--tls-skip-verify",
	"target.entra.credential":    "--entra-credential",
	"target.entra.scope":         "--entra-scope",
	"target.entra.user":          "--entra-user",
	"target.entra.reauth_before": "--reauth-before",
	"target.cluster_policy":      "--cluster-policy",
	"connections":                "--connections",
	"connect_concurrency":        "--connect-concurrency",
	"connect_rate":               "--connect-rate",
	"pipeline":                   "--pipeline",
	"duration":                   "--duration",
	"requests":                   "--requests",
	"warmup":                     "--warmup",
	"interval":                   "--interval",
	"timeout":                    "--timeout",
	"connect_timeout":            "--connect-timeout",
	"read_buffer_size":           "--buffer-size",
	"write_buffer_size":          "--buffer-size",
	"reply_wait":                 "--reply-wait",
	"transport":                  "--transport",
	"segment":                    "--segment",
	"rate":                       "--rate",
	"ramp":                       "--rate-ramp",
	"find_max":                   "--find-max",
	"objectives":                 "--slo",
	"step_duration":              "--step-duration",
	"late_threshold":             "--late-threshold",
}

// hintOfField says where on the command line a field's value comes from,
// for errors whose fix is a field they do not name (FieldError.Hint).
var hintOfField = map[string]string{
	"target.password": "use -a, AMRBENCH_PASSWORD or --password-file",
}

// flagText renders a FieldError with the flags' names, and its hint.
func flagText(fe error) string {
	var e *bench.FieldError
	if !errors.As(fe, &e) {
		return fe.Error()
	}
	text := e.Rename(func(field string) string { return flagOfField[field] })
	if h := hintOfField[e.Hint]; h != "" {
		text += " (" + h + ")"
	}
	if e == fe {
		return text
	}
	return strings.Replace(fe.Error(), e.Error(), text, 1)
}

// fieldErrors returns every FieldError in err's tree.
func fieldErrors(err error) []*bench.FieldError {
	var out []*bench.FieldError
	var walk func(error)
	walk = func(err error) {
		if err == nil {
			return
		}
		if fe, ok := err.(*bench.FieldError); ok { //nolint:errorlint // each node of the tree is visited
			out = append(out, fe)
		}
		switch u := err.(type) { //nolint:errorlint // the tree is walked node by node
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				walk(e)
			}
		}
	}
	walk(err)
	return out
}

// flagNamed is an error of the run whose message names the flags behind
// the configuration's fields: the engine's message, with every FieldError's
// text in it rendered by flagText.
type flagNamed struct {
	err error
	msg string
}

func (e flagNamed) Error() string { return e.msg }
func (e flagNamed) Unwrap() error { return e.err }

// withFlagNames returns err with the engine's field names replaced by flag
// names (and their hints added); err itself when it holds no FieldError.
// The usage and other errors it wraps stay reachable by errors.As.
func withFlagNames(err error) error {
	fes := fieldErrors(err)
	if len(fes) == 0 {
		return err
	}
	msg := err.Error()
	for _, fe := range fes {
		msg = strings.Replace(msg, fe.Error(), flagText(fe), 1)
	}
	return flagNamed{err: err, msg: msg}
}
