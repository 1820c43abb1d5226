package s3blob_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"testing"

	"github.com/cairn-ml/cairn/internal/blob"
	"github.com/cairn-ml/cairn/internal/blob/dirblob"
	"github.com/cairn-ml/cairn/internal/blob/s3blob"
	"github.com/cairn-ml/cairn/internal/storage/enginetest"
)

// Put, Open (read through) and Has of small and large blobs, the folder
// engine beside S3: go test -bench . ./internal/blob/s3blob (S3 needs
// CAIRN_TEST_S3 and credentials).

func benchStores(b *testing.B, fn func(b *testing.B, s blob.Store)) {
	b.Run("folder", func(b *testing.B) { fn(b, dirblob.New(b.TempDir(), dirblob.Options{})) })
	b.Run("s3", func(b *testing.B) {
		if !enginetest.Have(enginetest.EnvS3) {
			b.Skip("CAIRN_TEST_S3 is not set")
		}
		s, err := s3blob.Open(context.Background(), enginetest.S3(b), s3blob.Options{})
		if err != nil {
			b.Fatal(err)
		}
		fn(b, s)
	})
}

func BenchmarkPut4K(b *testing.B) {
	benchStores(b, func(b *testing.B, s blob.Store) { benchPut(b, s, 4<<10) })
}
func BenchmarkPut64M(b *testing.B) {
	benchStores(b, func(b *testing.B, s blob.Store) { benchPut(b, s, 64<<20) })
}
func BenchmarkOpen4K(b *testing.B) {
	benchStores(b, func(b *testing.B, s blob.Store) { benchOpen(b, s, 4<<10) })
}
func BenchmarkOpen64M(b *testing.B) {
	benchStores(b, func(b *testing.B, s blob.Store) { benchOpen(b, s, 64<<20) })
}
func BenchmarkHas(b *testing.B) { benchStores(b, benchHas) }

func benchPut(b *testing.B, s blob.Store, n int) {
	data := make([]byte, n)
	b.SetBytes(int64(n))
	ctx := context.Background()
	for b.Loop() {
		rand.Read(data[:32]) // a new blob each time
		if _, _, err := s.Put(ctx, bytes.NewReader(data), blob.Digest{}); err != nil {
			b.Fatal(err)
		}
	}
}

func benchOpen(b *testing.B, s blob.Store, n int) {
	data := make([]byte, n)
	rand.Read(data)
	ctx := context.Background()
	d, _, err := s.Put(ctx, bytes.NewReader(data), blob.Digest{})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(n))
	for b.Loop() {
		rc, err := s.Open(ctx, d)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, rc); err != nil {
			b.Fatal(err)
		}
		rc.Close()
	}
}

func benchHas(b *testing.B, s blob.Store) {
	ctx := context.Background()
	d, _, err := s.Put(ctx, bytes.NewReader([]byte("x")), blob.Digest{})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if ok, err := s.Has(ctx, d); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}
