// Package entra authenticates Redis connections with Microsoft Entra ID
// tokens, as Azure Managed Redis requires: the user name is the principal's
// object ID (the token's oid claim) and the password is an access token for
// the scope https://redis.azure.com/.default.
//
// The server closes a connection when the token it authenticated with
// expires, unless the client sends AUTH with a fresh token on that
// connection first. A Provider gets a token before any connection opens,
// renews it on a schedule taken from the token's own expiry, keeps retrying
// a failed renewal for as long as it runs, and hands every new token to its
// subscribers. It implements go-redis's auth.StreamingCredentialsProvider,
// so a redis.Client or redis.ClusterClient can subscribe each of its pooled
// connections to it; it also serves the current token to callers that
// re-authenticate connections themselves.
//
// Tokens come from any azcore.TokenCredential; NewCredential builds the
// azidentity credentials amrbench offers.
//
// The re-AUTH policy lives here too: Conn is one connection's side of it
// (when its turn to send a newer token comes, staggered over a third of the
// time its token has left; the back-off after a failed AUTH; the hold after
// a refused token), and Waves follows each token until every connection has
// it. The run (package bench) sends the AUTHs and records them.
//
// This package imports nothing of amrbench.
package entra
