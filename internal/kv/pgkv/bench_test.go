package pgkv_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/cairn-ml/cairn/internal/kv"
	"github.com/cairn-ml/cairn/internal/kv/boltkv"
	"github.com/cairn-ml/cairn/internal/kv/pgkv"
	"github.com/cairn-ml/cairn/internal/storage/enginetest"
)

// The records operations track and registry make, on both engines side
// by side: go test -bench . ./internal/kv/pgkv (PostgreSQL needs
// CAIRN_TEST_POSTGRES; bbolt runs with fsync, as a store does).

func benchEngines(b *testing.B, fn func(b *testing.B, db kv.DB)) {
	b.Run("bbolt", func(b *testing.B) {
		db, err := boltkv.Open(context.Background(), filepath.Join(b.TempDir(), "db"), boltkv.Options{})
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		fn(b, db)
	})
	b.Run("postgres", func(b *testing.B) {
		if !enginetest.Have(enginetest.EnvPostgres) {
			b.Skip("CAIRN_TEST_POSTGRES is not set")
		}
		db, err := pgkv.Open(context.Background(), enginetest.Postgres(b), pgkv.Options{})
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		fn(b, db)
	})
}

func fill(b *testing.B, db kv.DB, n int) {
	b.Helper()
	err := db.Update(context.Background(), func(tx kv.Tx) error {
		bk, err := tx.CreateBucket("b")
		if err != nil {
			return err
		}
		for i := range n {
			if err := bk.Put(fmt.Appendf(nil, "run%08d", i), make([]byte, 100)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkUpdate1 is one small write per transaction (a logged metric,
// an alias move).
func BenchmarkUpdate1(b *testing.B) {
	benchEngines(b, func(b *testing.B, db kv.DB) { benchPuts(b, db, 1) })
}

// BenchmarkUpdate1000 is a batch of 1000 writes in one transaction (a
// logged batch of metrics).
func BenchmarkUpdate1000(b *testing.B) {
	benchEngines(b, func(b *testing.B, db kv.DB) { benchPuts(b, db, 1000) })
}

func benchPuts(b *testing.B, db kv.DB, n int) {
	fill(b, db, 0)
	ctx := context.Background()
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		err := db.Update(ctx, func(tx kv.Tx) error {
			bk := tx.Bucket("b")
			for j := range n {
				if err := bk.Put(fmt.Appendf(nil, "k%010d", i*n+j), make([]byte, 100)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*n), "µs/put")
}

// BenchmarkGet is one read transaction with one Get (a run record, a
// version).
func BenchmarkGet(b *testing.B) {
	benchEngines(b, func(b *testing.B, db kv.DB) {
		fill(b, db, 10000)
		ctx := context.Background()
		i := 0
		for b.Loop() {
			db.View(ctx, func(tx kv.Tx) error {
				if tx.Bucket("b").Get(fmt.Appendf(nil, "run%08d", i*7919%10000)) == nil {
					b.Fatal("missing")
				}
				return nil
			})
			i++
		}
	})
}

// BenchmarkGet100 reads 100 scattered keys in one transaction, one Get
// at a time, and BenchmarkPrefetch100 the same after one Prefetch.
func BenchmarkGet100(b *testing.B) {
	benchEngines(b, func(b *testing.B, db kv.DB) { benchGets(b, db, false) })
}
func BenchmarkPrefetch100(b *testing.B) {
	benchEngines(b, func(b *testing.B, db kv.DB) { benchGets(b, db, true) })
}

func benchGets(b *testing.B, db kv.DB, prefetch bool) {
	fill(b, db, 10000)
	ctx := context.Background()
	i := 0
	for b.Loop() {
		db.View(ctx, func(tx kv.Tx) error {
			bk := tx.Bucket("b")
			keys := make([][]byte, 100)
			for j := range keys {
				keys[j] = fmt.Appendf(nil, "run%08d", (i*100+j)*7919%10000)
			}
			if p, ok := bk.(kv.Prefetcher); ok && prefetch {
				p.Prefetch(keys)
			}
			for _, k := range keys {
				if bk.Get(k) == nil {
					b.Fatal("missing")
				}
			}
			return nil
		})
		i++
	}
}

// BenchmarkWalk10000 walks a bucket of 10,000 records with a cursor (a
// scan of runs).
func BenchmarkWalk10000(b *testing.B) {
	benchEngines(b, func(b *testing.B, db kv.DB) {
		fill(b, db, 10000)
		ctx := context.Background()
		for b.Loop() {
			n := 0
			db.View(ctx, func(tx kv.Tx) error {
				c := tx.Bucket("b").Cursor()
				for k, _ := c.First(); k != nil; k, _ = c.Next() {
					n++
				}
				return nil
			})
			if n != 10000 {
				b.Fatalf("walked %d", n)
			}
		}
	})
}

// BenchmarkSeekNext10 seeks to a key and reads the 10 after it (a page
// of an index).
func BenchmarkSeekNext10(b *testing.B) {
	benchEngines(b, func(b *testing.B, db kv.DB) {
		fill(b, db, 10000)
		ctx := context.Background()
		i := 0
		for b.Loop() {
			db.View(ctx, func(tx kv.Tx) error {
				c := tx.Bucket("b").Cursor()
				k, _ := c.Seek(fmt.Appendf(nil, "run%08d", i*7919%9000))
				for range 10 {
					k, _ = c.Next()
				}
				if k == nil {
					b.Fatal("ran off")
				}
				return nil
			})
			i++
		}
	})
}
