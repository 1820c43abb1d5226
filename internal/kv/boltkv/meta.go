package boltkv

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
)

// bbolt's file format, as far as the checks below read it: two meta pages
// at the start (page 0 and page 1, each a 16-byte page header followed by
// the meta), the page size in the meta, and the high-water mark (the
// number of pages in use), so the file must hold at least that many
// pages. bbolt writes its structures in the machine's byte order.
const (
	pageHeaderSize = 16
	metaSize       = 64 // magic, version, pageSize, flags, root(16), freelist, pgid, txid, checksum
	boltMagic      = 0xED0CDAED
	boltVersion    = 2
	noFreelist     = 0xFFFFFFFFFFFFFFFF

	// Page flags.
	branchPage   = 0x01
	leafPage     = 0x02
	metaPage     = 0x04
	freelistPage = 0x10
)

// meta is the part of a meta page the checks use.
type meta struct {
	pageSize uint32
	root     uint64
	freelist uint64
	pgid     uint64 // high-water mark
	txid     uint64
}

// readMeta reads and checks both meta pages of f and returns the newer
// valid one, or an error saying why the file is not a whole bbolt file.
// It reads with ReadAt, never through a memory map, so a short or damaged
// file is an error here rather than a fault later.
func readMeta(f *os.File) (meta, error) {
	fi, err := f.Stat()
	if err != nil {
		return meta{}, err
	}
	size := fi.Size()
	if size == 0 {
		return meta{}, errors.New("the file is empty")
	}
	var first [pageHeaderSize + metaSize]byte
	if _, err := f.ReadAt(first[:], 0); err != nil {
		if errors.Is(err, io.EOF) {
			return meta{}, fmt.Errorf("the file is %d bytes, too short for a database header", size)
		}
		return meta{}, err
	}
	m0, err0 := decodeMeta(first[:])
	// The second meta page sits one page size in; take the size from the
	// first page, or the usual 4096 if it is damaged.
	ps := int64(4096)
	if err0 == nil {
		ps = int64(m0.pageSize)
	}
	var second [pageHeaderSize + metaSize]byte
	var m1 meta
	err1 := errors.New("missing")
	if _, err := f.ReadAt(second[:], ps); err == nil {
		m1, err1 = decodeMeta(second[:])
	}
	var m meta
	switch {
	case err0 != nil && err1 != nil:
		return meta{}, fmt.Errorf("both meta pages are invalid (%v; %v)", err0, err1)
	case err0 != nil:
		m = m1
	case err1 != nil:
		m = m0
	case m1.txid > m0.txid:
		m = m1
	default:
		m = m0
	}
	switch {
	case m.pgid < 2 || m.root < 2 || m.root >= m.pgid:
		return meta{}, fmt.Errorf("meta page: root page %d outside 2..%d", m.root, m.pgid)
	case m.freelist != noFreelist && (m.freelist < 2 || m.freelist >= m.pgid):
		return meta{}, fmt.Errorf("meta page: freelist page %d outside 2..%d", m.freelist, m.pgid)
	case m.pgid > uint64(size)/uint64(m.pageSize):
		return meta{}, fmt.Errorf("the file is %d bytes, but its meta page counts %d pages of %d bytes (truncated?)", size, m.pgid, m.pageSize)
	}
	return m, nil
}

func decodeMeta(b []byte) (meta, error) {
	ne := binary.NativeEndian
	if flags := ne.Uint16(b[8:]); flags&metaPage == 0 {
		return meta{}, fmt.Errorf("page flags %#x, not a meta page", flags)
	}
	mb := b[pageHeaderSize:]
	switch {
	case ne.Uint32(mb[0:]) != boltMagic:
		return meta{}, errors.New("not a bbolt file (bad magic number)")
	case ne.Uint32(mb[4:]) != boltVersion:
		return meta{}, fmt.Errorf("bbolt file format %d, want %d", ne.Uint32(mb[4:]), boltVersion)
	}
	h := fnv.New64a()
	h.Write(mb[:56])
	if h.Sum64() != ne.Uint64(mb[56:]) {
		return meta{}, errors.New("meta page checksum mismatch")
	}
	m := meta{
		pageSize: ne.Uint32(mb[8:]),
		root:     ne.Uint64(mb[16:]),
		freelist: ne.Uint64(mb[32:]),
		pgid:     ne.Uint64(mb[40:]),
		txid:     ne.Uint64(mb[48:]),
	}
	if m.pageSize < 1024 || m.pageSize > 1<<16 || m.pageSize&(m.pageSize-1) != 0 {
		return meta{}, fmt.Errorf("page size %d", m.pageSize)
	}
	return m, nil
}
