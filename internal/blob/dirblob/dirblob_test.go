package dirblob_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cairn-ml/cairn/internal/blob"
	"github.com/cairn-ml/cairn/internal/blob/blobtest"
	"github.com/cairn-ml/cairn/internal/blob/dirblob"
)

func TestContract(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) (blob.Store, func(blob.Digest)) {
		s := dirblob.New(t.TempDir(), dirblob.Options{Errors: blobtest.Errors})
		return s, func(d blob.Digest) {
			p := s.Path(d)
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			b[0] ^= 1
			os.Chmod(p, 0o644)
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// An exclusive lock (a collection) removes what killed writers left, and
// waits for writers holding the shared lock.
func TestLockRemovesTemps(t *testing.T) {
	root := t.TempDir()
	s := dirblob.New(root, dirblob.Options{})
	ctx := context.Background()
	if _, _, err := s.Put(ctx, strings.NewReader("x"), blob.Digest{}); err != nil {
		t.Fatal(err)
	}
	left := filepath.Join(root, "objects", ".tmp-12345")
	os.WriteFile(left, []byte("half"), 0o644)
	shared, err := s.Lock(ctx, false, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Lock(ctx, true, time.Now().Add(20*time.Millisecond)); err == nil {
		t.Fatal("exclusive lock granted while a writer holds the shared one")
	}
	if _, err := os.Stat(left); err != nil {
		t.Fatal("temporary file removed while a writer runs")
	}
	shared()
	unlock, err := s.Lock(ctx, true, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	unlock()
	if _, err := os.Stat(left); !os.IsNotExist(err) {
		t.Fatalf("temporary file of a killed writer still there: %v", err)
	}
}

// What Open returns is blob.Sized, so that a Put elsewhere (S3) can send
// a large blob from its file instead of copying it; ReadAt reads the
// stored bytes, Read verifies them.
func TestOpenSized(t *testing.T) {
	ctx := context.Background()
	s := dirblob.New(t.TempDir(), dirblob.Options{Errors: blobtest.Errors})
	data := []byte("the bytes of a blob")
	d, _, err := s.Put(ctx, strings.NewReader(string(data)), blob.Digest{})
	if err != nil {
		t.Fatal(err)
	}
	rc, err := s.Open(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	src, ok := rc.(blob.Sized)
	if !ok {
		t.Fatalf("Open returned a %T, not a blob.Sized", rc)
	}
	if src.Size() != int64(len(data)) {
		t.Errorf("Size = %d, want %d", src.Size(), len(data))
	}
	p := make([]byte, 5)
	if n, err := src.ReadAt(p, 4); err != nil || string(p[:n]) != "bytes" {
		t.Errorf("ReadAt(4) = %q, %v", p[:n], err)
	}
}
