package registry_test

import (
	"os"
	"testing"

	"github.com/cairn-ml/cairn/internal/storage/enginetest"
)

// engine is the records engine of this pass of the suite: the tests run
// on bbolt, then on PostgreSQL (see enginetest.Main).
var engine enginetest.Engine

func TestMain(m *testing.M) { os.Exit(enginetest.Main(m, &engine)) }
