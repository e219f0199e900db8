package catalog

import "testing"

func TestAzureDefaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		host    string
		service string // "" for a host that is not Azure's
		port    int
	}{
		{"mycache.westeurope.redis.azure.net", ServiceAMR, 10000},
		{"MyCache.WestEurope.Redis.Azure.Net.", ServiceAMR, 10000},
		{"old.redisenterprise.cache.azure.net", ServiceACREnterprise, 10000},
		{"classic.redis.cache.windows.net", ServiceACR, 6380},
		{"redis.azure.net", "", 0}, // the suffix alone is not a cache's name
		{"mycache.redis.azure.net.example.com", "", 0},
		{"localhost", "", 0},
		{"10.0.0.4", "", 0},
	}
	for _, tt := range tests {
		got, ok := AzureDefaults(tt.host)
		if ok != (tt.service != "") || got.Service != tt.service || got.Port != tt.port || got.TLS != ok {
			t.Errorf("AzureDefaults(%q) = %+v, %v; want %q port %d", tt.host, got, ok, tt.service, tt.port)
		}
	}
}

func TestSoldBy(t *testing.T) {
	t.Parallel()
	c := catalog(t)
	tests := []struct {
		sku                    string
		amr, enterprise, basic bool
	}{
		{"B10", true, false, false},
		{"X3", true, false, false},
		{"A250", true, false, false},
		{"E10", false, true, false},
		{"F300", false, true, false},
		{"C1", false, false, true},
		{"P1", false, false, true},
	}
	for _, tt := range tests {
		s, err := c.Lookup(tt.sku)
		if err != nil {
			t.Fatal(err)
		}
		for service, want := range map[string]bool{ServiceAMR: tt.amr, ServiceACREnterprise: tt.enterprise, ServiceACR: tt.basic, "Some Other Redis": true} {
			if got := s.SoldBy(service); got != want {
				t.Errorf("%s (%s %s) sold by %s = %v, want %v", s.Name, s.Family, s.Tier, service, got, want)
			}
		}
	}
}
