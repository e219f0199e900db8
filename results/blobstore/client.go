package blobstore

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/appendblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"
)

// StorageScope is the Entra ID scope of Azure Storage: one credential
// serves the cache (its own scope) and the container (this one).
const StorageScope = "https://storage.azure.com/.default"

// Access is how the package reaches a container.
type Access struct {
	// Credential authorizes with Entra ID tokens for StorageScope; nil when
	// the location's SAS authorizes.
	Credential azcore.TokenCredential
	// Transport sends the requests; nil is Go's default client. Tests set
	// one that trusts their certificate authority.
	Transport policy.Transporter
	// TryTimeout bounds each try of a request (default 15 s), and Retries
	// is how many times the SDK retries one that failed for a reason worth
	// retrying (default 2).
	TryTimeout time.Duration
	Retries    int
}

// ErrNoCredential is returned when a location has no SAS and no credential
// was given.
var ErrNoCredential = errors.New("no credential: give a SAS URL, or sign in (Entra ID) with access to the container")

func (a Access) clientOptions() azcore.ClientOptions {
	o := azcore.ClientOptions{Transport: a.Transport}
	o.Retry.TryTimeout = a.TryTimeout
	if o.Retry.TryTimeout <= 0 {
		o.Retry.TryTimeout = 15 * time.Second
	}
	o.Retry.MaxRetries = int32(a.Retries)
	if a.Retries == 0 {
		o.Retry.MaxRetries = 2
	}
	o.Retry.RetryDelay = 200 * time.Millisecond
	o.Retry.MaxRetryDelay = 2 * time.Second
	// The SDK's own log and telemetry carry nothing for the user; a SAS
	// never reaches a log because none is kept.
	o.Telemetry.Disabled = true
	return o
}

// blobURL returns the URL of the blob name in the location's container, with
// the container URL's SAS query.
func (l Location) blobURL(name string) string {
	u, _ := url.Parse(l.ContainerURL) // parsed by ParseLocation
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	u.RawPath = u.EscapedPath() + "/" + strings.Join(parts, "/")
	u.Path, _ = url.PathUnescape(u.RawPath)
	return u.String()
}

func (a Access) check(loc Location) error {
	if a.Credential == nil && !loc.SAS {
		return ErrNoCredential
	}
	return nil
}

func (a Access) appendClient(loc Location, name string) (*appendblob.Client, error) {
	opts := &appendblob.ClientOptions{ClientOptions: a.clientOptions()}
	if loc.SAS {
		return appendblob.NewClientWithNoCredential(loc.blobURL(name), opts)
	}
	return appendblob.NewClient(loc.blobURL(name), a.Credential, opts)
}

func (a Access) blockClient(loc Location, name string) (*blockblob.Client, error) {
	opts := &blockblob.ClientOptions{ClientOptions: a.clientOptions()}
	if loc.SAS {
		return blockblob.NewClientWithNoCredential(loc.blobURL(name), opts)
	}
	return blockblob.NewClient(loc.blobURL(name), a.Credential, opts)
}

func (a Access) blobClient(loc Location, name string) (*blob.Client, error) {
	opts := &blob.ClientOptions{ClientOptions: a.clientOptions()}
	if loc.SAS {
		return blob.NewClientWithNoCredential(loc.blobURL(name), opts)
	}
	return blob.NewClient(loc.blobURL(name), a.Credential, opts)
}

// permanent reports whether a storage error will not go away by trying
// again: refused authorization, a missing container, a conflict.
func permanent(err error) bool {
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		switch re.StatusCode {
		case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound,
			http.StatusConflict, http.StatusPreconditionFailed, http.StatusRequestEntityTooLarge:
			return true
		}
	}
	var pe permanentError
	return errors.As(err, &pe)
}

// permanentError is an error of this package that trying again cannot cure.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// describe returns err as one short line without the request's URL, which
// may carry a SAS: a storage error's status and code (not the SDK's
// multi-line dump of the request), a network error's cause.
func describe(err error) string {
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		text := strconv.Itoa(re.StatusCode) + " " + http.StatusText(re.StatusCode)
		if re.ErrorCode != "" {
			text += " (" + re.ErrorCode + ")"
		}
		return text
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}
