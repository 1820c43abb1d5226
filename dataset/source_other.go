//go:build !linux

package dataset

import (
	"io/fs"
	"os"

	"github.com/cairn-ml/cairn/internal/osfile"
)

// source is a file being committed.
type source struct{ f *os.File }

// openSource opens a file to commit (see osfile.OpenSource).
func openSource(name string) (*source, error) {
	f, err := osfile.OpenSource(name)
	if err != nil {
		return nil, err
	}
	return &source{f}, nil
}

// stat returns what the hash cache compares, and the file's mode.
func (s *source) stat() (fileStat, fs.FileMode, error) {
	fi, err := s.f.Stat()
	if err != nil {
		return fileStat{}, 0, err
	}
	return statOf(fi), fi.Mode(), nil
}

func (s *source) Read(p []byte) (int, error) { return s.f.Read(p) }
func (s *source) Close() error               { return s.f.Close() }
