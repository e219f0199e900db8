// Package chart draws the charts of amrbench's HTML reports as inline SVG,
// with nothing but the standard library: charts of series against time that
// share one x axis (the same range, and the same pixel origin and width, so
// one moment is at one place on every chart of a page), charts of one
// quantity against another, rows of bars or dots, on linear or logarithmic
// axes. Each chart carries its values for the page's hover script (Script),
// so a reader can point at a line and read its numbers.
//
// Adding a time series to a page is: take the page's TimeAxis, make a Chart
// with it, give it Series, call SVG.
//
//	c := axis.Chart("chart-server-cpu", "Server CPU by shard", chart.Axis{Title: "% of one core", Unit: chart.UnitPercent, FromZero: true})
//	c.Series = append(c.Series, chart.Series{Name: "10.0.0.4:6379", Color: "#1f77b4", Points: pts})
//	svg, err := c.SVG()
package chart
