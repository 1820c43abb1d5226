package pgkv

import (
	"bytes"
	"slices"

	"github.com/jackc/pgx/v5"
)

// Page sizes of a cursor: the first page after a Seek is small (a Seek is
// often a point lookup), the first after First or Last larger (a walk),
// and each page that continues a walk four times the last, up to
// maxPage. So walking n keys takes about log4(n/64) + n/1024 round trips.
const (
	seekPage  = 16
	walkPage  = 64
	maxPage   = 1024
	pageGrows = 4
)

type pair struct{ k, v []byte }

// bound is one end of the key range a page covers: inf (no bound), or a
// key, included or not.
type bound struct {
	key  []byte
	incl bool
	inf  bool
}

// cursor walks a bucket through pages of keys and values, each read in
// one round trip. The page holds exactly the keys in [lo, hi], so moves
// and Seeks inside that range need no round trip. A write to the bucket
// (through this transaction) drops the page; the cursor then reads again
// from its current key.
type cursor struct {
	b      *bucket
	page   []pair
	lo, hi bound
	i      int    // position: -1 before the page, len(page) after it
	gen    uint64 // the bucket's write generation when the page was read
	loaded bool
	size   int // the size of the page read last
	cur    []byte
}

// valid reports whether the page still holds the bucket's keys.
func (c *cursor) valid() bool { return c.loaded && c.gen == c.b.t.gens[c.b.id] }

func (c *cursor) at() ([]byte, []byte) {
	if c.i < 0 || c.i >= len(c.page) {
		c.cur = nil
		return nil, nil
	}
	p := c.page[c.i]
	c.cur = p.k
	return p.k, p.v
}

// fetch reads a page: forward from (or after) from, or backward from
// (or before) it; a nil from starts at that end of the bucket.
func (c *cursor) fetch(from []byte, incl, forward bool, n int) bool {
	t := c.b.t
	if t.err != nil {
		c.page, c.loaded, c.i = nil, false, -1
		return false
	}
	q := t.db.q
	var sql string
	var args []any
	op := map[[2]bool]string{{true, true}: ">=", {true, false}: ">", {false, true}: "<=", {false, false}: "<"}[[2]bool{forward, incl}]
	switch {
	case from == nil && forward:
		sql, args = "SELECT kp, rest, value FROM "+q.kv+" WHERE bucket = $1 ORDER BY kp, rest LIMIT $2", []any{c.b.id, n}
	case from == nil:
		sql, args = "SELECT kp, rest, value FROM "+q.kv+" WHERE bucket = $1 ORDER BY kp DESC, rest DESC LIMIT $2", []any{c.b.id, n}
	case len(from) < prefixLen:
		// No key but from itself has from as its kp (a longer key's kp
		// is prefixLen bytes), so comparing kp alone is comparing keys.
		// Without the row comparison of the general case the planner's
		// estimate stays sane: a row comparison it cannot estimate made
		// it sort a whole bucket's tail for a page of 16 (tens of ms on
		// a bucket of a million records, where this takes 0.1 ms).
		order := "kp, rest"
		if !forward {
			order = "kp DESC, rest DESC"
		}
		sql, args = "SELECT kp, rest, value FROM "+q.kv+" WHERE bucket = $1 AND kp "+op+" $2 ORDER BY "+order+" LIMIT $3", []any{c.b.id, from, n}
	default:
		kp, _, rest := splitKey(from)
		order := "kp, rest"
		kop := ">="
		if !forward {
			order, kop = "kp DESC, rest DESC", "<="
		}
		sql = "SELECT kp, rest, value FROM " + q.kv + " WHERE bucket = $1 AND kp " + kop + " $2 AND (kp, rest) " + op + " ($2, $3) ORDER BY " + order + " LIMIT $4"
		args = []any{c.b.id, kp, rest, n}
	}
	var page []pair
	err := t.send([]queued{{sql: sql, args: args, scan: func(rows pgx.Rows) error {
		var kp, rest, v []byte
		_, err := pgx.ForEachRow(rows, []any{&kp, &rest, &v}, func() error {
			if v == nil {
				v = []byte{}
			}
			page = append(page, pair{k: joinKey(kp, rest), v: v})
			kp, rest, v = nil, nil, nil
			return nil
		})
		return err
	}}})
	if err != nil {
		c.page, c.loaded, c.i = nil, false, -1
		return false
	}
	full := len(page) == n
	if forward {
		c.lo = bound{key: from, incl: incl, inf: from == nil}
		c.hi = bound{inf: !full}
		if full {
			c.hi = bound{key: page[len(page)-1].k, incl: true}
		}
		c.i = 0
	} else {
		slices.Reverse(page)
		c.hi = bound{key: from, incl: incl, inf: from == nil}
		c.lo = bound{inf: !full}
		if full {
			c.lo = bound{key: page[0].k, incl: true}
		}
		c.i = len(page) - 1
	}
	c.page, c.loaded, c.size, c.gen = page, true, n, t.gens[c.b.id]
	return true
}

func (c *cursor) First() ([]byte, []byte) {
	if c.valid() && c.lo.inf && (len(c.page) > 0 || c.hi.inf) {
		c.i = 0
		return c.at()
	}
	c.fetch(nil, false, true, walkPage)
	return c.at()
}

func (c *cursor) Last() ([]byte, []byte) {
	if c.valid() && c.hi.inf && (len(c.page) > 0 || c.lo.inf) {
		c.i = len(c.page) - 1
		return c.at()
	}
	c.fetch(nil, false, false, walkPage)
	return c.at()
}

// covers reports whether the page holds every key of the bucket that
// is >= k and <= hi, with k >= lo.
func (c *cursor) covers(k []byte) bool {
	if !c.valid() {
		return false
	}
	if !c.lo.inf {
		if cmp := bytes.Compare(k, c.lo.key); cmp < 0 || cmp == 0 && !c.lo.incl {
			return false
		}
	}
	if !c.hi.inf {
		if cmp := bytes.Compare(k, c.hi.key); cmp > 0 || cmp == 0 && !c.hi.incl {
			return false
		}
	}
	return true
}

func (c *cursor) Seek(k []byte) ([]byte, []byte) {
	if c.covers(k) {
		// The first key >= k is in the page, or past hi if none is.
		i, _ := slices.BinarySearchFunc(c.page, k, func(p pair, k []byte) int { return bytes.Compare(p.k, k) })
		if i < len(c.page) || c.hi.inf {
			c.i = i
			return c.at()
		}
	}
	if v, ok := c.b.t.known[c.b.id][string(k)]; ok && v.ok {
		// Known in this transaction (written, read or prefetched).
		key := bytes.Clone(k)
		c.page = []pair{{k: key, v: v.v}}
		c.lo, c.hi = bound{key: key, incl: true}, bound{key: key, incl: true}
		c.i, c.loaded, c.size, c.gen = 0, true, 1, c.b.t.gens[c.b.id]
		return c.at()
	}
	n := seekPage
	// A Seek just past a page that was walked to its end goes on with the
	// walk: the next page is larger.
	if c.valid() && !c.hi.inf && len(c.page) > 0 && bytes.Equal(c.cur, c.page[len(c.page)-1].k) && bytes.Compare(k, c.hi.key) > 0 {
		n = min(max(c.size, seekPage)*pageGrows, maxPage)
	}
	c.fetch(bytes.Clone(k), true, true, n)
	return c.at()
}

func (c *cursor) Next() ([]byte, []byte) {
	if !c.valid() {
		if c.cur == nil {
			if c.loaded || c.b.t.err != nil {
				return nil, nil // past either end of a dropped page
			}
			return c.First()
		}
		c.fetch(c.cur, false, true, seekPage)
		return c.at()
	}
	if c.i+1 < len(c.page) {
		c.i++
		return c.at()
	}
	if c.hi.inf {
		c.i = len(c.page)
		return c.at()
	}
	from, incl := c.hi.key, !c.hi.incl
	if len(c.page) > 0 {
		from, incl = c.page[len(c.page)-1].k, false
	}
	c.fetch(from, incl, true, min(max(c.size, seekPage)*pageGrows, maxPage))
	return c.at()
}

func (c *cursor) Prev() ([]byte, []byte) {
	if !c.valid() {
		if c.cur == nil {
			if c.loaded || c.b.t.err != nil {
				return nil, nil
			}
			return c.Last()
		}
		c.fetch(c.cur, false, false, seekPage)
		return c.at()
	}
	if c.i-1 >= 0 && c.i-1 < len(c.page) {
		c.i--
		return c.at()
	}
	if c.lo.inf {
		c.i = -1
		return c.at()
	}
	from, incl := c.lo.key, !c.lo.incl
	if len(c.page) > 0 {
		from, incl = c.page[0].k, false
	}
	c.fetch(from, incl, false, min(max(c.size, seekPage)*pageGrows, maxPage))
	return c.at()
}
