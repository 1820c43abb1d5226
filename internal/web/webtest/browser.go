package webtest

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Chromium returns the browser's path, or skips the test (fails it
// under CI=true) when there is none.
func Chromium(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("CAIRN_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed; CI must have it (.ci/run installs Debian's chromium)")
	}
	t.Skip("chromium is not installed")
	return ""
}

// Load renders url in headless Chromium, in a window of 1280x900
// pixels, and returns the DOM and a screenshot (PNG) of the window. A
// browser that runs longer than 90 s is killed with its helper
// processes.
func Load(t testing.TB, browser, url string) (dom string, shot []byte) {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "shot.png")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, browser, "--headless", "--no-sandbox", "--disable-gpu",
		"--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync",
		"--hide-scrollbars", "--user-data-dir="+filepath.Join(dir, "profile"),
		"--window-size=1280,900", "--screenshot="+file, "--dump-dom", url)
	killGroup(cmd)
	cmd.WaitDelay = 5 * time.Second
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %s: %v\n%s", url, err, lastLines(errb.String(), 20))
	}
	shot, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("chromium %s: no screenshot: %v\n%s", url, err, lastLines(errb.String(), 20))
	}
	return out.String(), shot
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// CheckDOM checks the DOM a browser rendered for path: that it is not
// an error page, that it holds each of want, and at least count[p] of
// each pattern p.
func CheckDOM(t testing.TB, path, dom string, want []string, count map[string]int) {
	t.Helper()
	if strings.Contains(dom, "<title>Not Found") || strings.Contains(dom, `<div class="error"`) {
		t.Fatalf("the browser got an error page for %s", path)
	}
	for _, s := range want {
		if !strings.Contains(dom, s) {
			t.Errorf("DOM of %s lacks %q", path, s)
		}
	}
	for pat, least := range count {
		if n := len(regexp.MustCompile(regexp.QuoteMeta(pat)).FindAllStringIndex(dom, -1)); n < least {
			t.Errorf("DOM of %s has %d of %q, want at least %d", path, n, pat, least)
		}
	}
}

// CheckShot decodes a screenshot taken by Load and checks that the
// stylesheet applied (the page's Content-Security-Policy allows it by
// hash): the header bar is dark, the page background light.
func CheckShot(t testing.TB, shot []byte) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 1280 || b.Dy() != 900 {
		t.Fatalf("screenshot is %dx%d, want 1280x900", b.Dx(), b.Dy())
	}
	lum := func(x, y int) float64 {
		r, g, b, _ := img.At(x, y).RGBA()
		return (0.299*float64(r) + 0.587*float64(g) + 0.114*float64(b)) / 0xffff
	}
	if l := lum(1270, 10); l > 0.3 {
		t.Errorf("header pixel luminance %.2f, want a dark header bar: the stylesheet did not apply", l)
	}
	if l := lum(1270, 890); l < 0.9 {
		t.Errorf("background pixel luminance %.2f, want a light page", l)
	}
}
