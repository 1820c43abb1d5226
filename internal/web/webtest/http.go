package webtest

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Get sends a request with method to h and returns the response; hdr
// holds header names and values in turn.
func Get(t testing.TB, h http.Handler, method, target string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// Raw sends h a GET request built from its parts as they are, without
// parsing a URL: for fuzz tests, which make paths and queries no client
// would send.
func Raw(h http.Handler, path, query, accept string) *httptest.ResponseRecorder {
	req := (&http.Request{
		Method: "GET", URL: &url.URL{Path: path, RawQuery: query},
		Header: http.Header{"Accept": {accept}}, Host: "example.com",
	}).WithContext(context.Background())
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// Body returns the body of a response; unlike reading w.Result().Body,
// it may be called more than once.
func Body(t testing.TB, w *httptest.ResponseRecorder) string {
	t.Helper()
	return w.Body.String()
}

// CheckPolicy checks that an HTML page's Content-Security-Policy allows
// no script and exactly the page's inline stylesheet, by its hash, and
// that the page holds no script and no external reference.
func CheckPolicy(t testing.TB, w *httptest.ResponseRecorder) {
	t.Helper()
	b := Body(t, w)
	i, j := strings.Index(b, "<style>"), strings.Index(b, "</style>")
	if i < 0 || j < i {
		t.Fatal("no <style> element")
	}
	sum := sha256.Sum256([]byte(b[i+len("<style>") : j]))
	csp := w.Header().Get("Content-Security-Policy")
	if want := "style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !strings.Contains(csp, want) {
		t.Errorf("Content-Security-Policy = %q, want it to hold %q", csp, want)
	}
	if !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") {
		t.Errorf("Content-Security-Policy = %q: want no script allowed", csp)
	}
	if strings.Contains(b, "<script") || strings.Contains(strings.ReplaceAll(b, `xmlns="http://www.w3.org/2000/svg"`, ""), "http://") {
		t.Error("page has a script or an external reference")
	}
}

// CheckHeaders checks that the response has each header in want with
// its value ("" for a header it must not have).
func CheckHeaders(t testing.TB, w *httptest.ResponseRecorder, want map[string]string) {
	t.Helper()
	got := make(map[string]string, len(want))
	for k := range want {
		got[k] = w.Header().Get(k)
	}
	if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("headers (-want +got):\n%s", d)
	}
}

// CheckInOrder checks that the page at target holds each of want, in
// that order, and stops the test at the first it lacks.
func CheckInOrder(t testing.TB, target, page string, want []string) {
	t.Helper()
	rest := page
	for _, s := range want {
		i := strings.Index(rest, s)
		if i < 0 {
			t.Fatalf("GET %s: missing %q (after the earlier strings)", target, s)
		}
		rest = rest[i+len(s):]
	}
}

// BadSegments returns path segments, decoded, that no id, name,
// reference or digest can be: empty, blank, dot segments, control
// characters, invalid UTF-8, an escaped slash, markup, and a very long
// one. Send them with Raw, which escapes them as a client would.
func BadSegments() []string {
	return []string{
		"", " ", ".", "..", "\x00", "a\nb", "\xff\xfe", "a/b", "%zz", "\u202e", "<b>x</b>", strings.Repeat("x", 5000),
	}
}

// CheckNotFound checks that h answers a GET of each path in paths with
// 404 and an error page that says what was not found (or that there is
// no such page), never a server error.
func CheckNotFound(t testing.TB, h http.Handler, paths []string) {
	t.Helper()
	for _, p := range paths {
		w := Raw(h, p, "", "")
		b := w.Body.String()
		if w.Code != http.StatusNotFound || !strings.Contains(b, `<div class="error" role="alert">`) ||
			!strings.Contains(b, "not found") && !strings.Contains(b, "no such page") {
			t.Errorf("GET %q: status %d, want 404 and an error page\n%s", clip(p), w.Code, clip(b))
		}
	}
}

// clip shortens s for a failure message.
func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}

// Problem is the error a page reports in JSON: {"error": {...}}.
type Problem struct {
	Status  int    `json:"status"`
	Message string `json:"message"`
	Param   string `json:"param"`
	Input   string `json:"input"`
	Column  int    `json:"column"`
}

// CheckError sends method and target to h twice, for HTML and for JSON,
// and checks that both answer status: for a 405 with Allow "GET, HEAD",
// for any status but 200 with an error page that has an error box and
// with the JSON error, which it returns (zero for a 200).
func CheckError(t testing.TB, h http.Handler, method, target string, status int) Problem {
	t.Helper()
	w := Get(t, h, method, target)
	if w.Code != status {
		t.Fatalf("%s %s: status %d, want %d\n%s", method, target, w.Code, status, clip(w.Body.String()))
	}
	if status == http.StatusMethodNotAllowed && w.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("%s %s: Allow = %q, want \"GET, HEAD\"", method, target, w.Header().Get("Allow"))
	}
	if status != http.StatusOK && !strings.Contains(w.Body.String(), `<div class="error" role="alert">`) {
		t.Errorf("%s %s: the HTML error page has no error box", method, target)
	}
	j := Get(t, h, method, target, "Accept", "application/json")
	if j.Code != status || j.Header().Get("Content-Type") != "application/json; charset=utf-8" {
		t.Fatalf("%s %s as JSON: status %d, Content-Type %q; want %d", method, target, j.Code, j.Header().Get("Content-Type"), status)
	}
	if status == http.StatusOK {
		return Problem{}
	}
	var got struct {
		Error Problem `json:"error"`
	}
	if err := json.Unmarshal(j.Body.Bytes(), &got); err != nil {
		t.Fatalf("%s %s: JSON error: %v\n%s", method, target, err, j.Body)
	}
	if got.Error.Status != status || got.Error.Message == "" {
		t.Errorf("%s %s: JSON error = %+v, want status %d and a message", method, target, got.Error, status)
	}
	return got.Error
}
