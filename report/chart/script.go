package chart

import (
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
)

// Script is the page's hover script, for an inline <script> element: it
// reads the charts' data-hover and data-tip attributes and shows their
// values where the pointer is. It loads nothing.
//
//go:embed hover.js
var Script string

// ScriptHash is Script's hash as a Content-Security-Policy source
// ('sha256-…'): a page can allow this script, and no other, to run.
func ScriptHash() string {
	sum := sha256.Sum256([]byte(Script))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// Style is the style sheet of the hover box and of the charts on a page.
const Style = `
.chart-tip { position: fixed; z-index: 10; pointer-events: none; max-width: 440px; padding: 6px 10px;
  background: rgba(255,255,255,0.97); border: 1px solid #bbb; border-radius: 4px; box-shadow: 0 2px 10px rgba(0,0,0,0.15);
  font: 12px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Liberation Sans", Arial, sans-serif; color: #222; }
.chart-tip .head { font-weight: 600; }
.chart-tip .text { color: #444; }
.chart-tip .row { display: flex; align-items: center; gap: 6px; white-space: nowrap; }
.chart-tip .sw { flex: none; width: 10px; height: 10px; border-radius: 2px; }
.chart-tip .v { margin-left: auto; padding-left: 14px; font-variant-numeric: tabular-nums; }
svg.chart [data-tip] { cursor: default; }
svg.chart .band[data-tip]:hover, svg.chart .lane-mark:hover, svg.chart .point[data-tip]:hover { stroke: #222; }
`
