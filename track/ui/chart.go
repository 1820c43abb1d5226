package ui

import (
	"html"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// The charts are inline SVG written here: line charts of metric
// histories (one series per run when runs are compared), the
// optimisation history of a tuning study (a dot per trial and a step line
// of the best so far) and horizontal bar charts (parameter importance,
// one-value metrics compared across runs). All text in them goes through
// html.EscapeString; everything else is numbers.

// palette is matplotlib's tab10; the CSS classes c0..c9 use the same.
var palette = [...]string{"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"}

const gray = "#98a2b3"

// maxPoints is the most points a series draws; longer series are thinned
// to the first, lowest, highest and last point of each of maxPoints/4
// buckets, so peaks survive.
const maxPoints = 800

// series is one line or set of dots of a plot.
type series struct {
	Name   string
	X, Y   []float64
	Color  int  // index into palette; -1 is gray
	Line   bool // join the points
	Step   bool // join them as a step function (best so far)
	Dots   bool // draw each point
	Hollow bool // draw dots as rings
	Tips   []string
}

// plot is an x-y chart.
type plot struct {
	Title  string
	XLabel string
	Width  int // pixels; 0 means 520
	Height int // 0 means 220
	IntX   bool
	Series []series
}

func (s series) color() string {
	if s.Color < 0 {
		return gray
	}
	return palette[s.Color%len(palette)]
}

// SVG draws the plot; a plot with no finite point says so instead.
func (p plot) SVG() template.HTML {
	w, ht := p.Width, p.Height
	if w == 0 {
		w = 520
	}
	if ht == 0 {
		ht = 220
	}
	xlo, xhi, ylo, yhi := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, s := range p.Series {
		for i := range s.X {
			if finite(s.X[i]) && finite(s.Y[i]) {
				xlo, xhi = math.Min(xlo, s.X[i]), math.Max(xhi, s.X[i])
				ylo, yhi = math.Min(ylo, s.Y[i]), math.Max(yhi, s.Y[i])
			}
		}
	}
	if xlo > xhi {
		return template.HTML(`<p class="none">no finite values to draw</p>`)
	}
	legend := 0
	if len(p.Series) > 1 {
		legend = (len(p.Series) + 2) / 3
	}
	const left, right, top = 58, 14, 24
	bottom := 34 + 16*legend
	ht += 16 * legend
	xs := newScale(xlo, xhi, float64(left), float64(w-right), p.IntX)
	ys := newScale(ylo, yhi, float64(ht-bottom), float64(top), false)

	var b strings.Builder
	b.WriteString(`<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="` + itoa(w) + `" height="` + itoa(ht) +
		`" viewBox="0 0 ` + itoa(w) + " " + itoa(ht) + `" role="img" aria-label="` + esc(p.Title) + `">`)
	b.WriteString(`<title>` + esc(p.Title) + `</title>`)
	b.WriteString(`<rect x="0" y="0" width="` + itoa(w) + `" height="` + itoa(ht) + `" fill="#fff"/>`)
	// Grid and ticks.
	for _, t := range ys.ticks {
		y := ys.at(t)
		b.WriteString(`<line x1="` + ff(float64(left)) + `" x2="` + ff(float64(w-right)) + `" y1="` + ff(y) + `" y2="` + ff(y) + `" stroke="#e4e7ec"/>`)
		b.WriteString(`<text x="` + itoa(left-6) + `" y="` + ff(y+4) + `" text-anchor="end">` + esc(ys.label(t)) + `</text>`)
	}
	for _, t := range xs.ticks {
		x := xs.at(t)
		b.WriteString(`<line x1="` + ff(x) + `" x2="` + ff(x) + `" y1="` + itoa(ht-bottom) + `" y2="` + itoa(ht-bottom+4) + `" stroke="#667085"/>`)
		b.WriteString(`<text x="` + ff(x) + `" y="` + itoa(ht-bottom+16) + `" text-anchor="middle">` + esc(xs.label(t)) + `</text>`)
	}
	b.WriteString(`<line x1="` + itoa(left) + `" x2="` + itoa(w-right) + `" y1="` + itoa(ht-bottom) + `" y2="` + itoa(ht-bottom) + `" stroke="#667085"/>`)
	b.WriteString(`<line x1="` + itoa(left) + `" x2="` + itoa(left) + `" y1="` + itoa(top) + `" y2="` + itoa(ht-bottom) + `" stroke="#667085"/>`)
	if p.XLabel != "" {
		b.WriteString(`<text x="` + itoa(w-right) + `" y="` + itoa(ht-bottom+30) + `" text-anchor="end">` + esc(p.XLabel) + `</text>`)
	}
	b.WriteString(`<text class="title" x="` + itoa(left) + `" y="15">` + esc(p.Title) + `</text>`)
	// Series.
	for _, s := range p.Series {
		col := s.color()
		x, y := thin(s.X, s.Y)
		if s.Line || s.Step {
			b.WriteString(`<path fill="none" stroke="` + col + `" stroke-width="1.8" d="` + pathData(x, y, xs, ys, s.Step) + `"/>`)
		}
		if s.Dots && len(x) <= maxPoints {
			fill := col
			if s.Hollow {
				fill = "#fff"
			}
			for i := range x {
				if !finite(x[i]) || !finite(y[i]) {
					continue
				}
				b.WriteString(`<circle cx="` + ff(xs.at(x[i])) + `" cy="` + ff(ys.at(y[i])) + `" r="3.2" fill="` + fill + `" stroke="` + col + `">`)
				tip := s.Name + ": " + fmtFull(y[i]) + " at " + fmtNum(x[i])
				if i < len(s.Tips) && len(x) == len(s.X) {
					tip = s.Tips[i]
				}
				b.WriteString(`<title>` + esc(tip) + `</title></circle>`)
			}
		}
	}
	// Legend: three entries a row.
	if legend > 0 {
		colw := (w - left - right) / 3
		for i, s := range p.Series {
			lx := left + (i%3)*colw
			ly := ht - 16*legend + 16*(i/3) - 2
			b.WriteString(`<rect x="` + itoa(lx) + `" y="` + itoa(ly-9) + `" width="10" height="10" rx="2" fill="` + s.color() + `"/>`)
			b.WriteString(`<text x="` + itoa(lx+14) + `" y="` + itoa(ly) + `">` + esc(clip(s.Name, colw/7)) + `<title>` + esc(s.Name) + `</title></text>`)
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// pathData writes the points as SVG path commands; a non-finite point
// breaks the line.
func pathData(x, y []float64, xs, ys scale, step bool) string {
	var b strings.Builder
	pen := false
	for i := range x {
		if !finite(x[i]) || !finite(y[i]) {
			pen = false
			continue
		}
		px, py := xs.at(x[i]), ys.at(y[i])
		switch {
		case !pen:
			b.WriteString("M" + ff(px) + " " + ff(py))
		case step:
			b.WriteString("H" + ff(px) + "V" + ff(py))
		default:
			b.WriteString("L" + ff(px) + " " + ff(py))
		}
		pen = true
	}
	return b.String()
}

// thin returns x and y, or, when they are longer than maxPoints, the
// first, lowest, highest and last point of each of maxPoints/4 buckets,
// in order.
func thin(x, y []float64) ([]float64, []float64) {
	n := len(x)
	if n <= maxPoints {
		return x, y
	}
	buckets := maxPoints / 4
	var ox, oy []float64
	for k := range buckets {
		lo, hi := k*n/buckets, (k+1)*n/buckets
		idx := []int{lo, lo, lo, hi - 1}
		for i := lo; i < hi; i++ {
			if finite(y[i]) && (!finite(y[idx[1]]) || y[i] < y[idx[1]]) {
				idx[1] = i
			}
			if finite(y[i]) && (!finite(y[idx[2]]) || y[i] > y[idx[2]]) {
				idx[2] = i
			}
		}
		if idx[1] > idx[2] {
			idx[1], idx[2] = idx[2], idx[1]
		}
		prev := -1
		for _, i := range idx {
			if i != prev {
				ox, oy = append(ox, x[i]), append(oy, y[i])
				prev = i
			}
		}
	}
	return ox, oy
}

// bars is a horizontal bar chart: a bar per label.
type bars struct {
	Title  string
	Labels []string
	Values []float64
	Colors []int // per bar; nil means all palette[0]
	Width  int   // 0 means 520
}

// SVG draws the bars, from zero (or from the least value, when it is
// negative) to each value.
func (c bars) SVG() template.HTML {
	w := c.Width
	if w == 0 {
		w = 520
	}
	lo, hi := 0.0, math.Inf(-1)
	labelw := 0
	for i, v := range c.Values {
		if finite(v) {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
		labelw = max(labelw, len([]rune(clip(c.Labels[i], 24))))
	}
	if math.IsInf(hi, -1) {
		return template.HTML(`<p class="none">no finite values to draw</p>`)
	}
	hi = math.Max(hi, 0)
	if hi == lo {
		hi = lo + 1
	}
	const top, row, valw = 24, 20, 64
	left := min(12+7*labelw, 200)
	ht := top + row*len(c.Values) + 6
	xs := scale{lo: lo, hi: hi, a: float64(left), b: float64(w - valw)}
	var b strings.Builder
	b.WriteString(`<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="` + itoa(w) + `" height="` + itoa(ht) +
		`" viewBox="0 0 ` + itoa(w) + " " + itoa(ht) + `" role="img" aria-label="` + esc(c.Title) + `">`)
	b.WriteString(`<title>` + esc(c.Title) + `</title>`)
	b.WriteString(`<rect x="0" y="0" width="` + itoa(w) + `" height="` + itoa(ht) + `" fill="#fff"/>`)
	b.WriteString(`<text class="title" x="8" y="15">` + esc(c.Title) + `</text>`)
	zero := xs.at(0)
	for i, v := range c.Values {
		y := top + row*i
		b.WriteString(`<text x="` + itoa(left-6) + `" y="` + itoa(y+14) + `" text-anchor="end">` + esc(clip(c.Labels[i], 24)) + `<title>` + esc(c.Labels[i]) + `</title></text>`)
		if finite(v) {
			x0, x1 := math.Min(zero, xs.at(v)), math.Max(zero, xs.at(v))
			col := palette[0]
			if i < len(c.Colors) {
				col = palette[c.Colors[i]%len(palette)]
			}
			b.WriteString(`<rect x="` + ff(x0) + `" y="` + itoa(y+3) + `" width="` + ff(math.Max(x1-x0, 1)) + `" height="` + itoa(row-6) + `" fill="` + col + `">`)
			b.WriteString(`<title>` + esc(c.Labels[i]+": "+fmtFull(v)) + `</title></rect>`)
		}
		tx := zero
		if finite(v) {
			tx = math.Max(zero, xs.at(v))
		}
		b.WriteString(`<text x="` + ff(tx+4) + `" y="` + itoa(y+14) + `">` + esc(fmtNum(v)) + `</text>`)
	}
	b.WriteString(`<line x1="` + ff(zero) + `" x2="` + ff(zero) + `" y1="` + itoa(top) + `" y2="` + itoa(ht-4) + `" stroke="#667085"/>`)
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// scale maps data values in [lo, hi] to pixels in [a, b], with nice
// ticks.
type scale struct {
	lo, hi, a, b float64
	ticks        []float64
	step         float64
}

func newScale(lo, hi, a, b float64, integer bool) scale {
	if hi == lo {
		d := math.Max(math.Abs(lo)*0.05, 1e-9)
		if integer {
			d = 1
		}
		if finite(lo-d) && finite(hi+d) {
			lo, hi = lo-d, hi+d
		}
	}
	step := niceStep((hi/2 - lo/2) / 2.5) // halves: hi-lo may overflow
	if integer {
		step = math.Max(step, 1)
	}
	// Points stay inset from the axes by a few pixels.
	inset := math.Copysign(8, b-a)
	s := scale{lo: lo, hi: hi, a: a + inset, b: b - inset, step: step}
	for t := math.Ceil(lo/step) * step; t <= hi && len(s.ticks) < 12; t += step {
		s.ticks = append(s.ticks, math.Round(t/step)*step)
		if t+step == t { // too small a step for numbers this large
			break
		}
	}
	return s
}

// niceStep rounds a raw tick step up to 1, 2 or 5 times a power of ten.
func niceStep(raw float64) float64 {
	if !(raw > 0) || math.IsInf(raw, 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	switch f := raw / p; {
	case f <= 1:
		return p
	case f <= 2:
		return 2 * p
	case f <= 5:
		return 5 * p
	}
	return 10 * p
}

func (s scale) at(v float64) float64 {
	if s.hi == s.lo {
		return (s.a + s.b) / 2
	}
	return s.a + (v/2-s.lo/2)/(s.hi/2-s.lo/2)*(s.b-s.a)
}

// label writes a tick with as many decimals as the step needs.
func (s scale) label(v float64) string {
	if v == 0 {
		return "0"
	}
	if a := math.Abs(v); a >= 1e6 || a < 1e-4 {
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
	dec := max(0, int(-math.Floor(math.Log10(s.step)+1e-9)))
	return strconv.FormatFloat(v, 'f', dec, 64)
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

func esc(s string) string { return html.EscapeString(s) }

func itoa(i int) string { return strconv.Itoa(i) }

// ff writes a pixel coordinate with one decimal.
func ff(f float64) string { return strconv.FormatFloat(math.Round(f*10)/10, 'f', -1, 64) }
