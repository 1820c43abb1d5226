package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"html/template"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// WantsJSON reports whether the request prefers application/json to
// HTML: its Accept header names application/json with a quality above
// that of text/html (or of */* when text/html is not named), or the
// query has format=json.
func WantsJSON(r *http.Request) bool {
	if strings.Contains(r.URL.RawQuery, "format=json") {
		if q, err := url.ParseQuery(r.URL.RawQuery); err == nil && q.Get("format") == "json" {
			return true
		}
	}
	jsonQ, htmlQ, anyQ := -1.0, -1.0, -1.0
	for _, part := range strings.Split(strings.Join(r.Header.Values("Accept"), ","), ",") {
		fields := strings.Split(part, ";")
		mt := strings.ToLower(strings.TrimSpace(fields[0]))
		qv := 1.0
		for _, f := range fields[1:] {
			if v, ok := strings.CutPrefix(strings.TrimSpace(f), "q="); ok {
				if x, err := strconv.ParseFloat(v, 64); err == nil && x >= 0 && x <= 1 {
					qv = x
				}
			}
		}
		switch mt {
		case "application/json":
			jsonQ = max(jsonQ, qv)
		case "text/html", "application/xhtml+xml":
			htmlQ = max(htmlQ, qv)
		case "*/*", "text/*":
			anyQ = max(anyQ, qv)
		}
	}
	if htmlQ < 0 {
		htmlQ = anyQ
	}
	return jsonQ > 0 && jsonQ > htmlQ
}

// layout is what the layout template sees.
type layout struct {
	Title  string
	Brand  string
	Home   string
	Nav    []navLink
	Crumbs []Link
	CSS    template.CSS
	Page   any
}

type navLink struct {
	Link
	On bool
}

// Render writes a page with status: data as JSON, or the page's template
// around data inside the layout, under title and crumbs. The body is
// rendered into a buffer first, so a failing template never leaves half
// a page; it answers 500 instead.
func (s *Site) Render(rq *Request, status int, page, title string, crumbs []Link, data any) {
	hdr := rq.W.Header()
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "same-origin")
	var buf bytes.Buffer
	if rq.JSON {
		// Compact: a run page can hold many thousands of points.
		if err := json.NewEncoder(&buf).Encode(data); err != nil {
			s.log.Error(s.name+": encode json", "path", rq.R.URL.Path, "err", err)
			status, buf = http.StatusInternalServerError, *bytes.NewBufferString(`{"error":{"status":500,"message":"internal error"}}` + "\n")
		}
		hdr.Set("Content-Type", "application/json; charset=utf-8")
	} else {
		nav := []navLink{{Link: Link{Text: s.home, URL: s.prefix}, On: page != "error"}}
		for _, l := range s.links {
			nav = append(nav, navLink{Link: l})
		}
		lay := layout{Title: title, Brand: s.title, Home: s.prefix, Nav: nav, Crumbs: crumbs, CSS: s.css, Page: data}
		if err := s.pages[page].ExecuteTemplate(&buf, "layout.tmpl", lay); err != nil {
			s.log.Error(s.name+": render", "page", page, "err", err)
			status, buf = http.StatusInternalServerError, *bytes.NewBufferString("internal error\n")
			hdr.Set("Content-Type", "text/plain; charset=utf-8")
		} else {
			hdr.Set("Content-Type", "text/html; charset=utf-8")
			hdr.Set("Content-Security-Policy", s.csp)
		}
	}
	hdr.Set("Content-Length", strconv.Itoa(buf.Len()))
	rq.W.WriteHeader(status)
	if rq.R.Method != http.MethodHead {
		rq.W.Write(buf.Bytes())
	}
}

// Problem is an error as the error page shows it and JSON reports it.
type Problem struct {
	Status  int    `json:"status"`
	Message string `json:"message"`
	// Param, Input and Column locate a query parameter that did not
	// parse: its name ("filter"), its value, and the 1-based character
	// where it went wrong.
	Param  string `json:"param,omitempty"`
	Input  string `json:"input,omitempty"`
	Column int    `json:"column,omitempty"`
}

// Before, At and After split Input around Column, for the page to mark.
func (p *Problem) Before() string { b, _, _ := p.split(); return b }

// At is the character at Column, or a space past the end of Input.
func (p *Problem) At() string { _, a, _ := p.split(); return a }

// After is what follows Column.
func (p *Problem) After() string { _, _, a := p.split(); return a }

// Caret is a line of spaces and a ^ under Column.
func (p *Problem) Caret() string {
	if p.Column < 1 {
		return ""
	}
	return strings.Repeat(" ", p.Column-1) + "^"
}

func (p *Problem) split() (before, at, after string) {
	runes := []rune(p.Input)
	i := min(max(p.Column-1, 0), len(runes))
	if i == len(runes) {
		return p.Input, " ", ""
	}
	return string(runes[:i]), string(runes[i]), string(runes[i+1:])
}

// errorBody is the error page's data: {"error": {...}} in JSON.
type errorBody struct {
	Error *Problem `json:"error"`
}

// Fail answers with the error page: status and msg.
func (s *Site) Fail(rq *Request, status int, msg string) {
	s.FailWith(rq, &Problem{Status: status, Message: msg})
}

// FailWith answers with the error page of p.
func (s *Site) FailWith(rq *Request, p *Problem) {
	s.Render(rq, p.Status, "error", http.StatusText(p.Status), nil, errorBody{Error: p})
}

// ReadFailed answers a request whose read of what failed with err, once
// the dashboard has answered the errors it knows (not found, bad
// input): 503 with Retry-After when busy (the store stayed locked past
// its timeout), 503 when the request was cancelled, else 500, logged.
func (s *Site) ReadFailed(rq *Request, what string, err error, busy bool) {
	switch {
	case busy:
		rq.W.Header().Set("Retry-After", "1")
		s.Fail(rq, http.StatusServiceUnavailable, s.store+" is busy; try again")
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		s.Fail(rq, http.StatusServiceUnavailable, "request cancelled")
	default:
		s.log.Error(s.name+": read "+what, "path", rq.R.URL.Path, "err", err)
		s.Fail(rq, http.StatusInternalServerError, "reading "+what+" failed")
	}
}

// Attachment sends size bytes of body as a download named filename,
// tagged with digest. It is never shown inline, whatever it holds: an
// HTML file must not run in the dashboard's origin.
func (s *Site) Attachment(rq *Request, filename, digest string, size int64, body io.Reader) {
	hdr := rq.W.Header()
	hdr.Set("Content-Type", "application/octet-stream")
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	cd := mime.FormatMediaType("attachment", map[string]string{"filename": filename})
	if cd == "" {
		cd = "attachment"
	}
	hdr.Set("Content-Disposition", cd)
	hdr.Set("Content-Length", strconv.FormatInt(size, 10))
	hdr.Set("ETag", `"`+digest+`"`)
	hdr.Set("Cache-Control", "private, max-age=0")
	rq.W.WriteHeader(http.StatusOK)
	if rq.R.Method == http.MethodHead {
		return
	}
	if _, err := io.Copy(rq.W, body); err != nil {
		s.log.Warn(s.name+": send "+filename, "path", rq.R.URL.Path, "err", err)
	}
}
