package dataset

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/cairn-ml/cairn/internal/kv"
)

// fileStat is what the hash cache compares to decide that a file is the
// one it hashed before.
type fileStat struct {
	size  int64
	mtime int64 // ns since the epoch
	ctime int64 // ns since the epoch; 0 where the platform has none
	ino   uint64
	dev   uint64
}

func statOf(fi fs.FileInfo) fileStat {
	ino, dev, ctime := fileID(fi)
	return fileStat{size: fi.Size(), mtime: fi.ModTime().UnixNano(), ctime: ctime, ino: ino, dev: dev}
}

// cacheEntry is the hash of a file as it was at time seen.
type cacheEntry struct {
	st   fileStat
	seen int64 // real clock (ns) taken just before the file was stat'ed for hashing
	sum  [32]byte
}

// trusted reports whether the entry gives the hash of a file that now
// stats as st. Size, mtime, ctime, inode and device must all match, and
// the entry must not be racy: the file's mtime and ctime must lie more
// than racy before the moment it was hashed. Otherwise a write made in
// the same tick of the file system's clock as the hashing (after it)
// could leave every field unchanged; once the times are older than the
// clock's granularity, any later write moves them.
func (e cacheEntry) trusted(st fileStat, racy time.Duration) bool {
	if e.st != st {
		return false
	}
	limit := e.seen - int64(racy)
	return st.mtime < limit && st.ctime < limit
}

// cacheEntryLen is the size of an encoded entry: a format byte, six
// 64-bit little-endian integers and the hash.
const cacheEntryLen = 1 + 6*8 + 32

func (e cacheEntry) encode() []byte {
	b := make([]byte, 1, cacheEntryLen)
	b[0] = 1
	for _, v := range []uint64{uint64(e.st.size), uint64(e.st.mtime), uint64(e.st.ctime), e.st.ino, e.st.dev, uint64(e.seen)} {
		b = binary.LittleEndian.AppendUint64(b, v)
	}
	return append(b, e.sum[:]...)
}

// decodeCacheEntry parses an entry read from the index; anything else is
// an error wrapping ErrCorrupt.
func decodeCacheEntry(b []byte) (cacheEntry, error) {
	if len(b) != cacheEntryLen || b[0] != 1 {
		return cacheEntry{}, fmt.Errorf("%w: hash cache entry of %d bytes", ErrCorrupt, len(b))
	}
	u := func(i int) uint64 { return binary.LittleEndian.Uint64(b[1+8*i:]) }
	e := cacheEntry{
		st:   fileStat{size: int64(u(0)), mtime: int64(u(1)), ctime: int64(u(2)), ino: u(3), dev: u(4)},
		seen: int64(u(5)),
	}
	if e.st.size < 0 {
		return cacheEntry{}, fmt.Errorf("%w: hash cache entry with size %d", ErrCorrupt, e.st.size)
	}
	copy(e.sum[:], b[1+6*8:])
	return e, nil
}

// treePrefix returns the key prefix shared by the files under folder root.
func treePrefix(root string) string {
	if strings.HasSuffix(root, string(os.PathSeparator)) {
		return root
	}
	return root + string(os.PathSeparator)
}

// loadCache returns the cache entries for the file root (dir false) or
// for every file under the folder root (dir true). Undecodable entries
// are left out: they only cost a re-read.
func loadCache(tx kv.Tx, root string, dir bool) map[string]cacheEntry {
	b := tx.Bucket(bucketCache)
	out := make(map[string]cacheEntry)
	if !dir {
		if v := b.Get([]byte(root)); v != nil {
			if e, err := decodeCacheEntry(v); err == nil {
				out[root] = e
			}
		}
		return out
	}
	prefix := []byte(treePrefix(root))
	c := b.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if e, err := decodeCacheEntry(v); err == nil {
			out[string(k)] = e
		}
	}
	return out
}

// storeCache writes the entries in put and, for a folder commit, deletes
// the entries under root whose files were not in the tree any more.
func storeCache(tx kv.Tx, root string, dir bool, put map[string]cacheEntry, present map[string]struct{}) error {
	b := tx.Bucket(bucketCache)
	if dir {
		prefix := []byte(treePrefix(root))
		var stale [][]byte
		c := b.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			if _, ok := present[string(k)]; !ok {
				stale = append(stale, bytes.Clone(k))
			}
		}
		for _, k := range stale {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
	}
	keys := make([]string, 0, len(put))
	for k := range put {
		keys = append(keys, k)
	}
	sort.Strings(keys) // the embedded engine writes sorted keys fastest
	for _, k := range keys {
		if err := b.Put([]byte(k), put[k].encode()); err != nil {
			return err
		}
	}
	return nil
}
