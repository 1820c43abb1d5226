package ui

import (
	"html/template"
	"strings"
	"unicode"
)

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

func (h *Handler) funcs() template.FuncMap {
	return template.FuncMap{
		"expURL": h.ExperimentURL,
	}
}
