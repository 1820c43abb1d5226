package track

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"math"
	"slices"
	"strings"
)

// ViewType selects runs by lifecycle, as MLflow's run_view_type does.
type ViewType uint8

// The view types. The zero value, ActiveOnly, leaves deleted runs out.
const (
	ActiveOnly ViewType = iota
	DeletedOnly
	AllRuns
)

// Limits on the page size of SearchRuns (MLflow's).
const (
	DefaultSearchLimit = 1000
	MaxSearchLimit     = 50000
)

// SearchOptions describes a search of runs. The zero value returns the
// first DefaultSearchLimit active runs of every experiment, newest first.
type SearchOptions struct {
	// ExperimentIDs are the experiments to search; empty means all.
	ExperimentIDs []string
	// Filter selects runs, in MLflow's grammar with OR and parentheses
	// added; see the package doc, # Search. Empty matches every run.
	Filter string
	// OrderBy lists sort keys, most significant first, each a column and
	// an optional ASC (the default) or DESC: "metrics.f1 DESC". Runs that
	// lack a key's value sort after those that have it, whatever the
	// direction (NaN metrics between the two). Ties are broken by
	// attributes.start_time DESC, then attributes.run_id ASC.
	OrderBy []string
	// Limit is the page size: 0 means DefaultSearchLimit; at most
	// MaxSearchLimit.
	Limit int
	// PageToken continues a search from the page that returned it; it is
	// only valid with the same experiments, filter, order and view.
	PageToken string
	// View selects active runs (the zero value), deleted runs or both.
	View ViewType

	plan  plan         // tests force a plan
	trace *searchTrace // tests see what the search did
}

// plan is how a search finds its runs; see (*txn).search.
type plan uint8

const (
	planAuto       plan = iota
	planOrder           // walk the index of the first order key
	planCandidates      // collect runs from the index of a filter term
	planScan            // read every run of the experiments
)

// query is a compiled search.
type query struct {
	expIDs []uint64 // as given; empty means all
	filter node
	order  []orderKey // with the tie-breakers appended
	limit  int
	after  []sortVal // the last row of the previous page, or nil
	view   ViewType
	hash   [8]byte // identifies the query in page tokens
	plan   plan
	trace  *searchTrace
}

// SearchRuns returns one page of the runs of the given experiments that
// match opts.Filter, in opts.OrderBy order, and a token for the next page
// ("" on the last page). Paging is by position in the order (keyset), not
// by offset, so runs logged between pages do not shift later pages.
//
// A filter or order-by clause that does not parse, or uses a column in a
// way it cannot be used, is a *ParseError (wrapping ErrBadQuery) that gives
// the column where the problem starts. A bad page token wraps
// ErrBadPageToken; an unknown experiment ErrNotFound.
//
// The package doc (# Search) says how the index answers a query and what
// it costs.
func (st *Store) SearchRuns(ctx context.Context, opts SearchOptions) ([]RunRecord, string, error) {
	q, err := compile(opts)
	if err != nil {
		return nil, "", err
	}
	var out []RunRecord
	var next string
	err = st.view(ctx, func(t *txn) error {
		rows, err := t.search(ctx, q)
		if err != nil {
			return err
		}
		if len(rows) > q.limit {
			rows = rows[:q.limit]
			next = q.token(rows[len(rows)-1].key)
		}
		out = make([]RunRecord, 0, len(rows))
		for _, r := range rows {
			rec, err := t.record(r.id, r.rec)
			if err != nil {
				return err
			}
			out = append(out, rec)
		}
		return nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("track: search runs: %w", err)
	}
	return out, next, nil
}

func compile(opts SearchOptions) (*query, error) {
	q := &query{limit: opts.Limit, view: opts.View, plan: opts.plan, trace: opts.trace}
	switch {
	case q.limit == 0:
		q.limit = DefaultSearchLimit
	case q.limit < 0 || q.limit > MaxSearchLimit:
		return nil, fmt.Errorf("%w: limit %d is not in [1, %d]", ErrInvalid, q.limit, MaxSearchLimit)
	}
	if q.view > AllRuns {
		return nil, fmt.Errorf("%w: view type %d", ErrInvalid, q.view)
	}
	for _, s := range opts.ExperimentIDs {
		id, err := parseExpID(s)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(q.expIDs, id) {
			q.expIDs = append(q.expIDs, id)
		}
	}
	slices.Sort(q.expIDs)
	var err error
	if q.filter, err = parseFilter(opts.Filter); err != nil {
		return nil, err
	}
	hasStart, hasID := false, false
	for _, s := range opts.OrderBy {
		k, err := parseOrder(s)
		if err != nil {
			return nil, err
		}
		if slices.ContainsFunc(q.order, func(o orderKey) bool { return o.Col == k.Col }) {
			continue // a repeated key cannot change the order
		}
		hasStart = hasStart || k.Col == column{kindAttr, attrStart}
		hasID = hasID || k.Col == column{kindAttr, "run_id"}
		q.order = append(q.order, k)
	}
	if !hasStart {
		q.order = append(q.order, orderKey{Col: column{kindAttr, attrStart}, Desc: true})
	}
	if !hasID {
		q.order = append(q.order, orderKey{Col: column{kindAttr, "run_id"}})
	}
	h := sha256.New()
	for _, id := range q.expIDs {
		fmt.Fprintf(h, "%d,", id)
	}
	if q.filter != nil {
		fmt.Fprintf(h, "\x00%s\x00", q.filter)
	}
	for _, k := range q.order {
		fmt.Fprintf(h, "%s\x00", k)
	}
	fmt.Fprintf(h, "%d", q.view)
	copy(q.hash[:], h.Sum(nil))
	if opts.PageToken != "" {
		if q.after, err = q.decodeToken(opts.PageToken); err != nil {
			return nil, err
		}
	}
	return q, nil
}

// sortVal is a run's value for one order key: class 0 holds a value (num
// for numeric columns, str for the others), class 1 is a NaN metric, class
// 2 a missing value. Classes sort ascending whatever the direction.
type sortVal struct {
	cls uint8
	num float64
	str string
}

func compareKeys(a, b []sortVal, order []orderKey) int {
	for i, k := range order {
		x, y := a[i], b[i]
		if x.cls != y.cls {
			return cmp.Compare(x.cls, y.cls)
		}
		if x.cls != 0 {
			continue
		}
		var c int
		if k.Col.numeric() {
			c = cmp.Compare(x.num, y.num)
		} else {
			c = strings.Compare(x.str, y.str)
		}
		if k.Desc {
			c = -c
		}
		if c != 0 {
			return c
		}
	}
	return 0
}

// sortValue reads a run's value for an order column.
func (r *row) sortValue(c column) sortVal {
	if c.numeric() {
		v, ok := r.number(c)
		switch {
		case !ok:
			return sortVal{cls: 2}
		case math.IsNaN(v):
			return sortVal{cls: 1}
		}
		return sortVal{num: v}
	}
	s, ok := r.text(c)
	if !ok {
		return sortVal{cls: 2}
	}
	return sortVal{str: s}
}

// token encodes a page token: the query's hash and the sort key of the
// last row returned.
func (q *query) token(key []sortVal) string {
	e := newEnc(64)
	e.Fixed(q.hash[:])
	e.Uvarint(uint64(len(key)))
	for i, v := range key {
		e.Byte(v.cls)
		if v.cls != 0 {
			continue
		}
		if q.order[i].Col.numeric() {
			e.Float(v.num)
		} else {
			e.Str(v.str)
		}
	}
	return base64.RawURLEncoding.EncodeToString(e.Bytes())
}

func (q *query) decodeToken(s string) ([]sortVal, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadPageToken, err)
	}
	d := newDec(b)
	if h := d.Fixed(len(q.hash)); d.Err() == nil && !bytes.Equal(h, q.hash[:]) {
		return nil, fmt.Errorf("%w: the token belongs to another query", ErrBadPageToken)
	}
	n := d.Uvarint()
	if d.Err() == nil && n != uint64(len(q.order)) {
		d.Fail(fmt.Errorf("%d sort keys, want %d", n, len(q.order)))
	}
	var key []sortVal
	for i := 0; d.Err() == nil && i < len(q.order); i++ {
		v := sortVal{cls: d.Byte()}
		switch {
		case v.cls > 2:
			d.Fail(fmt.Errorf("bad class %d", v.cls))
		case v.cls != 0:
		case q.order[i].Col.numeric():
			v.num = d.Float()
			if math.IsNaN(v.num) {
				d.Fail(fmt.Errorf("NaN sort value"))
			}
		default:
			v.str = d.Str()
		}
		key = append(key, v)
	}
	if err := d.Finish(ErrBadPageToken, "page token"); err != nil {
		return nil, err
	}
	return key, nil
}
