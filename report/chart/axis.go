package chart

import (
	"math"
	"strconv"
	"strings"
)

// Unit says what an axis or a series measures, and so how its values are
// written on ticks and in the hover box.
type Unit string

// Units of the report's charts.
const (
	// UnitSeconds is time in seconds from the start of the measured window.
	UnitSeconds Unit = "s"
	// UnitRate is a count per second: ticks 20k, 1.5M; hover 12,345/s.
	UnitRate Unit = "rate"
	// UnitCount is a plain count: ticks 20k; hover 12,345.
	UnitCount Unit = "count"
	// UnitMillis is a latency in milliseconds: ticks 500 µs, 2 ms, 1 s;
	// hover 0.494 ms.
	UnitMillis Unit = "ms"
	// UnitPercent is a share in percent: ticks 5%; hover 5.21 %.
	UnitPercent Unit = "pct"
	// UnitPercentile is the percentile spectrum's axis, -log10(1 - p/100):
	// hover p99.9. Its ticks are given with the axis.
	UnitPercentile Unit = "pctl"
)

// Tick is a place on an axis, labelled or not.
type Tick struct {
	Value float64
	Label string
}

// Axis is one axis of a chart. A zero Min and Max fit the axis to the data
// (and to the reference lines, so an objective is always in view).
type Axis struct {
	Min, Max float64
	// Log makes the axis logarithmic; every value drawn on it must be above
	// zero (others break the line).
	Log bool
	// Title names the axis.
	Title string
	Unit  Unit
	// Ticks, when given, replace the ticks the axis would choose.
	Ticks []Tick
	// FromZero keeps zero in a linear axis fitted to the data.
	FromZero bool

	step float64 // between labelled ticks of a fitted linear axis
}

// fitted reports whether the axis has a range.
func (a *Axis) fitted() bool { return a.Max > a.Min }

// fit gives the axis a range that holds lo..hi, widened to its ticks so both
// ends are labelled.
func (a *Axis) fit(lo, hi float64) {
	if a.Log {
		if !(lo > 0) || math.IsInf(lo, 0) {
			lo, hi = 0.1, 1
		}
		if !(hi > lo) {
			lo, hi = lo/2, lo*2
		}
		// The ends are at 1, 2 or 5 of a decade (3 too on a narrow axis),
		// labelled or not.
		steps := []float64{1, 2, 5}
		if d := math.Log10(hi / lo); d <= 1.2 {
			steps = logSteps(d)
		}
		a.Min = logStepBelow(lo, steps)
		a.Max = logStepAbove(hi, steps)
		return
	}
	if a.FromZero {
		lo = math.Min(lo, 0)
		hi = math.Max(hi, 0)
	}
	if math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		lo, hi = 0, 1
	}
	if !(hi > lo) {
		if hi == 0 {
			hi = 1
		} else {
			lo, hi = lo-math.Abs(lo)/2, hi+math.Abs(hi)/2
		}
	}
	step := niceStep(hi-lo, 5)
	if a.Unit == UnitSeconds {
		step = timeStep(hi - lo)
	}
	a.Min = math.Floor(lo/step+1e-9) * step
	a.Max = math.Ceil(hi/step-1e-9) * step
	a.step = step
	if a.Max-hi < 0.02*(a.Max-a.Min) {
		// Half a step of room above the highest value, so that a line
		// there (a target rate) is not drawn on the chart's edge.
		a.Max += step / 2
	}
}

// pos maps v into 0..1 along the axis (outside for values out of range;
// NaN for a value a logarithmic axis cannot show).
func (a *Axis) pos(v float64) float64 {
	if a.Log {
		if !(v > 0) {
			return math.NaN()
		}
		return math.Log10(v/a.Min) / math.Log10(a.Max/a.Min)
	}
	return (v - a.Min) / (a.Max - a.Min)
}

// ticks returns the axis's labelled ticks and unlabelled minor ticks.
func (a *Axis) ticks() []Tick {
	if a.Ticks != nil {
		var out []Tick
		for _, t := range a.Ticks {
			if t.Value >= a.Min-1e-9 && t.Value <= a.Max+1e-9 {
				out = append(out, t)
			}
		}
		return out
	}
	if a.Log {
		return logTicks(a.Min, a.Max, a.Unit)
	}
	step := a.step
	if step == 0 {
		step = niceStep(a.Max-a.Min, 5)
		if a.Unit == UnitSeconds {
			step = timeStep(a.Max - a.Min)
		}
	}
	var out []Tick
	for i := math.Ceil(a.Min/step - 1e-9); i*step <= a.Max+step*1e-9; i++ {
		v := i * step
		if math.Abs(v) < step*1e-9 {
			v = 0
		}
		out = append(out, Tick{Value: v, Label: formatTick(v, step, a.Unit, a.Max-a.Min)})
	}
	return out
}

// niceStep returns a step of 1, 2 or 5 times a power of ten that cuts span
// into about n parts.
func niceStep(span float64, n int) float64 {
	raw := span / float64(n)
	if !(raw > 0) {
		return 1
	}
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*mag >= raw*0.999 {
			return m * mag
		}
	}
	return 10 * mag
}

// timeSteps are the steps of a time axis, in seconds: what a clock shows.
var timeSteps = []float64{0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400}

// timeStep returns a step of timeSteps that cuts span into 6 to 12 parts.
func timeStep(span float64) float64 {
	for _, s := range timeSteps {
		if span/s <= 12 {
			return s
		}
	}
	return niceStep(span, 8)
}

// logSteps returns the mantissas labelled on a logarithmic axis that spans
// the given number of decades: more of them when there are few decades.
func logSteps(decades float64) []float64 {
	switch {
	case decades <= 0.7:
		return []float64{1, 2, 3, 4, 5, 6, 7, 8}
	case decades <= 1.2:
		return []float64{1, 2, 3, 5}
	case decades <= 4:
		return []float64{1, 2, 5}
	default:
		return []float64{1}
	}
}

func logStepBelow(v float64, steps []float64) float64 {
	e := math.Floor(math.Log10(v))
	for {
		mag := math.Pow(10, e)
		for i := len(steps) - 1; i >= 0; i-- {
			if c := steps[i] * mag; c <= v*(1+1e-9) {
				return c
			}
		}
		e--
	}
}

func logStepAbove(v float64, steps []float64) float64 {
	e := math.Floor(math.Log10(v))
	for {
		mag := math.Pow(10, e)
		for _, m := range steps {
			if c := m * mag; c >= v*(1-1e-9) {
				return c
			}
		}
		e++
	}
}

// logTicks labels the mantissas logSteps chooses, and puts unlabelled ticks
// on the other whole mantissas.
func logTicks(lo, hi float64, unit Unit) []Tick {
	if !(lo > 0 && hi > lo) {
		return nil
	}
	labelled := logSteps(math.Log10(hi / lo))
	var out []Tick
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		mag := math.Pow(10, e)
		for m := 1.0; m <= 9; m++ {
			v := m * mag
			if v < lo*(1-1e-9) || v > hi*(1+1e-9) {
				continue
			}
			t := Tick{Value: v}
			for _, l := range labelled {
				if l == m {
					t.Label = formatTick(v, mag, unit, hi-lo)
				}
			}
			out = append(out, t)
		}
	}
	return out
}

// formatTick writes a tick's value in its unit, with the decimals its step
// needs.
func formatTick(v, step float64, unit Unit, span float64) string {
	switch unit {
	case UnitMillis:
		return formatMillisTick(v)
	case UnitPercent:
		return formatPlain(v, step) + "%"
	case UnitSeconds:
		return formatClock(v, span)
	case UnitRate, UnitCount:
		return formatCompact(v, step, span)
	}
	return formatPlain(v, step)
}

// formatPlain writes v with as many decimals as step needs, and no
// trailing zeros.
func formatPlain(v, step float64) string {
	decimals := 0
	if step > 0 && step < 1 {
		decimals = int(math.Ceil(-math.Log10(step) - 1e-9))
		if r := step * math.Pow(10, float64(decimals)); math.Abs(r-math.Round(r)) > 1e-6 {
			decimals++ // 0.25
		}
	}
	return trimZeros(strconv.FormatFloat(v, 'f', decimals, 64))
}

// formatCompact writes a count as people read a chart's axis, in one unit
// for the whole axis (chosen by its span): 800, 20k, 1.5M.
func formatCompact(v, step, span float64) string {
	switch {
	case v == 0:
		return "0"
	case span >= 1e9:
		return trimZeros(strconv.FormatFloat(v/1e9, 'f', 2, 64)) + "G"
	case span >= 1e6:
		return trimZeros(strconv.FormatFloat(v/1e6, 'f', 2, 64)) + "M"
	case span >= 1e4:
		return trimZeros(strconv.FormatFloat(v/1e3, 'f', 2, 64)) + "k"
	}
	return formatPlain(v, step)
}

func trimZeros(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// formatMillisTick writes a latency in its own unit: 50 µs, 2 ms, 1.5 s.
func formatMillisTick(ms float64) string {
	switch {
	case ms == 0:
		return "0"
	case ms < 1:
		return trimZeros(strconv.FormatFloat(ms*1000, 'f', 2, 64)) + " µs"
	case ms < 1000:
		return trimZeros(strconv.FormatFloat(ms, 'f', 3, 64)) + " ms"
	}
	return trimZeros(strconv.FormatFloat(ms/1000, 'f', 3, 64)) + " s"
}

// formatClock writes seconds as a clock: 45 below two minutes of span,
// 1:30 (minutes:seconds) below two hours, 2:30 (hours:minutes) beyond.
func formatClock(s, span float64) string {
	sign := ""
	if s < 0 {
		sign, s = "-", -s
	}
	switch {
	case span < 120:
		return sign + trimZeros(strconv.FormatFloat(s, 'f', 1, 64))
	case span < 7200:
		m, sec := int(s)/60, int(math.Round(s))%60
		return sign + strconv.Itoa(m) + ":" + pad2(sec)
	}
	h, m := int(s)/3600, int(math.Round(s/60))%60
	return sign + strconv.Itoa(h) + ":" + pad2(m)
}

func pad2(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// ClockTitle names a time axis of the given span in the unit its ticks are
// written in.
func ClockTitle(span float64, what string) string {
	switch {
	case span < 120:
		return "seconds " + what
	case span < 7200:
		return "minutes:seconds " + what
	}
	return "hours:minutes " + what
}
