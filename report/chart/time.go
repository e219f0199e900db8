package chart

// TimeAxis is the x axis that every time chart of a page shares: seconds
// from the start of the measured window, one range for all. Charts made
// with it have the same plot origin and width (PlotLeft, PlotRight), so a
// moment is at the same pixel on each, and their crosshairs move together.
type TimeAxis struct {
	From, To float64
	// Title names the axis under each chart.
	Title string
	// Group links the charts' crosshairs: one per page.
	Group string
}

// NewTimeAxis returns the axis from..to seconds (to at least from + 1),
// titled by what the seconds count from ("into the measured window").
func NewTimeAxis(from, to float64, from0 string) TimeAxis {
	if !(to > from) {
		to = from + 1
	}
	return TimeAxis{From: from, To: to, Title: ClockTitle(to-from, from0), Group: "time"}
}

// Axis returns the x axis itself.
func (t TimeAxis) Axis() Axis {
	return Axis{Min: t.From, Max: t.To, Title: t.Title, Unit: UnitSeconds}
}

// Chart returns an empty chart on the axis with the given y axis; add its
// series, bands, marks and rules, then call SVG.
func (t TimeAxis) Chart(id, title string, y Axis) *Chart {
	return &Chart{ID: id, Title: title, Kind: "time", X: t.Axis(), Y: y, Group: t.Group, HoverValues: true}
}
