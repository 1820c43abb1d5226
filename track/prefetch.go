package track

import (
	"maps"
	"slices"

	"github.com/cairn-ml/cairn/internal/kv"
)

// Reading ahead. On an engine that pays a round trip per read (its buckets
// are kv.Prefetchers: PostgreSQL), a search that visited runs one at a
// time would make a round trip for each run and for each param, tag or
// metric its filter and order look at: thousands for one query. So it
// reads ahead: it takes a batch of run ids from the index (or from a
// candidate list), prefetches their records and the columns it will read,
// one round trip per bucket for the whole batch, and then visits them in
// order as before, each read answered from what the transaction holds.
// bbolt reads its pages in place and does none of this.
//
// An order walk stops once the page is full, so its batches start small
// and grow (firstBatch, then four times larger each time, up to
// maxBatch); a candidate list is read to the end, in batches of maxBatch.
const (
	firstBatch = 16
	maxBatch   = 1024
)

// prefetch is what a search reads of each run it visits, in the buckets
// that can prefetch.
type prefetch struct {
	runs kv.Prefetcher
	cols []prefetchCols
	keys [][]byte // reused between batches
}

// prefetchCols are the keys of the columns read in one bucket.
type prefetchCols struct {
	b    kv.Prefetcher
	keys []string
}

// newPrefetch returns the prefetch of a search, or nil if the engine reads
// its pages in place.
func newPrefetch(t *txn, q *query) *prefetch {
	runs, ok := t.runs().(kv.Prefetcher)
	if !ok {
		return nil
	}
	byKind := map[byte][]string{}
	add := func(c column) {
		switch c.kind {
		case kindParam, kindTag, kindMetric:
			if !slices.Contains(byKind[c.kind], c.key) {
				byKind[c.kind] = append(byKind[c.kind], c.key)
			}
		}
	}
	eachCmp(q.filter, func(n *cmpNode) { add(n.Col) })
	for _, k := range q.order {
		add(k.Col)
	}
	p := &prefetch{runs: runs}
	for _, c := range []struct {
		kind   byte
		bucket func() kv.Bucket
	}{{kindParam, t.params}, {kindTag, t.tags}, {kindMetric, t.metrics}} {
		keys := byKind[c.kind]
		if len(keys) == 0 {
			continue // the bucket is not opened
		}
		if pb, ok := c.bucket().(kv.Prefetcher); ok {
			p.cols = append(p.cols, prefetchCols{b: pb, keys: keys})
		}
	}
	return p
}

// fetch reads the runs ids and their columns into the transaction.
func (p *prefetch) fetch(ids []runID) {
	if len(ids) == 0 {
		return
	}
	p.keys = p.keys[:0]
	for i := range ids {
		p.keys = append(p.keys, ids[i][:])
	}
	p.runs.Prefetch(p.keys)
	for _, c := range p.cols {
		p.keys = p.keys[:0]
		for _, id := range ids {
			for _, k := range c.keys {
				p.keys = append(p.keys, runKey(id, k))
			}
		}
		c.b.Prefetch(p.keys)
	}
}

// ahead reads entries ahead of an order walk in growing batches and
// prefetches each batch's runs before handing out its first entry.
type ahead struct {
	src  entries
	pf   *prefetch
	size int // the next batch's size
	vals []byte
	ends []int // vals[ends[i-1]:ends[i]] is entry i's value
	ids  []runID
	i    int
	done bool
}

func newAhead(src entries, pf *prefetch, first int) *ahead {
	return &ahead{src: src, pf: pf, size: min(max(first, firstBatch), maxBatch)}
}

func (a *ahead) next() ([]byte, runID, bool) {
	if a.i == len(a.ids) {
		if a.done {
			return nil, runID{}, false
		}
		a.vals, a.ends, a.ids, a.i = a.vals[:0], a.ends[:0], a.ids[:0], 0
		for len(a.ids) < a.size {
			val, id, ok := a.src.next()
			if !ok {
				a.done = true
				break
			}
			a.vals = append(a.vals, val...)
			a.ends = append(a.ends, len(a.vals))
			a.ids = append(a.ids, id)
		}
		a.size = min(a.size*4, maxBatch)
		if len(a.ids) == 0 {
			return nil, runID{}, false
		}
		a.pf.fetch(a.ids)
	}
	start := 0
	if a.i > 0 {
		start = a.ends[a.i-1]
	}
	val, id := a.vals[start:a.ends[a.i]], a.ids[a.i]
	a.i++
	return val, id, true
}

// batched returns fn wrapped so that, with a prefetch, the ids it is
// given are gathered into batches of maxBatch, prefetched and then passed
// on in order; flush passes on the last batch. Without a prefetch fn is
// returned as it is.
func (s *searcher) batched(fn func(runID) error) (each func(runID) error, flush func() error) {
	if s.pf == nil {
		return fn, func() error { return nil }
	}
	var batch []runID
	flush = func() error {
		s.pf.fetch(batch)
		for _, id := range batch {
			if err := fn(id); err != nil {
				return err
			}
		}
		batch = batch[:0]
		return nil
	}
	each = func(id runID) error {
		batch = append(batch, id)
		if len(batch) < maxBatch {
			return nil
		}
		return flush()
	}
	return each, flush
}

// prefetchBatch reads what logBatch will look at (the params, tags and
// latest metrics of the batch's keys) in one round trip per bucket, not
// one per key; on an engine that reads its pages in place it does nothing.
func (t *txn) prefetchBatch(id runID, b Batch) {
	if _, ok := t.runs().(kv.Prefetcher); !ok {
		return // not opening buckets the batch does not write
	}
	fetch := func(bk kv.Bucket, n int, keys func(yield func(string) bool)) {
		pb, ok := bk.(kv.Prefetcher)
		if !ok || n < 2 {
			return // one key: its Get is the same round trip
		}
		ks := make([][]byte, 0, n)
		for k := range keys {
			ks = append(ks, runKey(id, k))
		}
		pb.Prefetch(ks)
	}
	fetch(t.params(), len(b.Params), maps.Keys(b.Params))
	fetch(t.tags(), len(b.Tags), maps.Keys(b.Tags))
	fetch(t.metrics(), len(b.Metrics), func(yield func(string) bool) {
		for _, m := range b.Metrics {
			if !yield(m.Key) {
				return
			}
		}
	})
}
