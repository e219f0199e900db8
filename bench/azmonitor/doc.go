// Package azmonitor fetches what Azure Monitor recorded about an Azure cache
// over a run: the platform metrics of a Microsoft.Cache/redisEnterprise
// resource (Azure Managed Redis, and Azure Cache for Redis Enterprise) or a
// Microsoft.Cache/Redis resource (Azure Cache for Redis), read with
// azquery's MetricsClient under an Entra ID token for Azure Resource
// Manager. Metrics come at Azure Monitor's own grain, one minute at the
// finest, and are kept under their REST API names with the aggregation
// asked for, in a results.AzureMetrics record.
package azmonitor
