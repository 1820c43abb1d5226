// Package webtest holds the test helpers of the two dashboards
// (track/ui and registry/ui) and of the programs that serve them:
// requests against a handler, checks of the pages' security headers and
// of hand-written SVG, and a driver for headless Chromium that loads a
// page and returns its DOM and a screenshot.
//
// Chromium is found as "chromium" (Debian's package) or
// "chromium-browser" on PATH, or at $CAIRN_CHROMIUM. Without it
// [Chromium] skips the test, except under CI=true, where a missing
// browser fails it.
package webtest
