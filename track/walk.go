package track

import (
	"bytes"

	"go.etcd.io/bbolt"
)

// entries iterates over index entries in order: each has an encoded value
// and a run id. The value is valid until the next call.
type entries interface {
	next() (val []byte, id runID, ok bool)
}

// walker iterates over the entries of one column of one experiment's index
// (or, for attributes.run_id, over the run bucket) with values in [lo, hi].
type walker struct {
	c       *bbolt.Cursor
	prefix  []byte
	lo, hi  []byte
	desc    bool
	started bool
	done    bool
}

func (s *searcher) walker(exp uint64, r idxRange, desc bool) *walker {
	if r.kind == kindAttr && r.name == "run_id" {
		return &walker{c: s.t.runs.Cursor(), lo: r.lo, hi: r.hi, desc: desc}
	}
	return &walker{c: s.t.index.Cursor(), prefix: indexPrefix(exp, r.kind, r.name), lo: r.lo, hi: r.hi, desc: desc}
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
