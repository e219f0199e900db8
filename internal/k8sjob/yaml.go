package k8sjob

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// yamlMap is a YAML mapping whose keys keep their order, so a manifest reads
// in the order people expect (apiVersion, kind, metadata, spec). Its values
// are yamlMap, []any, string, int, int64 or bool.
type yamlMap []yamlField

// yamlField is one key of a yamlMap.
type yamlField struct {
	key   string
	value any
}

// writeYAML writes the documents in block style, separated by "---". Every
// string is double-quoted (JSON's quoting, which YAML reads the same), so no
// value can change type or meaning however it is spelt: "true", "0755", "1e3"
// and "- x" stay strings.
func writeYAML(w io.Writer, docs ...yamlMap) error {
	var b bytes.Buffer
	for i, doc := range docs {
		if i > 0 {
			b.WriteString("---\n")
		}
		if err := yamlBlock(&b, doc, 0); err != nil {
			return err
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

// plainKey is a key written without quotes.
var plainKey = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_./-]*$`)

// yamlReserved are words a YAML 1.1 reader (as Kubernetes' is) takes for a
// boolean or null even as a key.
var yamlReserved = regexp.MustCompile(`^(?i:y|yes|n|no|on|off|true|false|null)$`)

func yamlKey(k string) string {
	if plainKey.MatchString(k) && !yamlReserved.MatchString(k) {
		return k
	}
	return yamlString(k)
}

func yamlString(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return strings.TrimSuffix(b.String(), "\n")
}

// yamlScalar returns v written as a scalar, or ok false for a collection.
func yamlScalar(v any) (string, bool, error) {
	switch x := v.(type) {
	case string:
		return yamlString(x), true, nil
	case int:
		return strconv.Itoa(x), true, nil
	case int64:
		return strconv.FormatInt(x, 10), true, nil
	case bool:
		return strconv.FormatBool(x), true, nil
	case yamlMap:
		if len(x) == 0 {
			return "{}", true, nil
		}
		return "", false, nil
	case []any:
		if len(x) == 0 {
			return "[]", true, nil
		}
		return "", false, nil
	}
	return "", false, fmt.Errorf("yaml: cannot write a %T", v)
}

// yamlBlock writes the fields of m at indent.
func yamlBlock(b *bytes.Buffer, m yamlMap, indent int) error {
	pad := strings.Repeat(" ", indent)
	for _, f := range m {
		s, scalar, err := yamlScalar(f.value)
		if err != nil {
			return fmt.Errorf("%s: %w", f.key, err)
		}
		if scalar {
			fmt.Fprintf(b, "%s%s: %s\n", pad, yamlKey(f.key), s)
			continue
		}
		fmt.Fprintf(b, "%s%s:\n", pad, yamlKey(f.key))
		if err := yamlValue(b, f.value, indent+2); err != nil {
			return fmt.Errorf("%s: %w", f.key, err)
		}
	}
	return nil
}

// yamlValue writes a non-empty collection at indent.
func yamlValue(b *bytes.Buffer, v any, indent int) error {
	switch x := v.(type) {
	case yamlMap:
		return yamlBlock(b, x, indent)
	case []any:
		pad := strings.Repeat(" ", indent)
		for _, item := range x {
			s, scalar, err := yamlScalar(item)
			if err != nil {
				return err
			}
			if scalar {
				fmt.Fprintf(b, "%s- %s\n", pad, s)
				continue
			}
			// A nested collection starts on the dash's line, indented two
			// more: "- key: value" then "  key: value".
			var inner bytes.Buffer
			if err := yamlValue(&inner, item, indent+2); err != nil {
				return err
			}
			text := inner.String()
			b.WriteString(pad + "- " + strings.TrimPrefix(text, pad+"  "))
		}
		return nil
	}
	return fmt.Errorf("yaml: cannot write a %T", v)
}
