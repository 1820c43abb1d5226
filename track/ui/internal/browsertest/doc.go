// Package browsertest holds the dashboard's real-browser test: it records
// a small project with track and registry, serves track/ui and
// registry/ui under /ui/ as the pipeline does, loads the main pages in
// headless Chromium and checks the tables and charts in the DOM it
// renders, and the screenshots. The package has no code of its own.
//
// Chromium is found as "chromium" (Debian's package) or "chromium-browser"
// on PATH, or at $CAIRN_CHROMIUM. Without it the test is skipped, except
// under CI=true, where a missing browser fails the test. With
// CAIRN_UI_DOCS=1 the screenshots are also written to track/ui/docs/ for
// the README.
package browsertest
