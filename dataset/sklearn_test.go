package dataset_test

import (
	"encoding/json"
	"errors"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cairn-ml/cairn/dataset"
)

// TestSklearnStratifiedSplit compares the split with scikit-learn's
// train_test_split on the cases of testdata/sklearn_split.py.
func TestSklearnStratifiedSplit(t *testing.T) {
	b, err := os.ReadFile("testdata/sklearn_split.json")
	if err != nil {
		t.Fatal(err)
	}
	var golden struct {
		Cases []struct {
			Name         string  `json:"name"`
			Y            []int   `json:"y"`
			TestFraction float64 `json:"test_fraction"`
			Seed         uint32  `json:"seed"`
			Train, Test  []int
		} `json:"cases"`
	}
	if err := json.Unmarshal(b, &golden); err != nil {
		t.Fatal(err)
	}
	if len(golden.Cases) == 0 {
		t.Fatal("no cases")
	}
	for _, c := range golden.Cases {
		t.Run(c.Name, func(t *testing.T) {
			train, test, err := dataset.SklearnStratifiedSplit(c.Y, c.TestFraction, c.Seed)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(c.Train, train); diff != "" {
				t.Errorf("train (-sklearn +ours):\n%s", diff)
			}
			if diff := cmp.Diff(c.Test, test); diff != "" {
				t.Errorf("test (-sklearn +ours):\n%s", diff)
			}
		})
	}
}

func TestSklearnStratifiedSplitErrors(t *testing.T) {
	tests := []struct {
		name string
		y    []int
		frac float64
		want error
	}{
		{"fraction 0", []int{0, 0, 1, 1}, 0, dataset.ErrBadSplit},
		{"fraction 1", []int{0, 0, 1, 1}, 1, dataset.ErrBadSplit},
		{"NaN fraction", []int{0, 0, 1, 1}, nanFraction(), dataset.ErrBadSplit},
		{"empty", nil, 0.5, dataset.ErrBadSplit},
		{"class of one row", []int{0, 0, 0, 1}, 0.5, dataset.ErrBadSplit},
		{"test part smaller than the classes", []int{0, 0, 1, 1, 2, 2, 0, 1, 2}, 0.1, dataset.ErrBadSplit},
		{"negative label", []int{0, 0, -1, -1}, 0.5, dataset.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := dataset.SklearnStratifiedSplit(tt.y, tt.frac, 1)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func nanFraction() float64 {
	zero := 0.0
	return zero / zero
}
