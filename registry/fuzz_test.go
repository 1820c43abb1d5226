package registry_test

import (
	"errors"
	"testing"

	"github.com/cairn-ml/cairn/registry"
)

// FuzzParseRef checks that ParseRef never panics, that it returns either
// a *ParseError or a well-formed Ref, and that a Ref it returns reads back
// the same from its String.
func FuzzParseRef(f *testing.F) {
	for _, s := range []string{"v3", "3", "latest", "LaTeSt", "@champion", "@v3", "@", "v03", "v0", "champion", "", "v99999999999", "@a-b_c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ref, err := registry.ParseRef(s)
		if err != nil {
			var re *registry.ParseError
			if !errors.As(err, &re) || !errors.Is(err, registry.ErrBadRef) || re.Input == "" && s != "" {
				t.Fatalf("ParseRef(%q) error %T %v is not a *ParseError", s, err, err)
			}
			return
		}
		if ref.Number < 0 || ref.Number > registry.MaxVersion || ref.Number != 0 && ref.Alias != "" {
			t.Fatalf("ParseRef(%q) = %+v, malformed", s, ref)
		}
		again, err := registry.ParseRef(ref.String())
		if err != nil || again != ref {
			t.Fatalf("ParseRef(%q) = %+v; its String %q reads back as %+v, %v", s, ref, ref.String(), again, err)
		}
	})
}

// FuzzParseURI checks that ParseURI never panics, returns a *ParseError or
// a valid name and Ref, and that URI writes back a URI that parses the
// same.
func FuzzParseURI(f *testing.F) {
	for _, s := range []string{
		"models:/fraud/3", "models:/fraud@champion", "models:/fraud/latest", "models:/fraud/Production",
		"models://host/m/1", "models:/a b/v2", "models:/fraud/", "models:/@x", "models:/m/3/4", "models:/m@a@b",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		name, ref, err := registry.ParseURI(s)
		if err != nil {
			var re *registry.ParseError
			if !errors.As(err, &re) || !errors.Is(err, registry.ErrBadRef) {
				t.Fatalf("ParseURI(%q) error %T %v is not a *ParseError", s, err, err)
			}
			return
		}
		if name == "" || ref.Number != 0 && ref.Alias != "" {
			t.Fatalf("ParseURI(%q) = %q, %+v, malformed", s, name, ref)
		}
		uri := registry.URI(name, ref)
		name2, ref2, err := registry.ParseURI(uri)
		if err != nil || name2 != name || ref2 != ref {
			t.Fatalf("ParseURI(%q) = %q, %+v; URI %q reads back as %q, %+v, %v", s, name, ref, uri, name2, ref2, err)
		}
	})
}
