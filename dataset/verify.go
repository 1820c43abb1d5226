package dataset

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"go.etcd.io/bbolt"
)

// VerifyReport is what Verify found.
type VerifyReport struct {
	// Objects and Bytes count the objects re-hashed.
	Objects int
	Bytes   int64
	// Missing lists the digests that a version refers to but that are not
	// stored; Corrupt those whose content does not hash to their name (or
	// manifests that cannot be decoded). Both are sorted.
	Missing []string
	Corrupt []string
	// Damaged lists the versions ("name@v3") that refer to a missing or
	// corrupt object, sorted by name and number.
	Damaged []string
}

// OK reports whether nothing is missing or corrupt.
func (rep VerifyReport) OK() bool { return len(rep.Missing) == 0 && len(rep.Corrupt) == 0 }

// Verify re-hashes every object in the repository and checks that every
// version's manifest and files are there. It returns what it found and,
// if anything is missing or corrupt, an error wrapping ErrCorrupt (the
// report says what). Objects that no version refers to are checked too;
// files in tmp/ are not (GC removes them). Verify uses Options.Workers
// goroutines, each with one buffer.
func (r *Repo) Verify(ctx context.Context) (VerifyReport, error) {
	end, err := r.begin()
	if err != nil {
		return VerifyReport{}, err
	}
	defer end()
	rep, err := r.verify(ctx)
	if err != nil {
		return VerifyReport{}, fmt.Errorf("dataset: verify: %w", err)
	}
	if !rep.OK() {
		return rep, fmt.Errorf("%w: verify: %d missing and %d corrupt objects, %d damaged versions",
			ErrCorrupt, len(rep.Missing), len(rep.Corrupt), len(rep.Damaged))
	}
	return rep, nil
}

func (r *Repo) verify(ctx context.Context) (VerifyReport, error) {
	versions, err := r.allVersions()
	if err != nil {
		return VerifyReport{}, err
	}
	objs, err := r.listObjects(ctx)
	if err != nil {
		return VerifyReport{}, err
	}
	var (
		rep     VerifyReport
		mu      sync.Mutex
		corrupt = make(map[[32]byte]bool)
		bufs    = make([][]byte, r.workers)
	)
	err = parallel(ctx, len(objs), r.workers, func(ctx context.Context, w, i int) error {
		if bufs[w] == nil {
			bufs[w] = make([]byte, bufSize)
		}
		n, ok, err := checkObject(ctx, r.objectPath(objs[i]), objs[i], bufs[w])
		if errors.Is(err, fs.ErrNotExist) {
			return nil // removed meanwhile by GC in another process: unreferenced
		}
		if err != nil {
			return err
		}
		mu.Lock()
		rep.Objects++
		rep.Bytes += n
		if !ok {
			corrupt[objs[i]] = true
		}
		mu.Unlock()
		return nil
	})
	if err != nil {
		return VerifyReport{}, err
	}
	present := make(map[[32]byte]bool, len(objs))
	for _, o := range objs {
		present[o] = true
	}
	missing := make(map[[32]byte]bool)
	manifests := make(map[string]bool) // id -> damaged
	for _, v := range versions {
		if damaged, done := manifests[v.ID]; done {
			if damaged {
				rep.Damaged = append(rep.Damaged, v.String())
			}
			continue
		}
		sum, _ := parseDigest(v.ID) // decodeVersion checked it
		damaged := false
		switch {
		case !present[sum]:
			missing[sum], damaged = true, true
		case corrupt[sum]:
			damaged = true
		default:
			m, err := loadManifest(r.dir, v.ID)
			switch {
			case errors.Is(err, ErrCorrupt):
				corrupt[sum], damaged = true, true
			case err != nil:
				return VerifyReport{}, err
			default:
				for _, f := range m.files {
					if !present[f.sum] {
						missing[f.sum], damaged = true, true
					} else if corrupt[f.sum] {
						damaged = true
					}
				}
			}
		}
		manifests[v.ID] = damaged
		if damaged {
			rep.Damaged = append(rep.Damaged, v.String())
		}
	}
	for s := range missing {
		rep.Missing = append(rep.Missing, digestString(s))
	}
	for s := range corrupt {
		rep.Corrupt = append(rep.Corrupt, digestString(s))
	}
	slices.Sort(rep.Missing)
	slices.Sort(rep.Corrupt)
	return rep, nil
}

// checkObject re-hashes one object and reports its size and whether it
// matches its name.
func checkObject(ctx context.Context, path string, sum [32]byte, buf []byte) (int64, bool, error) {
	f, err := openFile(path, os.O_RDONLY, 0)
	if err != nil {
		return 0, false, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.CopyBuffer(h, ctxReader{ctx, f}, buf)
	if err != nil {
		return 0, false, err
	}
	var got [32]byte
	h.Sum(got[:0])
	return n, got == sum, nil
}

// allVersions returns every version of every name, by name then number.
func (r *Repo) allVersions() ([]Version, error) {
	var vs []Version
	err := r.view(func(tx *bbolt.Tx) error {
		return tx.Bucket([]byte(bucketVersions)).ForEachBucket(func(name []byte) error {
			return tx.Bucket([]byte(bucketVersions)).Bucket(name).ForEach(func(k, val []byte) error {
				v, _, err := decodeVersionKV(string(name), k, val)
				vs = append(vs, v)
				return err
			})
		})
	})
	return vs, err
}

// listObjects returns the hash of every object file under objects/.
// Files whose names are not object names are ignored.
func (r *Repo) listObjects(ctx context.Context) ([][32]byte, error) {
	var out [][32]byte
	objects := filepath.Join(r.dir, "objects")
	fan, err := os.ReadDir(objects)
	if err != nil {
		return nil, err
	}
	for _, d := range fan {
		if !d.IsDir() || len(d.Name()) != 2 || !isHex(d.Name()) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		names, err := os.ReadDir(filepath.Join(objects, d.Name()))
		if err != nil {
			return nil, err
		}
		for _, e := range names {
			var sum [32]byte
			h := d.Name() + e.Name()
			if !e.Type().IsRegular() || len(h) != 64 || !isHex(h) {
				continue
			}
			hex.Decode(sum[:], []byte(h))
			out = append(out, sum)
		}
	}
	return out, nil
}

// GCResult says what GC removed.
type GCResult struct {
	// Objects and Bytes count the objects removed.
	Objects int
	Bytes   int64
	// Temp counts the leftovers of interrupted commits and pulls removed
	// from tmp/.
	Temp int
}

// GC removes the objects that no version refers to (left by a commit or
// pull that was interrupted before it recorded its version) and clears
// tmp/. It reads every version's manifest first and removes nothing if
// one is missing or damaged (the error wraps ErrNotFound or ErrCorrupt);
// run Verify to see what. GC waits for the Repo's other calls to finish
// and holds them off while it runs; in Shared mode it also holds off
// commits and pulls of other processes (see Options.Shared).
func (r *Repo) GC(ctx context.Context) (GCResult, error) {
	end, err := r.beginExclusive()
	if err != nil {
		return GCResult{}, err
	}
	defer end()
	unlock, err := r.lockRepo(ctx, true)
	if err != nil {
		return GCResult{}, err
	}
	defer unlock()
	res, err := r.gc(ctx)
	if err != nil {
		return res, fmt.Errorf("dataset: gc: %w", err)
	}
	r.log.LogAttrs(ctx, slog.LevelInfo, "dataset: gc",
		slog.Int("objects", res.Objects), slog.Int64("bytes", res.Bytes), slog.Int("temp", res.Temp))
	return res, nil
}

func (r *Repo) gc(ctx context.Context) (GCResult, error) {
	var res GCResult
	versions, err := r.allVersions()
	if err != nil {
		return res, err
	}
	live := make(map[[32]byte]bool)
	for _, v := range versions {
		sum, _ := parseDigest(v.ID)
		if live[sum] {
			continue
		}
		live[sum] = true
		m, err := loadManifest(r.dir, v.ID)
		if err != nil {
			return res, fmt.Errorf("%s: %w", v, err)
		}
		for _, f := range m.files {
			live[f.sum] = true
		}
	}
	objs, err := r.listObjects(ctx)
	if err != nil {
		return res, err
	}
	for _, o := range objs {
		if live[o] {
			continue
		}
		if err := ctx.Err(); err != nil {
			return res, err
		}
		p := r.objectPath(o)
		info, err := os.Lstat(p)
		if err == nil {
			err = os.Remove(p)
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return res, err
		}
		if err == nil {
			res.Objects++
			res.Bytes += info.Size()
		}
	}
	tmp := filepath.Join(r.dir, "tmp")
	entries, err := os.ReadDir(tmp)
	if err != nil {
		return res, err
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(tmp, e.Name())); err != nil {
			return res, err
		}
		res.Temp++
	}
	return res, nil
}
