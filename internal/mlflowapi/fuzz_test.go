package mlflowapi

import (
	"errors"
	"net/url"
	"testing"
)

// FuzzDecodeJSON: any body gives a value or an INVALID_PARAMETER_VALUE
// *Error, never a panic.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{``, `{}`, `{"name":"a","ids":["1"],"n":"3","f":"NaN","view":"ALL","tags":[{"key":"k"}]}`, `"{}"`, `[`, `{"n":1e400}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var r req
		if err := DecodeJSON(b, &r); err != nil {
			var me *Error
			if !errors.As(err, &me) || me.Code != InvalidParameterValue {
				t.Fatalf("DecodeJSON(%q) = %v", b, err)
			}
		}
	})
}

// FuzzDecodeQuery: any query string gives a value or an
// INVALID_PARAMETER_VALUE *Error.
func FuzzDecodeQuery(f *testing.F) {
	for _, s := range []string{"", "name=a&ids=1&ids=2&n=5&b=true&view=ALL&f=NaN", "n=%zz", "b=maybe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := url.ParseQuery(s)
		if err != nil {
			return
		}
		var r req
		if err := DecodeQuery(q, &r); err != nil {
			var me *Error
			if !errors.As(err, &me) || me.Code != InvalidParameterValue {
				t.Fatalf("DecodeQuery(%q) = %v", s, err)
			}
		}
	})
}

// FuzzParseFilter: any filter parses or is an INVALID_PARAMETER_VALUE
// *Error, and a parsed one can be matched.
func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{"", "name = 'a'", "(name LIKE 'a%' OR tags.`k` != 'v') AND creation_time >= -1e3", "name IN ('a','b')", "tags.\"x\" NOT ILIKE '%'"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		flt, err := ParseFilter(s, testAttrs, true)
		if err != nil {
			var me *Error
			if !errors.As(err, &me) || me.Code != InvalidParameterValue {
				t.Fatalf("ParseFilter(%q) = %v", s, err)
			}
			return
		}
		flt.Match(func(Column) (string, bool) { return "1", true })
	})
}

// FuzzOffsetToken: any token gives an offset whose token round-trips, or
// an error.
func FuzzOffsetToken(f *testing.F) {
	for _, s := range []string{"", OffsetToken(3), "eyJvZmZzZXQiOiAxMH0=", "!!"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseOffsetToken(s)
		if err != nil {
			return
		}
		if m, err := ParseOffsetToken(OffsetToken(n)); err != nil || m != n {
			t.Fatalf("token %q: offset %d round trips to %d, %v", s, n, m, err)
		}
	})
}
