package entra

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// Claims are the claims of an access token that amrbench reads. They are
// read without verifying the token's signature: the server verifies it, and
// amrbench only needs to know who the token names and when it expires.
type Claims struct {
	// OID is the principal's object ID (the "oid" claim): the user name
	// Azure Managed Redis expects with the token.
	OID string
	// TenantID is the "tid" claim, when present.
	TenantID string
	// Expires is the "exp" claim: the server closes a connection
	// authenticated with the token at this time.
	Expires time.Time
	// IssuedAt is the "iat" claim, or zero.
	IssuedAt time.Time
}

// ErrNotJWT is returned for a token that is not a JSON Web Token.
var ErrNotJWT = errors.New("the token is not a JSON Web Token")

// ParseToken reads the claims of a JWT access token without verifying its
// signature. Its errors never contain the token.
func ParseToken(raw string) (Claims, error) {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return Claims{}, fmt.Errorf("%w: %d dot-separated parts, want 3", ErrNotJWT, len(parts))
	}
	payload, err := decodeSegment(parts[1])
	if err != nil {
		return Claims{}, fmt.Errorf("%w: payload is not base64url", ErrNotJWT)
	}
	var c struct {
		OID string          `json:"oid"`
		TID string          `json:"tid"`
		Exp json.RawMessage `json:"exp"`
		Iat json.RawMessage `json:"iat"`
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		return Claims{}, fmt.Errorf("%w: payload is not a JSON object", ErrNotJWT)
	}
	claims := Claims{OID: c.OID, TenantID: c.TID}
	if claims.Expires, err = numericDate(c.Exp); err != nil {
		return Claims{}, fmt.Errorf("token claim exp: %w", err)
	}
	if claims.IssuedAt, err = numericDate(c.Iat); err != nil {
		return Claims{}, fmt.Errorf("token claim iat: %w", err)
	}
	return claims, nil
}

// decodeSegment decodes base64url with or without padding.
func decodeSegment(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}

// numericDate converts a JWT NumericDate (seconds since the epoch, possibly
// with a fraction, RFC 7519 section 2) to a time, to the microsecond;
// absent gives zero.
func numericDate(raw json.RawMessage) (time.Time, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return time.Time{}, nil
	}
	var f float64
	if err := json.Unmarshal(raw, &f); err != nil || f <= 0 || f > 1e11 {
		return time.Time{}, fmt.Errorf("%.20s is not a date in seconds since 1970", raw)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(math.Round(frac*1e6))*1e3).UTC(), nil
}
