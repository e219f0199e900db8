package entra

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

const tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"

// certificatePEM returns a self-signed certificate and its PKCS#8 key, the
// PEM file a service principal's certificate credential reads.
func certificatePEM(t *testing.T) []byte {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "amrbench-sp"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})...)
}

func TestNewCredential(t *testing.T) {
	t.Parallel()
	cert := certificatePEM(t)
	const secret = "s3cr3t-value"
	tests := []struct {
		name    string
		opts    CredentialOptions
		want    any    // the azidentity type built
		wantErr string // or the error
	}{
		{name: "default chain", opts: CredentialOptions{Kind: CredentialDefault}, want: &azidentity.DefaultAzureCredential{}},
		{name: "default chain with a tenant", opts: CredentialOptions{Kind: CredentialDefault, TenantID: tenant}, want: &azidentity.DefaultAzureCredential{}},
		{name: "default chain refuses a client ID flag", opts: CredentialOptions{Kind: CredentialDefault, ClientID: "c"}, wantErr: "AZURE_CLIENT_ID"},
		{name: "system-assigned managed identity", opts: CredentialOptions{Kind: CredentialManagedIdentity}, want: &azidentity.ManagedIdentityCredential{}},
		{name: "user-assigned managed identity by client ID", opts: CredentialOptions{Kind: CredentialManagedIdentity, ClientID: "00000000-0000-0000-0000-000000000001"}, want: &azidentity.ManagedIdentityCredential{}},
		{name: "user-assigned managed identity by resource ID", opts: CredentialOptions{Kind: CredentialManagedIdentity, ClientID: "/subscriptions/s/resourceGroups/g/providers/Microsoft.ManagedIdentity/userAssignedIdentities/bench"}, want: &azidentity.ManagedIdentityCredential{}},
		{name: "workload identity with its inputs given", opts: CredentialOptions{Kind: CredentialWorkloadIdentity, ClientID: "c", TenantID: tenant, TokenFilePath: "/var/run/secrets/azure/tokens/azure-identity-token"}, want: &azidentity.WorkloadIdentityCredential{}},
		{name: "Azure CLI", opts: CredentialOptions{Kind: CredentialAzureCLI}, want: &azidentity.AzureCLICredential{}},
		{name: "Azure CLI with a bad tenant", opts: CredentialOptions{Kind: CredentialAzureCLI, TenantID: "bad tenant!"}, wantErr: "invalid tenantID"},
		{name: "client secret", opts: CredentialOptions{Kind: CredentialClientSecret, TenantID: tenant, ClientID: "c", ClientSecret: secret}, want: &azidentity.ClientSecretCredential{}},
		{name: "client secret without a secret", opts: CredentialOptions{Kind: CredentialClientSecret, TenantID: tenant, ClientID: "c"}, wantErr: "needs a client secret"},
		{name: "client secret without anything", opts: CredentialOptions{Kind: CredentialClientSecret}, wantErr: "needs a tenant ID, a client ID, a client secret"},
		{name: "client secret with a bad tenant", opts: CredentialOptions{Kind: CredentialClientSecret, TenantID: "bad tenant!", ClientID: "c", ClientSecret: secret}, wantErr: "invalid tenantID"},
		{name: "client certificate", opts: CredentialOptions{Kind: CredentialClientCertificate, TenantID: tenant, ClientID: "c", Certificate: cert}, want: &azidentity.ClientCertificateCredential{}},
		{name: "client certificate that is not one", opts: CredentialOptions{Kind: CredentialClientCertificate, TenantID: tenant, ClientID: "c", Certificate: []byte("not a certificate")}, wantErr: "read the certificate"},
		{name: "client certificate without a tenant", opts: CredentialOptions{Kind: CredentialClientCertificate, ClientID: "c", Certificate: cert}, wantErr: "needs a tenant ID"},
		{name: "an unknown kind", opts: CredentialOptions{Kind: "browser"}, wantErr: `unknown credential "browser": use one of default, managed-identity`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NewCredential(tt.opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				if got != nil {
					t.Fatalf("a credential %T with the error", got)
				}
				if strings.Contains(err.Error(), secret) {
					t.Fatalf("error %q shows the secret", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if gotType, wantType := fmt.Sprintf("%T", got), fmt.Sprintf("%T", tt.want); gotType != wantType {
				t.Fatalf("built %s, want %s", gotType, wantType)
			}
		})
	}
}
