package azmonitor

import (
	"fmt"
	"strings"
)

// The resource types amrbench reads metrics of.
const (
	TypeRedisEnterprise = "Microsoft.Cache/redisEnterprise"
	TypeRedis           = "Microsoft.Cache/Redis"
)

// Resource is an Azure cache named by its resource ID.
type Resource struct {
	// ID is the resource ID as given, with a leading slash.
	ID            string
	Subscription  string
	ResourceGroup string
	// Type is TypeRedisEnterprise or TypeRedis, spelled as here whatever
	// the case it was given in.
	Type string
	Name string
}

// resourceIDForm is the shape a resource ID must have, for error messages.
const resourceIDForm = "/subscriptions/<subscription>/resourceGroups/<group>/providers/Microsoft.Cache/redisEnterprise/<name> (Azure Managed Redis) or .../providers/Microsoft.Cache/Redis/<name> (Azure Cache for Redis)"

// ParseResourceID parses the ID of an Azure cache, as the portal shows it
// under the cache's Properties or `az redisenterprise show --query id`
// prints it. Segment names are matched without regard to case, as Azure
// Resource Manager matches them.
func ParseResourceID(id string) (Resource, error) {
	raw := strings.TrimSpace(id)
	if raw == "" {
		return Resource{}, fmt.Errorf("an empty resource ID: want %s", resourceIDForm)
	}
	if strings.ContainsAny(raw, "?#\\ ") {
		return Resource{}, fmt.Errorf("%q is not a resource ID: want %s", id, resourceIDForm)
	}
	parts := strings.Split(strings.Trim(raw, "/"), "/")
	// subscriptions/S/resourceGroups/G/providers/Microsoft.Cache/T/N
	if len(parts) != 8 || !strings.EqualFold(parts[0], "subscriptions") || !strings.EqualFold(parts[2], "resourceGroups") ||
		!strings.EqualFold(parts[4], "providers") {
		if len(parts) > 8 && strings.EqualFold(parts[4], "providers") && strings.EqualFold(parts[5], "Microsoft.Cache") {
			return Resource{}, fmt.Errorf("%q names a part of a cache (%s); give the cache itself: %s", id, strings.Join(parts[8:], "/"), resourceIDForm)
		}
		return Resource{}, fmt.Errorf("%q is not a resource ID: want %s", id, resourceIDForm)
	}
	r := Resource{Subscription: parts[1], ResourceGroup: parts[3], Name: parts[7]}
	provider := parts[5] + "/" + parts[6]
	switch {
	case strings.EqualFold(provider, TypeRedisEnterprise):
		r.Type = TypeRedisEnterprise
	case strings.EqualFold(provider, TypeRedis):
		r.Type = TypeRedis
	default:
		return Resource{}, fmt.Errorf("%q is a %s, not an Azure cache: want %s", id, provider, resourceIDForm)
	}
	for _, v := range []string{r.Subscription, r.ResourceGroup, r.Name} {
		if v == "" {
			return Resource{}, fmt.Errorf("%q has an empty segment: want %s", id, resourceIDForm)
		}
	}
	r.ID = "/" + strings.Join(parts, "/")
	return r, nil
}
