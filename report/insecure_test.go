package report

import (
	"bytes"
	"html"
	"strings"
	"testing"

	"github.com/amrbench/amrbench/results"
)

// TestUnverifiedTLSIsSaid checks that a run whose TLS did not verify the
// server says so wherever it is rendered: the summary (text and Markdown),
// the HTML page and a comparison; and that a verified run says none of it.
func TestUnverifiedTLSIsSaid(t *testing.T) {
	t.Parallel()
	verified, verifiedSum := readFixture(t, "enterprise.jsonl")
	verified.Header.Target.TLS = true
	unverified, sum := readFixture(t, "enterprise.jsonl")
	unverified.Header.Target.TLS, unverified.Header.Target.TLSUnverified = true, true
	unverified.Header.RunID += "-unverified"

	render := func(run *results.Run, s *results.Summary) map[string]string {
		var text, md, page bytes.Buffer
		if err := WriteSummary(&text, run, s, nil); err != nil {
			t.Fatal(err)
		}
		if err := WriteSummaryMarkdown(&md, run, s, nil); err != nil {
			t.Fatal(err)
		}
		if err := WriteHTML(&page, run, s, HTMLOptions{}); err != nil {
			t.Fatal(err)
		}
		return map[string]string{"text": text.String(), "md": md.String(), "html": html.UnescapeString(page.String())}
	}
	for kind, out := range render(unverified, sum) {
		for _, want := range []string{"TLS unverified", "Insecure", "the server's certificate and host name were not checked"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s of an unverified run lacks %q", kind, want)
			}
		}
	}
	for kind, out := range render(verified, verifiedSum) {
		if strings.Contains(out, "unverified") || strings.Contains(out, "Insecure") || !strings.Contains(out, "TLS, ") {
			t.Errorf("%s of a verified TLS run says it is unverified, or not TLS", kind)
		}
	}

	c, err := Compare([]results.NamedRun{{Name: "verified", Run: verified}, {Name: "unverified", Run: unverified}}, CompareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := "B ran over TLS without verifying the server's certificate (--tls-skip-verify)"
	if len(c.Notes) == 0 || !strings.Contains(strings.Join(c.Notes, "\n"), want) {
		t.Fatalf("comparison notes %q lack %q", c.Notes, want)
	}
	if strings.Contains(strings.Join(c.Notes, "\n"), "A ran over TLS without") {
		t.Errorf("the verified run is noted as unverified: %q", c.Notes)
	}
	var text bytes.Buffer
	if err := WriteComparisonText(&text, c); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), want) {
		t.Errorf("compare's text lacks %q:\n%s", want, text.String())
	}
}
