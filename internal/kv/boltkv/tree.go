package boltkv

import (
	"encoding/binary"
	"fmt"
	"os"
	"slices"
)

// checkTree walks the skeleton of a bbolt file without bbolt: the root
// bucket's pages, every top-level bucket's branch pages (and the leaf
// pages of the buckets in nested, to find their nested buckets), reading
// pages with ReadAt. It fails if a page number is out of range, a page is
// not of the type its parent expects, or a branch page is reached twice,
// which includes every cycle: bbolt follows page numbers by recursion,
// and a cycle would recurse until the stack overflows, a crash no recover
// can stop. Leaf pages of other buckets are not read (a leaf cannot lead
// anywhere), so the walk costs about one read per branch page.
func checkTree(f *os.File, m meta, nested []string) error {
	w := &walker{f: f, m: m, seen: map[uint64]bool{}, nested: nested}
	return w.bucket(m.root, true, 0, "root bucket")
}

type walker struct {
	f      *os.File
	m      meta
	seen   map[uint64]bool // branch pages reached
	nested []string
	buf    []byte
}

// maxDepth bounds nesting of buckets (the walk recurses once per bucket
// level, never per page).
const maxDepth = 8

// page reads page id (with its overflow pages) into w.buf.
func (w *walker) page(id uint64) ([]byte, error) {
	ps := uint64(w.m.pageSize)
	if id < 2 || id >= w.m.pgid {
		return nil, fmt.Errorf("page %d outside 2..%d", id, w.m.pgid)
	}
	if cap(w.buf) < int(ps) {
		w.buf = make([]byte, ps)
	}
	b := w.buf[:ps]
	if _, err := w.f.ReadAt(b, int64(id*ps)); err != nil {
		return nil, fmt.Errorf("page %d: %w", id, err)
	}
	if got := binary.NativeEndian.Uint64(b); got != id {
		return nil, fmt.Errorf("page %d has the header of page %d", id, got)
	}
	if ov := uint64(binary.NativeEndian.Uint32(b[12:])); ov > 0 {
		if id+ov >= w.m.pgid {
			return nil, fmt.Errorf("page %d overflows past the end (%d more pages)", id, ov)
		}
		n := (ov + 1) * ps
		if uint64(cap(w.buf)) < n {
			w.buf = make([]byte, n)
		}
		b = w.buf[:n]
		if _, err := w.f.ReadAt(b, int64(id*ps)); err != nil {
			return nil, fmt.Errorf("page %d: %w", id, err)
		}
	}
	return b, nil
}

func flagsOf(b []byte) uint16 { return binary.NativeEndian.Uint16(b[8:]) }
func countOf(b []byte) int    { return int(binary.NativeEndian.Uint16(b[10:])) }

// bucket walks the tree of one bucket from its root page. Leaf pages are
// read when leaves is true (the root bucket, and buckets that hold nested
// buckets), to walk the buckets they hold.
func (w *walker) bucket(root uint64, leaves bool, depth int, what string) error {
	if depth > maxDepth {
		return fmt.Errorf("%s: buckets nested more than %d deep", what, maxDepth)
	}
	type item struct {
		id   uint64
		leaf bool // expected to be a leaf page (not read unless leaves)
	}
	stack := []item{{id: root}}
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if it.id < 2 || it.id >= w.m.pgid {
			return fmt.Errorf("%s: page %d outside 2..%d", what, it.id, w.m.pgid)
		}
		if w.seen[it.id] {
			return fmt.Errorf("%s: page %d is reached twice (a cycle or a shared page)", what, it.id)
		}
		if it.leaf && !leaves {
			continue
		}
		b, err := w.page(it.id)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		switch flags := flagsOf(b); {
		case flags&branchPage != 0 && !it.leaf:
			w.seen[it.id] = true
			kids, err := branchChildren(b)
			if err != nil {
				return fmt.Errorf("%s: page %d: %w", what, it.id, err)
			}
			leafKids, err := w.childLevel(kids)
			if err != nil {
				return fmt.Errorf("%s: page %d: %w", what, it.id, err)
			}
			for _, k := range slices.Backward(kids) {
				stack = append(stack, item{id: k, leaf: leafKids})
			}
		case flags&leafPage != 0:
			if leaves {
				if err := w.leaf(b, depth, what); err != nil {
					return fmt.Errorf("%s: page %d: %w", what, it.id, err)
				}
			}
		default:
			return fmt.Errorf("%s: page %d has flags %#x where a tree page belongs", what, it.id, flags)
		}
	}
	return nil
}

// childLevel reports whether the children of a branch page are leaves,
// from the headers of the first and the last; when they disagree (one
// pointer is damaged) it reads them all.
func (w *walker) childLevel(kids []uint64) (bool, error) {
	kind := func(id uint64) (uint16, error) {
		b, err := w.page(id)
		if err != nil {
			return 0, err
		}
		return flagsOf(b) & (branchPage | leafPage), nil
	}
	first, err := kind(kids[0])
	if err != nil {
		return false, err
	}
	last, err := kind(kids[len(kids)-1])
	if err != nil {
		return false, err
	}
	if first == last && first != 0 {
		return first == leafPage, nil
	}
	for _, k := range kids {
		if _, err := kind(k); err != nil {
			return false, err
		}
	}
	return false, fmt.Errorf("children of mixed types (%#x and %#x)", first, last)
}

// branchChildren returns the page numbers a branch page points at.
func branchChildren(b []byte) ([]uint64, error) {
	n := countOf(b)
	if n == 0 {
		return nil, fmt.Errorf("empty branch page")
	}
	if pageHeaderSize+16*n > len(b) {
		return nil, fmt.Errorf("%d branch elements do not fit the page", n)
	}
	out := make([]uint64, n)
	for i := range n {
		e := b[pageHeaderSize+16*i:]
		pos, ksize := binary.NativeEndian.Uint32(e), binary.NativeEndian.Uint32(e[4:])
		if end := uint64(pageHeaderSize+16*i) + uint64(pos) + uint64(ksize); end > uint64(len(b)) {
			return nil, fmt.Errorf("branch element %d points past the page", i)
		}
		out[i] = binary.NativeEndian.Uint64(e[8:])
	}
	return out, nil
}

// leaf checks the elements of a leaf page of a bucket that holds buckets,
// and walks the nested buckets it finds.
func (w *walker) leaf(b []byte, depth int, what string) error {
	n := countOf(b)
	if pageHeaderSize+16*n > len(b) {
		return fmt.Errorf("%d leaf elements do not fit the page", n)
	}
	// Copy what is needed: walking a nested bucket reuses w.buf.
	type sub struct {
		name string
		root uint64
	}
	var subs []sub
	for i := range n {
		off := pageHeaderSize + 16*i
		e := b[off:]
		flags := binary.NativeEndian.Uint32(e)
		pos, ksize, vsize := binary.NativeEndian.Uint32(e[4:]), binary.NativeEndian.Uint32(e[8:]), binary.NativeEndian.Uint32(e[12:])
		start := uint64(off) + uint64(pos)
		end := start + uint64(ksize) + uint64(vsize)
		if end > uint64(len(b)) {
			return fmt.Errorf("leaf element %d points past the page", i)
		}
		if flags&1 == 0 {
			continue // a key, not a bucket
		}
		key := b[start : start+uint64(ksize)]
		val := b[start+uint64(ksize) : end]
		if len(val) < 16 {
			return fmt.Errorf("bucket %q: header of %d bytes", key, len(val))
		}
		root := binary.NativeEndian.Uint64(val)
		if root == 0 {
			if len(val) < 16+pageHeaderSize || flagsOf(val[16:])&leafPage == 0 {
				return fmt.Errorf("bucket %q: bad inline page", key)
			}
			continue // an inline bucket holds no buckets
		}
		subs = append(subs, sub{string(key), root})
	}
	for _, s := range subs {
		name := s.name
		if depth > 0 {
			name = what + "/" + name
		}
		if err := w.bucket(s.root, depth == 0 && slices.Contains(w.nested, s.name), depth+1, "bucket "+name); err != nil {
			return err
		}
	}
	return nil
}
