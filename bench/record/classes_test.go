package record

import (
	"testing"

	"github.com/amrbench/amrbench/results"
)

func TestClassCount(t *testing.T) {
	if NumClasses != len(results.ErrorClasses) {
		t.Fatalf("NumClasses = %d, results has %d classes", NumClasses, len(results.ErrorClasses))
	}
	for i, c := range results.ErrorClasses {
		if ClassIndex[c] != i {
			t.Fatalf("ClassIndex[%s] = %d, want %d", c, ClassIndex[c], i)
		}
	}
}
