package sqlike

import "testing"

func TestMatch(t *testing.T) {
	for _, tc := range []struct {
		s, p       string
		fold, want bool
	}{
		{"abc", "abc", false, true},
		{"abc", "a%", false, true},
		{"abc", "%c", false, true},
		{"abc", "a_c", false, true},
		{"abc", "A%", false, false},
		{"abc", "A%", true, true},
		{"", "%", false, true},
		{"", "_", false, false},
		{"héllo", "h_llo", false, true},
		{"aaab", "%a%b", false, true},
		{"ab", "%a%c", false, false},
	} {
		if got := Match(tc.s, tc.p, tc.fold); got != tc.want {
			t.Errorf("Match(%q, %q, %v) = %v, want %v", tc.s, tc.p, tc.fold, got, tc.want)
		}
	}
	if got := Prefix("ab%c_"); got != "ab" {
		t.Errorf("Prefix = %q, want ab", got)
	}
}
