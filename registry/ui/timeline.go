package ui

import (
	"html/template"
	"strconv"
	"strings"
	"time"

	"github.com/cairn-ml/cairn/registry"
)

// palette is matplotlib's tab10; the CSS classes c0..c9 use the same.
var palette = [...]string{"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"}

// timeline draws, as inline SVG, which version each alias of a model
// pointed at over time: a step line per alias across rows of versions,
// a dot at each move (its tooltip says who moved it and why). evs is the
// model's alias history, oldest first; the lines run on to end (the
// model's last change) or to the last move, whichever is later.
func timeline(model string, evs []registry.AliasEvent, lastVersion int, end time.Time) template.HTML {
	var aliases []string
	index := map[string]int{}
	maxV := lastVersion
	t0, t1 := evs[0].At, evs[0].At
	for _, e := range evs {
		if _, ok := index[e.Alias]; !ok {
			index[e.Alias] = len(aliases)
			aliases = append(aliases, e.Alias)
		}
		maxV = max(maxV, e.From, e.To)
		if e.At.After(t1) {
			t1 = e.At
		}
	}
	if end.After(t1) {
		t1 = end
	}
	span := t1.Sub(t0)
	if span <= 0 {
		span = time.Minute
	}
	t1 = t0.Add(span + span/10)
	const w, left, right, top, row = 640, 44, 16, 26, 26
	legendRows := (len(aliases) + 3) / 4
	plotH := row * maxV
	h := top + plotH + 30 + 18*legendRows
	x := func(t time.Time) float64 {
		return left + float64(t.Sub(t0))/float64(t1.Sub(t0))*float64(w-left-right)
	}
	y := func(v, lane int) float64 {
		return float64(top+row*(maxV-v)+row/2) + float64(lane%4*3) - 4
	}
	title := "aliases of " + model + " over time"
	var b strings.Builder
	b.WriteString(`<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="` + itoa(w) + `" height="` + itoa(h) +
		`" viewBox="0 0 ` + itoa(w) + " " + itoa(h) + `" role="img" aria-label="` + esc(title) + `">`)
	b.WriteString(`<title>` + esc(title) + `</title><rect x="0" y="0" width="` + itoa(w) + `" height="` + itoa(h) + `" fill="#fff"/>`)
	b.WriteString(`<text class="title" x="8" y="15">` + esc(title) + `</text>`)
	for v := 1; v <= maxV; v++ {
		yy := float64(top + row*(maxV-v) + row/2)
		b.WriteString(`<line x1="` + itoa(left) + `" x2="` + itoa(w-right) + `" y1="` + ff(yy) + `" y2="` + ff(yy) + `" stroke="#e4e7ec"/>`)
		b.WriteString(`<text x="` + itoa(left-6) + `" y="` + ff(yy+4) + `" text-anchor="end">v` + itoa(v) + `</text>`)
	}
	base := top + plotH
	b.WriteString(`<line x1="` + itoa(left) + `" x2="` + itoa(w-right) + `" y1="` + itoa(base) + `" y2="` + itoa(base) + `" stroke="#667085"/>`)
	layout := timeLayout(span)
	for i := range 5 {
		t := t0.Add(span * time.Duration(i) / 4)
		xx := x(t)
		b.WriteString(`<line x1="` + ff(xx) + `" x2="` + ff(xx) + `" y1="` + itoa(base) + `" y2="` + itoa(base+4) + `" stroke="#667085"/>`)
		b.WriteString(`<text x="` + ff(xx) + `" y="` + itoa(base+16) + `" text-anchor="middle">` + esc(t.UTC().Format(layout)) + `</text>`)
	}
	for ai, alias := range aliases {
		col := palette[ai%len(palette)]
		var path strings.Builder
		cur := 0 // the version the alias points at; 0 when unset
		var at time.Time
		var dots strings.Builder
		for _, e := range evs {
			if e.Alias != alias {
				continue
			}
			if cur > 0 {
				path.WriteString("H" + ff(x(e.At)))
				if e.To > 0 {
					path.WriteString("V" + ff(y(e.To, ai)))
				}
			} else if e.To > 0 {
				path.WriteString("M" + ff(x(e.At)) + " " + ff(y(e.To, ai)))
			}
			cur, at = e.To, e.At
			dotV := e.To
			fill := col
			if dotV == 0 {
				dotV, fill = e.From, "#fff"
			}
			tip := "@" + alias + " " + e.Kind.String() + ": " + vname(e.From) + " → " + vname(e.To) + ", by " + e.By + " at " + fmtTime(e.At)
			if e.Reason != "" {
				tip += ": " + e.Reason
			}
			dots.WriteString(`<circle cx="` + ff(x(e.At)) + `" cy="` + ff(y(dotV, ai)) + `" r="4" fill="` + fill + `" stroke="` + col + `" stroke-width="1.5"><title>` + esc(tip) + `</title></circle>`)
		}
		if cur > 0 && !at.IsZero() {
			path.WriteString("H" + ff(x(t1)))
		}
		if path.Len() > 0 {
			b.WriteString(`<path fill="none" stroke="` + col + `" stroke-width="2" d="` + path.String() + `"/>`)
		}
		b.WriteString(dots.String())
		lx, ly := left+(ai%4)*((w-left-right)/4), base+34+18*(ai/4)
		b.WriteString(`<rect x="` + itoa(lx) + `" y="` + itoa(ly-9) + `" width="10" height="10" rx="2" fill="` + col + `"/>`)
		b.WriteString(`<text x="` + itoa(lx+14) + `" y="` + itoa(ly) + `">@` + esc(clip(alias, 18)) + `</text>`)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func vname(v int) string {
	if v == 0 {
		return "unset"
	}
	return "v" + strconv.Itoa(v)
}

// timeLayout picks a time format for ticks across span.
func timeLayout(span time.Duration) string {
	switch {
	case span < 2*time.Minute:
		return "15:04:05"
	case span < 24*time.Hour:
		return "15:04"
	case span < 60*24*time.Hour:
		return "Jan 2 15:04"
	}
	return "2006-01-02"
}
