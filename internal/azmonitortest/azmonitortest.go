package azmonitortest

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Audience is Azure Resource Manager's token audience: what a token for
// the scope "https://management.azure.com/.default" is issued for.
const Audience = "https://management.azure.com"

// Scope is the scope a client asks Entra ID for to call the endpoint.
const Scope = Audience + "/.default"

// APIVersion is the metrics API version the stand-in answers, the one
// azquery v1.2.0 asks for.
const APIVersion = "2024-02-01"

// Server is the stand-in endpoint. It is safe for concurrent use.
type Server struct {
	// URL is the endpoint's base URL (https://127.0.0.1:port).
	URL string
	// Client is an HTTP client that trusts the server's certificate.
	Client *http.Client

	srv       *httptest.Server
	mu        sync.Mutex
	resources map[string]*Resource // by lower-case ID
	requests  []Request
}

// Resource is a resource the stand-in knows: its ID, its type (the metric
// namespace) and the metrics it offers.
type Resource struct {
	ID      string
	Type    string
	Metrics []Definition
}

// Definition is one metric a resource offers, as metricDefinitions
// describes it.
type Definition struct {
	Name, DisplayName, Unit string
	// Primary is the primary aggregation; Aggregations the supported ones.
	Primary      string
	Aggregations []string
	// Grains are the time grains it is available at ("PT1M", "PT5M").
	Grains []string
	// Dimensions maps each dimension to the values its series take.
	Dimensions map[string][]string
}

// Request is one request the stand-in answered (or refused).
type Request struct {
	// Kind is "metricDefinitions" or "metrics".
	Kind       string
	ResourceID string
	APIVersion string
	// MetricNames, Timespan, Interval, Aggregation and Filter are the
	// metrics query's parameters, as sent.
	MetricNames, Timespan, Interval, Aggregation, Filter string
	// TokenAudience is the audience of the bearer token it carried; Status
	// is the HTTP status it was answered with.
	TokenAudience string
	Status        int
}

// Start starts the stand-in; it stops when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{resources: map[string]*Resource{}}
	s.srv = httptest.NewTLSServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	s.URL = s.srv.URL
	s.Client = s.srv.Client()
	return s
}

// Certificate returns the server's certificate, for a client that is
// told to trust it (a CA file).
func (s *Server) Certificate() *x509.Certificate { return s.srv.Certificate() }

// Add makes the stand-in know r.
func (s *Server) Add(r Resource) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.resources[strings.ToLower(strings.TrimPrefix(r.ID, "/"))] = &r
}

// Requests returns the requests answered so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Value is the stand-in's value of metric for the series named by dims at
// the grain that starts at t.
func Value(metric string, dims map[string]string, t time.Time) float64 {
	h := fnv.New32a()
	h.Write([]byte(metric))
	for _, k := range sortedKeys(dims) {
		h.Write([]byte(k + "=" + dims[k] + ";"))
	}
	base := float64(h.Sum32() % 50)
	return base + float64(t.Unix()/60%10) + 0.5
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	req := Request{APIVersion: r.URL.Query().Get("api-version")}
	path := strings.TrimPrefix(r.URL.Path, "/")
	lower := strings.ToLower(path)
	switch {
	case strings.HasSuffix(lower, "/providers/microsoft.insights/metricdefinitions"):
		req.Kind = "metricDefinitions"
	case strings.HasSuffix(lower, "/providers/microsoft.insights/metrics"):
		req.Kind = "metrics"
	default:
		s.reply(w, req, http.StatusNotFound, armError("NotFound", "no such API: "+r.URL.Path))
		return
	}
	req.ResourceID = "/" + path[:strings.LastIndex(lower, "/providers/microsoft.insights/")]
	q := r.URL.Query()
	req.MetricNames, req.Timespan, req.Interval = q.Get("metricnames"), q.Get("timespan"), q.Get("interval")
	req.Aggregation, req.Filter = q.Get("aggregation"), q.Get("$filter")

	aud, code, msg := checkToken(r.Header.Get("Authorization"))
	req.TokenAudience = aud
	if code != "" {
		s.reply(w, req, http.StatusUnauthorized, armError(code, msg))
		return
	}
	if req.APIVersion != APIVersion {
		s.reply(w, req, http.StatusBadRequest, armError("InvalidApiVersionParameter", fmt.Sprintf("api-version %q; the stand-in answers %s", req.APIVersion, APIVersion)))
		return
	}
	s.mu.Lock()
	res := s.resources[strings.ToLower(strings.TrimPrefix(req.ResourceID, "/"))]
	s.mu.Unlock()
	if res == nil {
		s.reply(w, req, http.StatusNotFound, armError("ResourceNotFound", fmt.Sprintf("The Resource '%s' was not found.", req.ResourceID)))
		return
	}
	if req.Kind == "metricDefinitions" {
		s.reply(w, req, http.StatusOK, definitions(res))
		return
	}
	body, status := metrics(res, req)
	s.reply(w, req, status, body)
}

func (s *Server) reply(w http.ResponseWriter, req Request, status int, body any) {
	req.Status = status
	s.mu.Lock()
	s.requests = append(s.requests, req)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func armError(code, msg string) map[string]any {
	return map[string]any{"error": map[string]string{"code": code, "message": msg}}
}

// checkToken reads the audience of an unsigned JWT bearer token and says
// why it is refused, if it is.
func checkToken(header string) (aud, code, msg string) {
	token, ok := strings.CutPrefix(header, "Bearer ")
	if !ok {
		return "", "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing."
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "", "InvalidAuthenticationToken", "The access token is invalid."
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", "InvalidAuthenticationToken", "The access token is invalid."
	}
	var claims struct {
		Aud string `json:"aud"`
		Exp int64  `json:"exp"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		return "", "InvalidAuthenticationToken", "The access token is invalid."
	}
	switch {
	case claims.Aud != Audience && claims.Aud != Audience+"/":
		return claims.Aud, "InvalidAuthenticationTokenAudience", fmt.Sprintf("The access token has been obtained for wrong audience or resource '%s'.", claims.Aud)
	case time.Unix(claims.Exp, 0).Before(time.Now()):
		return claims.Aud, "ExpiredAuthenticationToken", "The access token expiry UTC time is earlier than current UTC time."
	}
	return claims.Aud, "", ""
}

type localizable struct {
	Value          string `json:"value"`
	LocalizedValue string `json:"localizedValue"`
}

func definitions(res *Resource) any {
	var out []map[string]any
	for _, d := range res.Metrics {
		var avail []map[string]string
		for _, g := range d.Grains {
			avail = append(avail, map[string]string{"timeGrain": g, "retention": "P93D"})
		}
		var dims []localizable
		for _, k := range sortedDimKeys(d.Dimensions) {
			dims = append(dims, localizable{k, k})
		}
		out = append(out, map[string]any{
			"id":                        res.ID + "/providers/microsoft.insights/metricdefinitions/" + d.Name,
			"resourceId":                res.ID,
			"namespace":                 res.Type,
			"name":                      localizable{d.Name, d.DisplayName},
			"displayDescription":        d.DisplayName + " of the cache.",
			"isDimensionRequired":       false,
			"unit":                      d.Unit,
			"primaryAggregationType":    d.Primary,
			"supportedAggregationTypes": d.Aggregations,
			"metricAvailabilities":      avail,
			"dimensions":                dims,
		})
	}
	return map[string]any{"value": out}
}

func sortedDimKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// metrics answers a metrics query as the REST API does: one entry per metric
// name, each with one time series per combination of the dimensions the
// filter splits by, each point holding the aggregation asked for.
func metrics(res *Resource, req Request) (any, int) {
	from, to, err := parseTimespan(req.Timespan)
	if err != nil {
		return armError("BadRequest", err.Error()), http.StatusBadRequest
	}
	var value []map[string]any
	for name := range strings.SplitSeq(req.MetricNames, ",") {
		i := slices.IndexFunc(res.Metrics, func(d Definition) bool { return strings.EqualFold(d.Name, name) })
		if i < 0 {
			return armError("BadRequest", fmt.Sprintf("Failed to find metric configuration for provider: %s, resource Id: %s, metric: %s", res.Type, res.ID, name)), http.StatusBadRequest
		}
		d := res.Metrics[i]
		if !slices.Contains(d.Grains, req.Interval) {
			return armError("BadRequest", fmt.Sprintf("Invalid time grain %s for metric %s: valid are %s", req.Interval, d.Name, strings.Join(d.Grains, ", "))), http.StatusBadRequest
		}
		grain, _ := grainOf(req.Interval)
		agg := strings.ToLower(req.Aggregation)
		if !slices.ContainsFunc(d.Aggregations, func(a string) bool { return strings.EqualFold(a, agg) }) {
			return armError("BadRequest", fmt.Sprintf("Aggregation %s is not supported by %s", req.Aggregation, d.Name)), http.StatusBadRequest
		}
		split, err := splitBy(req.Filter, d)
		if err != nil {
			return armError("BadRequest", err.Error()), http.StatusBadRequest
		}
		var series []map[string]any
		for _, dims := range combinations(split, d.Dimensions) {
			var meta []map[string]any
			for _, k := range sortedKeys(dims) {
				meta = append(meta, map[string]any{"name": localizable{strings.ToLower(k), strings.ToLower(k)}, "value": dims[k]})
			}
			var data []map[string]any
			for t := from.Truncate(grain); t.Before(to); t = t.Add(grain) {
				data = append(data, map[string]any{"timeStamp": t.UTC().Format(time.RFC3339), agg: Value(d.Name, dims, t)})
			}
			series = append(series, map[string]any{"metadatavalues": meta, "data": data})
		}
		value = append(value, map[string]any{
			"id":                 res.ID + "/providers/Microsoft.Insights/metrics/" + d.Name,
			"type":               "Microsoft.Insights/metrics",
			"name":               localizable{d.Name, d.DisplayName},
			"displayDescription": d.DisplayName + " of the cache.",
			"unit":               d.Unit,
			"timeseries":         series,
			"errorCode":          "Success",
		})
	}
	return map[string]any{
		"cost": 0, "timespan": req.Timespan, "interval": req.Interval, "value": value,
		"namespace": res.Type, "resourceregion": "westeurope",
	}, http.StatusOK
}

func parseTimespan(s string) (from, to time.Time, err error) {
	a, b, ok := strings.Cut(s, "/")
	if !ok {
		return from, to, fmt.Errorf("timespan %q is not start/end", s)
	}
	if from, err = time.Parse(time.RFC3339Nano, a); err != nil {
		return from, to, fmt.Errorf("timespan start: %w", err)
	}
	if to, err = time.Parse(time.RFC3339Nano, b); err != nil {
		return from, to, fmt.Errorf("timespan end: %w", err)
	}
	if !to.After(from) {
		return from, to, fmt.Errorf("timespan %q ends before it starts", s)
	}
	return from, to, nil
}

// grainOf parses the grains the stand-in offers.
func grainOf(g string) (time.Duration, bool) {
	switch g {
	case "PT1M":
		return time.Minute, true
	case "PT5M":
		return 5 * time.Minute, true
	case "PT15M":
		return 15 * time.Minute, true
	case "PT1H":
		return time.Hour, true
	}
	return 0, false
}

// splitBy returns the dimensions a filter such as "InstanceId eq '*' and
// ErrorType eq '*'" splits by; a dimension the metric lacks is an error, as
// for the REST API.
func splitBy(filter string, d Definition) ([]string, error) {
	if strings.TrimSpace(filter) == "" {
		return nil, nil
	}
	var out []string
	for clause := range strings.SplitSeq(filter, " and ") {
		name, val, ok := strings.Cut(strings.TrimSpace(clause), " eq ")
		if !ok || strings.TrimSpace(val) != "'*'" {
			return nil, fmt.Errorf("the stand-in splits by dimensions only (X eq '*'), not %q", clause)
		}
		name = strings.TrimSpace(name)
		if _, ok := d.Dimensions[name]; !ok {
			return nil, fmt.Errorf("metric %s does not have dimension %s", d.Name, name)
		}
		out = append(out, name)
	}
	return out, nil
}

// combinations returns every combination of the values of the dimensions
// in split; one empty combination when split is empty.
func combinations(split []string, values map[string][]string) []map[string]string {
	out := []map[string]string{{}}
	for _, dim := range split {
		var next []map[string]string
		for _, c := range out {
			for _, v := range values[dim] {
				m := map[string]string{dim: v}
				for k, x := range c {
					m[k] = x
				}
				next = append(next, m)
			}
		}
		out = next
	}
	return out
}
