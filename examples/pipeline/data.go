package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/cairn-ml/cairn/dataset"
)

// Split settings: the seed's stratified 80/20 split, row for row as
// scikit-learn's train_test_split(test_size=0.2, stratify=y,
// random_state=42) makes it, so that scores compare with the seed's.
const (
	testFraction = 0.2
	splitSeed    = 42
)

// data is a versioned data set and its split.
type data struct {
	version     dataset.Version
	created     bool // a new version was recorded by this command
	all         *dataset.Dataset
	train, test *dataset.Dataset
}

// prepareData versions DIR/data/breast-cancer.csv in the repository
// (writing it from the embedded copy first if it is missing), reads the
// version back from the repository, so that what is trained on is exactly
// what is recorded, and splits it.
func (a *app) prepareData(ctx context.Context) (*data, error) {
	path := filepath.Join(a.dir, "data", dataFile)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		if err := writeCSV(path, dataset.BreastCancer()); err != nil {
			return nil, fmt.Errorf("data: %w", err)
		}
	}
	repo, err := a.openRepo()
	if err != nil {
		return nil, err
	}
	res, err := repo.Commit(ctx, dataName, path, "breast-cancer data for the pipeline")
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	ds, err := a.loadData(res.Version)
	if err != nil {
		return nil, err
	}
	trainIdx, testIdx, err := dataset.SklearnStratifiedSplit(ds.Y, testFraction, splitSeed)
	if err != nil {
		return nil, fmt.Errorf("data: %s: %w", res.Version, err)
	}
	train, err := ds.Subset(trainIdx)
	if err != nil {
		return nil, fmt.Errorf("data: %s: %w", res.Version, err)
	}
	test, err := ds.Subset(testIdx)
	if err != nil {
		return nil, fmt.Errorf("data: %s: %w", res.Version, err)
	}
	return &data{version: res.Version, created: !res.Unchanged, all: ds, train: train, test: test}, nil
}

// loadData reads a version of the data set from the repository; the
// repository checks every byte against its digest.
func (a *app) loadData(v dataset.Version) (*dataset.Dataset, error) {
	fsys, err := a.repo.FS(context.Background(), v.Name, v.Digest)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	f, err := fsys.Open(dataFile)
	if err != nil {
		return nil, fmt.Errorf("data: %s holds no %s: %w", v, dataFile, err)
	}
	defer f.Close()
	ds, err := dataset.ReadCSV(bufio.NewReader(f), dataset.CSVOptions{
		Label:      "diagnosis",
		Classes:    []string{"malignant", "benign"},
		MinClasses: 2,
	})
	if err != nil {
		return nil, fmt.Errorf("data: %s of %s: %w", dataFile, v, err)
	}
	return ds, nil
}

// writeCSV writes ds as CSV with its label last, in a column "diagnosis"
// holding the class names; the numbers are written in the shortest form
// that reads back to the same float64, so ReadCSV gives ds again. The file
// appears whole or not at all.
func writeCSV(path string, ds *dataset.Dataset) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	w := bufio.NewWriter(tmp)
	for _, name := range ds.Features {
		w.WriteString(csvField(name))
		w.WriteByte(',')
	}
	w.WriteString("diagnosis\n")
	var buf []byte
	r, c := ds.X.Dims()
	for i := range r {
		for j := range c {
			buf = strconv.AppendFloat(buf[:0], ds.X.At(i, j), 'g', -1, 64)
			w.Write(buf)
			w.WriteByte(',')
		}
		w.WriteString(ds.Classes[ds.Y[i]])
		w.WriteByte('\n')
	}
	err = w.Flush()
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// csvField quotes s if it needs it.
func csvField(s string) string {
	for _, r := range s {
		if r == ',' || r == '"' || r == '\n' || r == '\r' {
			return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
		}
	}
	return s
}
