package benchtest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// TokenCredential is an azcore.TokenCredential standing in for Entra ID: it
// mints unsigned JWTs for one principal (MintToken), each living a random
// time between its minimum and maximum life, for the scope it was made for.
// It can be made to fail. It is safe for concurrent use.
type TokenCredential struct {
	oid              string
	scope            string
	minLife, maxLife time.Duration

	mu      sync.Mutex
	calls   int
	failure error
}

var _ azcore.TokenCredential = (*TokenCredential)(nil)

// NewTokenCredential returns a credential minting tokens for oid and scope
// that live from minLife to maxLife.
func NewTokenCredential(oid, scope string, minLife, maxLife time.Duration) *TokenCredential {
	return &TokenCredential{oid: oid, scope: scope, minLife: minLife, maxLife: max(minLife, maxLife)}
}

// GetToken mints a token, or fails as told by Fail.
func (c *TokenCredential) GetToken(_ context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	if c.failure != nil {
		return azcore.AccessToken{}, c.failure
	}
	if len(opts.Scopes) != 1 || opts.Scopes[0] != c.scope {
		return azcore.AccessToken{}, fmt.Errorf("benchtest credential: asked for scopes %q, want [%q]", opts.Scopes, c.scope)
	}
	life := c.minLife
	if c.maxLife > c.minLife {
		life += rand.N(c.maxLife - c.minLife)
	}
	exp := time.Now().Add(life)
	return azcore.AccessToken{Token: MintToken(c.oid, exp), ExpiresOn: exp}, nil
}

// Fail makes every later request fail with err; nil makes them succeed
// again.
func (c *TokenCredential) Fail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.failure = err
}

// Calls returns the number of requests so far.
func (c *TokenCredential) Calls() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls
}

// ErrCredentialFailure is a credential failure tests can give to Fail.
var ErrCredentialFailure = errors.New("AADSTS50058: a silent sign-in request was sent but no user is signed in")
