package kvblob

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/cairn-ml/cairn/internal/blob"
	"github.com/cairn-ml/cairn/internal/kv"
)

// Options configures a Store. The zero value gives the defaults
// documented on each field.
type Options struct {
	// Errors are the sentinels errors wrap.
	Errors blob.Errors
	// Namespace prefixes the store's buckets. "" means "blobs".
	Namespace string
	// ChunkSize is the size of the records a blob is cut into. Zero
	// means 1 MiB.
	ChunkSize int
	// TempDir is where a Put larger than 8 MiB spools its bytes before
	// the transaction that stores them. "" means os.TempDir().
	TempDir string
	// Now is the clock of ModTime. Nil means time.Now.
	Now func() time.Time
}

// Store is a blob store in a records store. It is safe for concurrent
// use as its records store is (by several processes, on PostgreSQL by
// many machines).
type Store struct {
	db    kv.DB
	errs  blob.Errors
	index string // bucket: digest -> record
	data  string // bucket: digest chunk(4) -> bytes
	hold  string // bucket: holder JSON -> ""
	chunk int
	tmp   string
	now   func() time.Time

	local rwLock // the collection lock when db has none of its own
}

var (
	_ blob.Store   = (*Store)(nil)
	_ blob.Holders = (*Store)(nil)
	_ blob.Locker  = (*Store)(nil)
)

// New returns a Store on db. Its buckets are created by the first Put.
// Closing the Store does not close db.
func New(db kv.DB, opts Options) *Store {
	ns := opts.Namespace
	if ns == "" {
		ns = "blobs"
	}
	s := &Store{
		db: db, errs: opts.Errors, index: ns + "/index", data: ns + "/chunks", hold: ns + "/holders",
		chunk: opts.ChunkSize, tmp: opts.TempDir, now: opts.Now,
	}
	if s.chunk <= 0 {
		s.chunk = 1 << 20
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.local.init()
	return s
}

// Location implements blob.Store: the records store's location.
func (s *Store) Location() string { return s.db.Location() }

// DB returns the records store.
func (s *Store) DB() kv.DB { return s.db }

// record is a blob's index entry: its size, when it was last put, and the
// chunk size it was cut with.
type record struct {
	size  int64
	mod   time.Time
	chunk uint32
}

const recordLen = 8 + 8 + 4

func (r record) encode() []byte {
	b := make([]byte, 0, recordLen)
	b = binary.BigEndian.AppendUint64(b, uint64(r.size))
	b = binary.BigEndian.AppendUint64(b, uint64(r.mod.UnixNano()))
	return binary.BigEndian.AppendUint32(b, r.chunk)
}

// decodeRecord decodes an index entry (bytes from the store: checked).
func decodeRecord(b []byte) (record, error) {
	if len(b) != recordLen {
		return record{}, fmt.Errorf("index record of %d bytes, want %d", len(b), recordLen)
	}
	r := record{
		size:  int64(binary.BigEndian.Uint64(b)),
		mod:   time.Unix(0, int64(binary.BigEndian.Uint64(b[8:]))),
		chunk: binary.BigEndian.Uint32(b[16:]),
	}
	if r.size < 0 || r.chunk == 0 || r.chunk > 1<<30 {
		return record{}, fmt.Errorf("index record: size %d, chunk %d", r.size, r.chunk)
	}
	return r, nil
}

func (r record) chunks() int64 { return (r.size + int64(r.chunk) - 1) / int64(r.chunk) }

func chunkKey(d blob.Digest, i int64) []byte {
	return binary.BigEndian.AppendUint32(append(d[:0:0], d[:]...), uint32(i))
}

// Put implements blob.Store. The bytes are read (into memory up to 8
// MiB, a temporary file beyond) and hashed first, then written in one
// transaction: the chunks, then the index entry, so a blob is whole or
// absent.
func (s *Store) Put(ctx context.Context, r io.Reader, want blob.Digest) (blob.Digest, int64, error) {
	if err := ctx.Err(); err != nil {
		return blob.Digest{}, 0, err
	}
	src, size, d, done, err := s.spool(ctx, r)
	if err != nil {
		return blob.Digest{}, 0, err
	}
	defer done()
	if !want.IsZero() && d != want {
		return blob.Digest{}, 0, s.errs.Wrap(blob.ErrCorrupt, fmt.Sprintf("put %s: the bytes hash to %s", want, d), nil)
	}
	if int64(uint32(size/int64(s.chunk))) != size/int64(s.chunk) {
		return blob.Digest{}, 0, s.errs.Wrap(blob.ErrInvalid, fmt.Sprintf("put %s: %d bytes is too large for chunks of %d", d, size, s.chunk), nil)
	}
	rec := record{size: size, mod: s.now(), chunk: uint32(s.chunk)}
	err = s.db.Update(ctx, func(tx kv.Tx) error {
		idx, err := tx.CreateBucket(s.index)
		if err != nil {
			return err
		}
		data, err := tx.CreateBucket(s.data)
		if err != nil {
			return err
		}
		if old, err := decodeRecord(idx.Get(d[:])); err == nil && old.chunks() > rec.chunks() {
			for i := rec.chunks(); i < old.chunks(); i++ { // a damaged copy cut otherwise
				if err := data.Delete(chunkKey(d, i)); err != nil {
					return err
				}
			}
		}
		for i := int64(0); i < rec.chunks(); i++ {
			// A new buffer per chunk: an engine may keep the value until
			// the commit (bbolt does).
			buf := make([]byte, min(int64(s.chunk), size-i*int64(s.chunk)))
			n, err := src.ReadAt(buf, i*int64(s.chunk))
			if err != nil && err != io.EOF {
				return err
			}
			if n != len(buf) {
				return fmt.Errorf("spool: short read")
			}
			if err := data.Put(chunkKey(d, i), buf[:n]); err != nil {
				return err
			}
		}
		return idx.Put(d[:], rec.encode())
	})
	if err != nil {
		return blob.Digest{}, 0, fmt.Errorf("put blob %s in %s: %w", d, s.db.Location(), err)
	}
	return d, size, nil
}

const memSpool = 8 << 20

func (s *Store) spool(ctx context.Context, r io.Reader) (io.ReaderAt, int64, blob.Digest, func(), error) {
	var d blob.Digest
	h := sha256.New()
	src := io.TeeReader(blob.CtxReader{Ctx: ctx, R: r}, h)
	var buf bytes.Buffer
	n, err := io.CopyN(&buf, src, memSpool+1)
	if err != nil && err != io.EOF {
		return nil, 0, d, nil, s.readErr(ctx, err)
	}
	if n <= memSpool {
		h.Sum(d[:0])
		return bytes.NewReader(buf.Bytes()), n, d, func() {}, nil
	}
	f, err := os.CreateTemp(s.tmp, "cairn-kvblob-*")
	if err != nil {
		return nil, 0, d, nil, fmt.Errorf("put blob in %s: %w", s.db.Location(), err)
	}
	done := func() { f.Close(); os.Remove(f.Name()) }
	if _, err := f.Write(buf.Bytes()); err != nil {
		done()
		return nil, 0, d, nil, fmt.Errorf("put blob in %s: %w", s.db.Location(), err)
	}
	m, err := io.Copy(f, src)
	if err != nil {
		done()
		return nil, 0, d, nil, s.readErr(ctx, err)
	}
	h.Sum(d[:0])
	return f, n + m, d, done, nil
}

func (s *Store) readErr(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return fmt.Errorf("put blob in %s: %w", s.db.Location(), cerr)
	}
	return fmt.Errorf("put blob in %s: read: %w", s.db.Location(), err)
}

// prefetchChunks is how many chunks one read transaction of Open loads.
const prefetchChunks = 4

// Open implements blob.Store. The chunks are read a few at a time, each
// batch in a read transaction of its own, and verified as they pass.
func (s *Store) Open(ctx context.Context, d blob.Digest) (io.ReadCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r := &reader{s: s, ctx: ctx, d: d}
	var rec record
	err := s.db.View(ctx, func(tx kv.Tx) error {
		idx := tx.Bucket(s.index)
		if idx == nil {
			return s.errs.Wrap(blob.ErrNotFound, "blob "+d.String(), nil)
		}
		v := idx.Get(d[:])
		if v == nil {
			return s.errs.Wrap(blob.ErrNotFound, "blob "+d.String(), nil)
		}
		var err error
		if rec, err = decodeRecord(v); err != nil {
			return s.errs.Wrap(blob.ErrCorrupt, "blob "+d.String(), err)
		}
		r.rec = rec
		return r.load(tx)
	})
	if err != nil {
		return nil, err
	}
	return &verified{Verifier: blob.NewVerifier(r, d, rec.size, s.errs)}, nil
}

type verified struct{ *blob.Verifier }

func (verified) Close() error { return nil }

// reader reads a blob's chunks in order.
type reader struct {
	s    *Store
	ctx  context.Context
	d    blob.Digest
	rec  record
	next int64    // the next chunk to load
	bufs [][]byte // loaded chunks not yet read
}

// load reads the next few chunks in tx.
func (r *reader) load(tx kv.Tx) error {
	data := tx.Bucket(r.s.data)
	end := min(r.next+prefetchChunks, r.rec.chunks())
	if data == nil {
		if end > r.next {
			return r.s.errs.Wrap(blob.ErrCorrupt, "blob "+r.d.String()+": no chunks", nil)
		}
		return nil
	}
	if p, ok := data.(kv.Prefetcher); ok && end-r.next > 1 {
		var keys [][]byte
		for i := r.next; i < end; i++ {
			keys = append(keys, chunkKey(r.d, i))
		}
		p.Prefetch(keys)
	}
	for ; r.next < end; r.next++ {
		v := data.Get(chunkKey(r.d, r.next))
		if v == nil {
			return r.s.errs.Wrap(blob.ErrCorrupt, fmt.Sprintf("blob %s: chunk %d missing", r.d, r.next), nil)
		}
		r.bufs = append(r.bufs, bytes.Clone(v))
	}
	return nil
}

func (r *reader) Read(p []byte) (int, error) {
	for len(r.bufs) > 0 && len(r.bufs[0]) == 0 {
		r.bufs = r.bufs[1:]
	}
	if len(r.bufs) == 0 {
		if r.next >= r.rec.chunks() {
			return 0, io.EOF
		}
		if err := r.ctx.Err(); err != nil {
			return 0, err
		}
		if err := r.s.db.View(r.ctx, r.load); err != nil {
			return 0, err
		}
		return r.Read(p)
	}
	n := copy(p, r.bufs[0])
	r.bufs[0] = r.bufs[0][n:]
	return n, nil
}

// Has implements blob.Store.
func (s *Store) Has(ctx context.Context, d blob.Digest) (bool, error) {
	var ok bool
	err := s.db.View(ctx, func(tx kv.Tx) error {
		if idx := tx.Bucket(s.index); idx != nil {
			ok = idx.Get(d[:]) != nil
		}
		return nil
	})
	return ok, err
}

// Delete implements blob.Store: the index entry and the chunks, in one
// transaction.
func (s *Store) Delete(ctx context.Context, d blob.Digest) error {
	return s.db.Update(ctx, func(tx kv.Tx) error {
		idx, data := tx.Bucket(s.index), tx.Bucket(s.data)
		if idx == nil || data == nil {
			return nil
		}
		v := idx.Get(d[:])
		if v == nil {
			return nil
		}
		if err := idx.Delete(d[:]); err != nil {
			return err
		}
		// The chunks: by count if the record reads, else every key of d.
		if rec, err := decodeRecord(v); err == nil {
			for i := range rec.chunks() {
				if err := data.Delete(chunkKey(d, i)); err != nil {
					return err
				}
			}
			return nil
		}
		var doomed [][]byte
		c := data.Cursor()
		for k, _ := c.Seek(d[:]); k != nil && bytes.HasPrefix(k, d[:]); k, _ = c.Next() {
			doomed = append(doomed, bytes.Clone(k))
		}
		for _, k := range doomed {
			if err := data.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
}

// Walk implements blob.Store. The index is read in one transaction and
// fn called after it ends, so fn may use the store.
func (s *Store) Walk(ctx context.Context, fn func(blob.Info) error) error {
	var infos []blob.Info
	err := s.db.View(ctx, func(tx kv.Tx) error {
		idx := tx.Bucket(s.index)
		if idx == nil {
			return nil
		}
		c := idx.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if len(k) != len(blob.Digest{}) {
				continue
			}
			rec, err := decodeRecord(v)
			if err != nil {
				return s.errs.Wrap(blob.ErrCorrupt, fmt.Sprintf("index of %x", k), err)
			}
			infos = append(infos, blob.Info{Digest: blob.Digest(k), Size: rec.size, ModTime: rec.mod})
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, i := range infos {
		if err := fn(i); err != nil {
			return err
		}
	}
	return nil
}

// AddHolder implements blob.Holders.
func (s *Store) AddHolder(ctx context.Context, h blob.Holder) error {
	b, err := json.Marshal(h)
	if err != nil {
		return err
	}
	var have bool
	s.db.View(ctx, func(tx kv.Tx) error {
		if hb := tx.Bucket(s.hold); hb != nil {
			have = hb.Get(b) != nil
		}
		return nil
	})
	if have {
		return nil
	}
	return s.db.Update(ctx, func(tx kv.Tx) error {
		hb, err := tx.CreateBucket(s.hold)
		if err != nil {
			return err
		}
		return hb.Put(b, nil)
	})
}

// Holders implements blob.Holders.
func (s *Store) Holders(ctx context.Context) ([]blob.Holder, error) {
	var out []blob.Holder
	err := s.db.View(ctx, func(tx kv.Tx) error {
		hb := tx.Bucket(s.hold)
		if hb == nil {
			return nil
		}
		c := hb.Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			var h blob.Holder
			if err := json.Unmarshal(k, &h); err != nil || h.Location == "" || h.Namespace == "" {
				return s.errs.Wrap(blob.ErrCorrupt, fmt.Sprintf("holder %q", clip(k)), err)
			}
			out = append(out, h)
		}
		return nil
	})
	return out, err
}

func clip(b []byte) []byte {
	if len(b) > 64 {
		return b[:64]
	}
	return b
}

// locker is a records store with named locks across processes (pgkv).
type locker interface {
	Lock(ctx context.Context, name string, exclusive bool, deadline time.Time) (func(), error)
}

// Lock implements blob.Locker: the records store's named lock
// (PostgreSQL's advisory locks: across machines) if it has one, else a
// lock in this process (for bbolt and memory stores, which one process
// opens for writing at a time).
func (s *Store) Lock(ctx context.Context, exclusive bool, deadline time.Time) (func(), error) {
	if l, ok := s.db.(locker); ok {
		unlock, err := l.Lock(ctx, s.index, exclusive, deadline)
		if err != nil && errors.Is(err, kv.ErrLocked) {
			return nil, s.errs.Wrap(blob.ErrLocked, "collection lock of "+s.db.Location(), err)
		}
		return unlock, err
	}
	return s.local.lock(ctx, exclusive, deadline, func() error {
		return s.errs.Wrap(blob.ErrLocked, "collection lock of "+s.db.Location(), nil)
	})
}

// rwLock is a read-write lock that waits with a context and a deadline.
type rwLock struct {
	mu      sync.Mutex
	readers int
	writer  bool
	changed chan struct{}
}

func (l *rwLock) init() { l.changed = make(chan struct{}) }

func (l *rwLock) lock(ctx context.Context, exclusive bool, deadline time.Time, locked func() error) (func(), error) {
	var timeout <-chan time.Time
	if !deadline.IsZero() {
		t := time.NewTimer(time.Until(deadline))
		defer t.Stop()
		timeout = t.C
	}
	for {
		l.mu.Lock()
		if !l.writer && (!exclusive || l.readers == 0) {
			if exclusive {
				l.writer = true
			} else {
				l.readers++
			}
			l.mu.Unlock()
			var once sync.Once
			return func() {
				once.Do(func() {
					l.mu.Lock()
					if exclusive {
						l.writer = false
					} else {
						l.readers--
					}
					close(l.changed)
					l.changed = make(chan struct{})
					l.mu.Unlock()
				})
			}, nil
		}
		ch := l.changed
		l.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-timeout:
			return nil, locked()
		}
	}
}
