package boltkv_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/cairn-ml/cairn/internal/kv"
	"github.com/cairn-ml/cairn/internal/kv/boltkv"
	"github.com/cairn-ml/cairn/internal/kv/kvtest"
)

func TestContract(t *testing.T) {
	kvtest.Run(t, func(t *testing.T) kv.DB {
		db, err := boltkv.Open(context.Background(), filepath.Join(t.TempDir(), "db"), boltkv.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	})
}
