package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// markdownLink is an inline Markdown link or image: its target, up to an
// optional title.
var markdownLink = regexp.MustCompile(`!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)

// TestDocumentLinksResolve checks every relative link of the README and of
// docs/*.md: the file it names exists, and a #fragment names a heading of
// that file (as GitHub makes heading anchors). Links to the web are not
// followed.
func TestDocumentLinksResolve(t *testing.T) {
	root := filepath.Join("..", "..")
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	files := append([]string{filepath.Join(root, "README.md")}, docs...)
	checked := 0
	for _, file := range files {
		for _, target := range markdownLinks(t, file) {
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			checked++
			path, fragment, _ := strings.Cut(target, "#")
			resolved := file
			if path != "" {
				resolved = filepath.Join(filepath.Dir(file), filepath.FromSlash(path))
				if _, err := os.Stat(resolved); err != nil {
					t.Errorf("%s: link %q: %v", rel(root, file), target, err)
					continue
				}
			}
			if fragment == "" {
				continue
			}
			if !strings.HasSuffix(resolved, ".md") {
				t.Errorf("%s: link %q: a fragment of a file that is not Markdown", rel(root, file), target)
				continue
			}
			if !slices.Contains(headingAnchors(t, resolved), fragment) {
				t.Errorf("%s: link %q: %s has no heading with the anchor #%s", rel(root, file), target, rel(root, resolved), fragment)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no relative link found: the pattern no longer matches the documents")
	}
}

func TestHeadingAnchor(t *testing.T) {
	for heading, want := range map[string]string{
		"Which number do I trust":                             "which-number-do-i-trust",
		"The server's side":                                   "the-servers-side",
		"Clustering policies: OSS, Enterprise, non-clustered": "clustering-policies-oss-enterprise-non-clustered",
		"`amrbench run` flags":                                "amrbench-run-flags",
		"Open loop — a fixed load":                            "open-loop--a-fixed-load",
	} {
		if got := headingAnchor(heading); got != want {
			t.Errorf("%q: %q, want %q", heading, got, want)
		}
	}
}

// markdownLinks returns the targets of the inline links of a Markdown file,
// outside fenced code blocks and inline code.
func markdownLinks(t *testing.T, file string) []string {
	t.Helper()
	var targets []string
	for _, line := range proseLines(t, file) {
		for _, m := range markdownLink.FindAllStringSubmatch(stripInlineCode(line), -1) {
			targets = append(targets, m[1])
		}
	}
	return targets
}

// headingAnchors returns the anchors GitHub gives the headings of a
// Markdown file, a repeated one suffixed -1, -2...
func headingAnchors(t *testing.T, file string) []string {
	t.Helper()
	var anchors []string
	seen := map[string]int{}
	for _, line := range proseLines(t, file) {
		text, ok := strings.CutPrefix(line, "#")
		if !ok {
			continue
		}
		text = strings.TrimLeft(text, "#")
		if !strings.HasPrefix(text, " ") {
			continue
		}
		a := headingAnchor(strings.TrimSpace(text))
		if n := seen[a]; n > 0 {
			anchors = append(anchors, a+"-"+strconv.Itoa(n))
		} else {
			anchors = append(anchors, a)
		}
		seen[a]++
	}
	return anchors
}

// headingAnchor is GitHub's anchor of a heading: lower case, letters,
// digits, hyphens and underscores kept, spaces made hyphens, the rest
// dropped.
func headingAnchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// proseLines returns a Markdown file's lines outside fenced code blocks.
func proseLines(t *testing.T, file string) []string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	fenced := false
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fenced = !fenced
			continue
		}
		if !fenced {
			lines = append(lines, line)
		}
	}
	return lines
}

// stripInlineCode removes `code spans` from a line.
func stripInlineCode(line string) string {
	parts := strings.Split(line, "`")
	var b strings.Builder
	for i, p := range parts {
		if i%2 == 0 {
			b.WriteString(p)
		}
	}
	return b.String()
}

func rel(root, path string) string {
	if r, err := filepath.Rel(root, path); err == nil {
		return r
	}
	return path
}
