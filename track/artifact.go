package track

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"time"

	"github.com/cairn-ml/cairn/internal/blob"

	"github.com/cairn-ml/cairn/internal/perr"
)

// MaxArtifactPathLen is the longest artifact path, in bytes.
const MaxArtifactPathLen = 1000

// Artifact describes a file stored for a run: its path inside the run,
// and the digest and size of its content in the Store's blob store.
type Artifact struct {
	Path   string    // slash-separated, relative: "model/coef.json"
	Digest string    // "sha256:<hex>"
	Size   int64     // bytes
	Time   time.Time // when it was logged (UTC, millisecond precision)
}

// checkArtifactPath accepts a relative, slash-separated path that stays
// inside the run: no "..", ".", empty or absolute elements, no backslash,
// no NUL, valid UTF-8.
func checkArtifactPath(p string) error {
	if err := checkText("artifact path", p, MaxArtifactPathLen, false); err != nil {
		return err
	}
	if !fs.ValidPath(p) || p == "." || strings.Contains(p, `\`) {
		return fmt.Errorf("%w: artifact path %q must be relative, slash-separated and stay inside the run", ErrInvalid, p)
	}
	return nil
}

// LogArtifact stores the content of r as the run's artifact at path,
// replacing any artifact already there. The content goes to the Store's
// blob store first (under its sha256 digest, written atomically), then the
// artifact is recorded in one transaction; identical content is stored
// once. A GC, of this Store or of anything sharing the blob store, cannot
// take the content away in between: the write holds the store's
// collection lock until the record commits. path must be relative and
// stay inside the run ("model.json", "plots/roc.svg"; not "../x", "/x" or
// "a//b"), else ErrInvalid.
func (r *Run) LogArtifact(ctx context.Context, path string, content io.Reader) (Artifact, error) {
	if err := checkArtifactPath(path); err != nil {
		return Artifact{}, err
	}
	fail := func(err error) (Artifact, error) {
		return Artifact{}, fmt.Errorf("track: log artifact %q to run %s: %w", path, r.id, err)
	}
	// Fail early, before the upload, if the run cannot take it.
	if err := r.st.view(ctx, func(t *txn) error { _, err := t.liveRun(r.id); return err }); err != nil {
		return fail(err)
	}
	unlock, err := blob.Lock(ctx, r.st.blobs, false, r.st.deadline())
	if err != nil {
		return fail(err)
	}
	defer unlock()
	d, size, err := r.st.blobs.Put(ctx, content, blob.Digest{})
	if err != nil {
		return fail(err)
	}
	digest := d.String()
	var a Artifact
	err = r.st.update(ctx, func(t *txn) error {
		if _, err := t.liveRun(r.id); err != nil {
			return err
		}
		key := runKey(r.id, path)
		if v := t.artifacts().Get(key); v != nil {
			old, err := decodeArtifact(v)
			if err != nil {
				return err
			}
			if err := t.blobRefs().Delete(blobRefKey(old.digest, r.id, path)); err != nil {
				return err
			}
		}
		rec := artRec{digest: digest, size: size, time: t.now}
		if err := t.artifacts().Put(key, rec.encode()); err != nil {
			return err
		}
		a = rec.artifact(path)
		return t.blobRefs().Put(blobRefKey(digest, r.id, path), nil)
	})
	if err != nil {
		return fail(err)
	}
	return a, nil
}

func (a artRec) artifact(path string) Artifact {
	return Artifact{Path: path, Digest: a.digest, Size: a.size, Time: time.UnixMilli(a.time).UTC()}
}

// blobRefKey is the key in track/blobrefs that records that run id's
// artifact path refers to the blob digest: sha256(32) run(16) path.
func blobRefKey(digest string, id runID, path string) []byte {
	sum, _ := parseDigest(digest)
	return concat(sum[:], id[:], []byte(path))
}

// Artifacts returns the run's artifacts in path order.
func (st *Store) Artifacts(ctx context.Context, runID string) ([]Artifact, error) {
	id, err := parseRunID(runID)
	if err != nil {
		return nil, err
	}
	out := []Artifact{}
	err = st.view(ctx, func(t *txn) error {
		if _, err := t.run(id); err != nil {
			return err
		}
		return forPrefix(t.artifacts(), id[:], func(k, v []byte) error {
			rec, err := decodeArtifact(v)
			out = append(out, rec.artifact(string(k[16:])))
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("track: artifacts of run %s: %w", runID, err)
	}
	return out, nil
}

// artifact returns the record of one artifact.
func (st *Store) artifact(ctx context.Context, runID, path string) (Artifact, error) {
	id, err := parseRunID(runID)
	if err != nil {
		return Artifact{}, err
	}
	if err := checkArtifactPath(path); err != nil {
		return Artifact{}, err
	}
	var a Artifact
	err = st.view(ctx, func(t *txn) error {
		if _, err := t.run(id); err != nil {
			return err
		}
		v := t.artifacts().Get(runKey(id, path))
		if v == nil {
			return fmt.Errorf("%w: artifact %s", ErrNotFound, perr.Quote(path))
		}
		rec, err := decodeArtifact(v)
		a = rec.artifact(path)
		return err
	})
	return a, err
}

// OpenArtifact returns the content of the run's artifact at path and its
// record. The content is checked against its digest and size before
// OpenArtifact returns (it is read through once to do so), so a damaged
// blob is an error wrapping ErrCorrupt, never bad bytes. Close the reader.
func (st *Store) OpenArtifact(ctx context.Context, runID, path string) (io.ReadCloser, Artifact, error) {
	a, err := st.artifact(ctx, runID, path)
	if err != nil {
		return nil, a, fmt.Errorf("track: open artifact %s of run %s: %w", perr.Quote(path), perr.Clip(runID), err)
	}
	d, err := blob.ParseDigest(a.Digest)
	if err != nil {
		return nil, a, fmt.Errorf("%w: artifact %s of run %s: %w", ErrCorrupt, perr.Quote(path), perr.Clip(runID), err)
	}
	rc, err := blob.OpenChecked(ctx, st.blobs, d, a.Size, blobErrs)
	if err != nil {
		return nil, a, fmt.Errorf("track: open artifact %s of run %s: %w", perr.Quote(path), perr.Clip(runID), err)
	}
	return rc, a, nil
}

// ReadArtifact returns the whole content of the run's artifact at path,
// checked against its digest and size; on any mismatch it returns no bytes
// and an error wrapping ErrCorrupt.
func (st *Store) ReadArtifact(ctx context.Context, runID, path string) ([]byte, error) {
	a, err := st.artifact(ctx, runID, path)
	if err != nil {
		return nil, fmt.Errorf("track: read artifact %s of run %s: %w", perr.Quote(path), perr.Clip(runID), err)
	}
	d, err := blob.ParseDigest(a.Digest)
	if err != nil {
		return nil, fmt.Errorf("%w: artifact %s of run %s: %w", ErrCorrupt, perr.Quote(path), perr.Clip(runID), err)
	}
	b, err := blob.ReadAll(ctx, st.blobs, d, a.Size, blobErrs)
	if err != nil {
		return nil, fmt.Errorf("track: read artifact %s of run %s: %w", perr.Quote(path), perr.Clip(runID), err)
	}
	return b, nil
}
