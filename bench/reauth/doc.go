// Package reauth is a run's side of Entra ID authentication: it starts the
// token provider (bench/entra) before any connection opens, turns the
// provider's notices into token-refresh events and each wave of re-AUTHs
// into a reauth event, hands every new connection its share of the re-AUTH
// policy (entra.Conn), and counts the AUTHs no worker owns: those go-redis
// sends on pooled connections (Hook) and those sent on idle connections,
// for the recorder (record.SharedReauth).
//
// It imports nothing of bench but entra and record; bench owns the
// sessions, sends the AUTHs on the workers' own connections and classifies
// their errors.
package reauth
