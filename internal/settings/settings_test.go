package settings

import (
	"slices"
	"testing"
	"time"
)

type inner struct {
	Host     string `json:"host"`
	Password string `json:"-"`
	SNI      string `json:"sni,omitempty"`
}

type config struct {
	Target   inner             `json:"target"`
	Duration time.Duration     `json:"duration"`
	Rate     float64           `json:"rate"`
	Commands []string          `json:"commands,omitempty"`
	Ratios   []int             `json:"ratios"`
	Labels   map[string]string `json:"labels"`
	Ramp     *inner            `json:"ramp,omitempty"`
	Plain    int
	hidden   int
}

func TestLines(t *testing.T) {
	t.Parallel()
	c := config{Target: inner{Host: "h", Password: "s3cret"}, Duration: 90 * time.Second, Rate: 0.25,
		Ratios: []int{1, 10}, Labels: map[string]string{"b": "2", "a": "1"}, Plain: 7, hidden: 1}
	want := []string{"w.target.host = h", "w.duration = 1m30s", "w.rate = 0.25", "w.ratios.0 = 1", "w.ratios.1 = 10",
		"w.labels.a = 1", "w.labels.b = 2", "w.Plain = 7"}
	if got := Lines("w.", c); !slices.Equal(got, want) {
		t.Errorf("Lines =\n%q\nwant\n%q", got, want)
	}
}
