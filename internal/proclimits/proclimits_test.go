package proclimits

import (
	"fmt"
	"strings"
	"testing"
)

func TestCheckOpenFiles(t *testing.T) {
	t.Parallel()
	limit, ok := openFileLimit()
	if !ok {
		t.Skip("no open-file limit on this system")
	}
	if err := CheckOpenFiles(int(limit) - filesBesideConnections); err != nil {
		t.Errorf("%d connections within a limit of %d files: %v", int(limit)-filesBesideConnections, limit, err)
	}
	err := CheckOpenFiles(int(limit))
	want := fmt.Sprintf("needs %d file descriptors for its connections plus 64 spare, but this process may open only %d: raise ulimit -n to %d", limit, limit, limit+64)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("%d connections with a limit of %d files: %v, want a failure saying %q", limit, limit, err, want)
	}
}

func TestGCPercent(t *testing.T) {
	tests := []struct {
		conns  int
		gogc   string
		want   int
		wantOK bool
	}{
		{50, "", 0, false},
		{999, "", 0, false},
		{1000, "", 25, true},
		{10_000, "", 25, true},
		{10_000, "100", 0, false}, // the user's choice stands
		{10_000, "off", 0, false},
	}
	for _, tt := range tests {
		if got, ok := GCPercent(tt.conns, tt.gogc); got != tt.want || ok != tt.wantOK {
			t.Errorf("GCPercent(%d, %q) = %d, %v; want %d, %v", tt.conns, tt.gogc, got, ok, tt.want, tt.wantOK)
		}
	}
}
