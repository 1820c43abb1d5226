package pgkv_test

import (
	"context"
	"testing"

	"github.com/cairn-ml/cairn/internal/kv"
	"github.com/cairn-ml/cairn/internal/kv/kvtest"
	"github.com/cairn-ml/cairn/internal/kv/pgkv"
	"github.com/cairn-ml/cairn/internal/storage/enginetest"
)

// open opens a store in a fresh schema of the test server.
func open(t testing.TB, opts pgkv.Options) *pgkv.DB {
	t.Helper()
	db, err := pgkv.Open(context.Background(), enginetest.Postgres(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestContract(t *testing.T) {
	kvtest.Run(t, func(t *testing.T) kv.DB { return open(t, pgkv.Options{}) })
}
