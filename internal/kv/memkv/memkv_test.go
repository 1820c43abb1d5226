package memkv_test

import (
	"testing"

	"github.com/cairn-ml/cairn/internal/kv"
	"github.com/cairn-ml/cairn/internal/kv/kvtest"
	"github.com/cairn-ml/cairn/internal/kv/memkv"
)

func TestContract(t *testing.T) {
	kvtest.Run(t, func(t *testing.T) kv.DB {
		db := memkv.New("mem", kv.Errors{})
		t.Cleanup(func() { db.Close() })
		return db
	})
}
