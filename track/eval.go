package track

import (
	"github.com/cairn-ml/cairn/internal/filter"
	"github.com/cairn-ml/cairn/internal/sqlike"
)

// row is one run met during a search, with what has been read of it.
type row struct {
	t   *txn
	id  runID
	rec runRec
	key []sortVal // its position in the search order

	inputs []Input
	loaded bool  // inputs read
	err    error // the first error reading stored data
}

// Comparisons follow MLflow's SQL semantics: a run that lacks the metric,
// param or tag compared (or has no end time, or no parent) does not match,
// whatever the operator, != and NOT IN included. Numbers compare as
// IEEE-754 doubles (NaN is unequal to everything, including NaN). Strings
// compare byte by byte; LIKE's % matches any run of characters and _ one
// character, with no escape; ILIKE folds case.

// match reports whether the run satisfies n (nil matches every run).
func (r *row) match(n node) bool { return filter.Eval(n, r.compare) }

func (r *row) compare(n *cmpNode) bool {
	if n.Col.kind == kindDataset {
		for _, in := range r.loadInputs() {
			if n.MatchString(datasetField(in, n.Col.key)) {
				return true
			}
		}
		return false
	}
	if n.Kind == filter.Number {
		v, ok := r.number(n.Col)
		return ok && n.MatchNumber(v)
	}
	if n.Col.kind == kindParam || n.Col.kind == kindTag {
		v := r.raw(n.Col)
		// Converting in the call lets the compiler skip the copy.
		return v != nil && n.MatchString(string(v))
	}
	s, ok := r.text(n.Col)
	return ok && n.MatchString(s)
}

// raw returns the stored bytes of a param or tag, or nil.
func (r *row) raw(c column) []byte {
	if c.kind == kindParam {
		return r.t.lookup(r.t.params(), r.id, c.key)
	}
	return r.t.lookup(r.t.tags(), r.id, c.key)
}

// number returns a numeric column's value; ok is false if the run lacks it.
func (r *row) number(c column) (float64, bool) {
	switch c.kind {
	case kindMetric:
		v := r.t.lookup(r.t.metrics(), r.id, c.key)
		if v == nil {
			return 0, false
		}
		m, err := decodeMetric(v)
		if err != nil {
			r.fail(err)
			return 0, false
		}
		return m.value, true
	case kindAttr:
		switch c.key {
		case attrStart:
			return float64(r.rec.start), true
		case attrEnd:
			return float64(r.rec.end), r.rec.end != 0
		}
	}
	return 0, false
}

// text returns a string column's value; ok is false if the run lacks it.
func (r *row) text(c column) (string, bool) {
	var v []byte
	switch c.kind {
	case kindParam, kindTag:
		v = r.raw(c)
	case kindAttr:
		switch c.key {
		case "run_id":
			return r.id.String(), true
		case attrName:
			return r.rec.name, true
		case attrStatus:
			return r.rec.status.String(), true
		case attrParent:
			return r.rec.parent, r.rec.parent != ""
		}
	}
	if v == nil {
		return "", false
	}
	return string(v), true
}

func (r *row) loadInputs() []Input {
	if !r.loaded {
		r.loaded = true
		err := forPrefix(r.t.inputs(), r.id[:], func(_, v []byte) error {
			in, err := decodeInput(v)
			r.inputs = append(r.inputs, in)
			return err
		})
		if err != nil {
			r.fail(err)
		}
	}
	return r.inputs
}

func (r *row) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

func datasetField(in Input, field string) string {
	switch field {
	case "name":
		return in.Name
	case "version":
		return in.Version
	case "digest":
		return in.Digest
	case "source":
		return in.Source
	}
	return in.Context
}

// like matches s against an SQL LIKE pattern (see sqlike.Match).
func like(s, pattern string, fold bool) bool { return sqlike.Match(s, pattern, fold) }

// likePrefix returns the literal text before the first wildcard of a LIKE
// pattern.
func likePrefix(pattern string) string { return sqlike.Prefix(pattern) }
