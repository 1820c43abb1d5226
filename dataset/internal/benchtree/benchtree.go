// Package benchtree writes the deterministic file trees that the dataset
// benchmarks and dataset/testdata/bench_sha256sum.sh commit and hash.
package benchtree

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
)

// Seed is the seed of every tree.
const Seed = 1

// Mixed writes files of log-uniformly distributed sizes between 256 B and
// 32 MiB, with pseudo-random (incompressible) content, into a two-level
// folder tree under dir, until they total exactly total bytes. The same
// arguments give the same tree. It returns the number of files.
func Mixed(dir string, total int64) (int, error) {
	rng := rand.New(rand.NewPCG(Seed, 1))
	src := rand.NewChaCha8([32]byte{Seed})
	buf := make([]byte, 1<<20)
	lo, hi := math.Log(256), math.Log(32<<20)
	n := 0
	for left := total; left > 0; n++ {
		size := min(left, int64(math.Exp(lo+rng.Float64()*(hi-lo))))
		path := filepath.Join(dir, fmt.Sprintf("d%02d", n%16), fmt.Sprintf("s%d", n%5), fmt.Sprintf("f%05d.bin", n))
		if err := writeRandom(path, size, src, buf); err != nil {
			return n, err
		}
		left -= size
	}
	return n, Sync()
}

// Small writes n files of log-uniformly distributed sizes between 16 B
// and 16 KiB (about 3 KiB on average) into 100 folders under dir.
func Small(dir string, n int) (int64, error) {
	rng := rand.New(rand.NewPCG(Seed, 2))
	src := rand.NewChaCha8([32]byte{Seed, 2})
	buf := make([]byte, 16<<10)
	lo, hi := math.Log(16), math.Log(16<<10)
	var total int64
	for i := range n {
		size := int64(math.Exp(lo + rng.Float64()*(hi-lo)))
		path := filepath.Join(dir, fmt.Sprintf("d%02d", i%100), fmt.Sprintf("f%05d.txt", i))
		if err := writeRandom(path, size, src, buf); err != nil {
			return total, err
		}
		total += size
	}
	return total, Sync()
}

// Large writes n files of size bytes each, with pseudo-random content,
// under dir, and returns their total size.
func Large(dir string, n int, size int64) (int64, error) {
	src := rand.NewChaCha8([32]byte{Seed, 3})
	buf := make([]byte, 1<<20)
	for i := range n {
		if err := writeRandom(filepath.Join(dir, fmt.Sprintf("large%02d.bin", i)), size, src, buf); err != nil {
			return int64(i) * size, err
		}
	}
	return int64(n) * size, Sync()
}

func writeRandom(path string, size int64, src *rand.ChaCha8, buf []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	for left := size; left > 0; {
		b := buf[:min(left, int64(len(buf)))]
		src.Read(b)
		if _, err := f.Write(b); err != nil {
			f.Close()
			return err
		}
		left -= int64(len(b))
	}
	return f.Close()
}
