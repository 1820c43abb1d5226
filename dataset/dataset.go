package dataset

import (
	"bytes"
	_ "embed"
	"fmt"
	"slices"

	"gonum.org/v1/gonum/mat"
)

// Dataset is a labelled table held in memory: one row of X per sample, one
// column per feature, and the class of each row in Y as an index into
// Classes.
//
// A Dataset is a plain value: its fields may be set directly, and Validate
// says whether they agree. Methods never modify the receiver; those that
// return a Dataset return a new one that shares nothing with it. A Dataset
// is safe for concurrent reads.
type Dataset struct {
	Features []string   // column names, len = columns of X
	Classes  []string   // class names; Y holds indices into it
	X        *mat.Dense // rows x len(Features)
	Y        []int      // len = rows of X, each in [0, len(Classes))
}

// Len returns the number of rows, 0 for a nil or empty data set.
func (d *Dataset) Len() int {
	if d == nil {
		return 0
	}
	return len(d.Y)
}

// Validate reports whether the fields of d agree: X is present with one
// column per feature and one row per label, names are distinct and
// non-empty, and every label is a valid class index. The error wraps
// ErrInvalid.
func (d *Dataset) Validate() error {
	if d == nil || d.X == nil {
		return fmt.Errorf("%w: no X", ErrInvalid)
	}
	r, c := d.X.Dims()
	if c != len(d.Features) {
		return fmt.Errorf("%w: X has %d columns, %d feature names", ErrInvalid, c, len(d.Features))
	}
	if r != len(d.Y) {
		return fmt.Errorf("%w: X has %d rows, %d labels", ErrInvalid, r, len(d.Y))
	}
	if err := distinct("feature", d.Features); err != nil {
		return err
	}
	if err := distinct("class", d.Classes); err != nil {
		return err
	}
	for i, y := range d.Y {
		if y < 0 || y >= len(d.Classes) {
			return fmt.Errorf("%w: label %d of row %d is outside [0, %d)", ErrInvalid, y, i, len(d.Classes))
		}
	}
	return nil
}

func distinct(what string, names []string) error {
	seen := make(map[string]bool, len(names))
	for _, n := range names {
		if n == "" {
			return fmt.Errorf("%w: empty %s name", ErrInvalid, what)
		}
		if seen[n] {
			return fmt.Errorf("%w: duplicate %s name %q", ErrInvalid, what, n)
		}
		seen[n] = true
	}
	return nil
}

// ClassCounts returns the number of rows of each class, indexed like
// Classes. Labels outside the classes are not counted.
func (d *Dataset) ClassCounts() []int { return classCounts(d.Y, len(d.Classes)) }

// classCounts counts the labels y of each of k classes; labels outside
// [0, k) are not counted.
func classCounts(y []int, k int) []int {
	counts := make([]int, k)
	for _, v := range y {
		if v >= 0 && v < k {
			counts[v]++
		}
	}
	return counts
}

// Subset returns a new data set made of the rows idx, in that order
// (repeats allowed). It copies the rows; the result shares nothing with d.
// An index outside [0, Len()) gives an error wrapping ErrBadIndex.
func (d *Dataset) Subset(idx []int) (*Dataset, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	X, y, err := subsetRows(d.X, d.Y, len(d.Features), idx)
	if err != nil {
		return nil, err
	}
	return &Dataset{Features: slices.Clone(d.Features), Classes: slices.Clone(d.Classes), X: X, Y: y}, nil
}

// subsetRows copies the rows idx of X (c columns) and their labels; an
// index outside [0, len(y)) wraps ErrBadIndex. No rows give an empty
// matrix (gonum cannot represent a matrix with a zero dimension).
func subsetRows(X *mat.Dense, y []int, c int, idx []int) (*mat.Dense, []int, error) {
	n := len(y)
	for _, i := range idx {
		if i < 0 || i >= n {
			return nil, nil, fmt.Errorf("%w: row %d of %d", ErrBadIndex, i, n)
		}
	}
	out := make([]int, len(idx))
	if len(idx) == 0 {
		return &mat.Dense{}, out, nil
	}
	data := make([]float64, 0, len(idx)*c)
	for k, i := range idx {
		data = append(data, X.RawRowView(i)...)
		out[k] = y[i]
	}
	return mat.NewDense(len(idx), c, data), out, nil
}

//go:embed data/breast_cancer.csv
var breastCancerCSV []byte

// BreastCancer returns the Breast Cancer Wisconsin (Diagnostic) data set,
// embedded in the package: 569 rows, the 30 real-valued features under
// scikit-learn's names ("mean radius" ... "worst fractal dimension"), and
// Classes {"malignant", "benign"}, coded 0 and 1 as scikit-learn codes them
// (212 malignant, 357 benign). Each call returns a fresh copy that the
// caller may modify.
//
// Attribution: W. Wolberg, O. Mangasarian, N. Street and W. Street (1993),
// Breast Cancer Wisconsin (Diagnostic), UCI Machine Learning Repository,
// data set 17, https://doi.org/10.24432/C5DW2B, licensed CC BY 4.0. The
// values are those shipped with scikit-learn; see data/README.md.
func BreastCancer() *Dataset {
	ds, err := ReadCSV(bytes.NewReader(breastCancerCSV), CSVOptions{
		Label:   "diagnosis",
		Classes: []string{"malignant", "benign"},
	})
	if err != nil {
		// The embedded file is fixed at build time and tested.
		panic("dataset: embedded breast-cancer data: " + err.Error())
	}
	return ds
}
