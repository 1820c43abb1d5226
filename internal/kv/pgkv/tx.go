package pgkv

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/cairn-ml/cairn/internal/kv"
)

// prefixLen is how many bytes of a key the index column kp holds; the
// rest of a longer key is in rest, and its hash in kh (see migrations).
const prefixLen = 1024

// Limits of the write buffer: past either, buffered writes are sent at
// once (one round trip) rather than with the next read or the commit.
const (
	flushOps   = 2000
	flushBytes = 4 << 20
)

// splitKey returns the columns kp, kh and rest of key.
func splitKey(key []byte) (kp, kh, rest []byte) {
	if len(key) <= prefixLen {
		return key, []byte{}, []byte{}
	}
	h := sha256.Sum256(key[prefixLen:])
	return key[:prefixLen], h[:], key[prefixLen:]
}

func joinKey(kp, rest []byte) []byte {
	if len(rest) == 0 {
		return kp
	}
	return append(kp[:len(kp):len(kp)], rest...)
}

func nameHash(name []byte) []byte {
	h := sha256.Sum256(name)
	return h[:]
}

// newID returns a bucket id: random, positive, never 0 (the root).
func newID() int64 { return rand.Int64N(1<<62) + 1 }

// val is what the transaction knows of a key: its value, or (ok false)
// that it is not set.
type val struct {
	v  []byte
	ok bool
}

// kref names a record.
type kref struct {
	bucket int64
	key    string
}

// wop is a buffered write: a value to put, or a delete (del).
type wop struct {
	v   []byte
	del bool
}

type kidKey struct {
	parent int64
	name   string
}

// absent marks a bucket known not to exist.
const absent = -1

// tx is a transaction on one pooled connection. Reads go to the server
// (with the buffered writes sent first, in the same round trip) unless
// the transaction knows the answer; writes are buffered. The first
// failure poisons the transaction: later reads return nothing, and the
// call returns that failure whatever fn returned.
type tx struct {
	db    *DB
	ctx   context.Context
	conn  *pgx.Conn
	write bool

	err        error
	done       bool
	sentCommit bool

	kids  map[kidKey]int64 // bucket ids by parent and name (absent if known missing)
	known map[int64]map[string]val
	seqs  map[int64]uint64
	dirty map[int64]bool // sequences to write
	gens  map[int64]uint64

	pend       []queued
	group      map[kref]wop
	order      []kref
	groupBytes int

	topics []string
	after  []func()
}

// queued is a statement waiting for the next round trip; scan, if not
// nil, reads its rows.
type queued struct {
	sql  string
	args []any
	scan func(pgx.Rows) error
}

func newTx(db *DB, ctx context.Context, conn *pgx.Conn, write bool) *tx {
	return &tx{
		db: db, ctx: ctx, conn: conn, write: write,
		kids: map[kidKey]int64{}, known: map[int64]map[string]val{},
		seqs: map[int64]uint64{}, dirty: map[int64]bool{}, gens: map[int64]uint64{},
		group: map[kref]wop{},
	}
}

// begin starts the transaction and reads the top-level buckets, in one
// round trip.
func (t *tx) begin() error {
	b := "BEGIN ISOLATION LEVEL SERIALIZABLE"
	if !t.write {
		b = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
	}
	t.pend = append(t.pend, queued{sql: b})
	t.pend = append(t.pend, queued{
		sql: "SELECT id, name FROM " + t.db.q.buckets + " WHERE parent = 0",
		scan: func(rows pgx.Rows) error {
			var id int64
			var name []byte
			_, err := pgx.ForEachRow(rows, []any{&id, &name}, func() error {
				t.kids[kidKey{0, string(name)}] = id
				return nil
			})
			return err
		},
	})
	return t.send(nil)
}

// call runs fn, turning a panic into an error.
func (t *tx) call(fn func(kv.Tx) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic in a transaction: %v", r)
		}
	}()
	return fn(t)
}

// fail poisons the transaction with err (the first failure wins).
func (t *tx) fail(err error) {
	if t.err == nil {
		t.err = err
	}
}

// send runs the pending statements and then reads, in one round trip.
func (t *tx) send(reads []queued) error {
	if t.err != nil {
		return t.err
	}
	t.seal()
	qs := append(t.pend, reads...)
	t.pend = nil
	if len(qs) == 0 {
		return nil
	}
	b := &pgx.Batch{QueuedQueries: make([]*pgx.QueuedQuery, 0, len(qs))}
	for _, q := range qs {
		qq := b.Queue(q.sql, q.args...)
		if q.scan != nil {
			qq.Query(q.scan)
		} else {
			qq.Exec(func(pgconn.CommandTag) error { return nil })
		}
	}
	t.db.trips.Add(1)
	err := t.conn.SendBatch(t.ctx, b).Close()
	if err != nil {
		if t.conn.IsClosed() && !errors.Is(err, errConnLost) {
			err = fmt.Errorf("%w: %w", errConnLost, err)
		}
		t.fail(err)
	}
	return err
}

// seal turns the buffered writes into statements: one upsert and one
// delete for all records, one upsert for the sequences.
func (t *tx) seal() {
	if len(t.order) > 0 {
		var pb, db []int64
		var pkp, pkh, prest, pv, dkp, dkh [][]byte
		for _, r := range t.order {
			op := t.group[r]
			kp, kh, rest := splitKey([]byte(r.key))
			if op.del {
				db, dkp, dkh = append(db, r.bucket), append(dkp, kp), append(dkh, kh)
				continue
			}
			pb, pkp, pkh, prest, pv = append(pb, r.bucket), append(pkp, kp), append(pkh, kh), append(prest, rest), append(pv, op.v)
		}
		if len(db) > 0 {
			t.pend = append(t.pend, queued{
				sql: "DELETE FROM " + t.db.q.kv + " k USING unnest($1::bigint[], $2::bytea[], $3::bytea[]) AS d(bucket, kp, kh)" +
					" WHERE k.bucket = d.bucket AND k.kp = d.kp AND k.kh = d.kh",
				args: []any{db, dkp, dkh},
			})
		}
		if len(pb) > 0 {
			t.pend = append(t.pend, queued{
				sql: "INSERT INTO " + t.db.q.kv + " (bucket, kp, kh, rest, value)" +
					" SELECT * FROM unnest($1::bigint[], $2::bytea[], $3::bytea[], $4::bytea[], $5::bytea[])" +
					" ON CONFLICT (bucket, kp, kh) DO UPDATE SET rest = excluded.rest, value = excluded.value",
				args: []any{pb, pkp, pkh, prest, pv},
			})
		}
		clear(t.group)
		t.order = t.order[:0]
		t.groupBytes = 0
	}
	if len(t.dirty) > 0 {
		var ids, vals []int64
		for id := range t.dirty {
			ids, vals = append(ids, id), append(vals, int64(t.seqs[id]))
		}
		t.pend = append(t.pend, queued{
			sql: "INSERT INTO " + t.db.q.seqs + " (bucket, seq) SELECT * FROM unnest($1::bigint[], $2::bigint[])" +
				" ON CONFLICT (bucket) DO UPDATE SET seq = excluded.seq",
			args: []any{ids, vals},
		})
		clear(t.dirty)
	}
}

// buffer adds a write to the current group, sending the group if it
// grew past the limits.
func (t *tx) buffer(r kref, op wop) {
	if _, ok := t.group[r]; !ok {
		t.order = append(t.order, r)
	}
	t.group[r] = op
	t.groupBytes += len(r.key) + len(op.v)
	if len(t.order) >= flushOps || t.groupBytes >= flushBytes {
		t.send(nil)
	}
}

// commit sends the buffered writes, the notifications and COMMIT in one
// round trip.
func (t *tx) commit() error {
	t.seal()
	var reads []queued
	seen := map[string]bool{}
	for _, topic := range t.topics {
		if seen[topic] {
			continue
		}
		seen[topic] = true
		reads = append(reads, queued{sql: "SELECT pg_notify($1, $2)", args: []any{t.db.q.channel, payload(topic)}, scan: func(pgx.Rows) error { return nil }})
	}
	reads = append(reads, queued{sql: "COMMIT"})
	t.sentCommit = true
	if err := t.send(reads); err != nil {
		return err
	}
	t.done = true
	return nil
}

// end ends a read-only transaction.
func (t *tx) end() {
	if t.send([]queued{{sql: "COMMIT"}}) == nil {
		t.done = true
	}
}

// rollback ends a failed transaction (on its own short deadline: the
// call's context may be the reason it failed).
func (t *tx) rollback() {
	t.done = true
	if t.conn.IsClosed() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := t.conn.Exec(ctx, "ROLLBACK"); err != nil {
		t.conn.Close(ctx)
	}
}

// broken reports whether the connection must not go back to the pool.
func (t *tx) broken() bool { return t.conn.IsClosed() || !t.done }

func (t *tx) Writable() bool        { return t.write }
func (t *tx) Notify(topic string)   { t.topics = append(t.topics, topic) }
func (t *tx) AfterCommit(fn func()) { t.after = append(t.after, fn) }

func (t *tx) Bucket(name string) kv.Bucket {
	return (&bucket{t: t, id: 0}).Bucket([]byte(name))
}

func (t *tx) CreateBucket(name string) (kv.Bucket, error) {
	return (&bucket{t: t, id: 0}).CreateBucket([]byte(name))
}

// bucket is a bucket of the transaction; id 0 is the root, which holds
// the top-level buckets only.
type bucket struct {
	t  *tx
	id int64
}

var (
	_ kv.Bucket     = (*bucket)(nil)
	_ kv.Prefetcher = (*bucket)(nil)
)

var errReadOnly = errors.New("pgkv: write in a read-only transaction")

func (b *bucket) check(key []byte) error {
	switch {
	case !b.t.write:
		return errReadOnly
	case len(key) == 0:
		return errors.New("pgkv: empty key")
	case len(key) > kv.MaxKeySize:
		return fmt.Errorf("pgkv: key of %d bytes", len(key))
	case b.t.err != nil:
		return b.t.err
	}
	return nil
}

func (b *bucket) Get(key []byte) []byte {
	t := b.t
	if t.err != nil || len(key) == 0 {
		return nil
	}
	if v, ok := t.known[b.id][string(key)]; ok {
		return v.v
	}
	kp, kh, _ := splitKey(key)
	var got val
	err := t.send([]queued{{
		sql:  "SELECT value FROM " + t.db.q.kv + " WHERE bucket = $1 AND kp = $2 AND kh = $3",
		args: []any{b.id, kp, kh},
		scan: func(rows pgx.Rows) error {
			for rows.Next() {
				got.ok = true
				if err := rows.Scan(&got.v); err != nil {
					return err
				}
			}
			return rows.Err()
		},
	}})
	if err != nil {
		return nil
	}
	if got.ok && got.v == nil {
		got.v = []byte{}
	}
	b.remember(string(key), got)
	return got.v
}

func (b *bucket) remember(key string, v val) {
	m := b.t.known[b.id]
	if m == nil {
		m = map[string]val{}
		b.t.known[b.id] = m
	}
	m[key] = v
}

// Prefetch implements kv.Prefetcher: the values of keys (those not known
// already) are read in one round trip.
func (b *bucket) Prefetch(keys [][]byte) {
	t := b.t
	if t.err != nil {
		return
	}
	var kps, khs [][]byte
	want := map[string]bool{}
	for _, k := range keys {
		if len(k) == 0 || want[string(k)] {
			continue
		}
		if _, ok := t.known[b.id][string(k)]; ok {
			continue
		}
		want[string(k)] = true
		kp, kh, _ := splitKey(k)
		kps, khs = append(kps, kp), append(khs, kh)
	}
	if len(kps) == 0 {
		return
	}
	err := t.send([]queued{{
		sql: "SELECT k.kp, k.rest, k.value FROM " + t.db.q.kv + " k JOIN unnest($2::bytea[], $3::bytea[]) AS q(kp, kh)" +
			" ON k.kp = q.kp AND k.kh = q.kh WHERE k.bucket = $1",
		args: []any{b.id, kps, khs},
		scan: func(rows pgx.Rows) error {
			var kp, rest, v []byte
			_, err := pgx.ForEachRow(rows, []any{&kp, &rest, &v}, func() error {
				key := string(joinKey(kp, rest))
				if v == nil {
					v = []byte{}
				}
				b.remember(key, val{v: v, ok: true})
				delete(want, key)
				return nil
			})
			return err
		},
	}})
	if err != nil {
		return
	}
	for k := range want {
		b.remember(k, val{})
	}
}

func (b *bucket) Put(key, value []byte) error {
	if b.id == 0 {
		return errors.New("pgkv: put at the top level")
	}
	if err := b.check(key); err != nil {
		return err
	}
	v := bytes.Clone(value)
	if v == nil {
		v = []byte{}
	}
	k := string(key)
	b.remember(k, val{v: v, ok: true})
	b.t.gens[b.id]++
	b.t.buffer(kref{b.id, k}, wop{v: v})
	return b.t.err
}

func (b *bucket) Delete(key []byte) error {
	if !b.t.write {
		return errReadOnly
	}
	if len(key) == 0 || len(key) > kv.MaxKeySize {
		return nil
	}
	if b.t.err != nil {
		return b.t.err
	}
	k := string(key)
	b.remember(k, val{})
	b.t.gens[b.id]++
	b.t.buffer(kref{b.id, k}, wop{del: true})
	return b.t.err
}

func (b *bucket) Cursor() kv.Cursor { return &cursor{b: b, i: -1} }

// child returns the id of the nested bucket name (absent if none),
// asking the server unless the transaction knows.
func (b *bucket) child(name []byte) int64 {
	t := b.t
	kk := kidKey{b.id, string(name)}
	if id, ok := t.kids[kk]; ok {
		return id
	}
	if b.id == 0 {
		return absent // the top level was read at the start
	}
	id := int64(absent)
	err := t.send([]queued{{
		sql:  "SELECT id FROM " + t.db.q.buckets + " WHERE parent = $1 AND nh = $2",
		args: []any{b.id, nameHash(name)},
		scan: func(rows pgx.Rows) error {
			for rows.Next() {
				if err := rows.Scan(&id); err != nil {
					return err
				}
			}
			return rows.Err()
		},
	}})
	if err != nil {
		return absent
	}
	t.kids[kk] = id
	return id
}

func (b *bucket) Bucket(name []byte) kv.Bucket {
	if len(name) == 0 {
		return nil
	}
	if b.t.err != nil {
		// A failed transaction (its call returns the failure) still
		// hands out buckets, inert ones if need be: callers that rely on
		// their schema's buckets must not crash on a nil.
		id, ok := b.t.kids[kidKey{b.id, string(name)}]
		switch {
		case ok && id == absent:
			return nil
		case !ok:
			id = absent
		}
		return &bucket{t: b.t, id: id}
	}
	id := b.child(name)
	if id == absent && b.t.err != nil {
		return &bucket{t: b.t, id: absent} // failed just now: as above
	}
	if id == absent {
		return nil
	}
	return &bucket{t: b.t, id: id}
}

func (b *bucket) CreateBucket(name []byte) (kv.Bucket, error) {
	if err := b.check(name); err != nil {
		return nil, err
	}
	t := b.t
	id := b.child(name)
	if t.err != nil {
		return nil, t.err
	}
	if id != absent {
		return &bucket{t: t, id: id}, nil
	}
	id = newID()
	t.pend = append(t.pend, queued{
		sql:  "INSERT INTO " + t.db.q.buckets + " (id, parent, name, nh) VALUES ($1, $2, $3, $4)",
		args: []any{id, b.id, bytes.Clone(name), nameHash(name)},
	})
	t.kids[kidKey{b.id, string(name)}] = id
	t.known[id] = map[string]val{} // a new bucket holds nothing
	t.seqs[id] = 0
	return &bucket{t: t, id: id}, nil
}

func (b *bucket) DeleteBucket(name []byte) error {
	if !b.t.write {
		return errReadOnly
	}
	t := b.t
	if t.err != nil || len(name) == 0 {
		return t.err
	}
	id := b.child(name)
	if t.err != nil {
		return t.err
	}
	if id == absent {
		return nil
	}
	t.seal() // writes into the doomed buckets go first
	q := t.db.q
	t.pend = append(t.pend, queued{
		sql: "WITH RECURSIVE d(id) AS (SELECT $1::bigint UNION ALL SELECT b.id FROM " + q.buckets + " b JOIN d ON b.parent = d.id)," +
			" k AS (DELETE FROM " + q.kv + " WHERE bucket IN (SELECT id FROM d))," +
			" s AS (DELETE FROM " + q.seqs + " WHERE bucket IN (SELECT id FROM d))" +
			" DELETE FROM " + q.buckets + " WHERE id IN (SELECT id FROM d)",
		args: []any{id},
	})
	t.kids[kidKey{b.id, string(name)}] = absent
	// Forget what was known of it and of its descendants (their ids are
	// not known here; they are unreachable once the parent is gone).
	delete(t.known, id)
	delete(t.seqs, id)
	delete(t.dirty, id)
	t.gens[id]++
	return nil
}

func (b *bucket) ForEachBucket(fn func(name []byte) error) error {
	t := b.t
	if t.err != nil {
		return t.err
	}
	type kid struct {
		name []byte
		id   int64
	}
	var kids []kid
	err := t.send([]queued{{
		sql:  "SELECT name, id FROM " + t.db.q.buckets + " WHERE parent = $1",
		args: []any{b.id},
		scan: func(rows pgx.Rows) error {
			var k kid
			_, err := pgx.ForEachRow(rows, []any{&k.name, &k.id}, func() error {
				kids = append(kids, kid{name: bytes.Clone(k.name), id: k.id})
				return nil
			})
			return err
		},
	}})
	if err != nil {
		return err
	}
	slices.SortFunc(kids, func(x, y kid) int { return bytes.Compare(x.name, y.name) })
	for _, k := range kids {
		t.kids[kidKey{b.id, string(k.name)}] = k.id
	}
	for _, k := range kids {
		if err := fn(k.name); err != nil {
			return err
		}
	}
	return nil
}

// loadSeq reads the bucket's sequence unless the transaction knows it.
func (b *bucket) loadSeq() (uint64, bool) {
	t := b.t
	if n, ok := t.seqs[b.id]; ok {
		return n, true
	}
	var n int64
	err := t.send([]queued{{
		sql:  "SELECT seq FROM " + t.db.q.seqs + " WHERE bucket = $1",
		args: []any{b.id},
		scan: func(rows pgx.Rows) error {
			for rows.Next() {
				if err := rows.Scan(&n); err != nil {
					return err
				}
			}
			return rows.Err()
		},
	}})
	if err != nil {
		return 0, false
	}
	t.seqs[b.id] = uint64(n)
	return uint64(n), true
}

func (b *bucket) NextSequence() (uint64, error) {
	if !b.t.write {
		return 0, errReadOnly
	}
	if b.id == 0 {
		return 0, errors.New("pgkv: sequence of the top level")
	}
	n, ok := b.loadSeq()
	if !ok {
		return 0, b.t.err
	}
	n++
	b.t.seqs[b.id] = n
	b.t.dirty[b.id] = true
	return n, nil
}

func (b *bucket) Sequence() uint64 {
	if b.t.err != nil {
		return 0
	}
	n, _ := b.loadSeq()
	return n
}
