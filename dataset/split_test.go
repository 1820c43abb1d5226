package dataset_test

import (
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cairn-ml/cairn/dataset"
)

// labels returns n labels with the given class sizes, interleaved.
func labels(sizes ...int) []int {
	var y []int
	left := slices.Clone(sizes)
	for more := true; more; {
		more = false
		for c := range left {
			if left[c] > 0 {
				y = append(y, c)
				left[c]--
				more = true
			}
		}
	}
	return y
}

func counts(y []int, idx []int, k int) []int {
	c := make([]int, k)
	for _, i := range idx {
		c[y[i]]++
	}
	return c
}

func TestStratifiedSplit(t *testing.T) {
	tests := []struct {
		name  string
		sizes []int
		frac  float64
	}{
		{"breast cancer shape", []int{212, 357}, 0.2},
		{"balanced", []int{50, 50}, 0.3},
		{"three classes", []int{7, 13, 101}, 0.25},
		{"tiny class", []int{1, 40}, 0.5},
		{"gap in labels", []int{10, 0, 10}, 0.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			y := labels(tt.sizes...)
			n := len(y)
			train, test, err := dataset.StratifiedSplit(y, tt.frac, 42)
			if err != nil {
				t.Fatal(err)
			}
			if want := int(math.Ceil(tt.frac * float64(n))); len(test) != want {
				t.Errorf("len(test) = %d, want %d", len(test), want)
			}
			all := append(slices.Clone(train), test...)
			slices.Sort(all)
			for i, v := range all {
				if v != i {
					t.Fatalf("train and test do not partition 0..%d", n-1)
				}
			}
			if !slices.IsSorted(train) || !slices.IsSorted(test) {
				t.Error("parts are not in increasing order")
			}
			got := counts(y, test, len(tt.sizes))
			for c, size := range tt.sizes {
				exact := float64(size) * float64(len(test)) / float64(n)
				if math.Abs(float64(got[c])-exact) >= 1 {
					t.Errorf("class %d: %d rows in test, exact share %.2f", c, got[c], exact)
				}
			}
			train2, test2, _ := dataset.StratifiedSplit(y, tt.frac, 42)
			if !cmp.Equal(train, train2) || !cmp.Equal(test, test2) {
				t.Error("same seed gave a different split")
			}
		})
	}
}

// The split of the breast-cancer labels with seed 42 is pinned, so that a
// change to the algorithm or the generator shows.
func TestStratifiedSplitPinned(t *testing.T) {
	y := dataset.BreastCancer().Y
	_, test, err := dataset.StratifiedSplit(y, 0.2, 42)
	if err != nil {
		t.Fatal(err)
	}
	if got := counts(y, test, 2); !cmp.Equal(got, []int{42, 72}) {
		t.Errorf("test class counts = %v, want [42 72]", got)
	}
	_, other, _ := dataset.StratifiedSplit(y, 0.2, 43)
	if cmp.Equal(test, other) {
		t.Error("seeds 42 and 43 give the same split")
	}
}

func TestStratifiedKFold(t *testing.T) {
	for _, sizes := range [][]int{{212, 357}, {3, 3, 3}, {2, 30}, {10, 11, 12, 13}} {
		for _, k := range []int{2, 3, 5} {
			y := labels(sizes...)
			folds, err := dataset.StratifiedKFold(y, k, 7)
			if err != nil {
				t.Fatal(err)
			}
			if len(folds) != k {
				t.Fatalf("%d folds, want %d", len(folds), k)
			}
			seen := make([]int, len(y))
			minSize, maxSize := len(y), 0
			for _, f := range folds {
				if len(f.Train)+len(f.Test) != len(y) {
					t.Errorf("fold has %d+%d rows of %d", len(f.Train), len(f.Test), len(y))
				}
				for _, i := range f.Test {
					seen[i]++
				}
				minSize = min(minSize, len(f.Test))
				maxSize = max(maxSize, len(f.Test))
				got := counts(y, f.Test, len(sizes))
				for c, size := range sizes {
					exact := float64(size) / float64(k)
					if math.Abs(float64(got[c])-exact) >= 1 {
						t.Errorf("sizes %v k=%d: class %d has %d test rows, exact %.2f", sizes, k, c, got[c], exact)
					}
				}
				if slices.ContainsFunc(f.Train, func(i int) bool { return slices.Contains(f.Test, i) }) {
					t.Error("a row is in both train and test")
				}
			}
			if maxSize-minSize > 1 {
				t.Errorf("sizes %v k=%d: fold sizes from %d to %d", sizes, k, minSize, maxSize)
			}
			for i, s := range seen {
				if s != 1 {
					t.Fatalf("row %d is in %d test parts", i, s)
				}
			}
		}
	}
}

func TestSplitErrors(t *testing.T) {
	y := labels(5, 5)
	for _, frac := range []float64{0, 1, -0.1, 1.5, math.NaN(), 0.95} {
		if _, _, err := dataset.StratifiedSplit(y, frac, 1); !errors.Is(err, dataset.ErrBadSplit) {
			t.Errorf("StratifiedSplit(frac %v) = %v, want ErrBadSplit", frac, err)
		}
	}
	for _, k := range []int{-1, 0, 1, 11} {
		if _, err := dataset.StratifiedKFold(y, k, 1); !errors.Is(err, dataset.ErrBadSplit) {
			t.Errorf("StratifiedKFold(k %d) = %v, want ErrBadSplit", k, err)
		}
	}
	if _, err := dataset.StratifiedKFold([]int{0, -1, 1}, 2, 1); !errors.Is(err, dataset.ErrInvalid) {
		t.Errorf("StratifiedKFold with a negative label = %v, want ErrInvalid", err)
	}
}

func TestDatasetSplit(t *testing.T) {
	ds := dataset.BreastCancer()
	train, test, err := ds.Split(0.2, 42)
	if err != nil {
		t.Fatal(err)
	}
	if train.Len() != 455 || test.Len() != 114 {
		t.Errorf("Split sizes %d, %d; want 455, 114", train.Len(), test.Len())
	}
	for _, d := range []*dataset.Dataset{train, test} {
		if err := d.Validate(); err != nil {
			t.Error(err)
		}
	}
	folds, err := train.KFold(5, 42)
	if err != nil || len(folds) != 5 {
		t.Fatalf("KFold = %d folds, %v", len(folds), err)
	}
}

// TestSplitLargeLabels checks that a label's value is never a size: labels
// 1<<40 and math.MaxInt split exactly as 1 and 2 do in their place (they
// used to make StratifiedSplit and StratifiedKFold allocate terabytes, or
// panic).
func TestSplitLargeLabels(t *testing.T) {
	small := labels(30, 20, 10)
	big := make([]int, len(small))
	for i, v := range small {
		big[i] = []int{0, 1 << 40, math.MaxInt}[v]
	}
	trS, teS, err := dataset.StratifiedSplit(small, 0.25, 7)
	if err != nil {
		t.Fatal(err)
	}
	trB, teB, err := dataset.StratifiedSplit(big, 0.25, 7)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([][]int{trS, teS}, [][]int{trB, teB}); diff != "" {
		t.Errorf("StratifiedSplit with large labels (-small +large):\n%s", diff)
	}
	fS, err := dataset.StratifiedKFold(small, 4, 7)
	if err != nil {
		t.Fatal(err)
	}
	fB, err := dataset.StratifiedKFold(big, 4, 7)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(fS, fB); diff != "" {
		t.Errorf("StratifiedKFold with large labels (-small +large):\n%s", diff)
	}
	trS, teS, err = dataset.SklearnStratifiedSplit(small, 0.25, 7)
	if err != nil {
		t.Fatal(err)
	}
	trB, teB, err = dataset.SklearnStratifiedSplit(big, 0.25, 7)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([][]int{trS, teS}, [][]int{trB, teB}); diff != "" {
		t.Errorf("SklearnStratifiedSplit with large labels (-small +large):\n%s", diff)
	}
}
