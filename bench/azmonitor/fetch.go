package azmonitor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/monitor/azquery"

	"github.com/amrbench/amrbench/results"
)

// Metric is one metric amrbench asks Azure Monitor for.
type Metric struct {
	// Name is the metric's name in the REST API, the same for both
	// resource types.
	Name string
	// Aggregation is the aggregation asked for; when the metric does not
	// support it, its primary aggregation is asked for instead.
	Aggregation azquery.AggregationType
}

// Metrics are the metrics fetched, in the order they are reported. Each is
// offered by both resource types (Azure Monitor's "Supported metrics"
// reference for Microsoft.Cache/redisEnterprise and Microsoft.Cache/Redis);
// a resource that lacks one has it skipped with a note. Levels are asked as
// their maximum over the grain, the figure capacity planning needs; counts
// as their total.
var Metrics = []Metric{
	{"serverLoad", azquery.AggregationTypeMaximum},
	{"percentProcessorTime", azquery.AggregationTypeMaximum},
	{"operationsPerSecond", azquery.AggregationTypeMaximum},
	{"totalcommandsprocessed", azquery.AggregationTypeTotal},
	{"usedmemorypercentage", azquery.AggregationTypeMaximum},
	{"usedmemory", azquery.AggregationTypeMaximum},
	{"connectedclients", azquery.AggregationTypeMaximum},
	{"evictedkeys", azquery.AggregationTypeTotal},
	{"expiredkeys", azquery.AggregationTypeTotal},
	{"cacheLatency", azquery.AggregationTypeAverage},
	{"cacheRead", azquery.AggregationTypeMaximum},
	{"cacheWrite", azquery.AggregationTypeMaximum},
	{"errors", azquery.AggregationTypeMaximum},
}

// DefaultGrain is the time grain asked for: Azure Monitor's finest.
const DefaultGrain = time.Minute

// PublicEndpoint is Azure Resource Manager in Azure's public cloud.
const PublicEndpoint = "https://management.azure.com"

// Options configure a Client.
type Options struct {
	// Endpoint is Azure Resource Manager's URL; empty means PublicEndpoint.
	// Its token scope stays Azure Resource Manager's
	// ("https://management.azure.com/.default") unless Audience says
	// otherwise.
	Endpoint string
	// Audience is the token audience; empty means PublicEndpoint.
	Audience string
	// Transport sends the HTTP requests; nil means azcore's default.
	Transport policy.Transporter
	// Grain is the time grain asked for; zero means DefaultGrain. A metric
	// not offered at it is asked at the next coarser grain it has.
	Grain time.Duration
}

// Client fetches the metrics of Azure caches.
type Client struct {
	mc       *azquery.MetricsClient
	endpoint string
	grain    time.Duration
}

// New returns a client that authenticates with cred.
func New(cred azcore.TokenCredential, opts Options) (*Client, error) {
	if cred == nil {
		return nil, errors.New("azure monitor: no credential")
	}
	endpoint := strings.TrimRight(opts.Endpoint, "/")
	if endpoint == "" {
		endpoint = PublicEndpoint
	}
	u, err := url.Parse(endpoint)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("azure monitor: endpoint %q is not an https:// URL", opts.Endpoint)
	}
	audience := opts.Audience
	if audience == "" {
		audience = PublicEndpoint
	}
	cfg := cloud.Configuration{Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
		azquery.ServiceNameMetrics: {Audience: audience, Endpoint: endpoint},
	}}
	copts := azcore.ClientOptions{Cloud: cfg, Transport: opts.Transport}
	// A refused request is reported, not retried for long: the run's
	// results are already safe, and a user waits for this.
	copts.Retry = policy.RetryOptions{MaxRetries: 2, RetryDelay: 500 * time.Millisecond, MaxRetryDelay: 2 * time.Second}
	mc, err := azquery.NewMetricsClient(cred, &azquery.MetricsClientOptions{ClientOptions: copts})
	if err != nil {
		return nil, fmt.Errorf("azure monitor: %w", err)
	}
	grain := opts.Grain
	if grain <= 0 {
		grain = DefaultGrain
	}
	return &Client{mc: mc, endpoint: endpoint, grain: grain}, nil
}

// definition is what metricDefinitions says of one metric.
type definition struct {
	displayName  string
	unit         string
	primary      azquery.AggregationType
	aggregations []azquery.AggregationType
	grains       []time.Duration
	dimensions   []string
}

// Fetch reads the metrics of r over the whole minutes that hold [start,
// end). It returns the record in every case; the error, when not nil, says
// why nothing could be fetched (and is the record's Error too). A metric
// the resource does not offer, or whose own query fails, is listed in the
// record's Skipped with the reason.
func (c *Client) Fetch(ctx context.Context, r Resource, start, end time.Time) (*results.AzureMetrics, error) {
	rec := &results.AzureMetrics{
		Type: results.TypeAzureMetrics, ResourceID: r.ID, ResourceType: r.Type,
		Start: start.UTC().Truncate(time.Minute), End: ceilMinute(end.UTC()),
	}
	if !rec.End.After(rec.Start) {
		rec.End = rec.Start.Add(time.Minute)
	}
	defs, err := c.definitions(ctx, r)
	if err != nil {
		rec.Error = c.explain(r, "read the metric definitions of", err)
		rec.FetchedAt = time.Now().UTC()
		return rec, errors.New(rec.Error)
	}
	for _, m := range Metrics {
		def, ok := defs[strings.ToLower(m.Name)]
		if !ok {
			rec.Skipped = append(rec.Skipped, results.AzureSkipped{Metric: m.Name, Reason: r.Type + " does not offer it (not among the resource's metric definitions)"})
			continue
		}
		series, err := c.query(ctx, r, m, def, rec.Start, rec.End)
		if err != nil {
			rec.Skipped = append(rec.Skipped, results.AzureSkipped{Metric: m.Name, Reason: c.explain(r, "query", err)})
			continue
		}
		rec.Series = append(rec.Series, series...)
	}
	rec.FetchedAt = time.Now().UTC()
	return rec, nil
}

func ceilMinute(t time.Time) time.Time {
	f := t.Truncate(time.Minute)
	if f.Equal(t) {
		return f
	}
	return f.Add(time.Minute)
}

// definitions lists the metrics the resource offers, by lower-case name.
func (c *Client) definitions(ctx context.Context, r Resource) (map[string]definition, error) {
	out := map[string]definition{}
	pager := c.mc.NewListDefinitionsPager(r.ID, &azquery.MetricsClientListDefinitionsOptions{MetricNamespace: &r.Type})
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, d := range page.Value {
			if d == nil || d.Name == nil || d.Name.Value == nil {
				continue
			}
			def := definition{}
			if d.Name.LocalizedValue != nil {
				def.displayName = *d.Name.LocalizedValue
			}
			if d.Unit != nil {
				def.unit = string(*d.Unit)
			}
			if d.PrimaryAggregationType != nil {
				def.primary = *d.PrimaryAggregationType
			}
			for _, a := range d.SupportedAggregationTypes {
				if a != nil {
					def.aggregations = append(def.aggregations, *a)
				}
			}
			for _, av := range d.MetricAvailabilities {
				if av == nil || av.TimeGrain == nil {
					continue
				}
				if g, err := ParseDuration(*av.TimeGrain); err == nil {
					def.grains = append(def.grains, g)
				}
			}
			slices.Sort(def.grains)
			for _, dim := range d.Dimensions {
				if dim != nil && dim.Value != nil {
					def.dimensions = append(def.dimensions, *dim.Value)
				}
			}
			out[strings.ToLower(*d.Name.Value)] = def
		}
	}
	return out, nil
}

// query fetches one metric, split by every dimension it has (an instance,
// a shard, an error type), at the finest grain it offers from c.grain up.
func (c *Client) query(ctx context.Context, r Resource, m Metric, def definition, start, end time.Time) ([]results.AzureSeries, error) {
	agg := m.Aggregation
	if len(def.aggregations) > 0 && !slices.Contains(def.aggregations, agg) && def.primary != "" {
		agg = def.primary
	}
	grain := c.grain
	if len(def.grains) > 0 {
		i := slices.IndexFunc(def.grains, func(g time.Duration) bool { return g >= c.grain })
		if i < 0 {
			i = len(def.grains) - 1
		}
		grain = def.grains[i]
	}
	interval := FormatDuration(grain)
	opts := &azquery.MetricsClientQueryResourceOptions{
		MetricNames:     &m.Name,
		MetricNamespace: &r.Type,
		Timespan:        to(azquery.NewTimeInterval(start, end)),
		Interval:        &interval,
		Aggregation:     []*azquery.AggregationType{&agg},
	}
	if len(def.dimensions) > 0 {
		var clauses []string
		for _, d := range def.dimensions {
			clauses = append(clauses, d+" eq '*'")
		}
		opts.Filter = to(strings.Join(clauses, " and "))
	}
	resp, err := c.mc.QueryResource(ctx, r.ID, opts)
	if err != nil {
		return nil, err
	}
	var out []results.AzureSeries
	for _, metric := range resp.Value {
		if metric == nil {
			continue
		}
		if metric.ErrorCode != nil && *metric.ErrorCode != "" && *metric.ErrorCode != "Success" {
			msg := *metric.ErrorCode
			if metric.ErrorMessage != nil {
				msg += ": " + firstLine(*metric.ErrorMessage)
			}
			return nil, errors.New(msg)
		}
		display, unit := def.displayName, def.unit
		if metric.Name != nil && metric.Name.LocalizedValue != nil {
			display = *metric.Name.LocalizedValue
		}
		if metric.Unit != nil {
			unit = string(*metric.Unit)
		}
		for _, ts := range metric.TimeSeries {
			if ts == nil {
				continue
			}
			s := results.AzureSeries{
				Metric: m.Name, DisplayName: display, Unit: unit, Aggregation: string(agg),
				Grain: interval, GrainS: grain.Seconds(), Points: []results.AzurePoint{},
			}
			for _, mv := range ts.MetadataValues {
				if mv == nil || mv.Name == nil || mv.Name.Value == nil || mv.Value == nil {
					continue
				}
				if s.Dimensions == nil {
					s.Dimensions = map[string]string{}
				}
				s.Dimensions[dimensionName(def.dimensions, *mv.Name.Value)] = *mv.Value
			}
			for _, v := range ts.Data {
				if v == nil || v.TimeStamp == nil {
					continue
				}
				s.Points = append(s.Points, results.AzurePoint{Time: v.TimeStamp.UTC(), Value: valueOf(v, agg)})
			}
			sort.Slice(s.Points, func(i, j int) bool { return s.Points[i].Time.Before(s.Points[j].Time) })
			out = append(out, s)
		}
	}
	return out, nil
}

// dimensionName returns the dimension's name as its definition spells it
// (the series' metadata spells it in lower case).
func dimensionName(dims []string, name string) string {
	for _, d := range dims {
		if strings.EqualFold(d, name) {
			return d
		}
	}
	return name
}

// valueOf returns the aggregate agg of a point, nil when Azure Monitor had
// none.
func valueOf(v *azquery.MetricValue, agg azquery.AggregationType) *float64 {
	switch agg {
	case azquery.AggregationTypeAverage:
		return v.Average
	case azquery.AggregationTypeMinimum:
		return v.Minimum
	case azquery.AggregationTypeMaximum:
		return v.Maximum
	case azquery.AggregationTypeTotal:
		return v.Total
	case azquery.AggregationTypeCount:
		return v.Count
	}
	return nil
}

func to[T any](v T) *T { return &v }

// explain turns a failed request into one line that says what failed and
// what to do.
func (c *Client) explain(r Resource, doing string, err error) string {
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		msg := serverMessage(re)
		prefix := fmt.Sprintf("Azure Monitor could not %s %s: HTTP %d %s", doing, r.ID, re.StatusCode, re.ErrorCode)
		if msg != "" {
			prefix += " (" + msg + ")"
		}
		switch re.StatusCode {
		case 401:
			return prefix + ": the token was refused; sign in again or check the credential"
		case 403:
			return prefix + ": the identity may not read the cache's metrics; give it the Monitoring Reader role on the cache"
		case 404:
			return prefix + ": no such resource; check --azure-resource"
		}
		return prefix
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return fmt.Sprintf("Azure Monitor at %s did not answer in time: %s", c.endpoint, firstLine(err.Error()))
	}
	var ue *url.Error // its text repeats the whole request URL
	if errors.As(err, &ue) {
		err = ue.Err
	}
	msg := firstLine(err.Error())
	if strings.Contains(msg, "dial tcp") || strings.Contains(msg, "no such host") || strings.Contains(msg, "connection refused") || strings.Contains(msg, "certificate") {
		return fmt.Sprintf("cannot reach Azure Monitor at %s: %s", c.endpoint, msg)
	}
	return fmt.Sprintf("Azure Monitor could not %s %s: %s", doing, r.ID, msg)
}

// serverMessage returns the error message of an ARM error body
// ({"error":{"code":..., "message":...}} or {"code":..., "message":...}).
func serverMessage(re *azcore.ResponseError) string {
	if re.RawResponse == nil {
		return ""
	}
	body, err := runtime.Payload(re.RawResponse)
	if err != nil {
		return ""
	}
	var e struct {
		Message string `json:"message"`
		Error   struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	msg := e.Error.Message
	if msg == "" {
		msg = e.Message
	}
	return firstLine(msg)
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(line)
}

// ParseDuration parses the ISO 8601 durations Azure Monitor names its time
// grains with: PT1M, PT5M, PT15M, PT30M, PT1H, PT6H, PT12H, P1D.
func ParseDuration(s string) (time.Duration, error) {
	rest, ok := strings.CutPrefix(strings.ToUpper(strings.TrimSpace(s)), "P")
	if !ok || rest == "" {
		return 0, fmt.Errorf("%q is not an ISO 8601 duration", s)
	}
	var d time.Duration
	inTime := false
	num := ""
	for _, ch := range rest {
		switch {
		case ch >= '0' && ch <= '9':
			num += string(ch)
		case ch == 'T' && !inTime && num == "":
			inTime = true
		default:
			n, err := strconv.Atoi(num)
			if err != nil {
				return 0, fmt.Errorf("%q is not an ISO 8601 duration", s)
			}
			var unit time.Duration
			switch {
			case ch == 'D' && !inTime:
				unit = 24 * time.Hour
			case ch == 'H' && inTime:
				unit = time.Hour
			case ch == 'M' && inTime:
				unit = time.Minute
			case ch == 'S' && inTime:
				unit = time.Second
			default:
				return 0, fmt.Errorf("%q is not an ISO 8601 duration", s)
			}
			d += time.Duration(n) * unit
			num = ""
		}
	}
	if num != "" || d <= 0 {
		return 0, fmt.Errorf("%q is not an ISO 8601 duration", s)
	}
	return d, nil
}

// FormatDuration formats d as ISO 8601, as Azure Monitor names time
// grains.
func FormatDuration(d time.Duration) string {
	if d > 0 && d%(24*time.Hour) == 0 {
		return "P" + strconv.FormatInt(int64(d/(24*time.Hour)), 10) + "D"
	}
	out := "PT"
	if h := d / time.Hour; h > 0 {
		out += strconv.FormatInt(int64(h), 10) + "H"
		d -= h * time.Hour
	}
	if m := d / time.Minute; m > 0 {
		out += strconv.FormatInt(int64(m), 10) + "M"
		d -= m * time.Minute
	}
	if s := d / time.Second; s > 0 || out == "PT" {
		out += strconv.FormatInt(int64(s), 10) + "S"
	}
	return out
}
