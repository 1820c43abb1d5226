package web

import (
	"html"
	"html/template"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Num is a metric value in JSON: a number, or the string "NaN", "+Inf"
// or "-Inf", which JSON numbers cannot hold.
type Num float64

// MarshalJSON implements json.Marshaler.
func (n Num) MarshalJSON() ([]byte, error) {
	f := float64(n)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte(`"` + FormatNum(f) + `"`), nil
	}
	return strconv.AppendFloat(nil, f, 'g', -1, 64), nil
}

// FormatNum writes a value for a table: up to 6 significant digits,
// whole numbers below 1e12 in full, and NaN, +Inf and -Inf.
func FormatNum(f float64) string {
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

// FormatFull writes a value with every digit, for tooltips.
func FormatFull(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return FormatNum(f)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// FormatTime writes t in UTC to the second; the zero time is "".
func FormatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05")
}

// FormatDuration writes a duration rounded to what a reader wants to
// see: milliseconds under a second, hundredths under a minute, else
// seconds.
func FormatDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "0s"
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(10 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

// FormatBytes writes a size in bytes, KiB, MiB, GiB, TiB or PiB.
func FormatBytes(n int64) string {
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

// ShortID is the first 8 characters of an id.
func ShortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

// ShortDigest is "sha256:" and the first 12 hex digits of a digest.
func ShortDigest(d string) string {
	if hex, ok := strings.CutPrefix(d, "sha256:"); ok && len(hex) > 12 {
		return "sha256:" + hex[:12] + "…"
	}
	return d
}

// Clip shortens s to n runes, with an ellipsis.
func Clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// SortedKeys returns the keys of m in order.
func SortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// KV is what the template "kv" draws: the entries of M under Keys, in
// that order, as a table.
type KV struct {
	M    map[string]string
	Keys []string
}

// palette is matplotlib's tab10; the stylesheet's classes c0..c9 use the
// same colours.
var palette = [...]string{"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"}

// Colors is how many colours Color cycles through.
const Colors = len(palette)

// Color is the i-th colour of the palette (cycling), as "#rrggbb".
func Color(i int) string { return palette[i%Colors] }

// Esc escapes text for SVG written by hand.
func Esc(s string) string { return html.EscapeString(s) }

// Px writes a whole number of pixels.
func Px(i int) string { return strconv.Itoa(i) }

// Coord writes a coordinate rounded to a tenth of a pixel.
func Coord(f float64) string { return strconv.FormatFloat(math.Round(f*10)/10, 'f', -1, 64) }

// baseFuncs are the template functions of every page.
func baseFuncs() template.FuncMap {
	return template.FuncMap{
		"num":    func(n Num) string { return FormatNum(float64(n)) },
		"full":   func(n Num) string { return FormatFull(float64(n)) },
		"time":   FormatTime,
		"bytes":  FormatBytes,
		"short":  ShortID,
		"digest": ShortDigest,
		"clip":   Clip,
		"kv":     func(m map[string]string, keys []string) KV { return KV{M: m, Keys: keys} },
		"color":  func(i int) string { return "c" + strconv.Itoa(i%Colors) },
	}
}
