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
// and the HTML page; and that a verified run says none of it (a
// comparison: report/compare's TestUnverifiedTLSIsNoted).
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
}
