package dataset

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cairn-ml/cairn/internal/kv"
	"github.com/cairn-ml/cairn/internal/parallel"
)

// CommitResult says what a Commit (or a Pull) recorded.
type CommitResult struct {
	// Version is the new version or, if Unchanged, the newest existing
	// one, whose content the committed files equal.
	Version Version
	// Unchanged is true when the content equals the newest version of
	// the name: no version was added.
	Unchanged bool
	// Stats counts the work done.
	Stats CommitStats
}

// CommitStats counts the work of a Commit or Pull.
type CommitStats struct {
	// Files and Bytes count the files of the version and their size.
	Files int
	Bytes int64
	// Read and ReadBytes count the files whose content was read (the
	// rest came from the hash cache), or for a Pull the objects fetched.
	Read      int
	ReadBytes int64
	// NewObjects and NewBytes count the objects (file contents and the
	// manifest) added to the repository; content already stored is not
	// stored again.
	NewObjects int
	NewBytes   int64
}

// batchThreshold is the number of files to read above which a commit
// defers the fsync of small objects to one syncfs(2) (see stager).
const batchThreshold = 16

// job is one file found in the tree.
type job struct {
	rel  string // path in the manifest
	src  string // path to read (the target of a symbolic link)
	info fs.FileInfo
	// entry is the walk's entry for a regular file, until info is set
	// (by statJobs, which only runs if the hash cache has entries).
	entry fs.DirEntry
}

// Commit records the file or folder tree at path as the next version of
// the data set name (v1, v2, ...), with message. Every file is hashed with
// SHA-256 and stored once under objects/ by its hash, and the version's
// manifest (path, size, mode and hash of each file) is stored the same
// way; the version's ID is the manifest's hash. If the content equals the
// newest version of name, no version is added and the result says
// Unchanged. Either way, the content of every file read is stored if its
// object is missing, so re-committing the files (with Options.NoHashCache,
// so that all are read) mends a repository in which Verify found missing
// objects.
//
// Files whose size, mtime, ctime and inode match the hash cache are not
// read again (see the package doc, # Hash cache). A symbolic link in the
// tree is followed if it leads to a regular file inside the tree, and
// recorded as that file; a link that leads outside the tree is an error
// wrapping ErrBadPath, one that leads to a folder or nowhere ErrNotRegular.
// Devices, sockets and pipes are ErrNotRegular. Empty folders are not
// recorded. The repository's own folder is skipped if it lies inside the
// tree; a tree inside the repository is ErrBadPath. A file that changes
// while it is read makes the commit fail with ErrChanged.
//
// Cancelling ctx stops the commit with an error wrapping ctx.Err(), and
// leaves the repository as it was, as does a crash at any point: objects
// are written to a staging folder, made durable and named in objects/, and only
// then does one index transaction record the version.
func (r *Repo) Commit(ctx context.Context, name, path, message string) (CommitResult, error) {
	if err := checkName(name); err != nil {
		return CommitResult{}, err
	}
	if path == "" {
		return CommitResult{}, fmt.Errorf("dataset: commit %s: %w: empty path (name the file or folder to commit)", name, ErrBadPath)
	}
	unlock, err := r.lockBlobs(ctx, false)
	if err != nil {
		return CommitResult{}, err
	}
	defer unlock()
	start := time.Now()
	res, err := r.commit(ctx, name, path, message)
	if err != nil {
		return CommitResult{}, fmt.Errorf("dataset: commit %s from %s: %w", name, path, err)
	}
	r.log.LogAttrs(ctx, slog.LevelInfo, "dataset: commit",
		slog.String("version", res.Version.String()), slog.String("digest", res.Version.Digest),
		slog.Bool("unchanged", res.Unchanged), slog.Int("files", res.Stats.Files),
		slog.Int("read", res.Stats.Read), slog.Int("new_objects", res.Stats.NewObjects),
		slog.Duration("took", time.Since(start)))
	return res, nil
}

func (r *Repo) commit(ctx context.Context, name, path, message string) (CommitResult, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return CommitResult{}, err
	}
	root, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return CommitResult{}, err
	}
	info, err := os.Stat(root)
	if err != nil {
		return CommitResult{}, err
	}
	if within(r.realDir, root) {
		return CommitResult{}, fmt.Errorf("%w: %s is inside the repository", ErrBadPath, path)
	}
	var (
		jobs []job
		k    kind
	)
	switch {
	case info.Mode().IsRegular():
		k = kindFile
		base := filepath.Base(abs)
		if !validPath(base) {
			return CommitResult{}, fmt.Errorf("%w: file name %q", ErrBadPath, base)
		}
		jobs = []job{{rel: base, src: root, info: info}}
	case info.IsDir():
		k = kindDir
		if jobs, err = r.walk(ctx, root); err != nil {
			return CommitResult{}, err
		}
	default:
		return CommitResult{}, fmt.Errorf("%w: %s", ErrNotRegular, path)
	}

	var (
		cache   map[string]cacheEntry
		prev    Version
		hasPrev bool
	)
	err = r.view(ctx, func(tx kv.Tx) error {
		if !r.opts.NoHashCache && r.cache == r.db {
			cache = loadCache(tx, root, k == kindDir)
		}
		var err error
		prev, _, hasPrev, err = latest(tx, name)
		return err
	})
	if err == nil && !r.opts.NoHashCache && r.cache != r.db {
		err = r.viewCache(ctx, func(tx kv.Tx) error {
			cache = loadCache(tx, root, k == kindDir)
			return nil
		})
	}
	if err != nil {
		return CommitResult{}, err
	}

	// With no cache entries to compare with, every file is read, and the
	// fstat of the open file gives its size and mode: the walk's entries
	// are not stat'ed.
	if len(cache) > 0 {
		if err := r.statJobs(ctx, jobs); err != nil {
			return CommitResult{}, err
		}
	}
	m := &manifest{kind: k, files: make([]file, len(jobs))}
	var toRead []int
	for i, j := range jobs {
		m.files[i] = file{path: j.rel}
		if j.info == nil {
			toRead = append(toRead, i)
			continue
		}
		m.files[i].size, m.files[i].mode = j.info.Size(), j.info.Mode().Perm()
		if e, ok := cache[j.src]; ok && e.trusted(statOf(j.info), r.racy) {
			m.files[i].sum = e.sum
			continue
		}
		toRead = append(toRead, i)
	}

	// Reading small files waits on the kernel (and a flush of the stager
	// on the disk) more than on the CPU: by default, read with at least
	// 4 workers.
	workers := r.workers
	if r.opts.Workers <= 0 {
		workers = max(4, workers)
	}
	st, err := r.newBatch(len(toRead) > batchThreshold, workers)
	if err != nil {
		return CommitResult{}, err
	}
	defer st.Close()
	var (
		putMu sync.Mutex
		put   = make(map[string]cacheEntry, len(toRead))
		stats CommitStats
	)
	bufs := make([][]byte, workers)
	err = parallel.Run(ctx, len(toRead), workers, func(ctx context.Context, w, n int) error {
		if bufs[w] == nil {
			bufs[w] = make([]byte, bufSize)
		}
		i := toRead[n]
		e, perm, err := r.hashFile(ctx, st, w, jobs[i].src, bufs[w])
		if err != nil {
			return err
		}
		m.files[i].sum, m.files[i].size, m.files[i].mode = e.sum, e.st.size, perm
		putMu.Lock()
		put[jobs[i].src] = e
		stats.Read++
		stats.ReadBytes += e.st.size
		putMu.Unlock()
		r.event("hashed")
		return nil
	})
	if err != nil {
		return CommitResult{}, err
	}
	slices.SortFunc(m.files, func(a, b file) int { return strings.Compare(a.path, b.path) })
	if err := m.validate(); err != nil {
		return CommitResult{}, err
	}
	sum, enc := m.id()
	id := digestString(sum)
	stats.Files, stats.Bytes = len(m.files), m.size()
	// Objects are published even when the content equals the newest
	// version: a file read again restores its object if it went missing.
	if need, err := st.Needed(sum); err != nil {
		return CommitResult{}, err
	} else if need {
		if err := st.Put(0, sum, enc); err != nil {
			return CommitResult{}, err
		}
	}
	stats.NewObjects, stats.NewBytes = st.Count()
	if err := st.Publish(ctx); err != nil {
		return CommitResult{}, err
	}
	if err := ctx.Err(); err != nil {
		return CommitResult{}, err
	}
	var present map[string]struct{}
	if k == kindDir && !r.opts.NoHashCache {
		present = make(map[string]struct{}, len(jobs))
		for _, j := range jobs {
			present[j.src] = struct{}{}
		}
	}
	res := CommitResult{Stats: stats}
	if hasPrev && prev.Digest == id && len(put) == 0 && !(k == kindDir && stale(cache, present)) {
		// Nothing to write: skip the write transaction and its fsync.
		res.Version, res.Unchanged = prev, true
		return res, nil
	}
	err = r.update(ctx, func(tx kv.Tx) error {
		if !r.opts.NoHashCache && r.cache == r.db {
			if err := storeCache(tx, root, k == kindDir, put, present); err != nil {
				return err
			}
		}
		v := Version{Name: name, Digest: id, Message: message, Files: stats.Files, Size: stats.Bytes}
		var err error
		res.Version, res.Unchanged, err = record(tx, v, k, m, r.now)
		return err
	})
	if err == nil && !r.opts.NoHashCache && r.cache != r.db {
		// The cache only saves reading files again: written after the
		// version, it can never name a version that is not there.
		err = r.updateCache(ctx, func(tx kv.Tx) error {
			return storeCache(tx, root, k == kindDir, put, present)
		})
	}
	if err != nil {
		return CommitResult{}, err
	}
	r.event("indexed")
	return res, nil
}

// stale reports whether cache holds entries of files that are not present
// any more.
func stale(cache map[string]cacheEntry, present map[string]struct{}) bool {
	for k := range cache {
		if _, ok := present[k]; !ok {
			return true
		}
	}
	return false
}

// record adds v as the next version of v.Name unless the newest version
// already has v's digest; it returns the version that holds the content.
// A new version is stamped with now(), and every object of its manifest m
// (the manifest itself included) is recorded in dataset/blobrefs.
func record(tx kv.Tx, v Version, k kind, m *manifest, now func() time.Time) (Version, bool, error) {
	prev, _, ok, err := latest(tx, v.Name)
	if err != nil {
		return Version{}, false, err
	}
	if ok && prev.Digest == v.Digest {
		return prev, true, nil
	}
	v.Number = 1
	if ok {
		v.Number = prev.Number + 1
	}
	if v.Number > maxVersion {
		return Version{}, false, fmt.Errorf("%w: too many versions of %q", ErrBadRef, v.Name)
	}
	b, err := tx.Bucket(bucketVersions).CreateBucket([]byte(v.Name))
	if err != nil {
		return Version{}, false, err
	}
	if err := addRefs(tx, v.Digest, m); err != nil {
		return Version{}, false, err
	}
	v.Created = now().Round(0).UTC()
	sum, _ := parseDigest(v.Digest)
	rec := versionRec{sum: sum, created: v.Created.UnixNano(), message: v.Message, kind: k, files: uint64(v.Files), size: v.Size}
	return v, false, b.Put(versionKey(v.Number), rec.encode())
}

// addRefs records the objects of manifest m (whose digest is id) in
// dataset/blobrefs, skipping those recorded already.
func addRefs(tx kv.Tx, id string, m *manifest) error {
	refs := tx.Bucket(bucketRefs)
	put := func(sum [32]byte) error {
		if refs.Get(sum[:]) != nil {
			return nil
		}
		return refs.Put(sum[:], nil)
	}
	sum, err := parseDigest(id)
	if err != nil {
		return err
	}
	if err := put(sum); err != nil {
		return err
	}
	for _, f := range m.files {
		if err := put(f.sum); err != nil {
			return err
		}
	}
	return nil
}

// within reports whether path is dir or lies under it (both cleaned and
// absolute).
func within(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// walk lists the regular files under root (absolute, links resolved).
// It stats the targets of symbolic links; statJobs stats the rest.
func (r *Repo) walk(ctx context.Context, root string) ([]job, error) {
	var jobs []job
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if len(jobs)%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if path == root {
			return nil
		}
		if d.IsDir() {
			if path == r.realDir {
				return fs.SkipDir
			}
			return nil
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if !validPath(rel) {
			return fmt.Errorf("%w: file name %q", ErrBadPath, rel)
		}
		j := job{rel: rel, src: path}
		switch t := d.Type(); {
		case t.IsRegular():
			j.entry = d // stat'ed below, in parallel
		case t&fs.ModeSymlink != 0:
			if j.src, j.info, err = resolveLink(root, r.realDir, path); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%w: %s is a %v", ErrNotRegular, rel, t)
		}
		jobs = append(jobs, j)
		return nil
	})
	return jobs, err
}

// statJobs stats the regular files that walk found.
func (r *Repo) statJobs(ctx context.Context, jobs []job) error {
	return parallel.Run(ctx, len(jobs), r.workers, func(_ context.Context, _, i int) error {
		if jobs[i].entry == nil {
			return nil
		}
		info, err := jobs[i].entry.Info()
		if err == nil && !info.Mode().IsRegular() {
			err = fmt.Errorf("%w: %s changed type", ErrChanged, jobs[i].rel)
		}
		jobs[i].info, jobs[i].entry = info, nil
		return err
	})
}

// resolveLink follows the symbolic link at path, which must lead to a
// regular file inside root and outside the repository.
func resolveLink(root, repo, path string) (string, fs.FileInfo, error) {
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", nil, fmt.Errorf("%w: symbolic link %s: %w", ErrNotRegular, path, err)
	}
	if !within(root, target) || within(repo, target) {
		return "", nil, fmt.Errorf("%w: symbolic link %s leads to %s", ErrBadPath, path, target)
	}
	info, err := os.Stat(target)
	if err != nil {
		return "", nil, err
	}
	if !info.Mode().IsRegular() {
		return "", nil, fmt.Errorf("%w: symbolic link %s leads to a %v", ErrNotRegular, path, info.Mode().Type())
	}
	return target, info, nil
}

// hashFile reads the file at src, hashes it, stages its content (as
// worker w) unless the repository has it, and returns its cache entry and
// permission bits.
func (r *Repo) hashFile(ctx context.Context, st batch, w int, src string, buf []byte) (cacheEntry, fs.FileMode, error) {
	f, err := openSource(src)
	if err != nil {
		return cacheEntry{}, 0, err
	}
	defer f.Close()
	seen := time.Now().UnixNano()
	fst, mode, err := f.stat()
	if err != nil {
		return cacheEntry{}, 0, err
	}
	if !mode.IsRegular() {
		return cacheEntry{}, 0, fmt.Errorf("%w: %s", ErrNotRegular, src)
	}
	e := cacheEntry{st: fst, seen: seen}
	r.event("opened")
	var (
		n   int64
		tmp *os.File
	)
	if fst.size < int64(len(buf)) {
		// Small: read it whole, then write it only if it is new. A read
		// that returns the size seen ends the loop without the read that
		// would return EOF: the stat below catches a file that grew since.
		want, k := int(fst.size), 0
		for {
			m, err := f.Read(buf[k : want+1])
			k += m
			if err == io.EOF {
				break
			}
			if err != nil {
				return cacheEntry{}, 0, err
			}
			if k > want {
				return cacheEntry{}, 0, fmt.Errorf("%w: %s grew", ErrChanged, src)
			}
			if k == want {
				break
			}
		}
		n = int64(k)
		e.sum = sha256.Sum256(buf[:k])
	} else {
		// Large: stream it into a temporary object while hashing.
		if tmp, err = st.Create(w); err != nil {
			return cacheEntry{}, 0, err
		}
		h := sha256.New()
		for {
			if err := ctx.Err(); err != nil {
				st.Discard(tmp)
				return cacheEntry{}, 0, err
			}
			k, rerr := f.Read(buf)
			h.Write(buf[:k])
			n += int64(k)
			if _, err := tmp.Write(buf[:k]); err != nil {
				st.Discard(tmp)
				return cacheEntry{}, 0, err
			}
			if rerr == io.EOF {
				break
			}
			if rerr != nil {
				st.Discard(tmp)
				return cacheEntry{}, 0, rerr
			}
		}
		h.Sum(e.sum[:0])
	}
	after, _, err := f.stat()
	if err == nil && (after != e.st || n != e.st.size) {
		err = fmt.Errorf("%w: %s", ErrChanged, src)
	}
	need := false
	if err == nil {
		need, err = st.Needed(e.sum)
	}
	switch {
	case err != nil:
	case tmp != nil && need:
		_, err = st.Finish(tmp, e.sum, n)
		tmp = nil
	case need:
		err = st.Put(w, e.sum, buf[:n])
	}
	if tmp != nil {
		st.Discard(tmp)
	}
	if err != nil {
		return cacheEntry{}, 0, err
	}
	return e, mode.Perm(), nil
}
