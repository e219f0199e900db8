package memtier

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/amrbench/amrbench/results"
)

// memtierConfiguration is memtier's "configuration" block, filled from the
// run's header: what amrbench has no counterpart for has memtier's value
// for "not used". The password is never written (memtier writes it).
func memtierConfiguration(h *results.Header, runs int, allRuns bool) jsonObject {
	var c struct {
		Target struct {
			Host string `json:"host"`
			Port int    `json:"port"`
			DB   int    `json:"db"`
			TLS  struct {
				Enabled    bool   `json:"enabled"`
				SNI        string `json:"sni"`
				SkipVerify bool   `json:"skip_verify"`
			} `json:"tls"`
		} `json:"target"`
		Connections    int           `json:"connections"`
		Pipeline       int           `json:"pipeline"`
		Duration       time.Duration `json:"duration"`
		Requests       int64         `json:"requests"`
		Rate           float64       `json:"rate"`
		ConnectTimeout time.Duration `json:"connect_timeout"`
	}
	_ = json.Unmarshal(h.Config, &c) // missing fields stay zero
	if c.Connections == 0 {
		c.Connections = h.Connections
	}
	var wl struct {
		Ratio struct {
			Sets int `json:"sets"`
			Gets int `json:"gets"`
		} `json:"ratio"`
		KeyPrefix  string `json:"key_prefix"`
		KeyMinimum uint64 `json:"key_minimum"`
		KeyMaximum uint64 `json:"key_maximum"`
		KeyPattern struct {
			Set string `json:"set"`
			Get string `json:"get"`
		} `json:"key_pattern"`
		KeyStddev     float64                      `json:"key_stddev"`
		KeyMedian     *float64                     `json:"key_median"`
		KeyZipfExp    float64                      `json:"key_zipf_exp"`
		DataSize      int                          `json:"data_size"`
		DataSizeRange struct{ Min, Max int64 }     `json:"data_size_range"`
		DataSizeList  []struct{ Size, Weight int } `json:"data_size_list"`
		RandomData    bool                         `json:"random_data"`
		ExpiryRange   struct{ Min, Max int64 }     `json:"expiry_range"`
	}
	_ = json.Unmarshal(h.Workload, &wl)
	conns := max(c.Connections, 1)
	var sizeList []string
	for _, sw := range wl.DataSizeList {
		sizeList = append(sizeList, fmt.Sprintf("%d:%d", sw.Size, sw.Weight))
	}
	median := 0.0
	if wl.KeyMedian != nil {
		median = *wl.KeyMedian
	}
	sni := any(nil)
	if c.Target.TLS.SNI != "" {
		sni = c.Target.TLS.SNI
	}
	return jsonObject{
		{"server", c.Target.Host},
		{"port", c.Target.Port},
		{"uri", ""},
		{"unix socket", nil},
		{"address family", "Unspecified"},
		{"protocol", "redis"},
		{"out_file", nil},
		{"tls", boolString(c.Target.TLS.Enabled)},
		{"cert", nil},
		{"key", nil},
		{"cacert", nil},
		{"tls_skip_verify", boolString(c.Target.TLS.SkipVerify)},
		{"sni", sni},
		{"client_stats", nil},
		{"run_count", runs},
		{"debug", 0},
		{"requests", c.Requests / int64(conns)},
		{"rate_limit", int64(c.Rate) / int64(conns)},
		{"clients", c.Connections},
		{"threads", 1},
		{"test_time", int64(c.Duration / time.Second)},
		{"ratio", fmt.Sprintf("%d:%d", wl.Ratio.Sets, wl.Ratio.Gets)},
		{"pipeline", c.Pipeline},
		{"data_size", wl.DataSize},
		{"data_offset", 0},
		{"random_data", boolString(wl.RandomData)},
		{"data_size_range", fmt.Sprintf("%d:%d", wl.DataSizeRange.Min, wl.DataSizeRange.Max)},
		{"data_size_list", strings.Join(sizeList, ",")},
		{"data_size_pattern", "R"},
		{"expiry_range", fmt.Sprintf("%d:%d", wl.ExpiryRange.Min, wl.ExpiryRange.Max)},
		{"data_import", nil},
		{"data_verify", "false"},
		{"verify_only", "false"},
		{"generate_keys", "false"},
		{"key_prefix", wl.KeyPrefix},
		{"key_minimum", wl.KeyMinimum},
		{"key_maximum", wl.KeyMaximum},
		{"key_pattern", wl.KeyPattern.Set + ":" + wl.KeyPattern.Get},
		{"key_stddev", fixed(wl.KeyStddev, 6)},
		{"key_median", fixed(median, 6)},
		{"key_zipf_exp", fixed(wl.KeyZipfExp, 6)},
		{"reconnect_interval", 0},
		{"connection_timeout", int64(c.ConnectTimeout / time.Second)},
		{"thread_conn_start_min_jitter_micros", 0},
		{"thread_conn_start_max_jitter_micros", 0},
		{"multi_key_get", 0},
		{"authenticate", ""},
		{"select-db", c.Target.DB},
		{"no-expiry", "false"},
		{"wait-ratio", "0:0"},
		{"num-slaves", "0:0"},
		{"wait-timeout", "0-0"},
		{"print-all-runs", boolString(allRuns)},
	}
}

// memtierRunInformation is memtier's "run information": amrbench's
// connections are one thread's clients.
func memtierRunInformation(h *results.Header) jsonObject {
	var c struct {
		Connections int           `json:"connections"`
		Duration    time.Duration `json:"duration"`
		Requests    int64         `json:"requests"`
	}
	_ = json.Unmarshal(h.Config, &c)
	if c.Connections == 0 {
		c.Connections = h.Connections
	}
	info := jsonObject{{"Threads", 1}, {"Connections per thread", c.Connections}}
	if c.Requests > 0 {
		info = append(info, jsonField{"Requests per client", c.Requests / int64(max(c.Connections, 1))})
	} else {
		info = append(info, jsonField{"Seconds", int64(c.Duration / time.Second)})
	}
	return append(info, jsonField{"Format version", 2})
}

func boolString(b bool) string { return strconv.FormatBool(b) }

// jsonObject is a JSON object that keeps its fields in order.
type jsonObject []jsonField

type jsonField struct {
	Key   string
	Value any
}

// MarshalJSON writes the fields in order.
func (o jsonObject) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(f.Key)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(f.Value)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Key, err)
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}
