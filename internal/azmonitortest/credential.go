package azmonitortest

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// Credential is an azcore.TokenCredential standing in for Entra ID: it
// mints unsigned JWTs whose audience is the resource of the scope asked for
// ("https://management.azure.com/.default" gives Audience), and records the
// scopes. It is safe for concurrent use.
type Credential struct {
	mu     sync.Mutex
	scopes [][]string
	// Audience, when set, is put in every token whatever the scope: a
	// token for the wrong resource.
	Audience string
	// Err, when set, is returned instead of a token.
	Err error
}

var _ azcore.TokenCredential = (*Credential)(nil)

// GetToken mints a token for the scope asked for.
func (c *Credential) GetToken(_ context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.scopes = append(c.scopes, slices.Clone(opts.Scopes))
	if c.Err != nil {
		return azcore.AccessToken{}, c.Err
	}
	if len(opts.Scopes) != 1 {
		return azcore.AccessToken{}, fmt.Errorf("azmonitortest credential: asked for %d scopes %q, want one", len(opts.Scopes), opts.Scopes)
	}
	aud := strings.TrimSuffix(opts.Scopes[0], "/.default")
	if c.Audience != "" {
		aud = c.Audience
	}
	exp := time.Now().Add(time.Hour)
	enc := base64.RawURLEncoding.EncodeToString
	payload := fmt.Sprintf(`{"aud":%q,"oid":"00000000-0000-0000-0000-0000000000a1","exp":%d}`, aud, exp.Unix())
	return azcore.AccessToken{Token: enc([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc([]byte(payload)) + ".", ExpiresOn: exp}, nil
}

// Scopes returns the scopes of every token request so far.
func (c *Credential) Scopes() [][]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.scopes)
}
