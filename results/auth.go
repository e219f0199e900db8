package results

import "time"

// AuthSummary is what happened to a run's Entra ID authentication: the
// principal, the tokens it received, and the re-authentication of open
// connections. It is computed from the header, the token-refresh and reauth
// events, and the intervals' reauth statistics, over the whole run (warmup
// included: a connection lost during the warmup is lost all the same).
type AuthSummary struct {
	Credential string `json:"credential,omitempty"`
	// Principal is the object ID the tokens name.
	Principal string `json:"principal"`
	// TokenExpires is the expiry of the last token received.
	TokenExpires time.Time `json:"token_expires"`
	// Tokens counts the tokens received, the first included;
	// RefreshFailures the failed requests for a token.
	Tokens          int64 `json:"tokens"`
	RefreshFailures int64 `json:"refresh_failures"`
	// FailingSince is when the requests for a token began to fail, if the
	// run's last request failed; LastError is the last failure's reason.
	FailingSince time.Time     `json:"failing_since,omitzero"`
	LastError    string        `json:"last_error,omitempty"`
	Reauth       ReauthSummary `json:"reauth"`
}

// ReauthSummary totals the re-authentication of open connections.
type ReauthSummary struct {
	// Count is the number of AUTH commands sent on open connections, Errors
	// the failed ones by class.
	Count  int64                `json:"count"`
	Errors map[ErrorClass]int64 `json:"errors"`
	// ConnectionsExpired counts connections the server closed because their
	// token expired.
	ConnectionsExpired int64 `json:"connections_expired"`
	// Waves counts the reauth events: one per token handed to the
	// connections.
	Waves   int64   `json:"waves"`
	Latency Latency `json:"latency"`
}

// SummarizeAuth computes the authentication summary of a run that used
// Entra ID; it returns nil for other runs, and for files that hold nothing
// about it (written before amrbench recorded it).
func SummarizeAuth(h *Header, intervals []*Interval, events []*Event) (*AuthSummary, error) {
	if h == nil || h.Target.Auth != "entra" || !recordsAuth(h, intervals, events) {
		return nil, nil
	}
	a := &AuthSummary{Credential: h.Target.Credential, Principal: h.Target.Principal, TokenExpires: h.Target.TokenExpires}
	failingSince := time.Time{}
	for _, e := range events {
		switch e.Kind {
		case EventTokenRefresh:
			switch e.Outcome {
			case OutcomeAcquired, OutcomeRenewed:
				a.Tokens++
				failingSince = time.Time{}
				if !e.TokenExpires.IsZero() {
					a.TokenExpires = e.TokenExpires
				}
				if e.Principal != "" {
					a.Principal = e.Principal
				}
			case OutcomeUnchanged:
				failingSince = time.Time{}
			case OutcomeFailed:
				a.RefreshFailures++
				a.LastError = e.Error
				if failingSince.IsZero() {
					failingSince = e.Time
				}
			}
		case EventReauth:
			a.Reauth.Waves++
		}
	}
	a.FailingSince = failingSince
	total := NewReauthStats()
	for _, iv := range intervals {
		if err := total.Add(iv.Reauth); err != nil {
			return nil, err
		}
	}
	a.Reauth.Count = total.Count
	a.Reauth.Errors = allClasses(total.Errors)
	a.Reauth.ConnectionsExpired = total.Expired
	a.Reauth.Latency = LatencyOf(total.Latency, ReportPercentiles(h.Percentiles))
	return a, nil
}

// recordsAuth reports whether a file holds anything about its Entra ID
// authentication.
func recordsAuth(h *Header, intervals []*Interval, events []*Event) bool {
	if h.Target.Principal != "" {
		return true
	}
	for _, e := range events {
		if e.Kind == EventTokenRefresh || e.Kind == EventReauth {
			return true
		}
	}
	for _, iv := range intervals {
		if iv.Reauth != nil {
			return true
		}
	}
	return false
}
