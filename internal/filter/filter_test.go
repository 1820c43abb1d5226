package filter

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/cairn-ml/cairn/internal/perr"
	"github.com/google/go-cmp/cmp"
)

// col is the test vocabulary's column: metrics.<key> (numbers),
// params.<key> (strings), and the bare attributes name (string) and
// created (number).
type col struct{ Type, Key string }

func (c col) String() string {
	if c.Type == "" {
		return c.Key
	}
	return c.Type + "." + QuoteKey(c.Key)
}

var errBad = errors.New("bad filter")

func resolve(prefix, key string) (col, Kind, error) {
	switch strings.ToLower(prefix) {
	case "metrics":
		return col{"metrics", key}, Number, nil
	case "params":
		return col{"params", key}, String, nil
	case "":
		switch strings.ToLower(key) {
		case "name":
			return col{Key: "name"}, String, nil
		case "created":
			return col{Key: "created"}, Number, nil
		}
	}
	return col{}, 0, fmt.Errorf("unknown column %s", perr.Quote(prefix+"."+key))
}

func testColumns() Columns[col] {
	return Columns[col]{Resolve: resolve, Hint: "metrics.<key>, params.<key>, name or created", Err: errBad}
}

func m(key string, op Op, v float64) *Comparison[col] {
	return &Comparison[col]{Col: col{"metrics", key}, Kind: Number, Op: op, Num: v}
}

func s(key string, op Op, v string) *Comparison[col] {
	return &Comparison[col]{Col: col{"params", key}, Kind: String, Op: op, Str: v}
}

func in(key string, op Op, vs ...string) *Comparison[col] {
	return &Comparison[col]{Col: col{"params", key}, Kind: String, Op: op, List: vs}
}

func and(ts ...Node[col]) Node[col] { return &And[col]{ts} }
func or(ts ...Node[col]) Node[col]  { return &Or[col]{ts} }

func TestParse(t *testing.T) {
	tests := []struct {
		name, in string
		want     Node[col]
		printed  string
	}{
		{"empty", "", nil, ""},
		{"blank", " \t\n", nil, ""},
		{"number", "metrics.f1 > 0.95", m("f1", Gt, 0.95), "metrics.f1 > 0.95"},
		{"no spaces", "metrics.f1>=1e-3", m("f1", Ge, 0.001), "metrics.f1 >= 0.001"},
		{"signs", "metrics.a < -.5 and metrics.b = +2", and(m("a", Lt, -0.5), m("b", Eq, 2)), "metrics.a < -0.5 AND metrics.b = 2"},
		{"big whole number", "created >= 1700000000000", &Comparison[col]{Col: col{Key: "created"}, Kind: Number, Op: Ge, Num: 1.7e12}, "created >= 1700000000000"},
		{"huge number", "metrics.a = 1e300", m("a", Eq, 1e300), "metrics.a = 1e+300"},
		{"every operator",
			"metrics.a = 1 AND metrics.a != 1 AND metrics.a <> 1 AND metrics.a < 1 AND metrics.a <= 1 AND metrics.a > 1 AND metrics.a >= 1",
			and(m("a", Eq, 1), m("a", Ne, 1), m("a", Ne, 1), m("a", Lt, 1), m("a", Le, 1), m("a", Gt, 1), m("a", Ge, 1)),
			"metrics.a = 1 AND metrics.a != 1 AND metrics.a != 1 AND metrics.a < 1 AND metrics.a <= 1 AND metrics.a > 1 AND metrics.a >= 1"},
		{"string operators", "params.a LIKE 'x%' oR params.b ilike '%Y' And params.c not like 'z' and params.d NOT ILIKE 'a_c'",
			or(s("a", Like, "x%"), and(s("b", ILike, "%Y"), s("c", NotLike, "z"), s("d", NotILike, "a_c"))),
			"params.a LIKE 'x%' OR params.b ILIKE '%Y' AND params.c NOT LIKE 'z' AND params.d NOT ILIKE 'a_c'"},
		{"in", `params.solver IN ('lbfgs', "newton")`, in("solver", In, "lbfgs", "newton"), "params.solver IN ('lbfgs', 'newton')"},
		{"not in", "params.s not in ('a')", in("s", NotIn, "a"), "params.s NOT IN ('a')"},
		{"bare attribute", "name = 'x' and Created < 5", and(&Comparison[col]{Col: col{Key: "name"}, Kind: String, Op: Eq, Str: "x"},
			&Comparison[col]{Col: col{Key: "created"}, Kind: Number, Op: Lt, Num: 5}), "name = 'x' AND created < 5"},
		{"dotted key", "params.mlflow.source-name/x = 'y'", s("mlflow.source-name/x", Eq, "y"), "params.mlflow.source-name/x = 'y'"},
		{"backtick key", "metrics.`f1 score` > 0", m("f1 score", Gt, 0), "metrics.`f1 score` > 0"},
		{"double-quoted key", `params."learning rate" = '0.1'`, s("learning rate", Eq, "0.1"), "params.`learning rate` = '0.1'"},
		{"key with backtick", "params.`a``b` = 'c'", s("a`b", Eq, "c"), "params.`a``b` = 'c'"},
		{"quote in string", "params.p = 'it''s'", s("p", Eq, "it's"), "params.p = 'it''s'"},
		{"quotes in string", "params.p = '''a'''''", s("p", Eq, "'a''"), "params.p = '''a'''''"},
		{"double quotes", `params.p = "say ""hi"""`, s("p", Eq, `say "hi"`), `params.p = 'say "hi"'`},
		{"OR binds looser", "params.a = 'x' OR params.b = 'y' AND params.c = 'z'",
			or(s("a", Eq, "x"), and(s("b", Eq, "y"), s("c", Eq, "z"))), "params.a = 'x' OR params.b = 'y' AND params.c = 'z'"},
		{"parentheses", "(params.a = 'x' OR params.b = 'y') AND params.c = 'z'",
			and(or(s("a", Eq, "x"), s("b", Eq, "y")), s("c", Eq, "z")), "(params.a = 'x' OR params.b = 'y') AND params.c = 'z'"},
		{"redundant parentheses", "((metrics.a = 1)) and ((metrics.b = 2 and metrics.c = 3))",
			and(m("a", Eq, 1), m("b", Eq, 2), m("c", Eq, 3)), "metrics.a = 1 AND metrics.b = 2 AND metrics.c = 3"},
		{"nested or flattens", "metrics.a = 1 OR (metrics.b = 2 OR metrics.c = 3)",
			or(m("a", Eq, 1), m("b", Eq, 2), m("c", Eq, 3)), "metrics.a = 1 OR metrics.b = 2 OR metrics.c = 3"},
		{"unicode", "params.größe = 'groß'", s("größe", Eq, "groß"), "params.größe = 'groß'"},
		{"deep", strings.Repeat("(", MaxDepth) + "metrics.a = 1" + strings.Repeat(")", MaxDepth), m("a", Eq, 1), "metrics.a = 1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.in, testColumns())
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.in, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Parse(%q) (-want +got):\n%s", tc.in, diff)
			}
			printed := ""
			if got != nil {
				printed = got.String()
			}
			if printed != tc.printed {
				t.Errorf("Parse(%q).String() = %q, want %q", tc.in, printed, tc.printed)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, in string
		col      int
	}{
		{"no operator", "metrics.f1", 11},
		{"no value", "metrics.f1 >", 13},
		{"unquoted string", "params.solver = lbfgs", 17},
		{"number for a string", "params.C = 1", 12},
		{"string for a number", "metrics.f1 > '0.9'", 14},
		{"LIKE on a number", "metrics.f1 LIKE '1%'", 12},
		{"IN on a number", "created IN ('1')", 9},
		{"unknown column", "metricz.f1 > 1", 1},
		{"unknown bare column", "f1 > 1", 1},
		{"no key", "metrics. > 1", 9},
		{"key not adjacent", "metrics. `a` > 1", 9},
		{"single-quoted key", "metrics.'a' > 1", 9},
		{"empty quoted key", "metrics.`` > 1", 9},
		{"trailing AND", "metrics.f1 > 1 AND", 19},
		{"double AND", "metrics.f1 > 1 AND AND metrics.f2 > 1", 20},
		{"keyword as column", "AND metrics.f1 > 1", 1},
		{"value as column", "'x' = name", 1},
		{"missing AND", "metrics.f1 > 1 metrics.f2 > 1", 16},
		{"unclosed paren", "(metrics.f1 > 1", 1},
		{"unclosed inner paren", "(metrics.f1 > 1 metrics", 17},
		{"unmatched paren", "metrics.f1 > 1)", 15},
		{"empty parens", "()", 2},
		{"too deep", strings.Repeat("(", MaxDepth+1) + "metrics.a = 1" + strings.Repeat(")", MaxDepth+1), MaxDepth + 1},
		{"unterminated string", "params.a = 'abc", 12},
		{"unterminated after doubled quote", "params.a = 'ab''", 12},
		{"unterminated backtick", "params.`abc = 'x'", 8},
		{"bang", "params.a ! 'x'", 10},
		{"double equals", "metrics.a == 1", 11},
		{"bad character", "metrics.a = 1 ; drop", 15},
		{"bad number", "metrics.a = 1.2.3", 13},
		{"out of range", "metrics.a = 1e999", 13},
		{"lone sign", "metrics.a = - 1", 13},
		{"NOT alone", "params.a NOT 'x'", 14},
		{"IN without list", "params.a IN 'x'", 13},
		{"empty IN", "params.a IN ()", 14},
		{"IN with number", "params.a IN ('x', 2)", 19},
		{"IN unclosed", "params.a IN ('x' 'y')", 18},
		{"column after unicode", "params.größe = 'x' AND größe = 1", 24},
		{"invalid UTF-8", "params.a = '\xff'", 13},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.in, testColumns())
			var pe *perr.ParseError
			if !errors.As(err, &pe) || !errors.Is(err, errBad) {
				t.Fatalf("Parse(%q) = %v, want a *perr.ParseError wrapping errBad", tc.in, err)
			}
			if pe.Column != tc.col || pe.Input != tc.in {
				t.Errorf("Parse(%q): column %d of %q, want %d (%v)", tc.in, pe.Column, pe.Input, tc.col, err)
			}
		})
	}
}

// TestErrorText checks the errors' wording where it says what a user
// must change, and that without a sentinel Err is the bare reason.
func TestErrorText(t *testing.T) {
	cols := testColumns()
	cols.Err = nil
	for _, tc := range []struct{ in, want string }{
		{"metrics.f1 > 'x'", "metrics.f1 is numeric: expected a number, found string 'x'"},
		{"params.p = x", `params.p holds strings: expected a quoted value such as 'x', found "x"`},
		{"metricz.f1 > 1", `unknown column "metricz.f1"`},
		{"", ""},
		{"%", `unexpected character '%'`},
		{"params.p = 'x' ) ", `unmatched ")"`},
		{"params.p = '" + strings.Repeat("x", 1000) + "' )", `unmatched ")"`},
		{"params.p = " + strings.Repeat("y", 1000), `params.p holds strings: expected a quoted value such as 'x', found ` + perr.Quote(strings.Repeat("y", 1000))},
	} {
		_, err := Parse(tc.in, cols)
		got := ""
		if err != nil {
			got = err.(*perr.ParseError).Err.Error()
		}
		if got != tc.want {
			t.Errorf("Parse(%.40q) error = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestParseOrder(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Order[col]
	}{
		{"metrics.f1", Order[col]{Col: col{"metrics", "f1"}}},
		{"metrics.f1 desc", Order[col]{Col: col{"metrics", "f1"}, Desc: true}},
		{"params.`a b` ASC", Order[col]{Col: col{"params", "a b"}}},
		{" Name  DESC ", Order[col]{Col: col{Key: "name"}, Desc: true}},
	} {
		got, err := ParseOrder(tc.in, testColumns())
		if err != nil {
			t.Errorf("ParseOrder(%q): %v", tc.in, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("ParseOrder(%q) (-want +got):\n%s", tc.in, diff)
		}
		if again, err := ParseOrder(got.String(), testColumns()); err != nil || again != got {
			t.Errorf("ParseOrder(%q) = %v, which reads back as %v, %v", tc.in, got, again, err)
		}
	}
	for _, tc := range []struct {
		in  string
		col int
	}{
		{"", 1}, {"metrics.f1 DOWN", 12}, {"metrics.f1 DESC ASC", 17}, {"f1", 1},
		{"metrics.f1, metrics.f2", 11}, {"DESC", 1}, {"metrics.`x", 9},
	} {
		_, err := ParseOrder(tc.in, testColumns())
		var pe *perr.ParseError
		if !errors.As(err, &pe) || !errors.Is(err, errBad) || pe.Column != tc.col {
			t.Errorf("ParseOrder(%q) = %v, want a *perr.ParseError at column %d", tc.in, err, tc.col)
		}
	}
}

func TestMatch(t *testing.T) {
	nan := math.NaN()
	for _, tc := range []struct {
		filter string
		v      float64
		want   bool
	}{
		{"metrics.a = 1", 1, true}, {"metrics.a = 1", 2, false},
		{"metrics.a != 1", 2, true}, {"metrics.a <> 1", 1, false},
		{"metrics.a < 1", 0.5, true}, {"metrics.a < 1", 1, false},
		{"metrics.a <= 1", 1, true}, {"metrics.a > 1", 1, false},
		{"metrics.a >= 1", 1, true}, {"metrics.a >= 1", 0, false},
		{"metrics.a = 1", nan, false}, {"metrics.a != 1", nan, true}, {"metrics.a < 1", nan, false},
	} {
		n, err := Parse(tc.filter, testColumns())
		if err != nil {
			t.Fatal(err)
		}
		if got := n.(*Comparison[col]).MatchNumber(tc.v); got != tc.want {
			t.Errorf("%q.MatchNumber(%v) = %v, want %v", tc.filter, tc.v, got, tc.want)
		}
	}
	for _, tc := range []struct {
		filter, v string
		want      bool
	}{
		{"params.a = 'x'", "x", true}, {"params.a = 'x'", "X", false},
		{"params.a != 'x'", "y", true}, {"params.a < 'b'", "a", true}, {"params.a < 'b'", "b", false},
		{"params.a <= 'b'", "b", true}, {"params.a > 'b'", "ba", true}, {"params.a >= 'b'", "a", false},
		{"params.a LIKE 'lb%'", "lbfgs", true}, {"params.a LIKE 'LB%'", "lbfgs", false},
		{"params.a ILIKE 'LB%'", "lbfgs", true}, {"params.a LIKE 'l_gs'", "lbfgs", false},
		{"params.a NOT LIKE '%s'", "lbfgs", false}, {"params.a NOT ILIKE '%S'", "lbfgs", false},
		{"params.a NOT ILIKE '%x'", "lbfgs", true},
		{"params.a IN ('x', 'y')", "y", true}, {"params.a IN ('x', 'y')", "z", false},
		{"params.a NOT IN ('x', 'y')", "z", true}, {"params.a NOT IN ('x')", "x", false},
	} {
		n, err := Parse(tc.filter, testColumns())
		if err != nil {
			t.Fatal(err)
		}
		if got := n.(*Comparison[col]).MatchString(tc.v); got != tc.want {
			t.Errorf("%q.MatchString(%q) = %v, want %v", tc.filter, tc.v, got, tc.want)
		}
	}
}

func TestEval(t *testing.T) {
	rec := map[col]float64{{"metrics", "a"}: 1, {"metrics", "b"}: 2}
	leaf := func(c *Comparison[col]) bool {
		v, ok := rec[c.Col]
		return ok && c.MatchNumber(v)
	}
	for _, tc := range []struct {
		filter string
		want   bool
	}{
		{"", true},
		{"metrics.a = 1", true},
		{"metrics.a = 1 AND metrics.b = 2", true},
		{"metrics.a = 1 AND metrics.b = 3", false},
		{"metrics.a = 2 OR metrics.b = 2", true},
		{"metrics.a = 2 OR metrics.b = 3", false},
		{"(metrics.a = 2 OR metrics.b = 2) AND metrics.a > 0", true},
		{"metrics.c != 1", false}, // missing: no match, whatever the operator
	} {
		n, err := Parse(tc.filter, testColumns())
		if err != nil {
			t.Fatal(err)
		}
		if got := Eval(n, leaf); got != tc.want {
			t.Errorf("Eval(%q) = %v, want %v", tc.filter, got, tc.want)
		}
	}
}

func TestQuoteKey(t *testing.T) {
	for _, tc := range []struct{ key, want string }{
		{"f1", "f1"}, {"mlflow.source.name", "mlflow.source.name"}, {"a-b/c_1", "a-b/c_1"}, {"größe", "größe"},
		{"1st", "1st"}, {"", "``"}, {"f1 score", "`f1 score`"}, {"a`b", "`a``b`"}, {"it's", "`it's`"},
	} {
		if got := QuoteKey(tc.key); got != tc.want {
			t.Errorf("QuoteKey(%q) = %q, want %q", tc.key, got, tc.want)
		}
	}
}

func TestOpString(t *testing.T) {
	var got []string
	for o := Eq; o <= NotIn+1; o++ {
		got = append(got, o.String())
	}
	want := []string{"=", "!=", "<", "<=", ">", ">=", "LIKE", "ILIKE", "NOT LIKE", "NOT ILIKE", "IN", "NOT IN", "Op(13)"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Op.String (-want +got):\n%s", diff)
	}
}
