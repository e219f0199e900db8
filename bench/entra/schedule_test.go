package entra

import (
	"testing"
	"time"
)

func TestRefreshAt(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	def := Policy{Ratio: DefaultRefreshRatio, Before: DefaultRefreshBefore}
	tests := []struct {
		name   string
		policy Policy
		life   time.Duration // expiry minus receipt
		jitter float64
		want   time.Duration // refresh time minus receipt
	}{
		{"a 75 min token (Entra's average): at 70 %, 22.5 min before expiry", def, 75 * time.Minute, 0, 52*time.Minute + 30*time.Second},
		{"a 60 min token: at 70 %", def, time.Hour, 0, 42 * time.Minute},
		{"a 24 h managed-identity token: at 70 %", def, 24 * time.Hour, 0, 16*time.Hour + 48*time.Minute},
		{"a 10 min token: 5 min before expiry comes first", def, 10 * time.Minute, 0, 5 * time.Minute},
		{"a 6 min token: 5 min before expiry, 1 min after receipt", def, 6 * time.Minute, 0, time.Minute},
		{"a token of exactly --reauth-before: at 70 %, not at once", def, 5 * time.Minute, 0, 3*time.Minute + 30*time.Second},
		{"a 4 s test token shorter than --reauth-before: at 70 %", def, 4 * time.Second, 0, 2800 * time.Millisecond},
		{"a 4 s token with --reauth-before 1s: at 70 %, before the bound", Policy{Ratio: 0.7, Before: time.Second}, 4 * time.Second, 0, 2800 * time.Millisecond},
		{"a 4 s token with --reauth-before 2s: 2 s before expiry", Policy{Ratio: 0.7, Before: 2 * time.Second}, 4 * time.Second, 0, 2 * time.Second},
		{"full jitter moves it 10 % earlier", def, 75 * time.Minute, 1, 47*time.Minute + 15*time.Second},
		{"half jitter moves it 5 % earlier", def, time.Hour, 0.5, 39*time.Minute + 54*time.Second},
		{"jitter beyond 1 is clamped", def, time.Hour, 7, 37*time.Minute + 48*time.Second},
		{"a ratio of 0.5", Policy{Ratio: 0.5, Before: time.Minute}, time.Hour, 0, 30 * time.Minute},
		{"an expired token: at once", def, -time.Second, 0, 0},
		{"a token expiring as it arrives: at once", def, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.policy.RefreshAt(t0, t0.Add(tt.life), tt.jitter).Sub(t0)
			if got != tt.want {
				t.Fatalf("refresh %s after receipt, want %s", got, tt.want)
			}
			if tt.life > 0 && got >= tt.life {
				t.Fatalf("refresh %s is not before expiry %s", got, tt.life)
			}
		})
	}
}

func TestRetryDelay(t *testing.T) {
	t.Parallel()
	tests := []struct {
		attempt int
		jitter  float64
		want    time.Duration
	}{
		{1, 0.5, time.Second},         // the first retry after a second
		{2, 0.5, 2 * time.Second},     // doubling
		{5, 0.5, 16 * time.Second},    //
		{6, 0.5, 30 * time.Second},    // 32 s capped at 30 s
		{1000, 0.5, 30 * time.Second}, // no overflow however long it fails
		{1, 0, 800 * time.Millisecond},
		{1, 1, 1200 * time.Millisecond},
		{6, 1, 36 * time.Second},
		{0, 0.5, time.Second}, // attempt 0 is treated as the first
	}
	for _, tt := range tests {
		if got := RetryDelay(tt.attempt, tt.jitter); got != tt.want {
			t.Errorf("RetryDelay(%d, %g) = %s, want %s", tt.attempt, tt.jitter, got, tt.want)
		}
	}
}

func TestUnchangedDelay(t *testing.T) {
	t.Parallel()
	tests := []struct{ left, want time.Duration }{
		{22 * time.Minute, time.Minute},                // a cached 75 min token at 70 %: once a minute
		{4 * time.Minute, 30 * time.Second},            // an eighth of what is left
		{2 * time.Second, time.Second},                 // never faster than once a second
		{-time.Minute, time.Second},                    // expired: keep asking every second
		{8 * time.Hour, time.Minute},                   // capped
		{16 * time.Second, 2 * time.Second},            //
		{time.Minute + 4*time.Second, 8 * time.Second}, //
	}
	for _, tt := range tests {
		if got := UnchangedDelay(tt.left); got != tt.want {
			t.Errorf("UnchangedDelay(%s) = %s, want %s", tt.left, got, tt.want)
		}
	}
}
