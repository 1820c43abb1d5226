package track

import (
	"bytes"
	"math"

	"github.com/cairn-ml/cairn/internal/filter"
	"github.com/cairn-ml/cairn/internal/kv"
)

// entries iterates over index entries in order: each has an encoded value
// and a run id. The value is valid until the next call.
type entries interface {
	next() (val []byte, id runID, ok bool)
}

// walker iterates over the entries of one column of one experiment's index
// (or, for attributes.run_id, over the run bucket) with values in [lo, hi].
type walker struct {
	c       kv.Cursor
	prefix  []byte
	lo, hi  []byte
	desc    bool
	started bool
	done    bool
}

func (s *searcher) walker(exp uint64, r idxRange, desc bool) *walker {
	if r.kind == kindAttr && r.name == "run_id" {
		return &walker{c: s.t.runs().Cursor(), lo: r.lo, hi: r.hi, desc: desc}
	}
	return &walker{c: s.t.index().Cursor(), prefix: indexPrefix(exp, r.kind, r.name), lo: r.lo, hi: r.hi, desc: desc}
}

func (w *walker) next() ([]byte, runID, bool) {
	var id runID
	if w.done {
		return nil, id, false
	}
	var k []byte
	switch {
	case !w.started && !w.desc:
		k, _ = w.c.Seek(concat(w.prefix, w.lo))
	case !w.started:
		// Position on the last entry with a value <= hi: seek past every
		// entry whose value is hi (hi then 17 bytes of 0xFF sorts after
		// hi, a 16-byte run id and anything else), then step back.
		var upper []byte
		if w.hi != nil {
			upper = concat(w.prefix, w.hi, bytes.Repeat([]byte{0xff}, 17))
		} else {
			upper = successor(w.prefix)
		}
		if upper == nil {
			k, _ = w.c.Last()
		} else if k, _ = w.c.Seek(upper); k == nil {
			k, _ = w.c.Last()
		} else {
			k, _ = w.c.Prev()
		}
	case w.desc:
		k, _ = w.c.Prev()
	default:
		k, _ = w.c.Next()
	}
	w.started = true
	if k == nil || !bytes.HasPrefix(k, w.prefix) || len(k) < len(w.prefix)+16 {
		w.done = true
		return nil, id, false
	}
	val := k[len(w.prefix) : len(k)-16]
	if w.prefix == nil {
		val = k // the run bucket: the value is the id
	}
	if !w.desc && w.hi != nil && bytes.Compare(val, w.hi) > 0 || w.desc && w.lo != nil && bytes.Compare(val, w.lo) < 0 {
		w.done = true
		return nil, id, false
	}
	copy(id[:], k[len(k)-16:])
	return val, id, true
}

// merged merges the walkers of several experiments into one order.
type merged struct {
	ws   []*walker
	vals [][]byte
	ids  []runID
	ok   []bool
	desc bool
	init bool
}

// merge returns the entries of r over every searched experiment, in
// order.
func (s *searcher) merge(r idxRange, desc bool) entries {
	if r.kind == kindAttr && r.name == "run_id" || len(s.exps) == 1 {
		return s.walker(s.exps[0], r, desc)
	}
	m := &merged{desc: desc}
	for _, exp := range s.exps {
		m.ws = append(m.ws, s.walker(exp, r, desc))
	}
	m.vals = make([][]byte, len(m.ws))
	m.ids = make([]runID, len(m.ws))
	m.ok = make([]bool, len(m.ws))
	return m
}

func (m *merged) next() ([]byte, runID, bool) {
	if !m.init {
		m.init = true
		for i := range m.ws {
			m.advance(i)
		}
	}
	best := -1
	for i := range m.ws {
		if !m.ok[i] {
			continue
		}
		if best < 0 {
			best = i
			continue
		}
		c := bytes.Compare(m.vals[i], m.vals[best])
		if m.desc && c > 0 || !m.desc && c < 0 {
			best = i
		}
	}
	if best < 0 {
		return nil, runID{}, false
	}
	val, id := m.vals[best], m.ids[best]
	m.advance(best)
	return val, id, true
}

// advance moves walker i on, keeping a copy of its value (the cursor's
// memory can change as other cursors move).
func (m *merged) advance(i int) {
	val, id, ok := m.ws[i].next()
	m.vals[i] = append(m.vals[i][:0:0], val...)
	m.ids[i], m.ok[i] = id, ok
}

func concat(parts ...[]byte) []byte {
	var n int
	for _, p := range parts {
		n += len(p)
	}
	out := make([]byte, 0, n)
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// successor returns the smallest key after every key that starts with p,
// or nil if there is none (p is empty or all 0xFF).
func successor(p []byte) []byte {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] != 0xff {
			out := append([]byte(nil), p[:i+1]...)
			out[i]++
			return out
		}
	}
	return nil
}

// intersect returns the range of values in both a and b (of one column).
func intersect(a, b idxRange) idxRange {
	r := idxRange{kind: a.kind, name: a.name, lo: maxBytes(a.lo, b.lo), hi: minBytes(a.hi, b.hi)}
	r.empty = a.empty || b.empty || r.lo != nil && r.hi != nil && bytes.Compare(r.lo, r.hi) > 0
	return r
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
	c := n.Col
	r := idxRange{kind: c.kind, name: c.key}
	switch {
	case c.kind == kindDataset || n.Op == filter.Ne:
		return nil
	case c == column{kindAttr, "run_id"}:
		vals := []string{n.Str}
		switch n.Op {
		case filter.In:
			vals = n.List
		case filter.Eq:
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
		v := floatKey(n.Num)
		top := floatKey(math.Inf(1))
		switch n.Op {
		case filter.Eq:
			r.lo, r.hi = u64(v), u64(v)
		case filter.Lt:
			if v == 0 {
				r.empty = true
			} else {
				r.hi = u64(v - 1)
			}
		case filter.Le:
			r.hi = u64(v)
		case filter.Gt:
			if v >= top {
				r.empty = true
			} else {
				r.lo, r.hi = u64(v+1), u64(top)
			}
		case filter.Ge:
			r.lo, r.hi = u64(v), u64(top)
		}
		return []idxRange{r}
	case c.numeric(): // start_time, end_time: integers
		lo, hi := math.Inf(-1), math.Inf(1)
		switch n.Op {
		case filter.Eq:
			lo, hi = math.Ceil(n.Num), math.Floor(n.Num)
		case filter.Lt:
			hi = math.Ceil(n.Num) - 1
		case filter.Le:
			hi = math.Floor(n.Num)
		case filter.Gt:
			lo = math.Floor(n.Num) + 1
		case filter.Ge:
			lo = math.Ceil(n.Num)
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
	switch n.Op {
	case filter.Eq:
		v := append([]byte(n.Str), 0)
		r.lo, r.hi = v, v
		return []idxRange{r}
	case filter.In:
		out := make([]idxRange, len(n.List))
		for i, s := range n.List {
			v := append([]byte(s), 0)
			out[i] = idxRange{kind: c.kind, name: c.key, lo: v, hi: v}
		}
		return out
	case filter.Like:
		p := likePrefix(n.Str)
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
