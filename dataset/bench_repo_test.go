package dataset_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/cairn-ml/cairn/dataset"
	"github.com/cairn-ml/cairn/dataset/internal/benchtree"
)

// The trees are written by package benchtree with a fixed seed, the same
// ones that testdata/bench_sha256sum.sh hashes with sha256sum. See the
// package doc, # Performance, for the figures.

const gib = 1 << 30

// mixedTree writes the 1 GiB tree of mixed file sizes and waits until its
// files are older than the hash cache's 2 s window, as files committed in
// practice are.
func mixedTree(b *testing.B) string {
	b.Helper()
	dir := filepath.Join(b.TempDir(), "mixed")
	if _, err := benchtree.Mixed(dir, gib); err != nil {
		b.Fatal(err)
	}
	time.Sleep(2100 * time.Millisecond)
	return dir
}

func smallTree(b *testing.B, n int) (string, int64) {
	b.Helper()
	dir := filepath.Join(b.TempDir(), "small")
	total, err := benchtree.Small(dir, n)
	if err != nil {
		b.Fatal(err)
	}
	time.Sleep(2100 * time.Millisecond)
	return dir, total
}

// benchFirstCommit times commits of src into a new, empty repository:
// every file is read, hashed, stored and made durable. Besides the mean
// it reports the median, fastest and slowest commit, since on a shared
// machine one slow commit moves the mean a lot.
func benchFirstCommit(b *testing.B, src string, bytes int64) {
	ctx := context.Background()
	b.SetBytes(bytes)
	b.ReportAllocs()
	var took []float64
	for b.Loop() {
		b.StopTimer()
		// Earlier repositories are kept until the end: ext4 creates files
		// more slowly for a while after many deletions.
		r, err := dataset.Open(filepath.Join(b.TempDir(), "repo"))
		if err != nil {
			b.Fatal(err)
		}
		benchtree.Sync() // do not pay for the previous iteration's write-back
		b.StartTimer()
		start := time.Now()
		res, err := r.Commit(ctx, "bench", src, "")
		took = append(took, time.Since(start).Seconds())
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		if res.Stats.Read != res.Stats.Files {
			b.Fatalf("read %d of %d files", res.Stats.Read, res.Stats.Files)
		}
		r.Close()
		b.StartTimer()
	}
	slices.Sort(took)
	b.ReportMetric(took[len(took)/2], "median-s")
	b.ReportMetric(took[0], "min-s")
	b.ReportMetric(took[len(took)-1], "max-s")
}

// benchRecommit times commits of an unchanged tree that was committed
// before: the hash cache answers for every file.
func benchRecommit(b *testing.B, src string, opts dataset.Options) {
	ctx := context.Background()
	r, err := dataset.OpenWith(filepath.Join(b.TempDir(), "repo"), opts)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	first, err := r.Commit(ctx, "bench", src, "")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		res, err := r.Commit(ctx, "bench", src, "")
		if err != nil {
			b.Fatal(err)
		}
		if !res.Unchanged || res.Version.Digest != first.Version.Digest || res.Version.Number != 1 {
			b.Fatalf("re-commit = %+v, want unchanged %v", res, first.Version)
		}
		if !opts.NoHashCache && res.Stats.Read != 0 {
			b.Fatalf("re-commit read %d files, want 0", res.Stats.Read)
		}
	}
	b.ReportMetric(float64(first.Stats.Files), "files")
}

// BenchmarkCommit1GiB: first commit of 1 GiB in ~350 files of 256 B to
// 32 MiB.
func BenchmarkCommit1GiB(b *testing.B) { benchFirstCommit(b, mixedTree(b), gib) }

// BenchmarkRecommit1GiB: the same tree again, unchanged.
func BenchmarkRecommit1GiB(b *testing.B) { benchRecommit(b, mixedTree(b), dataset.Options{}) }

// BenchmarkRehash1GiB: the same tree again with the hash cache off, so
// every file is read and hashed but all objects are stored already: the
// hashing throughput of Commit, to compare with sha256sum.
func BenchmarkRehash1GiB(b *testing.B) {
	b.SetBytes(gib)
	benchRecommit(b, mixedTree(b), dataset.Options{NoHashCache: true})
}

// BenchmarkCommit20kSmall: first commit of 20,000 files of 16 B to 16 KiB.
func BenchmarkCommit20kSmall(b *testing.B) {
	src, bytes := smallTree(b, 20000)
	benchFirstCommit(b, src, bytes)
}

// BenchmarkRecommit20kSmall: the same tree again, unchanged.
func BenchmarkRecommit20kSmall(b *testing.B) {
	src, _ := smallTree(b, 20000)
	benchRecommit(b, src, dataset.Options{})
}

// BenchmarkResolve times one Resolve, a single read transaction.
func BenchmarkResolve(b *testing.B) {
	ctx := context.Background()
	r, err := dataset.Open(filepath.Join(b.TempDir(), "repo"))
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	src := b.TempDir()
	if err := os.WriteFile(filepath.Join(src, "f"), []byte("x"), 0o644); err != nil {
		b.Fatal(err)
	}
	if _, err := r.Commit(ctx, "d", src, ""); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Resolve(context.Background(), "d", "latest"); err != nil {
			b.Fatal(err)
		}
	}
}
