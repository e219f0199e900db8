package entra

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"
)

// jwt builds an unsigned token around a payload, the way the tests' token
// sources do.
func jwt(payload string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc([]byte(payload)) + "."
}

func TestParseToken(t *testing.T) {
	t.Parallel()
	padded := base64.URLEncoding.EncodeToString([]byte(`{"oid":"p","exp":1700000000}`))
	tests := []struct {
		name    string
		token   string
		want    Claims
		wantErr string
		notJWT  bool
	}{
		{
			name:  "an Entra access token's claims",
			token: jwt(`{"aud":"https://redis.azure.com","oid":"4a1f…-oid","tid":"t-1","iat":1700000000,"exp":1700004500}`),
			want:  Claims{OID: "4a1f…-oid", TenantID: "t-1", IssuedAt: time.Unix(1700000000, 0).UTC(), Expires: time.Unix(1700004500, 0).UTC()},
		},
		{
			name:  "a fractional exp keeps its fraction (RFC 7519 NumericDate)",
			token: jwt(`{"oid":"p","exp":1700000000.25}`),
			want:  Claims{OID: "p", Expires: time.Unix(1700000000, 250_000_000).UTC()},
		},
		{
			name:  "padded base64url segments are accepted",
			token: "e30=." + padded + ".sig",
			want:  Claims{OID: "p", Expires: time.Unix(1700000000, 0).UTC()},
		},
		{
			name:  "no oid is not an error here: the caller may name the user",
			token: jwt(`{"exp":1700000000}`),
			want:  Claims{Expires: time.Unix(1700000000, 0).UTC()},
		},
		{
			name:  "no exp leaves Expires zero",
			token: jwt(`{"oid":"p"}`),
			want:  Claims{OID: "p"},
		},
		{name: "an opaque token is not a JWT", token: "opaque-token-value", notJWT: true, wantErr: "1 dot-separated parts"},
		{name: "two parts", token: "a.b", notJWT: true, wantErr: "2 dot-separated parts"},
		{name: "a payload that is not base64url", token: "e30.#secret#.x", notJWT: true, wantErr: "not base64url"},
		{name: "a payload that is not JSON", token: jwt(`secret-not-json`), notJWT: true, wantErr: "not a JSON object"},
		{name: "exp as a string", token: jwt(`{"oid":"p","exp":"soon"}`), wantErr: "exp"},
		{name: "a negative exp", token: jwt(`{"oid":"p","exp":-5}`), wantErr: "exp"},
		{name: "an exp past year 5000", token: jwt(`{"oid":"p","exp":1e300}`), wantErr: "exp"},
		{name: "a bad iat", token: jwt(`{"oid":"p","exp":1700000000,"iat":"x"}`), wantErr: "iat"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseToken(tt.token)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				if errors.Is(err, ErrNotJWT) != tt.notJWT {
					t.Fatalf("errors.Is(err, ErrNotJWT) = %v, want %v", !tt.notJWT, tt.notJWT)
				}
				if strings.Contains(err.Error(), "secret") {
					t.Fatalf("error %q repeats the token", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}
