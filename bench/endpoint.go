package bench

import "strings"

// AzureEndpoint is what a host name says about an Azure Redis endpoint.
type AzureEndpoint struct {
	// Service names the offering the host belongs to.
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
	{".redis.azure.net", AzureEndpoint{Service: "Azure Managed Redis", Port: 10000, TLS: true}},
	{".redisenterprise.cache.azure.net", AzureEndpoint{Service: "Azure Cache for Redis Enterprise", Port: 10000, TLS: true}},
	{".redis.cache.windows.net", AzureEndpoint{Service: "Azure Cache for Redis", Port: 6380, TLS: true}},
}

// AzureDefaults returns the defaults of the Azure Redis service host belongs
// to, if any.
func AzureDefaults(host string) (AzureEndpoint, bool) {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	for _, s := range azureSuffixes {
		if strings.HasSuffix(h, s.suffix) {
			return s.endpoint, true
		}
	}
	return AzureEndpoint{}, false
}
