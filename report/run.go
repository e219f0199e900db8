package report

import "github.com/amrbench/amrbench/results"

// NamedRun is a run and the name it is shown under (usually the file or
// directory it was read from).
type NamedRun struct {
	Name string
	Run  *results.Run
}
