package pgkv

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzLocation: any string parses or fails without a panic, and neither
// the error, the redacted form nor the passwordless form repeats the
// password.
func FuzzLocation(f *testing.F) {
	for _, s := range []string{
		"postgres://u:pw@h:5432/db?sslmode=disable",
		"postgresql://u:pw@h/db?schema=s&password=pw2",
		"postgres:///db?host=/var/run/postgresql",
		"postgres://u:p@w@h/db", "postgres://%zz:pw@h", "postgres://u:pw@[::1/db",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var pws []string
		if u, err := url.Parse(s); err == nil {
			if p, ok := u.User.Password(); ok {
				pws = append(pws, p)
			}
			if p := u.Query().Get("password"); p != "" {
				pws = append(pws, p)
			}
		}
		loc, err := ParseLocation(s)
		outs := []string{Redact(s), loc.Redacted, loc.NoPassword}
		if err != nil {
			outs = append(outs, err.Error())
		}
		for _, pw := range pws {
			if len(pw) < 4 || strings.Contains("postgresxxxxx", pw) {
				continue // too short to tell from the rest of the URL
			}
			for _, o := range outs {
				if strings.Contains(o, pw) && !strings.Contains(strings.Replace(s, pw, "", 1), pw) {
					t.Fatalf("%q shows the password %q of %q", o, pw, s)
				}
			}
		}
		if err == nil && (loc.Schema == "" || len(loc.Schema) > maxSchemaLen) {
			t.Fatalf("ParseLocation(%q) gave schema %q", s, loc.Schema)
		}
	})
}

// FuzzSplitKey: a key's columns join back to it, and sort as it does.
func FuzzSplitKey(f *testing.F) {
	f.Add([]byte("a"), []byte("b"))
	f.Add([]byte(strings.Repeat("x", 1030)), []byte(strings.Repeat("x", 1024)))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		kpa, kha, ra := splitKey(a)
		kpb, _, rb := splitKey(b)
		if string(joinKey(kpa, ra)) != string(a) {
			t.Fatalf("joinKey(splitKey(%q)) differs", a)
		}
		if (len(ra) == 0) != (len(kha) == 0) {
			t.Fatalf("kh set for %d-byte key: %d", len(a), len(kha))
		}
		want := strings.Compare(string(a), string(b))
		got := strings.Compare(string(kpa), string(kpb))
		if got == 0 {
			got = strings.Compare(string(ra), string(rb))
		}
		if got != want {
			t.Fatalf("(kp, rest) order %d, key order %d", got, want)
		}
	})
}
