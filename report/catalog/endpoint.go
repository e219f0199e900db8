package catalog

import "strings"

// The Azure services that sell Redis, as AzureEndpoint.Service names them.
const (
	// ServiceAMR is Azure Managed Redis (*.redis.azure.net).
	ServiceAMR = "Azure Managed Redis"
	// ServiceACREnterprise is the Enterprise and Enterprise Flash tiers of
	// Azure Cache for Redis (*.redisenterprise.cache.azure.net).
	ServiceACREnterprise = "Azure Cache for Redis Enterprise"
	// ServiceACR is the Basic, Standard and Premium tiers of Azure Cache for
	// Redis (*.redis.cache.windows.net).
	ServiceACR = "Azure Cache for Redis"
)

// AzureEndpoint is what a host name says about an Azure Redis endpoint.
type AzureEndpoint struct {
	// Service names the offering the host belongs to: ServiceAMR,
	// ServiceACREnterprise or ServiceACR.
	Service string
	// Port is the port the service listens on by default.
	Port int
	// TLS reports whether the service requires TLS by default.
	TLS bool
}

// azureSuffixes maps the host name suffixes of Azure's Redis services to
// their defaults (../shared/reference/azure-redis.md, section 3.2).
var azureSuffixes = []struct {
	suffix   string
	endpoint AzureEndpoint
}{
	{".redis.azure.net", AzureEndpoint{Service: ServiceAMR, Port: 10000, TLS: true}},
	{".redisenterprise.cache.azure.net", AzureEndpoint{Service: ServiceACREnterprise, Port: 10000, TLS: true}},
	{".redis.cache.windows.net", AzureEndpoint{Service: ServiceACR, Port: 6380, TLS: true}},
}

// AzureDefaults returns the defaults of the Azure Redis service host belongs
// to, if any. The match is on the host name's suffix, in any case, with or
// without a final dot.
func AzureDefaults(host string) (AzureEndpoint, bool) {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	for _, s := range azureSuffixes {
		if strings.HasSuffix(h, s.suffix) {
			return s.endpoint, true
		}
	}
	return AzureEndpoint{}, false
}

// SoldBy reports whether the SKU is sold by service (AzureEndpoint.Service),
// so that a run labelled with it measured that size: Azure Managed Redis
// sells the AMR family, its Enterprise host names the ACR Enterprise tiers,
// and the classic host names the other ACR tiers. A service this catalog
// does not know matches every SKU.
func (s *SKU) SoldBy(service string) bool {
	switch service {
	case ServiceAMR:
		return s.Family == FamilyAMR
	case ServiceACREnterprise:
		return strings.HasPrefix(s.Tier, "Enterprise")
	case ServiceACR:
		return s.Family == FamilyACR && !strings.HasPrefix(s.Tier, "Enterprise")
	}
	return true
}
