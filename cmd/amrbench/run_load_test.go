package main

import "testing"

// TestAutoBufferSize checks the buffers chosen for a pipeline of values: the
// smallest power of two from 1 KiB that holds the pipeline, and no more than
// go-redis's 32 KiB.
func TestAutoBufferSize(t *testing.T) {
	tests := []struct {
		pipeline, maxValue, want int
	}{
		{1, 32, 1 << 10},       // 160 bytes
		{4, 100, 1 << 10},      // 912
		{8, 100, 2 << 10},      // 1,824
		{16, 32, 4 << 10},      // 2,560
		{1, 1024, 2 << 10},     // 1,152
		{10, 1024, 16 << 10},   // 11,520
		{100, 1024, 32 << 10},  // 115,200: capped
		{1, 1 << 20, 32 << 10}, // a 1 MiB value: capped, read in pieces
		{10_000, 32, 32 << 10}, // the deepest pipeline: capped
	}
	for _, tt := range tests {
		if got := autoBufferSize(tt.pipeline, tt.maxValue); got != tt.want {
			t.Errorf("autoBufferSize(%d, %d) = %d, want %d", tt.pipeline, tt.maxValue, got, tt.want)
		}
	}
}
