package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"github.com/amrbench/amrbench/report/catalog"
)

func defaultCatalog(t *testing.T) *catalog.Catalog {
	t.Helper()
	c, err := catalog.DefaultCatalog()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestWriteTiers(t *testing.T) {
	t.Parallel()
	c := defaultCatalog(t)
	skus, err := c.Filter("compute")
	if err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	if err := WriteTiers(&text, c, skus, FormatText); err != nil {
		t.Fatal(err)
	}
	// X10: published 12 GB, derived 9.6 usable, published 8 vCPUs / 6 shards, 75,000 connections, 810,000 GET/s.
	if !lineWithFields(text.String(), "X10", "Compute", "Optimized", "GA", "12", "9.6~", "8", "6", "75,000", "810,000") {
		t.Errorf("text: no X10 row with its figures:\n%s", text.String())
	}
	if !lineWithFields(text.String(), "X3", "Compute", "Optimized", "GA", "3~", "2.4~", "4~", "2~", "30,000~", "480,000~") {
		t.Errorf("text: X3's derived figures are not marked:\n%s", text.String())
	}
	if !strings.Contains(text.String(), "amr-get ") || strings.Contains(text.String(), "acr-perf") {
		t.Errorf("text: the sources listed are not those the rows cite:\n%s", text.String())
	}

	var md bytes.Buffer
	if err := WriteTiers(&md, c, skus, FormatMarkdown); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "| X700 | Compute Optimized | preview | 720 ~ | 576 ~ | 384 ~ | 384 ~ | 200,000 ~ | - |") {
		t.Errorf("md: no X700 row:\n%s", md.String())
	}

	var csvOut bytes.Buffer
	if err := WriteTiers(&csvOut, c, skus, FormatCSV); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&csvOut).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 12 {
		t.Fatalf("csv: %d records, want a header and 11 SKUs", len(recs))
	}
	row := map[string]string{}
	for i, col := range recs[0] {
		row[col] = recs[4][i] // X20
	}
	if row["sku"] != "X20" || row["get_rps"] != "1600000" || row["get_rps_kind"] != "published" || row["get_rps_source"] != "amr-get" ||
		row["usable_gb"] != "19.2" || row["usable_gb_kind"] != "derived" {
		t.Errorf("csv: X20 row %v", row)
	}

	var js bytes.Buffer
	if err := WriteTiers(&js, c, skus, FormatJSON); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		SKUs []struct {
			SKU    string `json:"sku"`
			GetRPS struct {
				Value  *float64 `json:"value"`
				Kind   string   `json:"kind"`
				Source string   `json:"source"`
			} `json:"get_rps"`
		} `json:"skus"`
		Sources []catalog.Source `json:"sources"`
	}
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	last := doc.SKUs[len(doc.SKUs)-1]
	if last.SKU != "X700" || last.GetRPS.Value != nil || last.GetRPS.Kind != "unknown" {
		t.Errorf("json: X700 GET/s = %+v, want unknown", last.GetRPS)
	}
	if len(doc.Sources) == 0 || doc.Sources[0].Citation == "" {
		t.Errorf("json: sources without citations: %+v", doc.Sources)
	}
	if err := WriteTiers(&js, c, skus, "xml"); err == nil {
		t.Error("format xml accepted")
	}
}

// lineWithFields reports whether some line of s has exactly these
// whitespace-separated fields.
func lineWithFields(s string, fields ...string) bool {
	for _, line := range strings.Split(s, "\n") {
		if strings.Join(strings.Fields(line), " ") == strings.Join(fields, " ") {
			return true
		}
	}
	return false
}
