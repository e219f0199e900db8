package pricestest

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// Server is the stand-in API.
type Server struct {
	*httptest.Server
	// Requests counts the questions it was asked.
	Requests atomic.Int32
}

// Start serves the two pages westeurope-1.json and westeurope-2.json of
// dir: the first for a question, the second for its NextPageLink (any
// $skip). A question that does not ask for Redis prices in westeurope, or
// does not name every meter in wantMeters, is answered 400 and fails the
// test. It stops when the test ends.
func Start(t testing.TB, dir string, wantMeters ...string) *Server {
	t.Helper()
	var pages [2][]byte
	for i, name := range []string{"westeurope-1.json", "westeurope-2.json"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		pages[i] = data
	}
	s := &Server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.Requests.Add(1)
		f := r.URL.Query().Get("$filter")
		ok := strings.Contains(f, "serviceName eq 'Redis Cache' and armRegionName eq 'westeurope' and priceType eq 'Consumption'")
		for _, m := range wantMeters {
			ok = ok && strings.Contains(f, "meterName eq '"+m+"'")
		}
		if !ok {
			t.Errorf("the prices API was asked %q", f)
			http.Error(w, "unexpected filter", http.StatusBadRequest)
			return
		}
		page := pages[0]
		if r.URL.Query().Get("$skip") != "" {
			page = pages[1]
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(page)
	}))
	t.Cleanup(s.Close)
	return s
}
