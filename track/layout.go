package track

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/cairn-ml/cairn/internal/kv"
	"github.com/cairn-ml/cairn/internal/storage"
)

// The database layout. Every bucket is top-level and named "track/...", so
// track can share a file with other packages. Run ids are 16 raw bytes in
// keys; names, keys and values never hold a NUL byte, so 0x00 ends a
// variable-length part.
//
//	track/meta             "schema" -> uint64 (1)
//	track/experiments      exp(8) -> expRec
//	track/experiment_names name -> exp(8)
//	track/experiment_tags  exp(8) key -> value
//	track/runs             run(16) -> runRec
//	track/params           run(16) key -> value
//	track/tags             run(16) key -> value
//	track/metrics          run(16) key -> metricRec (the latest value)
//	track/history          run(16) key 0x00 seq(8) -> metricRec
//	                       run(16) -> seq(8), the run's last seq
//	track/inputs           run(16) seq(8) -> Input
//	track/artifacts        run(16) path -> artRec
//	track/blobrefs         sha256(32) run(16) -> ""
//	track/index            exp(8) kind name 0x00 value run(16) -> ""
//
// In track/index, kind is 'a' (attribute), 'm' (latest metric), 'p'
// (param) or 't' (tag); value is 8 order-preserving bytes for numbers
// (floatKey, intKey) or the string followed by 0x00. The index holds every
// run, deleted ones included, so a run is found in it by any attribute,
// latest metric, param or tag; see search.go for how queries use it.
const (
	bucketMeta      = "track/meta"
	bucketExps      = "track/experiments"
	bucketExpNames  = "track/experiment_names"
	bucketExpTags   = "track/experiment_tags"
	bucketRuns      = "track/runs"
	bucketParams    = "track/params"
	bucketTags      = "track/tags"
	bucketMetrics   = "track/metrics"
	bucketHistory   = "track/history"
	bucketInputs    = "track/inputs"
	bucketArtifacts = "track/artifacts"
	bucketBlobRefs  = "track/blobrefs"
	bucketIndex     = "track/index"
)

var bucketNames = []string{
	bucketMeta, bucketExps, bucketExpNames, bucketRuns, bucketParams, bucketTags,
	bucketMetrics, bucketHistory, bucketInputs, bucketArtifacts, bucketBlobRefs, bucketIndex,
	bucketExpTags,
}

// namespace prefixes track's buckets.
const namespace = "track"

// schema is track's part of a records store; bucketBlobRefs is the
// holder's references bucket the storage core's sweep reads.
var schema = storage.Schema{Namespace: namespace, Version: 1, Buckets: bucketNames[1:]}

// Index kinds.
const (
	kindAttr   = 'a'
	kindMetric = 'm'
	kindParam  = 'p'
	kindTag    = 't'
)

// Attributes kept in the index.
const (
	attrStart  = "start_time"
	attrEnd    = "end_time"
	attrStatus = "status"
	attrName   = "run_name"
	attrParent = "parent_run_id"
)

// txn is a transaction with track's buckets looked up.
type txn struct {
	st  *Store
	tx  kv.Tx
	now int64 // Unix milliseconds, read once per write transaction

	// Cursors and a key buffer reused by lookups in read paths that make
	// many of them (search).
	curs map[kv.Bucket]kv.Cursor
	key  []byte

	// The buckets, looked up when first used (see bucket).
	bks [numBuckets]kv.Bucket
	// missing is a bucket the file lacks, met during the transaction.
	missing string
}

// The buckets' indexes in txn.bks and bucketNames.
const (
	bMeta = iota
	bExps
	bExpNames
	bRuns
	bParams
	bTags
	bMetrics
	bHistory
	bInputs
	bArtifacts
	bBlobRefs
	bIndex
	bExpTags
	numBuckets
)

// runKeyed are the buckets whose keys start with a run id.
var runKeyed = [numBuckets]bool{bRuns: true, bParams: true, bTags: true, bMetrics: true,
	bHistory: true, bInputs: true, bArtifacts: true}

// bucket returns bucket i, looked up when first used: a transaction pays
// only for the buckets it reads. A bucket that is not there (a damaged
// file) reads as empty and refuses writes, and the transaction then
// fails with ErrCorrupt (see done).
func (t *txn) bucket(i int) kv.Bucket {
	if t.bks[i] != nil {
		return t.bks[i]
	}
	bk := t.tx.Bucket(bucketNames[i])
	switch {
	case bk == nil:
		t.missing = bucketNames[i]
		bk = kv.Missing{}
	case runKeyed[i] && t.tx.Writable():
		// Keys under a run id mostly arrive in order (run ids start
		// with their creation time), so pack those pages fuller than
		// bbolt's default of one half.
		if fp, ok := bk.(kv.FillPercenter); ok {
			fp.SetFillPercent(0.9)
		}
	}
	t.bks[i] = bk
	return bk
}

// done returns the error of a transaction whose function returned err:
// ErrCorrupt if it met a missing bucket, whatever err is.
func (t *txn) done(err error) error {
	if t.missing != "" {
		return fmt.Errorf("%w: no bucket %q", ErrCorrupt, t.missing)
	}
	return err
}

func (t *txn) meta() kv.Bucket      { return t.bucket(bMeta) }
func (t *txn) exps() kv.Bucket      { return t.bucket(bExps) }
func (t *txn) expNames() kv.Bucket  { return t.bucket(bExpNames) }
func (t *txn) runs() kv.Bucket      { return t.bucket(bRuns) }
func (t *txn) params() kv.Bucket    { return t.bucket(bParams) }
func (t *txn) tags() kv.Bucket      { return t.bucket(bTags) }
func (t *txn) metrics() kv.Bucket   { return t.bucket(bMetrics) }
func (t *txn) history() kv.Bucket   { return t.bucket(bHistory) }
func (t *txn) inputs() kv.Bucket    { return t.bucket(bInputs) }
func (t *txn) artifacts() kv.Bucket { return t.bucket(bArtifacts) }
func (t *txn) blobRefs() kv.Bucket  { return t.bucket(bBlobRefs) }
func (t *txn) index() kv.Bucket     { return t.bucket(bIndex) }
func (t *txn) expTags() kv.Bucket   { return t.bucket(bExpTags) }

func bind(st *Store, tx kv.Tx) *txn {
	t := &txn{st: st, tx: tx}
	if tx.Writable() {
		t.now = st.now().UnixMilli()
	}
	return t
}

// runKey returns run id + key, the key of a param, tag, latest metric or
// artifact.
func runKey(id runID, key string) []byte {
	k := make([]byte, 0, 16+len(key))
	k = append(k, id[:]...)
	return append(k, key...)
}

// historyPrefix returns the prefix of a metric's history keys.
func historyPrefix(id runID, key string) []byte {
	return append(runKey(id, key), 0)
}

// indexPrefix returns the prefix of one column's index entries in one
// experiment: exp kind name 0x00.
func indexPrefix(exp uint64, kind byte, name string) []byte {
	k := make([]byte, 0, 10+len(name)+8+16)
	k = binary.BigEndian.AppendUint64(k, exp)
	k = append(k, kind)
	k = append(k, name...)
	return append(k, 0)
}

func indexNumKey(prefix []byte, v uint64, id runID) []byte {
	k := make([]byte, 0, len(prefix)+8+16)
	k = append(k, prefix...)
	k = binary.BigEndian.AppendUint64(k, v)
	return append(k, id[:]...)
}

func indexStrKey(prefix []byte, v string, id runID) []byte {
	k := make([]byte, 0, len(prefix)+len(v)+1+16)
	k = append(k, prefix...)
	k = append(k, v...)
	k = append(k, 0)
	return append(k, id[:]...)
}

// Index maintenance. put and del take the old and new values so that a
// change is one delete and one insert.

func (t *txn) indexNum(exp uint64, kind byte, name string, id runID, v uint64) error {
	return t.index().Put(indexNumKey(indexPrefix(exp, kind, name), v, id), nil)
}

func (t *txn) unindexNum(exp uint64, kind byte, name string, id runID, v uint64) error {
	return t.index().Delete(indexNumKey(indexPrefix(exp, kind, name), v, id))
}

func (t *txn) indexStr(exp uint64, kind byte, name string, id runID, v string) error {
	return t.index().Put(indexStrKey(indexPrefix(exp, kind, name), v, id), nil)
}

func (t *txn) unindexStr(exp uint64, kind byte, name string, id runID, v string) error {
	return t.index().Delete(indexStrKey(indexPrefix(exp, kind, name), v, id))
}

// lookup is b.Get(runKey(id, key)) through a cursor kept for the
// transaction, which saves the allocations of a fresh cursor and key per
// call; on an engine that prefetches (see prefetch.go) it is a Get, which
// knows a prefetched key is missing without asking. Only read paths use
// it.
func (t *txn) lookup(b kv.Bucket, id runID, key string) []byte {
	if _, ok := b.(kv.Prefetcher); ok {
		t.key = append(append(t.key[:0], id[:]...), key...)
		return b.Get(t.key)
	}
	c := t.curs[b]
	if c == nil {
		if t.curs == nil {
			t.curs = map[kv.Bucket]kv.Cursor{}
		}
		c = b.Cursor()
		t.curs[b] = c
	}
	t.key = append(append(t.key[:0], id[:]...), key...)
	k, v := c.Seek(t.key)
	if !bytes.Equal(k, t.key) {
		return nil
	}
	return v
}
