// Command pipeline runs cairn's breast-cancer pipeline end to end.
//
// For now it loads the embedded Breast Cancer Wisconsin data, makes the
// stratified 80/20 split the pipeline trains on (seed 42) and prints the
// data's digest; the later stages (training, tuning, tracking, registry,
// serving) join as their packages land.
//
// Usage:
//
//	go run ./examples/pipeline
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/cairn-ml/cairn/dataset"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "pipeline:", err)
		os.Exit(1)
	}
}

func run(w io.Writer) error {
	ds := dataset.BreastCancer()
	train, test, err := ds.Split(0.2, 42)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "data     breast-cancer  %d rows x %d features  classes %v\n", ds.Len(), len(ds.Features), ds.Classes)
	fmt.Fprintf(w, "digest   %s\n", ds.Digest())
	fmt.Fprintf(w, "split    train %d %v  test %d %v  (stratified, seed 42)\n",
		train.Len(), train.ClassCounts(), test.Len(), test.ClassCounts())
	return nil
}
