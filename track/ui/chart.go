package ui

import (
	"html/template"
	"math"
	"strconv"
	"strings"

	"github.com/cairn-ml/cairn/internal/web"
)

// The charts are inline SVG written here: line charts of metric
// histories (one series per run when runs are compared), the
// optimisation history of a tuning study (a dot per trial and a step line
// of the best so far) and horizontal bar charts (parameter importance,
// one-value metrics compared across runs). All text in them goes through
// web.Esc; everything else is numbers.

const gray = "#98a2b3"

// maxPoints is the most points a series draws; longer series are thinned
// to the first, lowest, highest and last point of each of maxPoints/4
// buckets, so peaks survive.
const maxPoints = 800

// series is one line or set of dots of a plot.
type series struct {
	Name   string
	X, Y   []float64
	Color  int  // index into the palette (web.Color); -1 is gray
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
	return web.Color(s.Color)
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
	b.WriteString(`<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="` + web.Px(w) + `" height="` + web.Px(ht) +
		`" viewBox="0 0 ` + web.Px(w) + " " + web.Px(ht) + `" role="img" aria-label="` + web.Esc(p.Title) + `">`)
	b.WriteString(`<title>` + web.Esc(p.Title) + `</title>`)
	b.WriteString(`<rect x="0" y="0" width="` + web.Px(w) + `" height="` + web.Px(ht) + `" fill="#fff"/>`)
	// Grid and ticks.
	for _, t := range ys.ticks {
		y := ys.at(t)
		b.WriteString(`<line x1="` + web.Coord(float64(left)) + `" x2="` + web.Coord(float64(w-right)) + `" y1="` + web.Coord(y) + `" y2="` + web.Coord(y) + `" stroke="#e4e7ec"/>`)
		b.WriteString(`<text x="` + web.Px(left-6) + `" y="` + web.Coord(y+4) + `" text-anchor="end">` + web.Esc(ys.label(t)) + `</text>`)
	}
	for _, t := range xs.ticks {
		x := xs.at(t)
		b.WriteString(`<line x1="` + web.Coord(x) + `" x2="` + web.Coord(x) + `" y1="` + web.Px(ht-bottom) + `" y2="` + web.Px(ht-bottom+4) + `" stroke="#667085"/>`)
		b.WriteString(`<text x="` + web.Coord(x) + `" y="` + web.Px(ht-bottom+16) + `" text-anchor="middle">` + web.Esc(xs.label(t)) + `</text>`)
	}
	b.WriteString(`<line x1="` + web.Px(left) + `" x2="` + web.Px(w-right) + `" y1="` + web.Px(ht-bottom) + `" y2="` + web.Px(ht-bottom) + `" stroke="#667085"/>`)
	b.WriteString(`<line x1="` + web.Px(left) + `" x2="` + web.Px(left) + `" y1="` + web.Px(top) + `" y2="` + web.Px(ht-bottom) + `" stroke="#667085"/>`)
	if p.XLabel != "" {
		b.WriteString(`<text x="` + web.Px(w-right) + `" y="` + web.Px(ht-bottom+30) + `" text-anchor="end">` + web.Esc(p.XLabel) + `</text>`)
	}
	b.WriteString(`<text class="title" x="` + web.Px(left) + `" y="15">` + web.Esc(p.Title) + `</text>`)
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
				b.WriteString(`<circle cx="` + web.Coord(xs.at(x[i])) + `" cy="` + web.Coord(ys.at(y[i])) + `" r="3.2" fill="` + fill + `" stroke="` + col + `">`)
				tip := s.Name + ": " + web.FormatFull(y[i]) + " at " + web.FormatNum(x[i])
				if i < len(s.Tips) && len(x) == len(s.X) {
					tip = s.Tips[i]
				}
				b.WriteString(`<title>` + web.Esc(tip) + `</title></circle>`)
			}
		}
	}
	// Legend: three entries a row.
	if legend > 0 {
		colw := (w - left - right) / 3
		for i, s := range p.Series {
			lx := left + (i%3)*colw
			ly := ht - 16*legend + 16*(i/3) - 2
			b.WriteString(`<rect x="` + web.Px(lx) + `" y="` + web.Px(ly-9) + `" width="10" height="10" rx="2" fill="` + s.color() + `"/>`)
			b.WriteString(`<text x="` + web.Px(lx+14) + `" y="` + web.Px(ly) + `">` + web.Esc(web.Clip(s.Name, colw/7)) + `<title>` + web.Esc(s.Name) + `</title></text>`)
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
			b.WriteString("M" + web.Coord(px) + " " + web.Coord(py))
		case step:
			b.WriteString("H" + web.Coord(px) + "V" + web.Coord(py))
		default:
			b.WriteString("L" + web.Coord(px) + " " + web.Coord(py))
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
	Colors []int // per bar; nil means all web.Color(0)
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
		labelw = max(labelw, len([]rune(web.Clip(c.Labels[i], 24))))
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
	b.WriteString(`<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="` + web.Px(w) + `" height="` + web.Px(ht) +
		`" viewBox="0 0 ` + web.Px(w) + " " + web.Px(ht) + `" role="img" aria-label="` + web.Esc(c.Title) + `">`)
	b.WriteString(`<title>` + web.Esc(c.Title) + `</title>`)
	b.WriteString(`<rect x="0" y="0" width="` + web.Px(w) + `" height="` + web.Px(ht) + `" fill="#fff"/>`)
	b.WriteString(`<text class="title" x="8" y="15">` + web.Esc(c.Title) + `</text>`)
	zero := xs.at(0)
	for i, v := range c.Values {
		y := top + row*i
		b.WriteString(`<text x="` + web.Px(left-6) + `" y="` + web.Px(y+14) + `" text-anchor="end">` + web.Esc(web.Clip(c.Labels[i], 24)) + `<title>` + web.Esc(c.Labels[i]) + `</title></text>`)
		if finite(v) {
			x0, x1 := math.Min(zero, xs.at(v)), math.Max(zero, xs.at(v))
			col := web.Color(0)
			if i < len(c.Colors) {
				col = web.Color(c.Colors[i])
			}
			b.WriteString(`<rect x="` + web.Coord(x0) + `" y="` + web.Px(y+3) + `" width="` + web.Coord(math.Max(x1-x0, 1)) + `" height="` + web.Px(row-6) + `" fill="` + col + `">`)
			b.WriteString(`<title>` + web.Esc(c.Labels[i]+": "+web.FormatFull(v)) + `</title></rect>`)
		}
		tx := zero
		if finite(v) {
			tx = math.Max(zero, xs.at(v))
		}
		b.WriteString(`<text x="` + web.Coord(tx+4) + `" y="` + web.Px(y+14) + `">` + web.Esc(web.FormatNum(v)) + `</text>`)
	}
	b.WriteString(`<line x1="` + web.Coord(zero) + `" x2="` + web.Coord(zero) + `" y1="` + web.Px(top) + `" y2="` + web.Px(ht-4) + `" stroke="#667085"/>`)
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
