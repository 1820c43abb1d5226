package dataset_test

import (
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cairn-ml/cairn/dataset"
	"github.com/cairn-ml/cairn/dataset/internal/benchtree"
	"github.com/cairn-ml/cairn/internal/blob/s3blob"
	"github.com/cairn-ml/cairn/internal/parallel"
	"github.com/cairn-ml/cairn/internal/storage/enginetest"
)

// Push and Pull to the S3 server of CAIRN_TEST_S3, beside a bare copy
// loop: the aws-sdk-go-v2 client with its defaults putting the same files
// (PutObject) and getting them back into files (GetObject), as many at
// once as Push and Pull move (4). Each iteration pushes to (or puts
// under) a fresh prefix, and pulls into (or gets into) a fresh folder;
// nothing is fsynced by the bare loop, while Pull makes what it fetched
// durable, as a commit does. See README.md, "On PostgreSQL and S3".
//
//	CAIRN_TEST_S3=s3://... go test -run '^$' -bench S3 -benchtime 3x ./dataset

// BenchmarkS3Small20k moves 20,000 files of 16 B to 16 KiB (63 MB).
func BenchmarkS3Small20k(b *testing.B) {
	src, bytes := smallTree(b, 20000)
	benchS3(b, src, bytes)
}

// BenchmarkS3Large1GiB moves 1 GiB in 4 files of 256 MiB.
func BenchmarkS3Large1GiB(b *testing.B) {
	src := filepath.Join(b.TempDir(), "large")
	bytes, err := benchtree.Large(src, 4, gib/4)
	if err != nil {
		b.Fatal(err)
	}
	benchS3(b, src, bytes)
}

// s3Workers is how many objects Push and Pull move at once: at least 4,
// Options.Workers (by default GOMAXPROCS) if more.
func s3Workers() int { return max(4, runtime.GOMAXPROCS(0)) }

func benchS3(b *testing.B, src string, bytes int64) {
	ctx := context.Background()
	enginetest.S3Server(b)
	r, err := dataset.Open(filepath.Join(b.TempDir(), "repo"))
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	res, err := r.Commit(ctx, "bench", src, "")
	if err != nil {
		b.Fatal(err)
	}
	files := treeFiles(b, src)
	report := func(b *testing.B, took []float64) {
		slices.Sort(took)
		b.ReportMetric(took[len(took)/2], "median-s")
		b.ReportMetric(float64(len(files))/took[len(took)/2], "objects/s")
	}
	b.Run("push", func(b *testing.B) {
		b.SetBytes(bytes)
		var took []float64
		for b.Loop() {
			rem := enginetest.S3(b)
			start := time.Now()
			tr, err := r.Push(ctx, rem, "bench", "latest")
			took = append(took, time.Since(start).Seconds())
			if err != nil {
				b.Fatal(err)
			}
			if tr.Objects != len(files)+1 {
				b.Fatalf("pushed %d objects, want %d", tr.Objects, len(files)+1)
			}
		}
		report(b, took)
	})
	b.Run("pull", func(b *testing.B) {
		rem := enginetest.S3(b)
		if _, err := r.Push(ctx, rem, "bench", "latest"); err != nil {
			b.Fatal(err)
		}
		b.SetBytes(bytes)
		var took []float64
		for b.Loop() {
			b.StopTimer()
			into, err := dataset.Open(filepath.Join(b.TempDir(), "repo"))
			if err != nil {
				b.Fatal(err)
			}
			benchtree.Sync()
			b.StartTimer()
			start := time.Now()
			got, err := into.Pull(ctx, rem, "copy", res.Version.Digest)
			took = append(took, time.Since(start).Seconds())
			if err != nil {
				b.Fatal(err)
			}
			if got.Stats.Read != len(files)+1 {
				b.Fatalf("pulled %d objects, want %d", got.Stats.Read, len(files)+1)
			}
			into.Close()
		}
		report(b, took)
	})
	c, bucket, base := bareClient(b)
	put := func(prefix string) {
		err := parallel.Run(ctx, len(files), s3Workers(), func(ctx context.Context, _, i int) error {
			f, err := os.Open(files[i])
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: aws.String(prefix + strconv.Itoa(i)), Body: f})
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.Run("bare-put", func(b *testing.B) {
		b.SetBytes(bytes)
		var took []float64
		for b.Loop() {
			prefix := bareprefix(base)
			start := time.Now()
			put(prefix)
			took = append(took, time.Since(start).Seconds())
		}
		report(b, took)
	})
	b.Run("bare-get", func(b *testing.B) {
		prefix := bareprefix(base)
		put(prefix)
		b.SetBytes(bytes)
		var took []float64
		for b.Loop() {
			b.StopTimer()
			dir := b.TempDir()
			benchtree.Sync()
			b.StartTimer()
			start := time.Now()
			err := parallel.Run(ctx, len(files), s3Workers(), func(ctx context.Context, _, i int) error {
				out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: aws.String(prefix + strconv.Itoa(i))})
				if err != nil {
					return err
				}
				defer out.Body.Close()
				f, err := os.Create(filepath.Join(dir, strconv.Itoa(i)))
				if err != nil {
					return err
				}
				if _, err := io.Copy(f, out.Body); err != nil {
					f.Close()
					return err
				}
				return f.Close()
			})
			took = append(took, time.Since(start).Seconds())
			if err != nil {
				b.Fatal(err)
			}
		}
		report(b, took)
	})
}

var bareSeq atomic.Int64

// bareprefix returns a fresh key prefix under base for the bare loop.
func bareprefix(base string) string {
	return base + "bare-" + strconv.FormatInt(time.Now().UnixNano(), 36) + "-" + strconv.FormatInt(bareSeq.Add(1), 10) + "/"
}

// bareClient returns a client of the SDK with its defaults for the
// server of CAIRN_TEST_S3 (credentials from the environment), the bucket,
// and a fresh prefix in it (emptied when the benchmark ends).
func bareClient(b *testing.B) (*s3.Client, string, string) {
	loc, err := s3blob.ParseLocation(enginetest.S3(b))
	if err != nil {
		b.Fatal(err)
	}
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithRegion(loc.Region))
	if err != nil {
		b.Fatal(err)
	}
	c := s3.NewFromConfig(cfg, func(o *s3.Options) {
		if loc.Endpoint != "" {
			o.BaseEndpoint = aws.String(loc.Endpoint)
			o.UsePathStyle = true
		}
	})
	return c, loc.Bucket, loc.Prefix
}

// treeFiles returns the paths of the files under dir.
func treeFiles(b *testing.B, dir string) []string {
	var out []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			out = append(out, path)
		}
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return out
}
