package ui_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/cairn-ml/cairn/internal/web/webtest"
	"github.com/cairn-ml/cairn/track/ui"
)

// FuzzRequest sends the handler arbitrary paths, query strings and Accept
// headers: it must answer each with a page or a client error, never a
// panic or a server error.
func FuzzRequest(f *testing.F) {
	p := newProject(f)
	h := ui.New(p.st, ui.Options{Prefix: "/ui/"})
	seeds := []struct{ path, query, accept string }{
		{"", "", ""},
		{"experiments/" + p.expID, "filter=metrics.f1+%3E+0.9&order=metrics.f1+DESC&limit=2", ""},
		{"experiments/" + p.expID, "filter=(((((&order=%60", "application/json"},
		{"experiments/" + p.expID, "page=" + url.QueryEscape("eyJ4IjoxfQ=="), ""},
		{"runs", "filter=datasets.digest+LIKE+%27sha%25%27&view=all", ""},
		{"runs/" + p.parent, "objective=cv_f1&direction=minimize", "application/json"},
		{"runs/" + p.baseline + "/artifacts/model/coef.json", "", ""},
		{"compare", "run=" + p.baseline + "&run=" + p.tuned + "&diff=1", ""},
		{"compare", "run=" + p.baseline + "," + p.tuned + ",,", "application/json;q=0.3"},
		{"runs/%00", "%zz=1&&&=&;", "*/*"},
	}
	for _, s := range seeds {
		f.Add(s.path, s.query, s.accept)
	}
	f.Fuzz(func(t *testing.T, path, query, accept string) {
		w := webtest.Raw(h, "/ui/"+path, query, accept)
		switch w.Code {
		case http.StatusOK, http.StatusMovedPermanently, http.StatusBadRequest, http.StatusNotFound:
		default:
			t.Fatalf("GET /ui/%s?%s: status %d\n%s", path, query, w.Code, w.Body)
		}
		if w.Body.Len() == 0 && w.Code != http.StatusMovedPermanently {
			t.Fatalf("GET /ui/%s?%s: empty body", path, query)
		}
	})
}
