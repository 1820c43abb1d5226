package ui

import (
	"html/template"
	"strconv"
	"strings"
	"time"

	"github.com/cairn-ml/cairn/internal/web"
	"github.com/cairn-ml/cairn/registry"
)

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
	b.WriteString(`<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="` + web.Px(w) + `" height="` + web.Px(h) +
		`" viewBox="0 0 ` + web.Px(w) + " " + web.Px(h) + `" role="img" aria-label="` + web.Esc(title) + `">`)
	b.WriteString(`<title>` + web.Esc(title) + `</title><rect x="0" y="0" width="` + web.Px(w) + `" height="` + web.Px(h) + `" fill="#fff"/>`)
	b.WriteString(`<text class="title" x="8" y="15">` + web.Esc(title) + `</text>`)
	for v := 1; v <= maxV; v++ {
		yy := float64(top + row*(maxV-v) + row/2)
		b.WriteString(`<line x1="` + web.Px(left) + `" x2="` + web.Px(w-right) + `" y1="` + web.Coord(yy) + `" y2="` + web.Coord(yy) + `" stroke="#e4e7ec"/>`)
		b.WriteString(`<text x="` + web.Px(left-6) + `" y="` + web.Coord(yy+4) + `" text-anchor="end">v` + web.Px(v) + `</text>`)
	}
	base := top + plotH
	b.WriteString(`<line x1="` + web.Px(left) + `" x2="` + web.Px(w-right) + `" y1="` + web.Px(base) + `" y2="` + web.Px(base) + `" stroke="#667085"/>`)
	layout := timeLayout(span)
	for i := range 5 {
		t := t0.Add(span * time.Duration(i) / 4)
		xx := x(t)
		b.WriteString(`<line x1="` + web.Coord(xx) + `" x2="` + web.Coord(xx) + `" y1="` + web.Px(base) + `" y2="` + web.Px(base+4) + `" stroke="#667085"/>`)
		b.WriteString(`<text x="` + web.Coord(xx) + `" y="` + web.Px(base+16) + `" text-anchor="middle">` + web.Esc(t.UTC().Format(layout)) + `</text>`)
	}
	for ai, alias := range aliases {
		col := web.Color(ai)
		var path strings.Builder
		cur := 0 // the version the alias points at; 0 when unset
		var at time.Time
		var dots strings.Builder
		for _, e := range evs {
			if e.Alias != alias {
				continue
			}
			if cur > 0 {
				path.WriteString("H" + web.Coord(x(e.At)))
				if e.To > 0 {
					path.WriteString("V" + web.Coord(y(e.To, ai)))
				}
			} else if e.To > 0 {
				path.WriteString("M" + web.Coord(x(e.At)) + " " + web.Coord(y(e.To, ai)))
			}
			cur, at = e.To, e.At
			dotV := e.To
			fill := col
			if dotV == 0 {
				dotV, fill = e.From, "#fff"
			}
			tip := "@" + alias + " " + e.Kind.String() + ": " + vname(e.From) + " → " + vname(e.To) + ", by " + e.By + " at " + web.FormatTime(e.At)
			if e.Reason != "" {
				tip += ": " + e.Reason
			}
			dots.WriteString(`<circle cx="` + web.Coord(x(e.At)) + `" cy="` + web.Coord(y(dotV, ai)) + `" r="4" fill="` + fill + `" stroke="` + col + `" stroke-width="1.5"><title>` + web.Esc(tip) + `</title></circle>`)
		}
		if cur > 0 && !at.IsZero() {
			path.WriteString("H" + web.Coord(x(t1)))
		}
		if path.Len() > 0 {
			b.WriteString(`<path fill="none" stroke="` + col + `" stroke-width="2" d="` + path.String() + `"/>`)
		}
		b.WriteString(dots.String())
		lx, ly := left+(ai%4)*((w-left-right)/4), base+34+18*(ai/4)
		b.WriteString(`<rect x="` + web.Px(lx) + `" y="` + web.Px(ly-9) + `" width="10" height="10" rx="2" fill="` + col + `"/>`)
		b.WriteString(`<text x="` + web.Px(lx+14) + `" y="` + web.Px(ly) + `">@` + web.Esc(web.Clip(alias, 18)) + `</text>`)
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
