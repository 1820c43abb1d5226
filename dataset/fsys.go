package dataset

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/cairn-ml/cairn/internal/blob"
)

// FS returns the version ref of name (see Resolve) as a read-only file
// system that reads the stored objects in place, without copying them.
// The root folder "." holds the version's files (for a version of one
// file, that file alone). Folders are listed in name order; every entry
// has the version's Time as its modification time and its recorded
// permission bits (0o755 for folders).
//
// A file's content is verified as it is read: the Read that reaches the
// end returns an error wrapping ErrCorrupt instead of io.EOF if the bytes
// do not hash to the manifest's hash, so a reader that reads to the end
// (as io.ReadAll and fs.ReadFile do) never accepts damaged data. Opening a
// file whose object is missing fails with an error wrapping ErrNotFound.
// The result implements fs.ReadDirFS, fs.ReadFileFS and fs.StatFS, is
// safe for concurrent use, and keeps working after the Repo is closed.
func (r *Repo) FS(ctx context.Context, name, ref string) (fs.FS, error) {
	v, k, err := r.resolve(ctx, name, ref)
	if err != nil {
		return nil, err
	}
	m, err := r.loadManifest(ctx, v.Digest)
	if err == nil && m.kind != k {
		err = fmt.Errorf("%w: manifest %s is a %v, the index says %v", ErrCorrupt, v.Digest, m.kind, k)
	}
	if err != nil {
		return nil, fmt.Errorf("dataset: fs %s: %w", v, err)
	}
	return newVersionFS(r.blobs, m, v.Created), nil
}

// versionFS is the fs.FS of one version.
type versionFS struct {
	objects blob.Store
	m       *manifest
	modTime time.Time
	dirs    map[string][]fs.DirEntry // folder -> its entries, sorted by name
}

var (
	_ fs.ReadDirFS   = (*versionFS)(nil)
	_ fs.ReadFileFS  = (*versionFS)(nil)
	_ fs.StatFS      = (*versionFS)(nil)
	_ fs.ReadDirFile = (*dirFile)(nil)
)

func newVersionFS(objects blob.Store, m *manifest, modTime time.Time) *versionFS {
	v := &versionFS{objects: objects, m: m, modTime: modTime, dirs: map[string][]fs.DirEntry{".": nil}}
	listed := make(map[string]bool) // folders already in their parent's list
	for _, f := range m.files {
		// Add each missing ancestor folder to its parent, then the file.
		for d := path.Dir(f.path); d != "." && !listed[d]; d = path.Dir(d) {
			listed[d] = true
			v.addEntry(path.Dir(d), v.dirInfo(d))
		}
		v.addEntry(path.Dir(f.path), fileInfo{name: path.Base(f.path), size: f.size, mode: f.mode, modTime: modTime})
	}
	for d, es := range v.dirs {
		slices.SortFunc(es, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
		v.dirs[d] = es
	}
	return v
}

func (v *versionFS) addEntry(dir string, fi fileInfo) {
	v.dirs[dir] = append(v.dirs[dir], fs.FileInfoToDirEntry(fi))
}

func (v *versionFS) dirInfo(name string) fileInfo {
	return fileInfo{name: path.Base(name), mode: fs.ModeDir | 0o755, modTime: v.modTime}
}

// Open implements fs.FS.
func (v *versionFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	if es, ok := v.dirs[name]; ok {
		return &dirFile{info: v.dirInfo(name), entries: es}, nil
	}
	f, ok := v.m.find(name)
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	obj, err := v.objects.Open(context.Background(), f.sum)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return &objectFile{
		rc:   obj,
		info: fileInfo{name: path.Base(name), size: f.size, mode: f.mode, modTime: v.modTime},
	}, nil
}

// ReadDir implements fs.ReadDirFS.
func (v *versionFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrInvalid}
	}
	es, ok := v.dirs[name]
	if !ok {
		err := fs.ErrNotExist
		if _, isFile := v.m.find(name); isFile {
			err = errors.New("not a directory")
		}
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: err}
	}
	return slices.Clone(es), nil
}

// ReadFile implements fs.ReadFileFS: the whole content, verified.
func (v *versionFS) ReadFile(name string) ([]byte, error) {
	f, err := v.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	of, ok := f.(*objectFile)
	if !ok {
		return nil, &fs.PathError{Op: "read", Path: name, Err: errors.New("is a directory")}
	}
	b := make([]byte, 0, of.info.size+1)
	for {
		n, err := of.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return nil, &fs.PathError{Op: "read", Path: name, Err: err}
		}
		if len(b) == cap(b) {
			b = slices.Grow(b, 512)
		}
	}
}

// Stat implements fs.StatFS.
func (v *versionFS) Stat(name string) (fs.FileInfo, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrInvalid}
	}
	if _, ok := v.dirs[name]; ok {
		return v.dirInfo(name), nil
	}
	if f, ok := v.m.find(name); ok {
		return fileInfo{name: path.Base(name), size: f.size, mode: f.mode, modTime: v.modTime}, nil
	}
	return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
}

// fileInfo implements fs.FileInfo for files and folders of a version.
type fileInfo struct {
	name    string
	size    int64
	mode    fs.FileMode
	modTime time.Time
}

func (fi fileInfo) Name() string       { return fi.name }
func (fi fileInfo) Size() int64        { return fi.size }
func (fi fileInfo) Mode() fs.FileMode  { return fi.mode }
func (fi fileInfo) ModTime() time.Time { return fi.modTime }
func (fi fileInfo) IsDir() bool        { return fi.mode.IsDir() }
func (fi fileInfo) Sys() any           { return nil }

// objectFile is an open file of a version.
type objectFile struct {
	rc   io.ReadCloser // verified as it is read
	info fileInfo
}

func (o *objectFile) Stat() (fs.FileInfo, error) { return o.info, nil }
func (o *objectFile) Read(p []byte) (int, error) {
	n, err := o.rc.Read(p)
	if err != nil && err != io.EOF {
		err = &fs.PathError{Op: "read", Path: o.info.name, Err: err}
	}
	return n, err
}
func (o *objectFile) Close() error { return o.rc.Close() }

// dirFile is an open folder of a version.
type dirFile struct {
	info    fileInfo
	entries []fs.DirEntry
	off     int
}

func (d *dirFile) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *dirFile) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.info.name, Err: errors.New("is a directory")}
}
func (d *dirFile) Close() error { return nil }

// ReadDir implements fs.ReadDirFile.
func (d *dirFile) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.entries[d.off:]
	if n <= 0 {
		d.off = len(d.entries)
		return slices.Clone(rest), nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	n = min(n, len(rest))
	d.off += n
	return slices.Clone(rest[:n]), nil
}
