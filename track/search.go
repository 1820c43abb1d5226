package track

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
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

	plan plan // tests force a plan
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
	q := &query{limit: opts.Limit, view: opts.View, plan: opts.plan}
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
		if slices.ContainsFunc(q.order, func(o orderKey) bool { return o.col == k.col }) {
			continue // a repeated key cannot change the order
		}
		hasStart = hasStart || k.col == column{kindAttr, attrStart}
		hasID = hasID || k.col == column{kindAttr, "run_id"}
		q.order = append(q.order, k)
	}
	if !hasStart {
		q.order = append(q.order, orderKey{col: column{kindAttr, attrStart}, desc: true})
	}
	if !hasID {
		q.order = append(q.order, orderKey{col: column{kindAttr, "run_id"}})
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
		if k.col.numeric() {
			c = cmp.Compare(x.num, y.num)
		} else {
			c = strings.Compare(x.str, y.str)
		}
		if k.desc {
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

// search returns up to q.limit+1 matching rows in order, after q.after.
//
// Three plans: planOrder walks the index of the first order key in order
// and stops once the page is full (good when many runs match);
// planCandidates reads the runs that one AND-ed filter term selects
// through its index, then sorts them (good when few match); planScan reads
// every run. With N runs in the experiments and a page of k rows, the
// order walk reads about k*N/m runs when m match, the candidates plan
// about m, so candidates win when m < sqrt(k*N); the index gives m (its
// count is cut off at that bound, so estimating is cheap).
func (t *txn) search(ctx context.Context, q *query) ([]*row, error) {
	exps, n, err := t.searchExps(q)
	if err != nil {
		return nil, err
	}
	s := &searcher{t: t, q: q, ctx: ctx, want: q.limit + 1, exps: exps}
	p := q.plan
	var src *source
	if p == planAuto || p == planCandidates {
		bound := max(64, int(math.Sqrt(float64(s.want)*float64(n))))
		src = s.source(q.filter, bound+1)
		switch {
		case p == planCandidates && src == nil:
			p = planScan
		case p == planCandidates:
		case src != nil && src.est <= bound:
			p = planCandidates
		default:
			p = planOrder
		}
	}
	switch p {
	case planOrder:
		if q.plan == planAuto {
			// If the walk has not filled the page after reading twice
			// the bound, few runs match and no index finds them: reading
			// every run in storage order is then cheaper than going on
			// in index order (about 3x per run, for locality).
			s.budget = 2 * max(64, int(math.Sqrt(float64(s.want)*float64(n))))
		}
		err = s.orderWalk()
		if errors.Is(err, errOverBudget) {
			s.rows, s.budget = nil, 0
			err = s.collect(s.everyRun)
		}
	case planCandidates:
		err = s.collect(src.each)
	default:
		err = s.collect(s.everyRun)
	}
	if err != nil {
		return nil, err
	}
	if len(s.rows) > s.want {
		s.rows = s.rows[:s.want]
	}
	return s.rows, nil
}

// errOverBudget stops an order walk that reads too many runs.
var errOverBudget = errors.New("over budget")

// searchExps returns the experiments to search and their run count.
func (t *txn) searchExps(q *query) ([]uint64, int, error) {
	exps := q.expIDs
	if len(exps) == 0 {
		c := t.exps.Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			exps = append(exps, binary.BigEndian.Uint64(k))
		}
	}
	n := 0
	for _, id := range exps {
		x, err := t.expRec(id)
		if err != nil {
			return nil, 0, err
		}
		n += int(x.runs)
	}
	return exps, n, nil
}

type searcher struct {
	t      *txn
	q      *query
	ctx    context.Context
	want   int
	exps   []uint64
	rows   []*row
	seen   int // runs visited, for cancellation checks and the budget
	budget int // if > 0, visits allowed before visit fails with errOverBudget

	scratch row
}

// visit reads run id and returns it as a row if it is in the search (its
// experiment and view), matches the filter and comes after q.after.
func (s *searcher) visit(id runID) (*row, error) {
	if s.seen++; s.seen%1024 == 0 {
		if err := s.ctx.Err(); err != nil {
			return nil, err
		}
	}
	if s.budget > 0 && s.seen > s.budget {
		return nil, errOverBudget
	}
	v := s.t.lookup(s.t.runs, id, "")
	if v == nil {
		return nil, fmt.Errorf("%w: run %s", ErrNotFound, id)
	}
	rec, err := decodeRun(v)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(s.exps, rec.exp) ||
		s.q.view == ActiveOnly && rec.deleted || s.q.view == DeletedOnly && !rec.deleted {
		return nil, nil
	}
	// Most runs visited do not match: test them in a scratch row, and
	// allocate one only for a match.
	s.scratch = row{t: s.t, id: id, rec: rec}
	ok := s.scratch.match(s.q.filter)
	if s.scratch.err != nil {
		return nil, s.scratch.err
	}
	if !ok {
		return nil, nil
	}
	r := new(row)
	*r = s.scratch
	r.key = make([]sortVal, len(s.q.order))
	for i, k := range s.q.order {
		r.key[i] = r.sortValue(k.col)
	}
	if r.err != nil {
		return nil, r.err
	}
	if s.q.after != nil && compareKeys(r.key, s.q.after, s.q.order) <= 0 {
		return nil, nil
	}
	return r, nil
}

// collect visits every run each yields and sorts the matches.
func (s *searcher) collect(each func(func(runID) error) error) error {
	seen := map[runID]bool{}
	err := each(func(id runID) error {
		if seen[id] {
			return nil
		}
		seen[id] = true
		r, err := s.visit(id)
		if r != nil {
			s.rows = append(s.rows, r)
		}
		return err
	})
	if err != nil {
		return err
	}
	s.sortRows(s.rows)
	return nil
}

func (s *searcher) sortRows(rows []*row) {
	slices.SortFunc(rows, func(a, b *row) int { return compareKeys(a.key, b.key, s.q.order) })
}

// everyRun yields every run of the experiments once, through the index of
// start times, which holds each run exactly once.
func (s *searcher) everyRun(fn func(runID) error) error {
	for _, exp := range s.exps {
		w := s.walker(exp, idxRange{kind: kindAttr, name: attrStart}, false)
		for {
			_, id, ok := w.next()
			if !ok {
				break
			}
			if err := fn(id); err != nil {
				return err
			}
		}
	}
	return nil
}

// orderWalk is planOrder: walk the first order key's values in order,
// sorting each run of equal values by the remaining keys, until the page
// is full; then runs whose value is NaN, then runs that lack it.
//
// An order key that the filter pins to one value (params.p = 'x' AND-ed
// in) orders nothing among the matches, so the walk uses the first key
// that is not pinned.
func (s *searcher) orderWalk() error {
	w := s.walkKey()
	k0 := s.q.order[w]
	region, nan, missing := s.regions(k0)
	if s.q.after != nil {
		switch a := s.q.after[w]; a.cls {
		case 0:
			v := encodeValue(k0.col, a)
			if k0.desc {
				region.hi = minBytes(region.hi, v)
			} else {
				region.lo = maxBytes(region.lo, v)
			}
		case 1:
			region.empty = true
		case 2:
			region.empty, nan = true, false
		}
	}
	walk := func(r idxRange, desc bool) error {
		if r.empty {
			return nil
		}
		it := s.merge(r, desc)
		var group []*row
		var groupVal []byte
		for {
			val, id, ok := it.next()
			if !ok {
				break
			}
			if groupVal != nil && !bytes.Equal(val, groupVal) {
				s.sortRows(group)
				s.rows = append(s.rows, group...)
				group = group[:0]
				if len(s.rows) >= s.want {
					return nil
				}
			}
			groupVal = append(groupVal[:0], val...)
			r, err := s.visit(id)
			if err != nil {
				return err
			}
			if r != nil {
				group = append(group, r)
			}
		}
		s.sortRows(group)
		s.rows = append(s.rows, group...)
		return nil
	}
	if err := walk(region, k0.desc); err != nil || len(s.rows) >= s.want {
		return err
	}
	if nan {
		nanVal := u64(nanKey)
		if err := walk(idxRange{kind: region.kind, name: region.name, lo: nanVal, hi: nanVal}, false); err != nil || len(s.rows) >= s.want {
			return err
		}
	}
	if !missing {
		return nil
	}
	var rest []*row
	err := s.everyRun(func(id runID) error {
		r, err := s.visit(id)
		if r != nil && r.key[w].cls == 2 {
			rest = append(rest, r)
		}
		return err
	})
	s.sortRows(rest)
	s.rows = append(s.rows, rest...)
	return err
}

// walkKey returns the index of the order key to walk: the first one that
// no AND-ed equality of the filter pins to a single value, or the last.
func (s *searcher) walkKey() int {
	terms := conjuncts(s.q.filter)
	for i, k := range s.q.order {
		pinned := slices.ContainsFunc(terms, func(n node) bool {
			c, ok := n.(*cmpNode)
			return ok && c.col == k.col && (c.op == opEq || c.op == opIn && len(c.list) == 1)
		})
		if !pinned {
			return i
		}
	}
	return len(s.q.order) - 1
}

// regions returns the index range of an order key's values (narrowed by
// the filter's AND-ed terms on the same column), and whether NaN values and
// missing values can match.
func (s *searcher) regions(k orderKey) (r idxRange, nan, missing bool) {
	c := k.col
	r = idxRange{kind: c.kind, name: c.key}
	if c.kind == kindMetric {
		r.hi = u64(floatKey(math.Inf(1)))
		nan = true
	}
	missing = c.kind == kindMetric || c.kind == kindParam || c.kind == kindTag ||
		c == column{kindAttr, attrEnd} || c == column{kindAttr, attrParent}
	for _, term := range conjuncts(s.q.filter) {
		n, ok := term.(*cmpNode)
		if !ok || n.col != c {
			continue
		}
		missing = false // a comparison never matches a missing value
		if n.op != opNe {
			nan = false // nor does NaN, except with !=
		}
		if rs := ranges(n); len(rs) == 1 && rs[0].ids == nil {
			if rs[0].empty {
				r.empty = true
			}
			r.lo = maxBytes(r.lo, rs[0].lo)
			r.hi = minBytes(r.hi, rs[0].hi)
		}
	}
	if r.lo != nil && r.hi != nil && bytes.Compare(r.lo, r.hi) > 0 {
		r.empty = true
	}
	return r, nan, missing
}

// conjuncts returns the AND-ed terms of a filter.
func conjuncts(n node) []node {
	switch n := n.(type) {
	case nil:
		return nil
	case *andNode:
		return n.kids
	}
	return []node{n}
}

// source is a set of candidate runs that an indexed filter term selects:
// est is the number of index entries it reads (counted up to a bound),
// each yields them (perhaps with repeats).
type source struct {
	est  int
	each func(func(runID) error) error
}

// source returns the cheapest index source for n, or nil if n cannot use
// the index. An AND uses its cheapest term; an OR the union of its terms,
// if they all can.
func (s *searcher) source(n node, bound int) *source {
	switch n := n.(type) {
	case *andNode:
		var best *source
		consider := func(src *source) {
			if src != nil && (best == nil || src.est < best.est) {
				best = src
			}
		}
		// Terms on one column (a time window, a metric between two
		// values) narrow one range: intersect them.
		var cols []column
		narrowed := map[column]idxRange{}
		for _, k := range n.kids {
			if c, ok := k.(*cmpNode); ok {
				if rs := ranges(c); len(rs) == 1 && rs[0].ids == nil {
					if r, seen := narrowed[c.col]; seen {
						narrowed[c.col] = intersect(r, rs[0])
					} else {
						narrowed[c.col] = rs[0]
						cols = append(cols, c.col)
					}
					continue
				}
			}
			consider(s.source(k, bound))
		}
		for _, c := range cols {
			consider(s.rangeSource([]idxRange{narrowed[c]}, bound))
		}
		return best
	case *orNode:
		srcs := make([]*source, len(n.kids))
		est := 0
		for i, k := range n.kids {
			if srcs[i] = s.source(k, bound); srcs[i] == nil {
				return nil
			}
			est += srcs[i].est
		}
		return &source{est: est, each: func(fn func(runID) error) error {
			for _, src := range srcs {
				if err := src.each(fn); err != nil {
					return err
				}
			}
			return nil
		}}
	case *cmpNode:
		return s.rangeSource(ranges(n), bound)
	}
	return nil
}

// rangeSource returns the source of the runs in rs (nil if rs is nil).
func (s *searcher) rangeSource(rs []idxRange, bound int) *source {
	if rs == nil {
		return nil
	}
	est := 0
	for _, r := range rs {
		est += s.count(r, bound-est)
	}
	return &source{est: est, each: func(fn func(runID) error) error {
		for _, r := range rs {
			if err := s.scan(r, fn); err != nil {
				return err
			}
		}
		return nil
	}}
}

// intersect returns the range of values in both a and b (of one column).
func intersect(a, b idxRange) idxRange {
	r := idxRange{kind: a.kind, name: a.name, lo: maxBytes(a.lo, b.lo), hi: minBytes(a.hi, b.hi)}
	r.empty = a.empty || b.empty || r.lo != nil && r.hi != nil && bytes.Compare(r.lo, r.hi) > 0
	return r
}

// count returns the number of index entries in r, up to limit.
func (s *searcher) count(r idxRange, limit int) int {
	if r.ids != nil {
		return len(r.ids)
	}
	if r.empty {
		return 0
	}
	n := 0
	for _, exp := range s.exps {
		w := s.walker(exp, r, false)
		for n < limit {
			if _, _, ok := w.next(); !ok {
				break
			}
			n++
		}
	}
	return n
}

// scan yields the runs in r.
func (s *searcher) scan(r idxRange, fn func(runID) error) error {
	if r.ids != nil {
		for _, id := range r.ids {
			if s.t.runs.Get(id[:]) == nil {
				continue
			}
			if err := fn(id); err != nil {
				return err
			}
		}
		return nil
	}
	if r.empty {
		return nil
	}
	for _, exp := range s.exps {
		w := s.walker(exp, r, false)
		for {
			_, id, ok := w.next()
			if !ok {
				break
			}
			if err := fn(id); err != nil {
				return err
			}
		}
	}
	return nil
}

// idxRange is a range of one column's index: values from lo to hi
// (encoded, both inclusive, nil for no bound), or a list of run ids (for
// attributes.run_id), or nothing at all.
type idxRange struct {
	kind   byte
	name   string
	lo, hi []byte
	ids    []runID
	empty  bool
}

// ranges returns the index ranges holding every run that can match n, or
// nil if the index cannot narrow n down.
func ranges(n *cmpNode) []idxRange {
	c := n.col
	r := idxRange{kind: c.kind, name: c.key}
	switch {
	case c.kind == kindDataset || n.op == opNe:
		return nil
	case c == column{kindAttr, "run_id"}:
		vals := []string{n.str}
		switch n.op {
		case opIn:
			vals = n.list
		case opEq:
		default:
			return nil
		}
		r.ids = []runID{}
		for _, v := range vals {
			if id, err := parseRunID(v); err == nil {
				r.ids = append(r.ids, id)
			}
		}
		return []idxRange{r}
	case c.kind == kindMetric:
		v := floatKey(n.num)
		top := floatKey(math.Inf(1))
		switch n.op {
		case opEq:
			r.lo, r.hi = u64(v), u64(v)
		case opLt:
			if v == 0 {
				r.empty = true
			} else {
				r.hi = u64(v - 1)
			}
		case opLe:
			r.hi = u64(v)
		case opGt:
			if v >= top {
				r.empty = true
			} else {
				r.lo, r.hi = u64(v+1), u64(top)
			}
		case opGe:
			r.lo, r.hi = u64(v), u64(top)
		}
		return []idxRange{r}
	case c.numeric(): // start_time, end_time: integers
		lo, hi := math.Inf(-1), math.Inf(1)
		switch n.op {
		case opEq:
			lo, hi = math.Ceil(n.num), math.Floor(n.num)
		case opLt:
			hi = math.Ceil(n.num) - 1
		case opLe:
			hi = math.Floor(n.num)
		case opGt:
			lo = math.Floor(n.num) + 1
		case opGe:
			lo = math.Ceil(n.num)
		}
		if lo > hi || lo > math.MaxInt64 || hi < math.MinInt64 {
			r.empty = true
			return []idxRange{r}
		}
		if lo > math.MinInt64 {
			r.lo = u64(intKey(int64(lo)))
		}
		if hi < math.MaxInt64 {
			r.hi = u64(intKey(int64(hi)))
		}
		return []idxRange{r}
	}
	// String columns.
	switch n.op {
	case opEq:
		v := append([]byte(n.str), 0)
		r.lo, r.hi = v, v
		return []idxRange{r}
	case opIn:
		out := make([]idxRange, len(n.list))
		for i, s := range n.list {
			v := append([]byte(s), 0)
			out[i] = idxRange{kind: c.kind, name: c.key, lo: v, hi: v}
		}
		return out
	case opLike:
		p := likePrefix(n.str)
		if p == "" {
			return nil
		}
		// Values that start with p sort from p up to p followed by
		// 0xFF, a byte that UTF-8 text never holds.
		r.lo, r.hi = []byte(p), append([]byte(p), 0xff)
		return []idxRange{r}
	}
	return nil
}

// encodeValue returns the index encoding of a sort value of column c.
func encodeValue(c column, v sortVal) []byte {
	switch {
	case c.kind == kindMetric:
		return u64(floatKey(v.num))
	case c.numeric():
		return u64(intKey(int64(v.num)))
	case c == column{kindAttr, "run_id"}:
		id, _ := parseRunID(v.str)
		return id[:]
	}
	return append([]byte(v.str), 0)
}

func minBytes(a, b []byte) []byte {
	if a == nil || b != nil && bytes.Compare(b, a) < 0 {
		return b
	}
	return a
}

func maxBytes(a, b []byte) []byte {
	if a == nil || b != nil && bytes.Compare(b, a) > 0 {
		return b
	}
	return a
}

// token encodes a page token: the query's hash and the sort key of the
// last row returned.
func (q *query) token(key []sortVal) string {
	e := newEnc(64)
	e.b = append(e.b, q.hash[:]...)
	e.uvarint(uint64(len(key)))
	for i, v := range key {
		e.byte1(v.cls)
		if v.cls != 0 {
			continue
		}
		if q.order[i].col.numeric() {
			e.float(v.num)
		} else {
			e.str(v.str)
		}
	}
	return base64.RawURLEncoding.EncodeToString(e.done())
}

func (q *query) decodeToken(s string) ([]sortVal, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadPageToken, err)
	}
	d := newDec(b)
	if d.err == nil && (len(d.b) < 8 || !bytes.Equal(d.b[:8], q.hash[:])) {
		return nil, fmt.Errorf("%w: the token belongs to another query", ErrBadPageToken)
	}
	if d.err == nil {
		d.b = d.b[8:]
	}
	n := d.uvarint()
	if d.err == nil && n != uint64(len(q.order)) {
		d.fail(fmt.Errorf("%d sort keys, want %d", n, len(q.order)))
	}
	var key []sortVal
	for i := 0; d.err == nil && i < len(q.order); i++ {
		v := sortVal{cls: d.byte1()}
		switch {
		case v.cls > 2:
			d.fail(fmt.Errorf("bad class %d", v.cls))
		case v.cls != 0:
		case q.order[i].col.numeric():
			v.num = d.float()
			if math.IsNaN(v.num) {
				d.fail(fmt.Errorf("NaN sort value"))
			}
		default:
			v.str = d.str()
		}
		key = append(key, v)
	}
	if err := d.end(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadPageToken, err)
	}
	return key, nil
}
