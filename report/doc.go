// Package report renders what results were measured into what people and
// tools read: the summary table, the live line per interval, HdrHistogram
// percentile files and interval logs, the same tables in Markdown and CSV
// (one Table model behind every format), and self-contained HTML pages with
// charts of a run or of runs compared. Every rendering works from a result
// file alone, so a live run, a finished file, a truncated file and a merge
// of files are rendered by the same code. It also renders the tier table of
// the SKU catalog, whose figures live in report/catalog; the capacity
// planner, which writes its own verdicts, is report/capacity.
package report
