package benchtree

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// digestTree hashes the paths and contents of the files under dir.
func digestTree(t *testing.T, dir string) (string, int64) {
	t.Helper()
	h := sha256.New()
	var total int64
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		h.Write([]byte(rel + "\x00"))
		h.Write(b)
		total += int64(len(b))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil)), total
}

// smallTotal is the size of Small(dir, 50), as first measured; it changes
// only if the generator does.
const smallTotal = 122746

func TestTreesAreDeterministic(t *testing.T) {
	tests := []struct {
		name  string
		write func(dir string) error
		want  int64 // total size
	}{
		{"mixed", func(dir string) error { _, err := Mixed(dir, 3<<20); return err }, 3 << 20},
		{"small", func(dir string) error {
			total, err := Small(dir, 50)
			if err == nil && total != smallTotal {
				return fmt.Errorf("Small returned %d bytes, want %d", total, smallTotal)
			}
			return err
		}, smallTotal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := t.TempDir(), t.TempDir()
			if err := tt.write(a); err != nil {
				t.Fatal(err)
			}
			if err := tt.write(b); err != nil {
				t.Fatal(err)
			}
			da, na := digestTree(t, a)
			db, _ := digestTree(t, b)
			if da != db {
				t.Errorf("two trees differ: %s, %s", da, db)
			}
			if tt.want >= 0 && na != tt.want {
				t.Errorf("tree holds %d bytes, want %d", na, tt.want)
			}
		})
	}
}
