package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/cairn-ml/cairn/dataset"
	"github.com/cairn-ml/cairn/linear"
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
	version dataset.Version
	created bool // a new version was recorded by this command
	// same is the number of an earlier version with the same content
	// (the data changed and changed back), 0 if there is none.
	same        int
	all         *dataset.Table // the whole version, as read back
	train, test *dataset.Table
	// positive is the class whose F1 scores the models (class 1 of a
	// two-class target); "" for more classes, scored by macro F1.
	positive string
	// base is the baseline's configuration (see baseConfig).
	base linear.Config
	// example is the first row as a client sends it (see inputExample).
	example string
}

// f1Label names the F1 the models are scored by: the positive class, or
// "macro".
func (d *data) f1Label() string {
	if d.positive == "" {
		return "macro"
	}
	return d.positive
}

// prepareData versions the data file in the repository (for an embedded
// set, DIR/data/<name>.csv, written from the embedded copy first if it is
// missing), reads the version back from the repository, so that what is
// trained on is exactly what is recorded, and splits it as scikit-learn's
// train_test_split(stratify=y, random_state=42) does, on the sorted
// labels, before -positive reorders them.
func (a *app) prepareData(ctx context.Context) (*data, error) {
	src := a.source()
	path, err := a.dataPath()
	if err != nil {
		return nil, err
	}
	repo, err := a.openRepo()
	if err != nil {
		return nil, err
	}
	msg := src.name + " data for the pipeline"
	if src.embedded == "" {
		msg = "pipeline -data " + clip(src.path, 200)
	}
	res, err := repo.Commit(ctx, src.name, path, msg)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	d := &data{version: res.Version, created: !res.Unchanged}
	if d.created {
		if d.same, err = a.sameContent(ctx, res.Version); err != nil {
			return nil, err
		}
	}
	tab, err := a.loadTable(ctx, res.Version)
	if err != nil {
		return nil, err
	}
	if err := a.split(d, tab); err != nil {
		return nil, err
	}
	return d, nil
}

// split fills d from the table of its version: the split, the positive
// class, the baseline's configuration and the input example.
func (a *app) split(d *data, tab *dataset.Table) error {
	trainIdx, testIdx, err := dataset.SklearnStratifiedSplit(tab.Y, testFraction, splitSeed)
	if errors.Is(err, dataset.ErrBadSplit) {
		for k, n := range tab.ClassCounts() {
			if n < 2 {
				return fmt.Errorf("data: %s: the class %q of %q has %d row; a stratified split needs at least 2 of each class", d.version, tab.Classes[k], tab.Target, n)
			}
		}
	}
	if err != nil {
		return fmt.Errorf("data: %s: %w", d.version, err)
	}
	if err := setPositive(tab, a.source().positive); err != nil {
		return err
	}
	if d.train, err = tab.Subset(trainIdx); err != nil {
		return fmt.Errorf("data: %s: %w", d.version, err)
	}
	if d.test, err = tab.Subset(testIdx); err != nil {
		return fmt.Errorf("data: %s: %w", d.version, err)
	}
	d.all, d.positive, d.base = tab, positiveOf(tab), a.baseConfig(tab)
	d.example = inputExample(tab, 0, d.base)
	return nil
}

// currentData reads the newest version of the data from the repository,
// without versioning the file, for the commands that compare models on
// it (promote). It does not split it.
func (a *app) currentData(ctx context.Context) (*data, error) {
	src := a.source()
	repo, err := a.openRepo()
	if err != nil {
		return nil, err
	}
	v, err := repo.Resolve(ctx, src.name, "latest")
	if errors.Is(err, dataset.ErrNotFound) {
		return nil, fmt.Errorf("%w: no version of the data %s yet; run `%s` first", errEmpty, src.name, a.command())
	}
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	tab, err := a.loadTable(ctx, v)
	if err != nil {
		return nil, err
	}
	if err := setPositive(tab, src.positive); err != nil {
		return nil, err
	}
	return &data{version: v, all: tab, positive: positiveOf(tab)}, nil
}

// sameContent returns the number of the first version of v's data set
// with v's content, if it is older than v, else 0.
func (a *app) sameContent(ctx context.Context, v dataset.Version) (int, error) {
	vs, err := a.repo.Versions(ctx, v.Name)
	if err != nil {
		return 0, fmt.Errorf("data: %w", err)
	}
	for _, o := range vs {
		if o.Digest == v.Digest && o.Number < v.Number {
			return o.Number, nil
		}
	}
	return 0, nil
}

// writeCSV writes ds as CSV with its label last, in a column "diagnosis"
// holding the class names; the numbers are written in the shortest form
// that reads back to the same float64, so ReadCSV gives ds again. The file
// appears whole or not at all.
func writeCSV(path string, ds *dataset.Dataset) error {
	return writeAtomic(path, func(w *bufio.Writer) {
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
	})
}

// writeAtomic writes the file at path with write, through a temporary
// file renamed into place once it is whole and synced.
func writeAtomic(path string, write func(w *bufio.Writer)) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	w := bufio.NewWriter(tmp)
	write(w)
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
