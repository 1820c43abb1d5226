// Package mlflowtest holds the test helpers of cairn's MLflow REST
// handlers (track/mlflow, registry/mlflow): a table of requests checked
// against the JSON they must answer, and the check of a fuzzed request.
package mlflowtest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Step is one request and what it must answer: the status, and the JSON
// body (compared as JSON; "" skips the check) or, for an error, its
// error_code.
type Step struct {
	Name, Method, Path, Body string
	Status                   int
	Want                     string
	Code                     string
}

// Run sends steps in order to h. names maps generated ids (run ids) to
// stable placeholders: the placeholders in a step's path and body are
// replaced by the ids before sending, the ids in an answer by the
// placeholders before comparing.
func Run(t *testing.T, h http.Handler, names map[string]string, steps []Step) {
	t.Helper()
	swap := func(s string, toID bool) string {
		for id, name := range names {
			if toID {
				s = strings.ReplaceAll(s, name, id)
			} else {
				s = strings.ReplaceAll(s, id, name)
			}
		}
		return s
	}
	for _, s := range steps {
		r := httptest.NewRequest(s.Method, swap(s.Path, true), strings.NewReader(swap(s.Body, true)))
		if s.Body != "" {
			r.Header.Set("Content-Type", "application/json")
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		b, _ := io.ReadAll(w.Body)
		if w.Code != s.Status {
			t.Errorf("%s: %s %s = %d %s, want %d", s.Name, s.Method, s.Path, w.Code, b, s.Status)
			continue
		}
		if s.Code != "" {
			var e struct {
				Code    string `json:"error_code"`
				Message string `json:"message"`
			}
			if err := json.Unmarshal(b, &e); err != nil || e.Code != s.Code || e.Message == "" {
				t.Errorf("%s: body %s, want error_code %s", s.Name, b, s.Code)
			}
			continue
		}
		if s.Want == "" {
			continue
		}
		var got, want any
		if err := json.Unmarshal([]byte(swap(string(b), false)), &got); err != nil {
			t.Errorf("%s: body %q: %v", s.Name, b, err)
			continue
		}
		if err := json.Unmarshal([]byte(s.Want), &want); err != nil {
			t.Fatalf("%s: bad want: %v", s.Name, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: %s %s (-want +got):\n%s", s.Name, s.Method, s.Path, diff)
		}
	}
}

// Fuzz sends in to h at target: as the body of a request of method, or,
// for a GET, as its query string. The answer must be 200 or an MLflow
// error body with a 4xx status, never a 5xx.
func Fuzz(t *testing.T, h http.Handler, method, target, in string) {
	r := httptest.NewRequest(method, target, strings.NewReader(in))
	if method == "GET" {
		r = httptest.NewRequest("GET", target+"?"+strings.Map(func(c rune) rune {
			if c == ' ' || c == '#' || c < 0x20 || c == 0x7f {
				return '+'
			}
			return c
		}, in), nil)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code >= 500 {
		t.Fatalf("%s %s %q = %d %s", method, target, in, w.Code, w.Body)
	}
	if w.Code != 200 {
		var e struct {
			Code string `json:"error_code"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Code == "" {
			t.Fatalf("%s %s %q = %d with body %s", method, target, in, w.Code, w.Body)
		}
	}
}
