package tune

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
)

// FileStorage keeps the trials of a study in a file of JSON lines, one
// record per trial start and end, so that a study can be stopped and
// resumed (NewStudy with the same FileStorage, or one opened on the same
// file, continues after the trials it holds). Each record is appended with
// a single write and the file is synced before Save returns; on open, the
// last record of each trial wins, and a last line cut short by a crash is
// dropped. Compact rewrites the file with one line per trial, atomically.
//
// The file holds trials only: resume a study with the same direction and
// sampler it was run with. A FileStorage is safe for concurrent use by one
// process; two processes must not write the same file at once. Close
// releases the file.
type FileStorage struct {
	path string

	mu     sync.Mutex
	f      *os.File
	trials map[int]FrozenTrial
}

var _ Storage = (*FileStorage)(nil)

// OpenFileStorage opens the study file at path, creating it if it does not
// exist, and reads the trials it holds. A line that is not a valid record
// (except a last line without its newline, which is dropped) is an error
// wrapping ErrCorrupt that names the line.
func OpenFileStorage(path string) (*FileStorage, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("tune: open study file: %w", err)
	}
	latest, good, err := readTrials(f)
	if err == nil {
		// Drop a torn last line; writes append after the good ones.
		err = f.Truncate(good)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("tune: open study file %s: %w", path, err)
	}
	return &FileStorage{path: path, f: f, trials: latest}, nil
}

// ReadTrials reads a study file written by a FileStorage and returns the
// latest record of each trial, in number order. A last line without a
// newline is ignored (a write cut short). A line that is not a valid record
// is an error wrapping ErrCorrupt that names the line.
func ReadTrials(r io.Reader) ([]FrozenTrial, error) {
	latest, _, err := readTrials(r)
	if err != nil {
		return nil, fmt.Errorf("tune: read trials: %w", err)
	}
	return sortedTrials(latest), nil
}

// readTrials returns the latest record of each trial in r and the length
// in bytes of the complete lines.
func readTrials(r io.Reader) (map[int]FrozenTrial, int64, error) {
	br := bufio.NewReader(r)
	latest := map[int]FrozenTrial{}
	var good int64
	for n := 1; ; n++ {
		line, err := br.ReadBytes('\n')
		if err == io.EOF {
			return latest, good, nil // a torn last line, or nothing
		}
		if err != nil {
			return nil, 0, err
		}
		good += int64(len(line))
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		t, err := decodeTrial(line)
		if err != nil {
			return nil, 0, fmt.Errorf("%w: line %d: %v", ErrCorrupt, n, err)
		}
		latest[t.Number] = t
	}
}

func sortedTrials(m map[int]FrozenTrial) []FrozenTrial {
	out := make([]FrozenTrial, 0, len(m))
	for _, t := range m {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b FrozenTrial) int { return a.Number - b.Number })
	return out
}

// Path returns the file's path.
func (fs *FileStorage) Path() string { return fs.path }

// Load returns the latest record of each trial, in number order.
func (fs *FileStorage) Load() ([]FrozenTrial, error) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return sortedTrials(fs.trials), nil
}

// Save appends t's record and syncs the file.
func (fs *FileStorage) Save(t FrozenTrial) error {
	b, err := encodeTrial(t)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.f == nil {
		return fmt.Errorf("tune: save trial %d: %w", t.Number, os.ErrClosed)
	}
	if _, err := fs.f.Write(b); err != nil {
		return fmt.Errorf("tune: save trial %d: %w", t.Number, err)
	}
	if err := fs.f.Sync(); err != nil {
		return fmt.Errorf("tune: save trial %d: %w", t.Number, err)
	}
	fs.trials[t.Number] = t
	return nil
}

// Compact rewrites the file with the latest record of each trial only: it
// writes a temporary file in the same folder, syncs it, renames it over the
// study file and syncs the folder, so a crash leaves the old file or the
// new one.
func (fs *FileStorage) Compact() error {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.f == nil {
		return fmt.Errorf("tune: compact: %w", os.ErrClosed)
	}
	var buf bytes.Buffer
	for _, t := range sortedTrials(fs.trials) {
		b, err := encodeTrial(t)
		if err != nil {
			return err
		}
		buf.Write(b)
		buf.WriteByte('\n')
	}
	dir := filepath.Dir(fs.path)
	tmp, err := os.CreateTemp(dir, filepath.Base(fs.path)+".tmp*")
	if err != nil {
		return fmt.Errorf("tune: compact: %w", err)
	}
	tmpName := tmp.Name()
	_, werr := tmp.Write(buf.Bytes())
	serr := tmp.Sync()
	cerr := tmp.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		os.Remove(tmpName)
		return fmt.Errorf("tune: compact: %w", err)
	}
	if err := os.Rename(tmpName, fs.path); err != nil {
		os.Remove(tmpName)
		return fmt.Errorf("tune: compact: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	// Append to the new file from now on.
	f, err := os.OpenFile(fs.path, os.O_RDWR|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("tune: compact: %w", err)
	}
	fs.f.Close()
	fs.f = f
	return nil
}

// Close closes the file; later Saves fail.
func (fs *FileStorage) Close() error {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.f == nil {
		return nil
	}
	err := fs.f.Close()
	fs.f = nil
	return err
}
