package track

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/cairn-ml/cairn/internal/filter"
)

// How a search finds its runs. The index (layout.go) holds, for every
// experiment and column, the runs sorted by value; a search either walks
// the index of its first order key, or collects the runs that one filter
// term selects through that term's index, or reads every run. See
// (*txn).search for the choice.

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
	s := &searcher{t: t, q: q, cancelled: ctx.Err, want: q.limit + 1, exps: exps, pf: newPrefetch(t, q)}
	bound := max(64, int(math.Sqrt(float64(s.want)*float64(n))))
	p := q.plan
	var src *source
	if p == planAuto || p == planCandidates {
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
			// the bound, few runs match: fewer than the best filter term
			// selects (several AND-ed terms, each selecting many runs
			// but few together). Go on with that term's candidates if
			// there are fewer than a third of the runs; else read every
			// run in storage order, about 3x cheaper per run than in
			// index order (locality).
			s.budget = 2 * bound
		}
		err = s.orderWalk()
		if errors.Is(err, errOverBudget) {
			s.rows, s.budget = nil, 0
			s.fellBack = true
			var wide *source
			if src != nil {
				wide = s.source(q.filter, n/3+1)
			}
			if wide != nil && wide.est <= n/3 {
				err = s.collect(wide.each)
			} else {
				err = s.collect(s.everyRun)
			}
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
	if q.trace != nil {
		*q.trace = searchTrace{plan: p, visited: s.seen, fellBack: s.fellBack}
	}
	return s.rows, nil
}

// searchTrace says what a search did, for tests.
type searchTrace struct {
	plan     plan
	visited  int // runs read
	fellBack bool
}

// errOverBudget stops an order walk that reads too many runs.
var errOverBudget = errors.New("over budget")

// searchExps returns the experiments to search and their run count.
func (t *txn) searchExps(q *query) ([]uint64, int, error) {
	exps := q.expIDs
	if len(exps) == 0 {
		c := t.exps().Cursor()
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

// searcher is the state of one search.
type searcher struct {
	t         *txn
	q         *query
	cancelled func() error // the call's ctx.Err
	want      int
	exps      []uint64
	rows      []*row
	seen      int       // runs visited, for cancellation checks and the budget
	budget    int       // if > 0, visits allowed before visit fails with errOverBudget
	fellBack  bool      // the order walk ran over its budget (for tests)
	pf        *prefetch // nil if the engine reads in place (see prefetch.go)

	scratch row
}

// visit reads run id and returns it as a row if it is in the search (its
// experiment and view), matches the filter and comes after q.after.
func (s *searcher) visit(id runID) (*row, error) {
	if s.seen++; s.seen%1024 == 0 {
		if err := s.cancelled(); err != nil {
			return nil, err
		}
	}
	if s.budget > 0 && s.seen > s.budget {
		return nil, errOverBudget
	}
	v := s.t.lookup(s.t.runs(), id, "")
	if v == nil {
		return nil, fmt.Errorf("%w: the index refers to run %s, which is not stored", ErrCorrupt, id)
	}
	rec, err := decodeRunOwner(v, false) // a Run does not show its owner
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
		r.key[i] = r.sortValue(k.Col)
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
	visit, flush := s.batched(func(id runID) error {
		r, err := s.visit(id)
		if r != nil {
			s.rows = append(s.rows, r)
		}
		return err
	})
	err := each(func(id runID) error {
		if seen[id] {
			return nil
		}
		seen[id] = true
		return visit(id)
	})
	if err == nil {
		err = flush()
	}
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
			v := encodeValue(k0.Col, a)
			if k0.Desc {
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
		if s.pf != nil {
			it = newAhead(it, s.pf, s.want)
		}
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
	if err := walk(region, k0.Desc); err != nil || len(s.rows) >= s.want {
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
	visit, flush := s.batched(func(id runID) error {
		r, err := s.visit(id)
		if r != nil && r.key[w].cls == 2 {
			rest = append(rest, r)
		}
		return err
	})
	err := s.everyRun(visit)
	if err == nil {
		err = flush()
	}
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
			return ok && c.Col == k.Col && (c.Op == filter.Eq || c.Op == filter.In && len(c.List) == 1)
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
	c := k.Col
	r = idxRange{kind: c.kind, name: c.key}
	if c.kind == kindMetric {
		r.hi = u64(floatKey(math.Inf(1)))
		nan = true
	}
	missing = c.kind == kindMetric || c.kind == kindParam || c.kind == kindTag ||
		c == column{kindAttr, attrEnd} || c == column{kindAttr, attrParent}
	for _, term := range conjuncts(s.q.filter) {
		n, ok := term.(*cmpNode)
		if !ok || n.Col != c {
			continue
		}
		missing = false // a comparison never matches a missing value
		if n.Op != filter.Ne {
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
		return n.Terms
	}
	return []node{n}
}

// source is a set of candidate runs that an indexed filter term selects:
// est is the number of index entries it reads (counted up to a bound),
// each yields them (perhaps with repeats). If whole is set, kept holds
// them all, read while counting (see rangeSource).
type source struct {
	est   int
	each  func(func(runID) error) error
	kept  []runID
	whole bool
}

// keptSource returns the source of the runs ids, known already.
func keptSource(ids []runID) *source {
	return &source{est: len(ids), kept: ids, whole: true, each: func(fn func(runID) error) error {
		for _, id := range ids {
			if err := fn(id); err != nil {
				return err
			}
		}
		return nil
	}}
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
		var whole []*source
		narrowed := map[column]idxRange{}
		for _, k := range n.Terms {
			if c, ok := k.(*cmpNode); ok {
				if rs := ranges(c); len(rs) == 1 && rs[0].ids == nil {
					if r, seen := narrowed[c.Col]; seen {
						narrowed[c.Col] = intersect(r, rs[0])
					} else {
						narrowed[c.Col] = rs[0]
						cols = append(cols, c.Col)
					}
					continue
				}
			}
			src := s.source(k, bound)
			consider(src)
			if src != nil && src.whole {
				whole = append(whole, src)
			}
		}
		for _, c := range cols {
			src := s.rangeSource([]idxRange{narrowed[c]}, bound)
			consider(src)
			if src.whole {
				whole = append(whole, src)
			}
		}
		if len(whole) > 1 {
			// Several terms' runs are known in full: only the runs in
			// all of them can match.
			consider(keptSource(intersectIDs(whole)))
		}
		return best
	case *orNode:
		srcs := make([]*source, len(n.Terms))
		est := 0
		whole := true
		for i, k := range n.Terms {
			if srcs[i] = s.source(k, bound); srcs[i] == nil {
				return nil
			}
			est += srcs[i].est
			whole = whole && srcs[i].whole
		}
		if whole {
			var ids []runID
			for _, src := range srcs {
				ids = append(ids, src.kept...)
			}
			return keptSource(ids)
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
//
// On an engine that pays a round trip per read (s.pf is set), the run ids
// met while counting are kept, and if the count reached the end of every
// range they are the source: the index is not read a second time.
func (s *searcher) rangeSource(rs []idxRange, bound int) *source {
	if rs == nil {
		return nil
	}
	est := 0
	var kept []runID
	keep := s.pf != nil
	for _, r := range rs {
		n, ids, whole := s.count(r, bound-est, keep)
		est += n
		keep = keep && whole
		kept = append(kept, ids...)
	}
	if keep {
		return keptSource(kept)
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

// intersectIDs returns the runs that every source holds, once each, in
// the order of the smallest source.
func intersectIDs(srcs []*source) []runID {
	srcs = slices.Clone(srcs)
	slices.SortFunc(srcs, func(a, b *source) int { return len(a.kept) - len(b.kept) })
	in := make(map[runID]int, len(srcs[0].kept))
	for _, id := range srcs[0].kept {
		in[id] = 1
	}
	for i, src := range srcs[1:] {
		for _, id := range src.kept {
			if in[id] == i+1 {
				in[id] = i + 2
			}
		}
	}
	var out []runID
	for _, id := range srcs[0].kept {
		if in[id] == len(srcs) {
			out = append(out, id)
			in[id] = 0
		}
	}
	return out
}

// count returns the number of index entries in r, up to limit, and, if
// keep is set, their run ids and whether they are all of them (not cut
// off at limit; a list of ids is never kept).
func (s *searcher) count(r idxRange, limit int, keep bool) (n int, ids []runID, whole bool) {
	if r.ids != nil {
		return len(r.ids), nil, false
	}
	if r.empty {
		return 0, nil, true
	}
	for _, exp := range s.exps {
		w := s.walker(exp, r, false)
		for {
			_, id, ok := w.next()
			if !ok {
				break
			}
			if n >= limit {
				return n, nil, false // cut off: more follow
			}
			n++
			if keep {
				ids = append(ids, id)
			}
		}
	}
	return n, ids, true
}

// scan yields the runs in r.
func (s *searcher) scan(r idxRange, fn func(runID) error) error {
	if r.ids != nil {
		if s.pf != nil {
			s.pf.fetch(r.ids)
		}
		for _, id := range r.ids {
			if s.t.runs().Get(id[:]) == nil {
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
