package filter

import (
	"errors"
	"testing"
	"unicode/utf8"

	"github.com/cairn-ml/cairn/internal/perr"
	"github.com/google/go-cmp/cmp"
)

// FuzzParse checks that Parse never panics on untrusted text, that each
// error is a *perr.ParseError wrapping the sentinel and pointing inside
// the input (or just past it), and that what it accepts prints as a
// filter that parses back to the same tree.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"metrics.f1 > 0.95 AND params.solver = 'lbfgs'",
		"(params.a = 'x' OR params.b IN ('y', \"z\")) AND name != 'it''s'",
		"metrics.`f1 score` >= -1e-3 or params.\"a b\" NOT ILIKE '%x_'",
		"created < 17e11 AND NOT", "metrics.f1 > 'x'", "((", "'unterminated", "", "\xff",
		"params.a <> 'b' and (params.c like 'd' or (metrics.e <= .5))",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		n, err := Parse(in, testColumns())
		if err != nil {
			var pe *perr.ParseError
			if !errors.As(err, &pe) || !errors.Is(err, errBad) {
				t.Fatalf("Parse(%q) error %T %v is not a *perr.ParseError wrapping errBad", in, err, err)
			}
			if pe.Column < 1 || pe.Column > utf8.RuneCountInString(in)+1 {
				t.Fatalf("Parse(%q): column %d outside the input", in, pe.Column)
			}
			return
		}
		if n == nil {
			return
		}
		printed := n.String()
		again, err := Parse(printed, testColumns())
		if err != nil {
			t.Fatalf("Parse(%q) printed %q, which does not parse: %v", in, printed, err)
		}
		if diff := cmp.Diff(n, again); diff != "" {
			t.Fatalf("Parse(%q) printed %q, which parses to another tree (-first +again):\n%s", in, printed, diff)
		}
		if _, err := ParseOrder(in, testColumns()); err != nil && !errors.Is(err, errBad) {
			t.Fatalf("ParseOrder(%q) = %v", in, err)
		}
	})
}
