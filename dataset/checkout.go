package dataset

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"

	"github.com/cairn-ml/cairn/internal/blob"
	"github.com/cairn-ml/cairn/internal/parallel"
)

// Checkout writes the version ref of name (see Resolve for refs) to dst
// and returns that version. A version committed from a folder becomes the
// folder dst, holding exactly the version's files with their recorded
// permission bits; a version of one file becomes the file dst. dst must
// not exist, or, for a folder version, be an empty folder: anything else
// is an error wrapping ErrExists (remove an old checkout first). Parent
// folders are created.
//
// The files are written into a temporary sibling of dst and renamed into
// place at the end, so dst appears complete or not at all. Every file's
// content is verified against its hash while it is copied; a damaged or
// missing object fails the checkout with an error wrapping ErrCorrupt or
// ErrNotFound and leaves nothing behind. Paths come from the manifest,
// which only holds relative, cleaned paths, and files are created through
// an os.Root, so nothing is written outside dst.
func (r *Repo) Checkout(ctx context.Context, name, ref, dst string) (Version, error) {
	v, k, err := r.resolve(ctx, name, ref)
	if err != nil {
		return Version{}, err
	}
	m, err := r.loadManifest(ctx, v.Digest)
	if err == nil && m.kind != k {
		err = fmt.Errorf("%w: manifest %s is a %v, the index says %v", ErrCorrupt, v.Digest, m.kind, k)
	}
	if err == nil {
		err = checkout(ctx, r.blobs, m, dst, r.workers)
	}
	if err != nil {
		return Version{}, fmt.Errorf("dataset: checkout %s to %s: %w", v, dst, err)
	}
	return v, nil
}

func checkout(ctx context.Context, objects blob.Store, m *manifest, dst string, workers int) error {
	dst = filepath.Clean(dst)
	emptyDir := false
	switch info, err := os.Lstat(dst); {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return err
	case m.kind == kindDir && info.IsDir():
		entries, err := os.ReadDir(dst)
		if err != nil {
			return err
		}
		if len(entries) > 0 {
			return fmt.Errorf("%w: %s is not empty", ErrExists, dst)
		}
		emptyDir = true
	default:
		return fmt.Errorf("%w: %s", ErrExists, dst)
	}
	parent := filepath.Dir(dst)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	pattern := "." + filepath.Base(dst) + ".cairn-*"
	if m.kind == kindFile {
		f := m.files[0]
		tmp, err := os.CreateTemp(parent, pattern)
		if err != nil {
			return err
		}
		err = copyObject(ctx, objects, f, tmp, make([]byte, bufSize))
		if err == nil {
			if _, serr := os.Lstat(dst); serr == nil {
				err = fmt.Errorf("%w: %s", ErrExists, dst)
			}
		}
		if err == nil {
			err = os.Rename(tmp.Name(), dst)
		}
		if err != nil {
			os.Remove(tmp.Name())
		}
		return err
	}

	tmpDir, err := os.MkdirTemp(parent, pattern)
	if err != nil {
		return err
	}
	done := false
	defer func() {
		if !done {
			os.RemoveAll(tmpDir)
		}
	}()
	if err := os.Chmod(tmpDir, 0o755); err != nil {
		return err
	}
	tree, err := os.OpenRoot(tmpDir)
	if err != nil {
		return err
	}
	defer tree.Close()
	made := map[string]bool{".": true}
	for _, f := range m.files {
		if d := path.Dir(f.path); !made[d] {
			if err := tree.MkdirAll(d, 0o755); err != nil {
				return err
			}
			made[d] = true
		}
	}
	bufs := make([][]byte, workers)
	err = parallel.Run(ctx, len(m.files), workers, func(ctx context.Context, w, i int) error {
		if bufs[w] == nil {
			bufs[w] = make([]byte, bufSize)
		}
		f := m.files[i]
		out, err := tree.OpenFile(f.path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return err
		}
		return copyObject(ctx, objects, f, out, bufs[w])
	})
	if err != nil {
		return err
	}
	if emptyDir {
		if err := os.Remove(dst); err != nil {
			return fmt.Errorf("%w: %v", ErrExists, err)
		}
	}
	if err := os.Rename(tmpDir, dst); err != nil {
		return err
	}
	done = true
	return nil
}

// copyObject copies the object of f into out, verifying it, sets f's mode
// and closes out.
func copyObject(ctx context.Context, objects blob.Store, f file, out *os.File, buf []byte) error {
	err := func() error {
		in, err := objects.Open(ctx, f.sum)
		if err != nil {
			return fmt.Errorf("%s: %w", f.path, err)
		}
		defer in.Close()
		src := io.Reader(in)
		if f.size >= int64(len(buf)) {
			src = blob.CtxReader{Ctx: ctx, R: src}
		}
		n, err := io.CopyBuffer(struct{ io.Writer }{out}, src, buf)
		if err != nil {
			return fmt.Errorf("%s: %w", f.path, err)
		}
		if n != f.size {
			return fmt.Errorf("%w: object %s of %s has %d bytes, want %d", ErrCorrupt, digestString(f.sum), f.path, n, f.size)
		}
		return out.Chmod(f.mode)
	}()
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}
