package boltkv

import (
	"go.etcd.io/bbolt"

	"github.com/cairn-ml/cairn/internal/kv"
)

// tx is a bbolt transaction behind kv.Tx.
type tx struct {
	b      *bbolt.Tx
	topics []string
	after  []func()
}

func (t *tx) Bucket(name string) kv.Bucket {
	b := t.b.Bucket([]byte(name))
	if b == nil {
		return nil
	}
	return (*bucket)(b)
}

func (t *tx) CreateBucket(name string) (kv.Bucket, error) {
	b, err := t.b.CreateBucketIfNotExists([]byte(name))
	if err != nil {
		return nil, err
	}
	return (*bucket)(b), nil
}

func (t *tx) Writable() bool { return t.b.Writable() }

func (t *tx) Notify(topic string) { t.topics = append(t.topics, topic) }

func (t *tx) AfterCommit(fn func()) { t.after = append(t.after, fn) }

// bucket is a bbolt bucket behind kv.Bucket. Put stores a nil value as an
// empty one, so that a nil value from a cursor always means a nested
// bucket, which the cursor skips.
type bucket bbolt.Bucket

var empty = []byte{}

func (b *bucket) bb() *bbolt.Bucket { return (*bbolt.Bucket)(b) }

func (b *bucket) Get(key []byte) []byte { return b.bb().Get(key) }

func (b *bucket) Put(key, value []byte) error {
	if value == nil {
		value = empty
	}
	return b.bb().Put(key, value)
}

func (b *bucket) Delete(key []byte) error { return b.bb().Delete(key) }

func (b *bucket) Cursor() kv.Cursor { return (*cursor)(b.bb().Cursor()) }

func (b *bucket) Bucket(name []byte) kv.Bucket {
	c := b.bb().Bucket(name)
	if c == nil {
		return nil
	}
	return (*bucket)(c)
}

func (b *bucket) CreateBucket(name []byte) (kv.Bucket, error) {
	c, err := b.bb().CreateBucketIfNotExists(name)
	if err != nil {
		return nil, err
	}
	return (*bucket)(c), nil
}

func (b *bucket) DeleteBucket(name []byte) error {
	if b.bb().Bucket(name) == nil {
		return nil
	}
	return b.bb().DeleteBucket(name)
}

func (b *bucket) ForEachBucket(fn func(name []byte) error) error {
	return b.bb().ForEachBucket(fn)
}

func (b *bucket) NextSequence() (uint64, error) { return b.bb().NextSequence() }

func (b *bucket) Sequence() uint64 { return b.bb().Sequence() }

// SetFillPercent implements kv.FillPercenter.
func (b *bucket) SetFillPercent(p float64) { b.bb().FillPercent = p }

// cursor is a bbolt cursor behind kv.Cursor; it skips nested buckets.
type cursor bbolt.Cursor

func (c *cursor) bc() *bbolt.Cursor { return (*bbolt.Cursor)(c) }

func (c *cursor) First() ([]byte, []byte) { return c.fwd(c.bc().First()) }
func (c *cursor) Last() ([]byte, []byte)  { return c.back(c.bc().Last()) }
func (c *cursor) Seek(k []byte) ([]byte, []byte) {
	return c.fwd(c.bc().Seek(k))
}
func (c *cursor) Next() ([]byte, []byte) { return c.fwd(c.bc().Next()) }
func (c *cursor) Prev() ([]byte, []byte) { return c.back(c.bc().Prev()) }

func (c *cursor) fwd(k, v []byte) ([]byte, []byte) {
	for k != nil && v == nil {
		k, v = c.bc().Next()
	}
	return k, v
}

func (c *cursor) back(k, v []byte) ([]byte, []byte) {
	for k != nil && v == nil {
		k, v = c.bc().Prev()
	}
	return k, v
}
