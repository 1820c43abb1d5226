package registry

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"time"

	"github.com/cairn-ml/cairn/internal/kv"
	"github.com/cairn-ml/cairn/internal/storage"
)

// The database layout. Every bucket is top-level and named "registry/...",
// so the registry can share a file with other packages (track's buckets
// are "track/..."). Names and alias names never hold a NUL byte, so 0x00
// ends a variable-length part of a key; numbers are 8 big-endian bytes, so
// keys sort by them.
//
//	registry/meta       "schema" -> uint64 (1)
//	registry/models     name -> modelRec
//	registry/versions   name 0x00 version(8) -> versionRec
//	registry/aliases    name 0x00 alias -> version(8) seq(8)
//	registry/history    name 0x00 alias 0x00 seq(8) -> eventRec
//	registry/digests    name 0x00 sha256(32) -> version(8)   (dedup)
//	registry/lineage    kind name(run id or sha256(32)) 0x00 model 0x00 version(8) -> ""
//	registry/blobrefs   sha256(32) name 0x00 version(8) -> ""
//	registry/blobs      sha256(32) -> model bytes (only without Options.Blobs)
//
// The history bucket's sequence (bbolt's NextSequence) numbers alias
// events across the whole file, so they order a model's history across
// its aliases. In registry/lineage, kind is 'r' (followed by the run id)
// or 'd' (followed by the data set's 32-byte digest).
const (
	bucketMeta     = "registry/meta"
	bucketModels   = "registry/models"
	bucketVersions = "registry/versions"
	bucketAliases  = "registry/aliases"
	bucketHistory  = "registry/history"
	bucketDigests  = "registry/digests"
	bucketLineage  = "registry/lineage"
	bucketBlobRefs = "registry/blobrefs"
	bucketBlobs    = "registry/blobs"
)

// bucketNames lists every bucket; the b... constants index it.
var bucketNames = [...]string{
	bMeta: bucketMeta, bModels: bucketModels, bVersions: bucketVersions, bAliases: bucketAliases,
	bHistory: bucketHistory, bDigests: bucketDigests, bLineage: bucketLineage,
	bBlobRefs: bucketBlobRefs, bBlobs: bucketBlobs,
}

const (
	bMeta = iota
	bModels
	bVersions
	bAliases
	bHistory
	bDigests
	bLineage
	bBlobRefs
	bBlobs
)

// namespace prefixes the registry's buckets.
const namespace = "registry"

// schema is the registry's part of a records store; bucketBlobRefs is
// the holder's references bucket the storage core's sweep reads.
var schema = storage.Schema{Namespace: namespace, Version: 1, Buckets: bucketNames[bModels:]}

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(make([]byte, 0, 8), v) }

// op is one put or delete of a key in a bucket.
type op struct {
	bk   kv.Bucket
	k, v []byte
}

// Lineage index kinds.
const (
	lineageRun     = 'r'
	lineageDataset = 'd'
)

// txn is a transaction with the registry's buckets, looked up when first
// used.
type txn struct {
	reg *Registry
	tx  kv.Tx
	now int64 // Unix milliseconds, read once per write transaction
	bks [len(bucketNames)]kv.Bucket
	// missing is a bucket the file lacks, met during the transaction.
	missing string
}

func bind(reg *Registry, tx kv.Tx) *txn {
	t := &txn{reg: reg, tx: tx}
	if tx.Writable() {
		t.now = reg.now().UnixMilli()
	}
	return t
}

// bucket returns bucket i, looked up when first used. A bucket that is
// not there (a damaged file) reads as empty and refuses writes, and the
// transaction then fails with ErrCorrupt (see done).
func (t *txn) bucket(i int) kv.Bucket {
	if t.bks[i] == nil {
		if t.bks[i] = t.tx.Bucket(bucketNames[i]); t.bks[i] == nil {
			t.missing = bucketNames[i]
			t.bks[i] = kv.Missing{}
		}
	}
	return t.bks[i]
}

// done returns the error of a transaction whose function returned err:
// ErrCorrupt if it met a missing bucket, whatever err is.
func (t *txn) done(err error) error {
	if t.missing != "" {
		return fmt.Errorf("%w: no bucket %q", ErrCorrupt, t.missing)
	}
	return err
}

func (t *txn) models() kv.Bucket   { return t.bucket(bModels) }
func (t *txn) versions() kv.Bucket { return t.bucket(bVersions) }
func (t *txn) aliases() kv.Bucket  { return t.bucket(bAliases) }
func (t *txn) history() kv.Bucket  { return t.bucket(bHistory) }
func (t *txn) digests() kv.Bucket  { return t.bucket(bDigests) }
func (t *txn) lineage() kv.Bucket  { return t.bucket(bLineage) }
func (t *txn) blobRefs() kv.Bucket { return t.bucket(bBlobRefs) }
func (t *txn) blobs() kv.Bucket    { return t.bucket(bBlobs) }

// namePrefix returns name 0x00, the prefix of a model's keys.
func namePrefix(name string) []byte {
	k := make([]byte, 0, len(name)+1+8)
	k = append(k, name...)
	return append(k, 0)
}

func versionKey(name string, n uint64) []byte {
	return binary.BigEndian.AppendUint64(namePrefix(name), n)
}

func aliasKey(name, alias string) []byte { return append(namePrefix(name), alias...) }

func historyPrefix(name, alias string) []byte { return append(aliasKey(name, alias), 0) }

func historyKey(name, alias string, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(historyPrefix(name, alias), seq)
}

func digestKey(name string, sum [32]byte) []byte { return append(namePrefix(name), sum[:]...) }

func blobRefKey(sum [32]byte, name string, n uint64) []byte {
	k := append(sum[:len(sum):len(sum)], name...)
	k = append(k, 0)
	return binary.BigEndian.AppendUint64(k, n)
}

func lineageKey(kind byte, value []byte, name string, n uint64) []byte {
	k := append([]byte{kind}, value...)
	k = append(k, 0)
	return append(k, versionKey(name, n)...)
}

// splitVersionKey splits name 0x00 version(8).
func splitVersionKey(k []byte) (string, uint64, bool) {
	if len(k) < 10 || k[len(k)-9] != 0 {
		return "", 0, false
	}
	return string(k[:len(k)-9]), binary.BigEndian.Uint64(k[len(k)-8:]), true
}

func ms(t int64) time.Time { return time.UnixMilli(t).UTC() }

// model loads a model's record, or ErrNotFound.
func (t *txn) model(name string) (modelRec, error) {
	v := t.models().Get([]byte(name))
	if v == nil {
		return modelRec{}, fmt.Errorf("%w: model %q", ErrNotFound, name)
	}
	return decodeModel(v)
}

func (t *txn) putModel(name string, m *modelRec) error {
	return t.models().Put([]byte(name), m.encode())
}

// version loads a version's record, or ErrNotFound.
func (t *txn) version(name string, n uint64) (versionRec, error) {
	v := t.versions().Get(versionKey(name, n))
	if v == nil {
		return versionRec{}, fmt.Errorf("%w: version %d of model %q", ErrNotFound, n, name)
	}
	return decodeVersion(v)
}

// alias returns where an alias points, with ok false if it is not set.
func (t *txn) alias(name, alias string) (aliasVal, bool, error) {
	v := t.aliases().Get(aliasKey(name, alias))
	if v == nil {
		return aliasVal{}, false, nil
	}
	a, err := decodeAlias(v)
	return a, err == nil, err
}

// aliasesOf returns the model's aliases and the versions they point at.
func (t *txn) aliasesOf(name string) (map[string]uint64, error) {
	prefix := namePrefix(name)
	var out map[string]uint64
	c := t.aliases().Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		a, err := decodeAlias(v)
		if err != nil {
			return nil, err
		}
		if out == nil {
			out = map[string]uint64{}
		}
		out[string(k[len(prefix):])] = a.version
	}
	return out, nil
}

// aliasesAt returns the names of the model's aliases that point at
// version n, sorted.
func (t *txn) aliasesAt(name string, n uint64) ([]string, error) {
	all, err := t.aliasesOf(name)
	if err != nil {
		return nil, err
	}
	var out []string
	for a, v := range all {
		if v == n {
			out = append(out, a)
		}
	}
	slices.Sort(out)
	return out, nil
}

// resolve returns the version number ref names in model name.
func (t *txn) resolve(name string, ref Ref) (uint64, error) {
	if t.models().Get([]byte(name)) == nil {
		return 0, fmt.Errorf("%w: model %q", ErrNotFound, name)
	}
	switch {
	case ref.Alias != "":
		a, ok, err := t.alias(name, ref.Alias)
		if err != nil {
			return 0, err
		}
		if !ok {
			return 0, fmt.Errorf("%w: alias @%s of model %q", ErrNotFound, ref.Alias, name)
		}
		return a.version, nil
	case ref.Number > 0:
		n := uint64(ref.Number)
		if t.versions().Get(versionKey(name, n)) == nil {
			return 0, fmt.Errorf("%w: version %d of model %q", ErrNotFound, n, name)
		}
		return n, nil
	case ref.Digest != "":
		return t.resolveDigest(name, ref)
	}
	prefix := namePrefix(name)
	c := t.versions().Cursor()
	k, v := c.Seek(versionKey(name, MaxVersion+1))
	if k == nil {
		k, v = c.Last()
	} else {
		k, v = c.Prev()
	}
	for ; k != nil && bytes.HasPrefix(k, prefix); k, v = c.Prev() {
		rec, err := decodeVersion(v)
		if err != nil {
			return 0, err
		}
		if !rec.archived {
			_, n, _ := splitVersionKey(k)
			return n, nil
		}
	}
	return 0, fmt.Errorf("%w: model %q has no version that is not archived", ErrNotFound, name)
}

// resolveDigest returns the version of model name whose bytes' digest
// starts with ref.Digest (a model's versions hold distinct bytes). A
// prefix that matches several versions is ErrInvalid.
func (t *txn) resolveDigest(name string, ref Ref) (uint64, error) {
	half, err := hex.DecodeString(ref.Digest[:len(ref.Digest)&^1])
	if err != nil {
		return 0, fmt.Errorf("%w: digest prefix %q", ErrInvalid, ref.Digest)
	}
	prefix := append(namePrefix(name), half...)
	var found []uint64
	c := t.digests().Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		sum := k[len(namePrefix(name)):]
		if !ref.MatchDigest(hex.EncodeToString(sum)) {
			continue
		}
		if len(v) != 8 {
			return 0, fmt.Errorf("%w: dedup record is %d bytes", ErrCorrupt, len(v))
		}
		found = append(found, binary.BigEndian.Uint64(v))
		if len(found) > 1 {
			return 0, fmt.Errorf("%w: digest prefix %s matches several versions of model %q", ErrInvalid, ref.Digest, name)
		}
	}
	if len(found) == 0 {
		return 0, fmt.Errorf("%w: no version of model %q has digest %s...", ErrNotFound, name, ref.Digest)
	}
	return found[0], nil
}

// aliasTopic is the change topic of one alias.
func aliasTopic(name, alias string) string { return "registry/alias:" + name + "\x00" + alias }
