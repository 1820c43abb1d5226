package dataset_test

import (
	"errors"
	"math"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/cairn-ml/cairn/dataset"
)

// fuzzLabels turns bytes into labels: mostly small classes, and the values
// that used to crash the splits (negative, 1<<40, math.MaxInt).
func fuzzLabels(b []byte) []int {
	special := []int{-1, math.MinInt, math.MaxInt, 1 << 40, len(b)}
	y := make([]int, len(b))
	for i, v := range b {
		if int(v) >= 256-len(special) {
			y[i] = special[255-int(v)]
		} else {
			y[i] = int(v % 4)
		}
	}
	return y
}

// checkPartition fails unless train and test are disjoint, sorted if
// sorted is set, and together hold each of 0..n-1 once.
func checkPartition(t *testing.T, what string, train, test []int, n int, sorted bool) {
	t.Helper()
	if sorted && (!slices.IsSorted(train) || !slices.IsSorted(test)) {
		t.Fatalf("%s: parts not in increasing order", what)
	}
	all := append(slices.Clone(train), test...)
	slices.Sort(all)
	if len(all) != n {
		t.Fatalf("%s: %d rows in the parts, want %d", what, len(all), n)
	}
	for i, r := range all {
		if r != i {
			t.Fatalf("%s: parts are not a partition of 0..%d", what, n-1)
		}
	}
}

// FuzzSplits feeds arbitrary labels, test fractions, fold counts, seeds
// and row indexes to the split functions and Subset, and checks that none
// panics, that errors wrap the documented sentinels, and that what they
// return partitions the rows.
func FuzzSplits(f *testing.F) {
	f.Add([]byte{0, 1, 0, 1, 1, 0, 1, 0}, 0.25, 2, uint64(1), []byte{0, 3})
	f.Add([]byte{0, 255, 254, 0, 253, 1, 1, 0}, 0.5, 3, uint64(9), []byte{7, 200})
	f.Add([]byte{2, 2, 2}, math.NaN(), -1, uint64(0), []byte{})
	f.Add([]byte{0, 1}, 1e-300, 1<<40, uint64(3), []byte{1, 1, 1})
	f.Fuzz(func(t *testing.T, b []byte, frac float64, k int, seed uint64, idx []byte) {
		if len(b) > 200 {
			b = b[:200]
		}
		y := fuzzLabels(b)
		n := len(y)
		want := func(what string, err error, sentinels ...error) {
			t.Helper()
			for _, s := range sentinels {
				if errors.Is(err, s) {
					return
				}
			}
			t.Fatalf("%s: error %v wraps none of %v", what, err, sentinels)
		}
		if tr, te, err := dataset.StratifiedSplit(y, frac, seed); err != nil {
			want("StratifiedSplit", err, dataset.ErrBadSplit, dataset.ErrInvalid)
		} else {
			checkPartition(t, "StratifiedSplit", tr, te, n, true)
		}
		if tr, te, err := dataset.SklearnStratifiedSplit(y, frac, uint32(seed)); err != nil {
			want("SklearnStratifiedSplit", err, dataset.ErrBadSplit, dataset.ErrInvalid)
		} else {
			checkPartition(t, "SklearnStratifiedSplit", tr, te, n, false)
		}
		if folds, err := dataset.StratifiedKFold(y, k, seed); err != nil {
			want("StratifiedKFold", err, dataset.ErrBadSplit, dataset.ErrInvalid)
		} else {
			var tests []int
			for _, fd := range folds {
				checkPartition(t, "StratifiedKFold", fd.Train, fd.Test, n, true)
				tests = append(tests, fd.Test...)
			}
			checkPartition(t, "StratifiedKFold tests", nil, tests, n, false)
		}
		if n == 0 {
			return
		}
		// The same labels on a Dataset, where they must index Classes.
		ds := &dataset.Dataset{Features: []string{"x"}, Classes: []string{"a", "b", "c", "d"}, X: mat.NewDense(n, 1, nil), Y: y}
		valid := ds.Validate() == nil
		if _, _, err := ds.Split(frac, seed); err != nil {
			want("Split", err, dataset.ErrBadSplit, dataset.ErrInvalid)
		}
		if _, err := ds.KFold(k, seed); err != nil {
			want("KFold", err, dataset.ErrBadSplit, dataset.ErrInvalid)
		}
		rows := make([]int, len(idx))
		for i, v := range idx {
			rows[i] = int(v) - 2 // some negative, some past the end
		}
		sub, err := ds.Subset(rows)
		if err != nil {
			want("Subset", err, dataset.ErrBadIndex, dataset.ErrInvalid)
			return
		}
		// (An empty subset has a 0x0 X, which gonum cannot give a column
		// count, so it is not checked with Validate.)
		if !valid || sub.Len() != len(rows) || len(rows) > 0 && sub.Validate() != nil {
			t.Fatalf("Subset(%v) of a data set valid=%v gave %d rows, Validate %v", rows, valid, sub.Len(), sub.Validate())
		}
	})
}
