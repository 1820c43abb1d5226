package ui

import (
	"html/template"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// num is a metric value in JSON: a number, or the string "NaN", "+Inf"
// or "-Inf", which JSON numbers cannot hold.
type num float64

func (n num) MarshalJSON() ([]byte, error) {
	f := float64(n)
	switch {
	case math.IsNaN(f):
		return []byte(`"NaN"`), nil
	case math.IsInf(f, 1):
		return []byte(`"+Inf"`), nil
	case math.IsInf(f, -1):
		return []byte(`"-Inf"`), nil
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

// fmtFull writes a value with every digit, for tooltips.
func fmtFull(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return fmtNum(f)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

const timeLayout = "2006-01-02 15:04:05"

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeLayout)
}

// fmtDur writes a duration rounded to what a reader wants to see.
func fmtDur(d time.Duration) string {
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

// shortID is the first 8 characters of a run id.
func shortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
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
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// quoteKey writes a key as track's filter grammar reads it: bare if it is
// a name, else in backticks (a backtick doubled).
func quoteKey(k string) string {
	bare := k != ""
	for i, r := range k {
		if !(r == '_' || unicode.IsLetter(r) || i > 0 && (unicode.IsDigit(r) || r == '.' || r == '-' || r == '/')) {
			bare = false
			break
		}
	}
	if bare {
		return k
	}
	return "`" + strings.ReplaceAll(k, "`", "``") + "`"
}

// quoteString writes a string literal of the filter grammar.
func quoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (h *Handler) funcs() template.FuncMap {
	return template.FuncMap{
		"num":    func(n num) string { return fmtNum(float64(n)) },
		"full":   func(n num) string { return fmtFull(float64(n)) },
		"time":   fmtTime,
		"bytes":  fmtBytes,
		"short":  shortID,
		"digest": shortDigest,
		"clip":   clip,
		"expURL": h.ExperimentURL,
		"kv":     func(m map[string]string, keys []string) kvView { return kvView{M: m, Keys: keys} },
		"color":  func(i int) string { return "c" + strconv.Itoa(i%len(palette)) },
	}
}

type kvView struct {
	M    map[string]string
	Keys []string
}
