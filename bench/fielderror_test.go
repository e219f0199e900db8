package bench

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

// TestFieldErrorNamesFieldsInConfigTerms checks that Validate's errors name
// the configuration's fields, never a flag, and that Rename renames them
// through any wrapping.
func TestFieldErrorNamesFieldsInConfigTerms(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Connections, cfg.Pipeline, cfg.Duration, cfg.Requests = 0, MaxPipeline+1, 0, 0
	err := cfg.Validate()
	if err == nil {
		t.Fatal("a configuration with no connections validated")
	}
	for _, want := range []string{"connections 0: from 1 to 1048576", "pipeline 10001: from 1 to 10000", "give duration or requests"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q lacks %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "--") {
		t.Errorf("the engine names a flag: %q", err)
	}
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Fields[0] != "connections" {
		t.Fatalf("first error %v is not a FieldError about connections", err)
	}
	if got := fe.Rename(func(f string) string { return "--" + f }); got != "--connections 0: from 1 to 1048576" {
		t.Errorf("renamed: %q", got)
	}
	wrapped := fieldErrorf([]string{"timeout"}, "timed out (see {timeout}): %w", io.EOF)
	if !errors.Is(fmt.Errorf("connect: %w", wrapped), io.EOF) || wrapped.Error() != "timed out (see timeout): EOF" {
		t.Errorf("wrapped %q loses its cause or its text", wrapped)
	}
}
