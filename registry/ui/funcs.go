package ui

import (
	"html/template"

	"github.com/cairn-ml/cairn/internal/web"
)

func (h *Handler) funcs() template.FuncMap {
	return template.FuncMap{
		"metric": func(m map[string]web.Num, k string) string {
			if v, ok := m[k]; ok {
				return web.FormatNum(float64(v))
			}
			return ""
		},
		"versionsTable": func(vs []versionView, keys []string, showModel bool) versionsTable {
			return versionsTable{Versions: vs, MetricKeys: keys, ShowModel: showModel}
		},
	}
}

// versionsTable is what the versions template draws.
type versionsTable struct {
	Versions   []versionView
	MetricKeys []string
	ShowModel  bool
}
