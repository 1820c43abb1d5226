package track

import (
	"errors"
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// FuzzParseFilter checks that the filter parser never panics, that every
// error is a *ParseError pointing inside the input (or just past it), and
// that what it accepts prints as a filter that parses back to the same
// thing.
func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{
		"metrics.f1 > 0.95 AND params.solver = 'lbfgs' AND tags.stage != 'dev'",
		"(params.a = 'x' OR params.b IN ('y', \"z\")) AND attributes.status != 'running'",
		"metrics.`f1 score` >= -1e-3 or tags.\"a b\" NOT ILIKE '%x_'",
		"datasets.digest = 'sha256:00' AND attributes.start_time < 17e11",
		"attr.run_id NOT IN ('a','b') AND run.created = 5",
		"metrics.f1 > 'x'", "((", "'unterminated", "params.a = 'it''s'", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		n, err := parseFilter(in)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || !errors.Is(err, ErrBadQuery) {
				t.Fatalf("parseFilter(%q) error %T %v is not a *ParseError", in, err, err)
			}
			if pe.Column < 1 || pe.Column > utf8.RuneCountInString(in)+1 {
				t.Fatalf("parseFilter(%q): column %d outside the input", in, pe.Column)
			}
			return
		}
		if n == nil {
			return
		}
		printed := n.String()
		again, err := parseFilter(printed)
		if err != nil {
			t.Fatalf("parseFilter(%q) printed %q, which does not parse: %v", in, printed, err)
		}
		if again.String() != printed {
			t.Fatalf("round trip: %q -> %q -> %q", in, printed, again.String())
		}
	})
}

// FuzzParseOrder does the same for order-by clauses.
func FuzzParseOrder(f *testing.F) {
	for _, s := range []string{"metrics.f1 DESC", "params.`a b`", "attributes.created asc", "tags.x.y desc", "x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		k, err := parseOrder(in)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Column < 1 || pe.Column > utf8.RuneCountInString(in)+1 {
				t.Fatalf("parseOrder(%q) = %v", in, err)
			}
			return
		}
		again, err := parseOrder(k.String())
		if err != nil || again != k {
			t.Fatalf("round trip of %q: %v -> %v, %v", in, k, again, err)
		}
	})
}

// FuzzDecode feeds arbitrary bytes to every decoder of stored records: no
// panic, an error wrapping ErrCorrupt or a value that encodes and decodes
// back to itself.
func FuzzDecode(f *testing.F) {
	for _, b := range [][]byte{
		runRec{exp: 1, name: "r", status: StatusFinished, start: 5, end: 9}.encode(),
		runRec{exp: 2, parent: "0123456789abcdef0123456789abcdef", status: StatusRunning, deleted: true, deletedAt: -3}.encode(),
		runRec{exp: 3, status: StatusRunning, owner: "host 42 boot/123"}.encode(),
		expRec{name: "e", created: 7, runs: 3}.encode(),
		expRec{name: "e", created: 7, runs: 3, deleted: true, deletedAt: 8, updated: 9}.encode(),
		metricRec{value: math.Inf(-1), time: 1, step: -2}.encode(),
		Input{Name: "d", Version: "v1", Digest: "sha256:00", Source: "s", Context: "c"}.encode(),
		Input{Name: "d", SourceType: "s3", Schema: "{}", Profile: "{}"}.encode(),
		artRec{digest: "sha256:" + strings.Repeat("0", 64), size: 3, time: 4}.encode(),
		{}, {1}, {2, 0},
	} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		check := func(what string, err error, roundTrip func() (any, any, error)) {
			if err != nil {
				if !errors.Is(err, ErrCorrupt) {
					t.Fatalf("%s decoder error does not wrap ErrCorrupt: %v", what, err)
				}
				return
			}
			want, got, err := roundTrip()
			if err != nil {
				t.Fatalf("%s: re-encoded value does not decode: %v", what, err)
			}
			if diff := cmp.Diff(want, got, cmp.AllowUnexported(runRec{}, expRec{}, metricRec{}, artRec{}), cmp.Comparer(sameFloat)); diff != "" {
				t.Fatalf("%s round trip (-want +got):\n%s", what, diff)
			}
		}
		r, err := decodeRun(b)
		check("run", err, func() (any, any, error) { got, err := decodeRun(r.encode()); return r, got, err })
		x, err := decodeExperiment(b)
		check("experiment", err, func() (any, any, error) { got, err := decodeExperiment(x.encode()); return x, got, err })
		m, err := decodeMetric(b)
		check("metric", err, func() (any, any, error) { got, err := decodeMetric(m.encode()); return m, got, err })
		in, err := decodeInput(b)
		check("input", err, func() (any, any, error) { got, err := decodeInput(in.encode()); return in, got, err })
		a, err := decodeArtifact(b)
		check("artifact", err, func() (any, any, error) { got, err := decodeArtifact(a.encode()); return a, got, err })
	})
}

func sameFloat(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }

// FuzzPageToken feeds arbitrary tokens to the page-token decoder of a
// query with numeric and string sort keys: no panic, an error wrapping
// ErrBadPageToken, or a key that encodes to a token that decodes to it
// again.
func FuzzPageToken(f *testing.F) {
	q, err := compile(SearchOptions{Filter: "metrics.f1 > 0", OrderBy: []string{"metrics.f1 DESC", "params.p"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(q.token([]sortVal{{num: 0.5}, {str: "x"}, {num: 17}, {str: "0123456789abcdef0123456789abcdef"}}))
	f.Add(q.token([]sortVal{{cls: 1}, {cls: 2}, {num: math.Inf(1)}, {str: ""}}))
	f.Add("")
	f.Add("AAAA")
	f.Fuzz(func(t *testing.T, tok string) {
		key, err := q.decodeToken(tok)
		if err != nil {
			if !errors.Is(err, ErrBadPageToken) {
				t.Fatalf("decodeToken(%q) = %v, not ErrBadPageToken", tok, err)
			}
			return
		}
		again, err := q.decodeToken(q.token(key))
		if err != nil {
			t.Fatalf("re-encoded token does not decode: %v", err)
		}
		if diff := cmp.Diff(key, again, cmp.AllowUnexported(sortVal{})); diff != "" {
			t.Fatalf("token round trip (-want +got):\n%s", diff)
		}
	})
}
