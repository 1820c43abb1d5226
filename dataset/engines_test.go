package dataset_test

import (
	"os"
	"testing"

	"github.com/cairn-ml/cairn/internal/storage/enginetest"
)

// engine is the records engine of this pass of the suite: every test runs
// on bbolt, then on PostgreSQL (see enginetest.Main). A repository opened
// with openRepo keeps its version index on the pass's engine (and, on
// PostgreSQL, its objects in S3 when CAIRN_TEST_S3 is set); one opened in
// a folder of its own keeps it in the folder.
var engine enginetest.Engine

func TestMain(m *testing.M) { os.Exit(enginetest.Main(m, &engine)) }
