package dataset

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.etcd.io/bbolt"
)

// The index's top-level buckets, all named "dataset/...".
const (
	bucketMeta     = "dataset/meta"     // "format" -> indexFormat
	bucketVersions = "dataset/versions" // name -> bucket: uint64 BE number -> versionRecord JSON
	bucketCache    = "dataset/hashcache"
)

const indexFormat = "1"

func initIndex(tx *bbolt.Tx) error {
	meta, err := tx.CreateBucketIfNotExists([]byte(bucketMeta))
	if err != nil {
		return err
	}
	switch f := meta.Get([]byte("format")); {
	case f == nil:
		if err := meta.Put([]byte("format"), []byte(indexFormat)); err != nil {
			return err
		}
	case string(f) != indexFormat:
		return fmt.Errorf("%w: index format %q, want %q", ErrCorrupt, truncate(f), indexFormat)
	}
	for _, b := range []string{bucketVersions, bucketCache} {
		if _, err := tx.CreateBucketIfNotExists([]byte(b)); err != nil {
			return err
		}
	}
	return nil
}

// Version is one recorded version of a named data set.
type Version struct {
	// Name is the data set's name.
	Name string
	// Number counts the versions of Name from 1; "v3" refers to Number 3.
	Number int
	// ID is the digest of the version's manifest, "sha256:<64 hex>": the
	// same files (paths, sizes, modes, contents) give the same ID.
	ID string
	// Time is when the version was recorded (Options.Now), in UTC.
	Time time.Time
	// Message is the message given to Commit.
	Message string
	// Files is the number of files and Size their total size in bytes.
	Files int
	Size  int64
}

// String returns "name@v3".
func (v Version) String() string { return v.Name + "@v" + strconv.Itoa(v.Number) }

// versionRecord is the JSON stored in the index for one version.
type versionRecord struct {
	ID      string `json:"id"`
	Time    string `json:"time"` // RFC 3339, nanoseconds, UTC
	Message string `json:"message"`
	Kind    string `json:"kind"`
	Files   int    `json:"files"`
	Size    int64  `json:"size"`
}

func encodeVersion(v Version, k kind) []byte {
	b, _ := json.Marshal(versionRecord{
		ID:      v.ID,
		Time:    v.Time.UTC().Format(time.RFC3339Nano),
		Message: v.Message,
		Kind:    k.String(),
		Files:   v.Files,
		Size:    v.Size,
	})
	return b
}

// decodeVersion parses a version record read from the index; anything
// that is not a valid record is an error wrapping ErrCorrupt.
func decodeVersion(name string, number uint64, b []byte) (Version, kind, error) {
	var rec versionRecord
	bad := func(what string) (Version, kind, error) {
		return Version{}, 0, fmt.Errorf("%w: index record %s@v%d: %s", ErrCorrupt, name, number, what)
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		return bad(err.Error())
	}
	if _, err := parseDigest(rec.ID); err != nil {
		return bad("id")
	}
	t, err := time.Parse(time.RFC3339Nano, rec.Time)
	if err != nil {
		return bad("time")
	}
	var k kind
	switch rec.Kind {
	case "dir":
		k = kindDir
	case "file":
		k = kindFile
	default:
		return bad("kind")
	}
	if rec.Files < 0 || rec.Size < 0 || (k == kindFile && rec.Files != 1) {
		return bad("counts")
	}
	if number == 0 || number > uint64(maxVersion) {
		return bad("number")
	}
	return Version{
		Name: name, Number: int(number), ID: rec.ID, Time: t,
		Message: rec.Message, Files: rec.Files, Size: rec.Size,
	}, k, nil
}

// maxVersion bounds version numbers so they fit an int everywhere.
const maxVersion = 1<<31 - 1

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
		return fmt.Errorf("%w: %q", ErrBadName, name)
	}
	return nil
}

// Names returns the names of all data sets in the repository, sorted.
func (r *Repo) Names() ([]string, error) {
	end, err := r.begin()
	if err != nil {
		return nil, err
	}
	defer end()
	var names []string
	err = r.view(func(tx *bbolt.Tx) error {
		return tx.Bucket([]byte(bucketVersions)).ForEachBucket(func(k []byte) error {
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
func (r *Repo) Versions(name string) ([]Version, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	end, err := r.begin()
	if err != nil {
		return nil, err
	}
	defer end()
	var vs []Version
	err = r.view(func(tx *bbolt.Tx) error {
		b, err := nameBucket(tx, name)
		if err != nil {
			return err
		}
		return b.ForEach(func(k, v []byte) error {
			ver, _, err := decodeVersionKV(name, k, v)
			vs = append(vs, ver)
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("dataset: versions of %s: %w", name, err)
	}
	return vs, nil
}

func nameBucket(tx *bbolt.Tx, name string) (*bbolt.Bucket, error) {
	b := tx.Bucket([]byte(bucketVersions)).Bucket([]byte(name))
	if b == nil {
		return nil, fmt.Errorf("%w: data set %q", ErrNotFound, name)
	}
	return b, nil
}

func decodeVersionKV(name string, k, v []byte) (Version, kind, error) {
	if len(k) != 8 {
		return Version{}, 0, fmt.Errorf("%w: index key %x under %s", ErrCorrupt, k, name)
	}
	return decodeVersion(name, binary.BigEndian.Uint64(k), v)
}

// latest returns the newest version of name, or ok == false if there is
// none.
func latest(tx *bbolt.Tx, name string) (v Version, k kind, ok bool, err error) {
	b := tx.Bucket([]byte(bucketVersions)).Bucket([]byte(name))
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

// Resolve returns the version of name that ref designates:
//
//   - "latest": the newest version;
//   - "v<n>" (as in "v3"): version n;
//   - a digest or a prefix of one, with or without "sha256:", of at least
//     4 hex digits: the newest version whose ID starts with it.
//
// A prefix that matches versions with different IDs is an error wrapping
// ErrAmbiguous (a prefix shared by several versions with the same ID, as
// when a later version returns to earlier content, is not ambiguous). An
// unknown name or version wraps ErrNotFound, a malformed ref ErrBadRef.
func (r *Repo) Resolve(name, ref string) (Version, error) {
	v, _, err := r.resolve(name, ref)
	return v, err
}

func (r *Repo) resolve(name, ref string) (Version, kind, error) {
	if err := checkName(name); err != nil {
		return Version{}, 0, err
	}
	end, err := r.begin()
	if err != nil {
		return Version{}, 0, err
	}
	defer end()
	var (
		ver Version
		k   kind
	)
	err = r.view(func(tx *bbolt.Tx) error {
		var err error
		ver, k, err = resolveTx(tx, name, ref)
		return err
	})
	if err != nil {
		return Version{}, 0, fmt.Errorf("dataset: resolve %s@%s: %w", name, ref, err)
	}
	return ver, k, nil
}

func resolveTx(tx *bbolt.Tx, name, ref string) (Version, kind, error) {
	b, err := nameBucket(tx, name)
	if err != nil {
		return Version{}, 0, err
	}
	if ref == "latest" {
		key, val := b.Cursor().Last()
		if key == nil {
			return Version{}, 0, fmt.Errorf("%w: data set %q has no versions", ErrNotFound, name)
		}
		return decodeVersionKV(name, key, val)
	}
	if n, ok := strings.CutPrefix(ref, "v"); ok && len(n) > 0 && n[0] != '0' {
		num, err := strconv.Atoi(n)
		if err == nil && num > 0 && num <= maxVersion && strconv.Itoa(num) == n {
			val := b.Get(versionKey(num))
			if val == nil {
				return Version{}, 0, fmt.Errorf("%w: version %s of %q", ErrNotFound, ref, name)
			}
			return decodeVersion(name, uint64(num), val)
		}
	}
	prefix := strings.ToLower(strings.TrimPrefix(ref, "sha256:"))
	if len(prefix) < 4 || len(prefix) > 64 {
		return Version{}, 0, fmt.Errorf("%w: %q", ErrBadRef, ref)
	}
	if strings.Trim(prefix, "0123456789abcdef") != "" {
		return Version{}, 0, fmt.Errorf("%w: %q", ErrBadRef, ref)
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
		if !strings.HasPrefix(v.ID, "sha256:"+prefix) {
			continue
		}
		if len(ids) == 0 {
			found, fk = v, vk
		}
		if !slices.Contains(ids, v.ID) {
			ids = append(ids, v.ID)
		}
	}
	switch len(ids) {
	case 0:
		return Version{}, 0, fmt.Errorf("%w: no version of %q has id %s...", ErrNotFound, name, prefix)
	case 1:
		return found, fk, nil
	}
	return Version{}, 0, fmt.Errorf("%w: %s... matches %d versions of %q", ErrAmbiguous, prefix, len(ids), name)
}
