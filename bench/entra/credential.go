package entra

import (
	"errors"
	"fmt"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// Credential kinds, each an azidentity credential.
const (
	// CredentialDefault is azidentity's DefaultAzureCredential: environment
	// variables, workload identity, managed identity, then the developer
	// tools (Azure CLI, Azure Developer CLI), the first that works.
	CredentialDefault = "default"
	// CredentialManagedIdentity is the managed identity of the Azure VM,
	// scale set, App Service or container the program runs on:
	// system-assigned, or user-assigned when a client ID is given.
	CredentialManagedIdentity = "managed-identity"
	// CredentialWorkloadIdentity is AKS workload identity: a federated
	// service-account token exchanged for an Entra token, configured by the
	// webhook's AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_FEDERATED_TOKEN_FILE.
	CredentialWorkloadIdentity = "workload-identity"
	// CredentialAzureCLI is the account logged in to the Azure CLI
	// ("az account get-access-token").
	CredentialAzureCLI = "azure-cli"
	// CredentialClientSecret is a service principal with a client secret.
	CredentialClientSecret = "client-secret"
	// CredentialClientCertificate is a service principal with a certificate.
	CredentialClientCertificate = "client-certificate"
)

// CredentialKinds lists the credential kinds NewCredential builds.
var CredentialKinds = []string{
	CredentialDefault, CredentialManagedIdentity, CredentialWorkloadIdentity,
	CredentialAzureCLI, CredentialClientSecret, CredentialClientCertificate,
}

// CredentialOptions are the inputs of NewCredential. Secrets are passed as
// values: reading files and the environment is the caller's job.
type CredentialOptions struct {
	// Kind is one of CredentialKinds.
	Kind string
	// ClientID is a user-assigned managed identity's client ID (or its
	// resource ID, /subscriptions/...), or a service principal's application
	// (client) ID. Empty leaves it to the credential (for workload identity,
	// AZURE_CLIENT_ID; for managed identity, the system-assigned identity).
	ClientID string
	// TenantID is the Entra tenant; empty leaves it to the credential.
	TenantID string
	// ClientSecret is the service principal's secret (client-secret).
	ClientSecret string
	// Certificate is the service principal's certificate and private key,
	// PEM or PKCS#12 (client-certificate), and CertificatePassword the
	// password of a PKCS#12 file.
	Certificate         []byte
	CertificatePassword string
	// TokenFilePath is the federated token file (workload-identity); empty
	// means AZURE_FEDERATED_TOKEN_FILE.
	TokenFilePath string
}

// NewCredential builds the azidentity credential of o.Kind. It makes no
// request: the first token is requested by Provider.Start. Its errors never
// contain a secret.
func NewCredential(o CredentialOptions) (azcore.TokenCredential, error) {
	switch o.Kind {
	case CredentialDefault:
		if o.ClientID != "" {
			return nil, errors.New("the default credential chain takes a user-assigned identity's client ID from AZURE_CLIENT_ID, not from a flag; set it there or choose managed-identity")
		}
		return credential(azidentity.NewDefaultAzureCredential(&azidentity.DefaultAzureCredentialOptions{TenantID: o.TenantID}))
	case CredentialManagedIdentity:
		opts := &azidentity.ManagedIdentityCredentialOptions{}
		switch {
		case strings.HasPrefix(strings.ToLower(o.ClientID), "/subscriptions/"):
			opts.ID = azidentity.ResourceID(o.ClientID)
		case o.ClientID != "":
			opts.ID = azidentity.ClientID(o.ClientID)
		}
		return credential(azidentity.NewManagedIdentityCredential(opts))
	case CredentialWorkloadIdentity:
		return credential(azidentity.NewWorkloadIdentityCredential(&azidentity.WorkloadIdentityCredentialOptions{
			ClientID: o.ClientID, TenantID: o.TenantID, TokenFilePath: o.TokenFilePath,
		}))
	case CredentialAzureCLI:
		return credential(azidentity.NewAzureCLICredential(&azidentity.AzureCLICredentialOptions{TenantID: o.TenantID}))
	case CredentialClientSecret:
		if err := need(o, "a client secret", o.ClientSecret != ""); err != nil {
			return nil, err
		}
		return credential(azidentity.NewClientSecretCredential(o.TenantID, o.ClientID, o.ClientSecret, nil))
	case CredentialClientCertificate:
		if err := need(o, "a certificate", len(o.Certificate) > 0); err != nil {
			return nil, err
		}
		certs, key, err := azidentity.ParseCertificates(o.Certificate, []byte(o.CertificatePassword))
		if err != nil {
			return nil, fmt.Errorf("read the certificate: %w", err)
		}
		return credential(azidentity.NewClientCertificateCredential(o.TenantID, o.ClientID, certs, key, nil))
	}
	return nil, fmt.Errorf("unknown credential %q: use one of %s", o.Kind, strings.Join(CredentialKinds, ", "))
}

// credential returns c as an interface, or a nil interface on error (not
// one holding a nil pointer).
func credential[T azcore.TokenCredential](c T, err error) (azcore.TokenCredential, error) {
	if err != nil {
		return nil, err
	}
	return c, nil
}

// need checks the inputs every service principal credential needs.
func need(o CredentialOptions, what string, ok bool) error {
	var missing []string
	if o.TenantID == "" {
		missing = append(missing, "a tenant ID")
	}
	if o.ClientID == "" {
		missing = append(missing, "a client ID")
	}
	if !ok {
		missing = append(missing, what)
	}
	if len(missing) > 0 {
		return fmt.Errorf("the %s credential needs %s", o.Kind, strings.Join(missing, ", "))
	}
	return nil
}
