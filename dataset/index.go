package dataset

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/cairn-ml/cairn/internal/codec"
	"github.com/cairn-ml/cairn/internal/kv"
	"github.com/cairn-ml/cairn/internal/perr"
	"github.com/cairn-ml/cairn/internal/ref"
	"github.com/cairn-ml/cairn/internal/storage"
)

// The index's top-level buckets, all named "dataset/...":
//
//	dataset/meta       "schema" -> uint64 (2); "blobs" -> the blob store's location
//	dataset/versions   name -> bucket: number(8) -> versionRec
//	dataset/hashcache  path -> cacheEntry
//	dataset/blobrefs   sha256(32) -> "": every object a version refers to
//
// dataset/blobrefs is the repository's part in the blob store's
// collection (storage.Sweep); while it holds the key "incomplete" (an
// index made before it existed) it is rebuilt from the manifests by the
// next GC, and sweeps by others refuse to run.
const (
	namespace      = "dataset"
	bucketMeta     = "dataset/meta"
	bucketVersions = "dataset/versions"
	bucketCache    = "dataset/hashcache"
	bucketRefs     = "dataset/blobrefs"
)

var schema = storage.Schema{
	Namespace: namespace, Version: 2, Buckets: []string{bucketVersions, bucketCache, bucketRefs},
	Migrate: migrate,
}

// refsIncomplete marks a references bucket that must be rebuilt.
var refsIncomplete = []byte(storage.RefsIncomplete)

// migrate moves an index from schema 1 (format "1": JSON version
// records, no references) to 2.
func migrate(tx kv.Tx, from uint64) error {
	if from != 1 {
		return fmt.Errorf("%w: no migration from schema %d", ErrCorrupt, from)
	}
	vs := tx.Bucket(bucketVersions)
	var names [][]byte
	if err := vs.ForEachBucket(func(n []byte) error { names = append(names, bytes.Clone(n)); return nil }); err != nil {
		return err
	}
	for _, n := range names {
		b := vs.Bucket(n)
		type kvp struct{ k, v []byte }
		var recs []kvp
		c := b.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if len(k) != 8 {
				return fmt.Errorf("%w: index key %x under %s", ErrCorrupt, k, n)
			}
			rec, err := decodeJSONVersion(string(n), binary.BigEndian.Uint64(k), v)
			if err != nil {
				return err
			}
			recs = append(recs, kvp{bytes.Clone(k), rec.encode()})
		}
		for _, r := range recs {
			if err := b.Put(r.k, r.v); err != nil {
				return err
			}
		}
	}
	refs, err := tx.CreateBucket(bucketRefs)
	if err != nil {
		return err
	}
	return refs.Put(refsIncomplete, nil)
}

// initIndex creates or checks the index's buckets and returns the blob
// location to use: the one recorded, or given (recorded if new).
func (r *Repo) initIndex(ctx context.Context, given string) (string, error) {
	var loc string
	err := r.db.Update(ctx, func(tx kv.Tx) error {
		loc = ""
		// An index of format "1" predates the schema record.
		if meta := tx.Bucket(bucketMeta); meta != nil && meta.Get([]byte("schema")) == nil {
			if f := meta.Get([]byte("format")); f != nil {
				if string(f) != "1" {
					return fmt.Errorf("%w: index format %q", ErrCorrupt, truncate(f))
				}
				if err := meta.Put([]byte("schema"), binary.BigEndian.AppendUint64(nil, 1)); err != nil {
					return err
				}
			}
		}
		if err := schema.Init(tx, ErrCorrupt); err != nil {
			return err
		}
		meta := tx.Bucket(bucketMeta)
		recorded := string(meta.Get([]byte("blobs")))
		if recorded == "" && hasVersions(tx) {
			recorded = "." // made before the record: its own folder
		}
		shared := storage.IsURL(r.index)
		switch {
		case recorded == "" && given == "" && shared:
			// A shared index keeps its blobs where every machine finds
			// them: by default, in the index's own database.
			recorded = storage.NoPassword(storage.DefaultBlobs(r.index))
		case recorded == "" && given == "":
			recorded = "."
		case recorded == "" && shared:
			// Recorded as given (absolute if a path), never with a
			// password: every machine reads it.
			recorded = storage.NoPassword(absolute(given))
		case recorded == "":
			recorded = relativeTo(r.dir, given)
		case given != "" && !sameLocation(r.dir, recorded, storage.NoPassword(given)):
			return fmt.Errorf("%w: the repository keeps its objects in %s, not %s", ErrInvalid,
				storage.Redact(resolveFrom(r.dir, recorded)), storage.Redact(given))
		}
		switch {
		case given != "":
			loc = given // with its password, if any
		case recorded == storage.NoPassword(r.index):
			loc = r.index // the index's database, with the index's password
		default:
			loc = resolveFrom(r.dir, recorded)
		}
		if meta.Get([]byte("blobs")) == nil {
			return meta.Put([]byte("blobs"), []byte(recorded))
		}
		return nil
	})
	return loc, err
}

func hasVersions(tx kv.Tx) bool {
	found := false
	tx.Bucket(bucketVersions).ForEachBucket(func([]byte) error { found = true; return errStopWalk })
	return found
}

// errStopWalk ends a walk early.
var errStopWalk = errors.New("stop")

// relativeTo returns location relative to dir when both are paths, so
// that moving dir with the blob folder keeps the record right.
func relativeTo(dir, location string) string {
	if storage.IsURL(location) {
		return location
	}
	d, err1 := filepath.Abs(dir)
	l, err2 := filepath.Abs(location)
	if err1 != nil || err2 != nil {
		return location
	}
	if rel, err := filepath.Rel(d, l); err == nil {
		return filepath.ToSlash(rel)
	}
	return l
}

// absolute returns a path location made absolute, or a URL as it is.
func absolute(location string) string {
	if storage.IsURL(location) {
		return location
	}
	if a, err := filepath.Abs(location); err == nil {
		return a
	}
	return location
}

func resolveFrom(dir, recorded string) string {
	if storage.IsURL(recorded) || filepath.IsAbs(recorded) {
		return recorded
	}
	return filepath.Join(dir, filepath.FromSlash(recorded))
}

func sameLocation(dir, recorded, given string) bool {
	if storage.IsURL(recorded) || storage.IsURL(given) {
		return recorded == given
	}
	a, err1 := filepath.Abs(resolveFrom(dir, recorded))
	b, err2 := filepath.Abs(given)
	return err1 == nil && err2 == nil && filepath.Clean(a) == filepath.Clean(b)
}

// Version is one recorded version of a named data set. It has the shape
// of a version everywhere in cairn: a number, a digest, a creation time.
type Version struct {
	// Name is the data set's name.
	Name string
	// Number counts the versions of Name from 1; "v3" refers to Number 3.
	Number int
	// Digest is the digest of the version's manifest, "sha256:<64 hex>":
	// the same files (paths, sizes, modes, contents) give the same
	// Digest.
	Digest string
	// Created is when the version was recorded (Options.Now), in UTC.
	Created time.Time
	// Message is the message given to Commit.
	Message string
	// Files is the number of files and Size their total size in bytes.
	Files int
	Size  int64
}

// String returns "name@v3".
func (v Version) String() string { return v.Name + "@v" + strconv.Itoa(v.Number) }

// versionRec is a version as stored (name and number are the key).
type versionRec struct {
	sum     [32]byte
	created int64 // Unix nanoseconds
	message string
	kind    kind
	files   uint64
	size    int64
}

const recVersion = 1

func (v versionRec) encode() []byte {
	e := codec.NewEnc(recVersion, 64+len(v.message))
	e.Fixed(v.sum[:])
	e.Varint(v.created)
	e.Str(v.message)
	e.Byte(byte(v.kind))
	e.Uvarint(v.files)
	e.Varint(v.size)
	return e.Bytes()
}

func decodeVersionRec(b []byte) (versionRec, error) {
	d := codec.NewDec(b, recVersion)
	var v versionRec
	copy(v.sum[:], d.Fixed(32))
	v.created = d.Varint()
	v.message = d.Str()
	v.kind = kind(d.Byte())
	v.files = d.Uvarint()
	v.size = d.Varint()
	if d.Err() == nil {
		switch {
		case v.kind != kindDir && v.kind != kindFile:
			d.Fail(fmt.Errorf("bad kind %d", v.kind))
		case v.size < 0 || v.files > 1<<40 || v.kind == kindFile && v.files != 1:
			d.Fail(fmt.Errorf("bad counts %d files, %d bytes", v.files, v.size))
		}
	}
	return v, d.Finish(ErrCorrupt, "version")
}

func (v versionRec) public(name string, number uint64) Version {
	return Version{
		Name: name, Number: int(number), Digest: digestString(v.sum), Created: time.Unix(0, v.created).UTC(),
		Message: v.message, Files: int(v.files), Size: v.size,
	}
}

// decodeJSONVersion reads a version record of schema 1.
func decodeJSONVersion(name string, number uint64, b []byte) (versionRec, error) {
	var rec struct {
		ID      string `json:"id"`
		Time    string `json:"time"`
		Message string `json:"message"`
		Kind    string `json:"kind"`
		Files   int    `json:"files"`
		Size    int64  `json:"size"`
	}
	bad := func(what string) (versionRec, error) {
		return versionRec{}, fmt.Errorf("%w: index record %s@v%d: %s", ErrCorrupt, name, number, what)
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		return bad(err.Error())
	}
	sum, err := parseDigest(rec.ID)
	if err != nil {
		return bad("id")
	}
	t, err := time.Parse(time.RFC3339Nano, rec.Time)
	if err != nil {
		return bad("time")
	}
	v := versionRec{sum: sum, created: t.UnixNano(), message: rec.Message, files: uint64(rec.Files), size: rec.Size}
	switch rec.Kind {
	case "dir":
		v.kind = kindDir
	case "file":
		v.kind = kindFile
	default:
		return bad("kind")
	}
	if rec.Files < 0 || rec.Size < 0 {
		return bad("counts")
	}
	return v, nil
}

// maxVersion bounds version numbers so they fit an int everywhere.
const maxVersion = ref.MaxNumber

func versionKey(n int) []byte { return binary.BigEndian.AppendUint64(nil, uint64(n)) }

// checkName validates a data set name: 1 to 128 bytes of ASCII letters,
// digits, '.', '_' and '-', starting with a letter or a digit.
func checkName(name string) error {
	ok := len(name) > 0 && len(name) <= 128
	for i := 0; ok && i < len(name); i++ {
		c := name[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case (c == '.' || c == '_' || c == '-') && i > 0:
		default:
			ok = false
		}
	}
	if !ok {
		return fmt.Errorf("%w: %s", ErrBadName, perr.Quote(name))
	}
	return nil
}

// Names returns the names of all data sets in the repository, sorted.
func (r *Repo) Names(ctx context.Context) ([]string, error) {
	var names []string
	err := r.view(ctx, func(tx kv.Tx) error {
		names = nil
		return tx.Bucket(bucketVersions).ForEachBucket(func(k []byte) error {
			names = append(names, string(k))
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("dataset: names: %w", err)
	}
	return names, nil
}

// Versions returns every version of the data set name, oldest first. An
// unknown name is an error wrapping ErrNotFound.
func (r *Repo) Versions(ctx context.Context, name string) ([]Version, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	var vs []Version
	err := r.view(ctx, func(tx kv.Tx) error {
		vs = nil
		b, err := nameBucket(tx, name)
		if err != nil {
			return err
		}
		c := b.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			ver, _, err := decodeVersionKV(name, k, v)
			if err != nil {
				return err
			}
			vs = append(vs, ver)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("dataset: versions of %s: %w", name, err)
	}
	return vs, nil
}

func nameBucket(tx kv.Tx, name string) (kv.Bucket, error) {
	b := tx.Bucket(bucketVersions).Bucket([]byte(name))
	if b == nil {
		return nil, fmt.Errorf("%w: data set %q", ErrNotFound, name)
	}
	return b, nil
}

func decodeVersionKV(name string, k, v []byte) (Version, kind, error) {
	if len(k) != 8 {
		return Version{}, 0, fmt.Errorf("%w: index key %x under %s", ErrCorrupt, k, name)
	}
	n := binary.BigEndian.Uint64(k)
	if n == 0 || n > uint64(maxVersion) {
		return Version{}, 0, fmt.Errorf("%w: index record %s@v%d: number", ErrCorrupt, name, n)
	}
	rec, err := decodeVersionRec(v)
	if err != nil {
		return Version{}, 0, fmt.Errorf("%s@v%d: %w", name, n, err)
	}
	return rec.public(name, n), rec.kind, nil
}

// latest returns the newest version of name, or ok == false if there is
// none.
func latest(tx kv.Tx, name string) (v Version, k kind, ok bool, err error) {
	b := tx.Bucket(bucketVersions).Bucket([]byte(name))
	if b == nil {
		return Version{}, 0, false, nil
	}
	key, val := b.Cursor().Last()
	if key == nil {
		return Version{}, 0, false, nil
	}
	v, k, err = decodeVersionKV(name, key, val)
	return v, k, err == nil, err
}

// Resolve returns the version of name that ref designates, in the
// reference grammar every cairn package shares:
//
//   - "latest": the newest version;
//   - "v3" or "3": version 3;
//   - a digest or a prefix of one, "sha256:1a2b" or (with a letter a-f)
//     "1a2b3c", of at least 4 hex digits: the newest version whose
//     Digest starts with it.
//
// A prefix that matches versions with different digests is an error
// wrapping ErrAmbiguous (a prefix shared by several versions with the same
// digest, as when a later version returns to earlier content, is not
// ambiguous). An alias ("@name") is ErrNotFound: data sets have none. An
// unknown name or version wraps ErrNotFound, a malformed ref ErrBadRef (a
// *ParseError).
func (r *Repo) Resolve(ctx context.Context, name, ref string) (Version, error) {
	v, _, err := r.resolve(ctx, name, ref)
	return v, err
}

func (r *Repo) resolve(ctx context.Context, name, rs string) (Version, kind, error) {
	if err := checkName(name); err != nil {
		return Version{}, 0, err
	}
	rf, err := parseRef(rs)
	if err != nil {
		return Version{}, 0, err
	}
	var (
		ver Version
		k   kind
	)
	err = r.view(ctx, func(tx kv.Tx) error {
		var err error
		ver, k, err = resolveTx(tx, name, rf)
		return err
	})
	if err != nil {
		return Version{}, 0, fmt.Errorf("dataset: resolve %s@%s: %w", name, rs, err)
	}
	return ver, k, nil
}

// parseRef parses a version reference (see Resolve).
func parseRef(s string) (ref.Ref, error) {
	rf, why := ref.Parse(s)
	if why != "" {
		return ref.Ref{}, &ParseError{Input: s, Err: fmt.Errorf("%w: %s", ErrBadRef, why)}
	}
	return rf, nil
}

func resolveTx(tx kv.Tx, name string, rf ref.Ref) (Version, kind, error) {
	b, err := nameBucket(tx, name)
	if err != nil {
		return Version{}, 0, err
	}
	switch {
	case rf.Alias != "":
		return Version{}, 0, fmt.Errorf("%w: data sets have no aliases (@%s)", ErrNotFound, rf.Alias)
	case rf.IsLatest():
		key, val := b.Cursor().Last()
		if key == nil {
			return Version{}, 0, fmt.Errorf("%w: data set %q has no versions", ErrNotFound, name)
		}
		return decodeVersionKV(name, key, val)
	case rf.Number > 0:
		val := b.Get(versionKey(rf.Number))
		if val == nil {
			return Version{}, 0, fmt.Errorf("%w: version v%d of %q", ErrNotFound, rf.Number, name)
		}
		return decodeVersionKV(name, versionKey(rf.Number), val)
	}
	var (
		found Version
		fk    kind
		ids   []string
	)
	c := b.Cursor()
	for key, val := c.Last(); key != nil; key, val = c.Prev() {
		v, vk, err := decodeVersionKV(name, key, val)
		if err != nil {
			return Version{}, 0, err
		}
		if !rf.MatchDigest(v.Digest) {
			continue
		}
		if len(ids) == 0 {
			found, fk = v, vk
		}
		if !slices.Contains(ids, v.Digest) {
			ids = append(ids, v.Digest)
		}
	}
	switch len(ids) {
	case 0:
		return Version{}, 0, fmt.Errorf("%w: no version of %q has digest %s...", ErrNotFound, name, rf.Digest)
	case 1:
		return found, fk, nil
	}
	return Version{}, 0, fmt.Errorf("%w: %s... matches %d versions of %q", ErrAmbiguous, rf.Digest, len(ids), name)
}
