package ui

import (
	"html"
	"html/template"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// num is a metric value in JSON: a number, or the string "NaN", "+Inf"
// or "-Inf", which JSON numbers cannot hold.
type num float64

func (n num) MarshalJSON() ([]byte, error) {
	f := float64(n)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte(`"` + fmtNum(f) + `"`), nil
	}
	return strconv.AppendFloat(nil, f, 'g', -1, 64), nil
}

// fmtNum writes a value for a table: up to 6 significant digits.
func fmtNum(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "+Inf"
	case math.IsInf(f, -1):
		return "-Inf"
	case f == math.Trunc(f) && math.Abs(f) < 1e12:
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'g', 6, 64)
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05")
}

func fmtBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	f, i := float64(n)/unit, 0
	for ; f >= unit && i < 4; i++ {
		f /= unit
	}
	return strconv.FormatFloat(f, 'f', 1, 64) + " " + "KMGTP"[i:i+1] + "iB"
}

// shortDigest is "sha256:" and the first 12 hex digits.
func shortDigest(d string) string {
	if hex, ok := strings.CutPrefix(d, "sha256:"); ok && len(hex) > 12 {
		return "sha256:" + hex[:12] + "…"
	}
	return d
}

// clip shortens s to n runes, with an ellipsis.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

type kvView struct {
	M    map[string]string
	Keys []string
}

func (h *Handler) funcs() template.FuncMap {
	return template.FuncMap{
		"num":    func(n num) string { return fmtNum(float64(n)) },
		"time":   fmtTime,
		"bytes":  fmtBytes,
		"digest": shortDigest,
		"clip":   clip,
		"short": func(id string) string {
			if len(id) > 8 {
				return id[:8]
			}
			return id
		},
		"metric": func(m map[string]num, k string) string {
			if v, ok := m[k]; ok {
				return fmtNum(float64(v))
			}
			return ""
		},
		"versionsTable": func(vs []versionView, keys []string, showModel bool) versionsTable {
			return versionsTable{Versions: vs, MetricKeys: keys, ShowModel: showModel}
		},
		"kv":    func(m map[string]string, keys []string) kvView { return kvView{M: m, Keys: keys} },
		"color": func(i int) string { return "c" + strconv.Itoa(i%len(palette)) },
	}
}

func esc(s string) string { return html.EscapeString(s) }

func itoa(i int) string { return strconv.Itoa(i) }

// ff writes a pixel coordinate with one decimal.
func ff(f float64) string { return strconv.FormatFloat(math.Round(f*10)/10, 'f', -1, 64) }

// versionsTable is what the versions template draws.
type versionsTable struct {
	Versions   []versionView
	MetricKeys []string
	ShowModel  bool
}
