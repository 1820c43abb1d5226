package track

import (
	"errors"
	"testing"
)

// TestParseFilter checks a run search's columns; the grammar itself is
// internal/filter's (tested there).
func TestParseFilter(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "<nil>"},
		{"MLflow example", "metrics.f1 > 0.95 AND params.solver = 'lbfgs' AND tags.stage != 'dev'",
			"metrics.f1 > 0.95 AND params.solver = 'lbfgs' AND tags.stage != 'dev'"},
		{"singular types", "metric.a = 1 and param.b = 'x' and tag.c = 'y' and attribute.status = 'finished'",
			"metrics.a = 1 AND params.b = 'x' AND tags.c = 'y' AND attributes.status = 'FINISHED'"},
		{"type spellings", "parameter.a = 'x' OR PARAMETERS.b = 'y' OR Tags.c = 'z' OR dataset.name = 'd'",
			"params.a = 'x' OR params.b = 'y' OR tags.c = 'z' OR datasets.name = 'd'"},
		{"status in any case", "attributes.status IN ('running', 'Failed') OR attributes.status LIKE 'fin%'",
			"attributes.status IN ('RUNNING', 'FAILED') OR attributes.status LIKE 'FIN%'"},
		{"dotted tag", "tags.mlflow.source.name = 'x'", "tags.mlflow.source.name = 'x'"},
		{"quoted key", "metrics.`f1 score` > 0 AND params.\"learning rate\" = '0.1'", "metrics.`f1 score` > 0 AND params.`learning rate` = '0.1'"},
		{"attributes", "attributes.start_time >= 1700000000000 AND attr.end_time < 2e12 AND run.created > 0",
			"attributes.start_time >= 1700000000000 AND attributes.end_time < 2000000000000 AND attributes.start_time > 0"},
		{"attribute names in any case", "attributes.RUN_NAME = 'x'", "attributes.run_name = 'x'"},
		{"run id and parent", "attributes.run_id IN ('a') OR attributes.parent_run_id = 'b'",
			"attributes.run_id IN ('a') OR attributes.parent_run_id = 'b'"},
		{"datasets", "datasets.digest = 'sha256:00' AND datasets.Context IN ('training')",
			"datasets.digest = 'sha256:00' AND datasets.context IN ('training')"},
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
		{"number for a param", "params.C = 1", 12},
		{"string for a metric", "metrics.f1 > '0.9'", 14},
		{"LIKE on a metric", "metrics.f1 LIKE '1%'", 12},
		{"IN on a time", "attributes.start_time IN ('1')", 23},
		{"number for a status", "attributes.status = 1", 21},
		{"unknown type", "metricz.f1 > 1", 1},
		{"unknown attribute", "attributes.user_id = 'x'", 1},
		{"unknown data set field", "datasets.schema = 'x'", 1},
		{"no type", "f1 > 1", 1},
		{"no key", "metrics. > 1", 9},
		{"syntax", "metrics.f1 > 1 AND", 19},
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
		{"", 1}, {"metrics.f1 DOWN", 12}, {"datasets.name", 1}, {"datasets.schema", 1}, {"f1", 1},
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
