package k8sjob

import (
	"bytes"
	"slices"
	"testing"

	"sigs.k8s.io/yaml"
)

func TestYAMLKeepsStringsStrings(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	doc := yamlMap{
		{"strings", []any{"true", "0755", "1e3", "- x", "a: b", "#c", "null", "", "ünï\ncode"}},
		{"n", 3}, {"yes", true}, {"empty", yamlMap{}}, {"none", []any{}},
		{"nested", []any{yamlMap{{"a", 1}, {"b", yamlMap{{"c", "d"}}}}, []any{"x"}}},
	}
	if err := writeYAML(&b, doc); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := yaml.UnmarshalStrict(b.Bytes(), &got); err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	strs, _ := got["strings"].([]any)
	want := []any{"true", "0755", "1e3", "- x", "a: b", "#c", "null", "", "ünï\ncode"}
	if !slices.Equal(strs, want) {
		t.Fatalf("strings read back %q, want %q\n%s", strs, want, b.String())
	}
	if got["n"] != float64(3) || got["yes"] != true {
		t.Fatalf("n %v yes %v", got["n"], got["yes"])
	}
	nested, _ := got["nested"].([]any)
	if len(nested) != 2 {
		t.Fatalf("nested %v\n%s", got["nested"], b.String())
	}
	if m, _ := nested[0].(map[string]any); m["a"] != float64(1) || m["b"].(map[string]any)["c"] != "d" {
		t.Fatalf("nested map %v\n%s", nested[0], b.String())
	}
	if l, _ := nested[1].([]any); len(l) != 1 || l[0] != "x" {
		t.Fatalf("nested list %v\n%s", nested[1], b.String())
	}
}
