package ui_test

import (
	"net/http"
	"testing"

	"github.com/cairn-ml/cairn/internal/web/webtest"
	"github.com/cairn-ml/cairn/registry/ui"
)

// FuzzRequest sends the handler arbitrary paths, query strings and Accept
// headers: it must answer each with a page or a client error, never a
// panic or a server error.
func FuzzRequest(f *testing.F) {
	reg := newRegistry(f)
	h := ui.New(reg, ui.Options{Prefix: "/ui/registry/"})
	for _, s := range [][3]string{
		{"", "", ""},
		{"models/breast-cancer", "", "application/json"},
		{"models/breast-cancer/versions/@champion", "format=json", ""},
		{"models/breast-cancer/versions/v2/download", "", ""},
		{"models/breast-cancer/versions/latest", "", ""},
		{"runs/" + runV1, "", ""},
		{"datasets/" + digest, "%zz", "*/*"},
		{"models/" + evilName + "/versions/1", "", "application/json;q=0.5"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, path, query, accept string) {
		w := webtest.Raw(h, "/ui/registry/"+path, query, accept)
		switch w.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusNotFound:
		default:
			t.Fatalf("GET /ui/registry/%s?%s: status %d\n%s", path, query, w.Code, w.Body)
		}
	})
}
