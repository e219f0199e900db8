package report

import (
	"github.com/amrbench/amrbench/internal/units"
	"github.com/amrbench/amrbench/report/catalog"
)

// These forwards keep cmd/amrbench/run.go building while it is split
// elsewhere; nothing else uses them.

// SKU is one size of one tier of the catalog.
//
// Deprecated: moved to report/catalog; removed when bench/run.go switch over.
type SKU = catalog.SKU

// Plural writes n things, with an s when n is not 1: "1 connection",
// "50 connections".
//
// Deprecated: moved to internal/units; removed when bench/run.go switch over.
func Plural(n int64, thing string) string { return units.Plural(n, thing) }
