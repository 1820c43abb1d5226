package web_test

import (
	"math"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cairn-ml/cairn/internal/web"
)

func TestWantsJSON(t *testing.T) {
	tests := []struct {
		accept string
		query  string
		want   bool
	}{
		{"application/json", "", true},
		{"application/json; charset=utf-8", "", true},
		{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "", false}, // a browser
		{"*/*", "", false},
		{"", "", false},
		{"text/html;q=0.5, application/json", "", true},
		{"text/html;q=0.1, application/json;q=0.2", "", true},
		{"application/json;q=0.5, text/html", "", false},
		{"application/json;q=0", "", false},
		{"application/json;q=0.9, */*;q=0.1", "", true},
		{"text/html", "format=json", true},
		{"", "format=html", false},
		{"", "format=json&%zz", false}, // a query that does not parse
		{"application/json;q=nonsense", "", true},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", "/?"+tt.query, nil)
		if tt.accept != "" {
			r.Header.Set("Accept", tt.accept)
		}
		if got := web.WantsJSON(r); got != tt.want {
			t.Errorf("WantsJSON(Accept %q, query %q) = %v, want %v", tt.accept, tt.query, got, tt.want)
		}
	}
}

func TestProblemSplit(t *testing.T) {
	tests := []struct {
		input  string
		column int
		want   [4]string // before, at, after, caret
	}{
		{"abc", 1, [4]string{"", "a", "bc", "^"}},
		{"abc", 3, [4]string{"ab", "c", "", "  ^"}},
		{"abc", 4, [4]string{"abc", " ", "", "   ^"}}, // at the end of the input
		{"héllo", 2, [4]string{"h", "é", "llo", " ^"}},
		{"abc", 0, [4]string{"", "a", "bc", ""}},
		{"abc", 99, [4]string{"abc", " ", "", "                                                                                                  ^"}},
	}
	for _, tt := range tests {
		p := &web.Problem{Input: tt.input, Column: tt.column}
		got := [4]string{p.Before(), p.At(), p.After(), p.Caret()}
		if got != tt.want {
			t.Errorf("split(%q, %d) = %q, want %q", tt.input, tt.column, got, tt.want)
		}
	}
}

func TestFormat(t *testing.T) {
	nums := []struct {
		f          float64
		num, full  string
		marshalled string
	}{
		{0.9621, "0.9621", "0.9621", "0.9621"},
		{1, "1", "1", "1"},
		{1234567, "1234567", "1.234567e+06", "1.234567e+06"},
		{0.000123456789, "0.000123457", "0.000123456789", "0.000123456789"},
		{1e20, "1e+20", "1e+20", "1e+20"},
		{-3, "-3", "-3", "-3"},
		{math.NaN(), "NaN", "NaN", `"NaN"`},
		{math.Inf(1), "+Inf", "+Inf", `"+Inf"`},
		{math.Inf(-1), "-Inf", "-Inf", `"-Inf"`},
	}
	for _, tt := range nums {
		b, err := web.Num(tt.f).MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		got := []string{web.FormatNum(tt.f), web.FormatFull(tt.f), string(b)}
		if d := cmp.Diff([]string{tt.num, tt.full, tt.marshalled}, got); d != "" {
			t.Errorf("FormatNum, FormatFull, MarshalJSON of %v (-want +got):\n%s", tt.f, d)
		}
	}
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 5 << 20: "5.0 MiB", 1 << 62: "4096.0 PiB"} {
		if got := web.FormatBytes(n); got != want {
			t.Errorf("FormatBytes(%d) = %q, want %q", n, got, want)
		}
	}
	for d, want := range map[time.Duration]string{
		-time.Second: "0s", 0: "0s", 1234567 * time.Nanosecond: "1ms", 12345 * time.Millisecond: "12.35s", 90*time.Minute + 499*time.Millisecond: "1h30m0s",
	} {
		if got := web.FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%v) = %q, want %q", d, got, want)
		}
	}
	at := time.Date(2025, 6, 1, 14, 30, 5, 999, time.FixedZone("CEST", 7200))
	if got, want := web.FormatTime(at), "2025-06-01 12:30:05"; got != want {
		t.Errorf("FormatTime(%v) = %q, want %q", at, got, want)
	}
	if got := web.FormatTime(time.Time{}); got != "" {
		t.Errorf("FormatTime(zero) = %q, want \"\"", got)
	}
	strs := []struct{ got, want string }{
		{web.ShortID("0197a0b0c0d07000"), "0197a0b0"},
		{web.ShortID("abc"), "abc"},
		{web.ShortDigest("sha256:eb8639ccbc46ae1b3599"), "sha256:eb8639ccbc46…"},
		{web.ShortDigest("md5:abc"), "md5:abc"},
		{web.Clip("héllo wörld", 5), "héll…"},
		{web.Clip("héllo", 5), "héllo"},
		{web.Color(0), "#1f77b4"},
		{web.Color(web.Colors + 3), web.Color(3)},
		{web.Coord(1.25), "1.3"},
		{web.Coord(-0.04), "-0"},
		{web.Esc(`<a href="x">&`), "&lt;a href=&#34;x&#34;&gt;&amp;"},
	}
	for i, s := range strs {
		if s.got != s.want {
			t.Errorf("case %d: got %q, want %q", i, s.got, s.want)
		}
	}
	if d := cmp.Diff([]string{"a", "b", "c"}, web.SortedKeys(map[string]int{"c": 1, "a": 2, "b": 3})); d != "" {
		t.Errorf("SortedKeys (-want +got):\n%s", d)
	}
}
