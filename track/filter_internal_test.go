package track

import (
	"errors"
	"testing"
)

func TestParseFilter(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "<nil>"},
		{"blank", "  \t", "<nil>"},
		{"metric", "metrics.f1 > 0.95", "metrics.f1 > 0.95"},
		{"MLflow example", "metrics.f1 > 0.95 AND params.solver = 'lbfgs' AND tags.stage != 'dev'",
			"metrics.f1 > 0.95 AND params.solver = 'lbfgs' AND tags.stage != 'dev'"},
		{"no spaces", "metrics.f1>=1e-3", "metrics.f1 >= 0.001"},
		{"negative", "metrics.loss < -.5", "metrics.loss < -0.5"},
		{"integer", "metrics.n = 3", "metrics.n = 3"},
		{"singular types", "metric.a = 1 and param.b = 'x' and tag.c = 'y' and attribute.status = 'finished'",
			"metrics.a = 1 AND params.b = 'x' AND tags.c = 'y' AND attributes.status = 'FINISHED'"},
		{"keywords any case", "params.a LIKE 'x%' oR params.b ilike '%Y' And params.c not like 'z'",
			"params.a LIKE 'x%' OR params.b ILIKE '%Y' AND params.c NOT LIKE 'z'"},
		{"not ilike", "tags.t NOT ILIKE 'a_c'", "tags.t NOT ILIKE 'a_c'"},
		{"in", "params.solver IN ('lbfgs', \"newton\")", "params.solver IN ('lbfgs', 'newton')"},
		{"not in", "attributes.run_name NOT IN ('a','b')", "attributes.run_name NOT IN ('a', 'b')"},
		{"dotted tag", "tags.mlflow.source.name = 'x'", "tags.mlflow.source.name = 'x'"},
		{"backtick key", "metrics.`f1 score` > 0", "metrics.`f1 score` > 0"},
		{"double-quoted key", `params."learning rate" = '0.1'`, "params.`learning rate` = '0.1'"},
		{"key with backtick", "tags.`a``b` = 'c'", "tags.`a``b` = 'c'"},
		{"quote in string", "params.p = 'it''s'", "params.p = 'it''s'"},
		{"double quote in string", `params.p = "say ""hi"""`, `params.p = 'say "hi"'`},
		{"<> is !=", "params.p <> 'x'", "params.p != 'x'"},
		{"OR binds looser", "params.a = 'x' OR params.b = 'y' AND params.c = 'z'",
			"params.a = 'x' OR params.b = 'y' AND params.c = 'z'"},
		{"parentheses", "(params.a = 'x' OR params.b = 'y') AND params.c = 'z'",
			"(params.a = 'x' OR params.b = 'y') AND params.c = 'z'"},
		{"redundant parentheses", "((metrics.a = 1)) and ((metrics.b = 2 and metrics.c = 3))",
			"metrics.a = 1 AND metrics.b = 2 AND metrics.c = 3"},
		{"nested or flattens", "metrics.a = 1 OR (metrics.b = 2 OR metrics.c = 3)",
			"metrics.a = 1 OR metrics.b = 2 OR metrics.c = 3"},
		{"attributes", "attributes.start_time >= 1700000000000 AND attr.end_time < 2e12 AND run.created > 0",
			"attributes.start_time >= 1700000000000 AND attributes.end_time < 2000000000000 AND attributes.start_time > 0"},
		{"run id and parent", "attributes.run_id IN ('a') OR attributes.parent_run_id = 'b'",
			"attributes.run_id IN ('a') OR attributes.parent_run_id = 'b'"},
		{"datasets", "datasets.digest = 'sha256:00' AND datasets.Context IN ('training')",
			"datasets.digest = 'sha256:00' AND datasets.context IN ('training')"},
		{"unicode", "params.größe = 'groß'", "params.größe = 'groß'"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, err := parseFilter(tc.in)
			if err != nil {
				t.Fatalf("parseFilter(%q): %v", tc.in, err)
			}
			got := "<nil>"
			if n != nil {
				got = n.String()
			}
			if got != tc.want {
				t.Errorf("parseFilter(%q) = %s, want %s", tc.in, got, tc.want)
			}
		})
	}
}

func TestParseFilterErrors(t *testing.T) {
	tests := []struct {
		name, in string
		col      int
	}{
		{"no operator", "metrics.f1", 11},
		{"no value", "metrics.f1 >", 13},
		{"unquoted string", "params.solver = lbfgs", 17},
		{"number for a param", "params.C = 1", 12},
		{"string for a metric", "metrics.f1 > '0.9'", 14},
		{"LIKE on a metric", "metrics.f1 LIKE '1%'", 12},
		{"IN on a time", "attributes.start_time IN ('1')", 23},
		{"unknown type", "metricz.f1 > 1", 1},
		{"unknown attribute", "attributes.user_id = 'x'", 1},
		{"unknown data set field", "datasets.schema = 'x'", 1},
		{"no type", "f1 > 1", 1},
		{"no key", "metrics. > 1", 9},
		{"empty quoted key", "metrics.`` > 1", 9},
		{"trailing AND", "metrics.f1 > 1 AND", 19},
		{"double AND", "metrics.f1 > 1 AND AND metrics.f2 > 1", 20},
		{"keyword as column", "AND metrics.f1 > 1", 1},
		{"missing AND", "metrics.f1 > 1 metrics.f2 > 1", 16},
		{"unclosed paren", "(metrics.f1 > 1", 1},
		{"unmatched paren", "metrics.f1 > 1)", 15},
		{"empty parens", "()", 2},
		{"unterminated string", "params.a = 'abc", 12},
		{"unterminated backtick", "params.`abc = 'x'", 8},
		{"bang", "params.a ! 'x'", 10},
		{"double equals", "metrics.a == 1", 11},
		{"bad character", "metrics.a = 1 ; drop", 15},
		{"bad number", "metrics.a = 1.2.3", 13},
		{"huge number", "metrics.a = 1e999", 13},
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
			_, err := parseFilter(tc.in)
			var pe *ParseError
			if !errors.As(err, &pe) || !errors.Is(err, ErrBadQuery) {
				t.Fatalf("parseFilter(%q) = %v, want a *ParseError", tc.in, err)
			}
			if pe.Column != tc.col {
				t.Errorf("parseFilter(%q): column %d, want %d (%v)", tc.in, pe.Column, tc.col, err)
			}
		})
	}
}

func TestParseOrder(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"metrics.f1", "metrics.f1 ASC"},
		{"metrics.f1 desc", "metrics.f1 DESC"},
		{"params.`a b` ASC", "params.`a b` ASC"},
		{"attributes.created DESC", "attributes.start_time DESC"},
		{"attr.run_id", "attributes.run_id ASC"},
	} {
		k, err := parseOrder(tc.in)
		if err != nil || k.String() != tc.want {
			t.Errorf("parseOrder(%q) = %v, %v; want %s", tc.in, k, err, tc.want)
		}
	}
	for _, tc := range []struct {
		in  string
		col int
	}{
		{"", 1}, {"metrics.f1 DOWN", 12}, {"metrics.f1 DESC ASC", 17},
		{"datasets.name", 1}, {"f1", 1}, {"metrics.f1, metrics.f2", 11},
	} {
		_, err := parseOrder(tc.in)
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Column != tc.col {
			t.Errorf("parseOrder(%q) = %v, want a *ParseError at column %d", tc.in, err, tc.col)
		}
	}
}

func TestLike(t *testing.T) {
	for _, tc := range []struct {
		s, p string
		fold bool
		want bool
	}{
		{"lbfgs", "lbfgs", false, true},
		{"lbfgs", "lb%", false, true},
		{"lbfgs", "%fgs", false, true},
		{"lbfgs", "%bf%", false, true},
		{"lbfgs", "l_fgs", false, true},
		{"lbfgs", "l_gs", false, false},
		{"lbfgs", "LB%", false, false},
		{"lbfgs", "LB%", true, true},
		{"", "%", false, true},
		{"", "_", false, false},
		{"größe", "gr_ße", false, true},
		{"aaa", "a%a%a", false, true},
		{"aa", "a%a%a", false, false},
		{"abcabd", "%abd", false, true},
		{"x%y", "x%y", false, true},
	} {
		if got := like(tc.s, tc.p, tc.fold); got != tc.want {
			t.Errorf("like(%q, %q, %v) = %v, want %v", tc.s, tc.p, tc.fold, got, tc.want)
		}
	}
}
