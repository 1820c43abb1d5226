// Package web is the scaffolding the two dashboards, track/ui and
// registry/ui, share: routing, the page layout, the stylesheet, error
// pages, JSON answers, downloads and the formatting of numbers, times
// and sizes. Each dashboard keeps its own pages, views and charts.
//
// # Basics
//
// A [Site] is an http.Handler. [New] takes a [Config]: the prefix the
// site is mounted at (never stripped), the header's brand and links, and
// the dashboard's own templates (one file per page, plus an optional
// parts.tmpl of shared snippets). [Site.Handle] registers a page under
// a Go 1.22 ServeMux pattern relative to the prefix, for example
// "GET /runs/{id}"; the page function gets a [*Request] and reads path
// values with Request.R.PathValue. A path that matches some pattern
// with another method gets 405 with Allow (from the mux), any other path
// 404, both as error pages in HTML or JSON; the prefix without its
// trailing slash redirects to it.
//
// A page answers with [Site.Render] (the page's template inside the
// layout, or its data as JSON when the request prefers
// application/json), [Site.Fail] or [Site.FailWith] (the error page),
// [Site.ReadFailed] (a read that failed for a reason the dashboard does
// not classify: 503 when busy or cancelled, else 500) or
// [Site.Attachment] (bytes as a download).
//
// # Safety
//
// Pages are html/template; the stylesheet is inlined and allowed by its
// hash in a Content-Security-Policy that allows no script. Attachments
// are application/octet-stream under a sandbox policy. A panic in a page
// becomes a logged 500.
//
// The subpackage webtest holds the test helpers of both dashboards: HTTP
// requests against a handler, SVG checks and the headless-Chromium
// driver of the browser tests.
package web
