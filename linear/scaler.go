package linear

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
)

// Scaler standardises features: x' = (x - Mean) / Scale, column by column.
// Scale is the population standard deviation (ddof 0, as scikit-learn's
// StandardScaler); a column whose standard deviation is zero (or below
// 10*eps times its mean magnitude) gets Scale 1, so a constant column maps
// to 0 and never to NaN.
//
// A Scaler is a plain value, safe for concurrent use once built. A model
// fitted with Config.Standardize carries one and applies it in every
// prediction.
type Scaler struct {
	Mean  []float64
	Scale []float64
}

// FitScaler computes the mean and standard deviation of each column of X.
// It returns an error wrapping ErrShape for an empty matrix and ErrNonFinite
// for NaN or infinite values.
func FitScaler(X mat.Matrix) (*Scaler, error) {
	if err := checkX(X); err != nil {
		return nil, err
	}
	n, d := X.Dims()
	mean := make([]float64, d)
	m2 := make([]float64, d)
	// Welford's update per column, row by row (cache friendly for *mat.Dense).
	row := make([]float64, d)
	for i := range n {
		rowOf(X, i, row)
		inv := 1 / float64(i+1)
		for j, v := range row {
			delta := v - mean[j]
			mean[j] += delta * inv
			m2[j] += delta * (v - mean[j])
		}
	}
	scale := make([]float64, d)
	for j := range d {
		sd := math.Sqrt(m2[j] / float64(n))
		if sd < 10*eps*math.Max(math.Abs(mean[j]), 1) || math.IsNaN(sd) {
			sd = 1
		}
		scale[j] = sd
	}
	return &Scaler{Mean: mean, Scale: scale}, nil
}

// validate checks that the scaler has d columns of finite numbers with
// positive scales.
func (s *Scaler) validate(d int) error {
	if len(s.Mean) != d || len(s.Scale) != d {
		return fmt.Errorf("%w: scaler has %d means and %d scales for %d features", ErrShape, len(s.Mean), len(s.Scale), d)
	}
	for j := range d {
		if !finite(s.Mean[j]) || !finite(s.Scale[j]) || s.Scale[j] <= 0 {
			return fmt.Errorf("%w: scaler column %d has mean %v and scale %v", ErrNonFinite, j, s.Mean[j], s.Scale[j])
		}
	}
	return nil
}

// Transform returns a new matrix holding X standardised. X must have one
// column per scaler column (else an error wrapping ErrShape).
func (s *Scaler) Transform(X mat.Matrix) (*mat.Dense, error) {
	n, d := X.Dims()
	if d != len(s.Mean) || n == 0 {
		return nil, fmt.Errorf("%w: X is %dx%d, scaler has %d columns", ErrShape, n, d, len(s.Mean))
	}
	out := mat.NewDense(n, d, nil)
	raw := out.RawMatrix()
	for i := range n {
		row := raw.Data[i*raw.Stride : i*raw.Stride+d]
		rowOf(X, i, row)
		s.TransformRow(row, row)
	}
	return out, nil
}

// TransformRow writes the standardised x into dst; dst and x may be the same
// slice. Both must have one entry per column; shorter slices are an error
// wrapping ErrShape.
func (s *Scaler) TransformRow(dst, x []float64) error {
	if len(x) != len(s.Mean) || len(dst) != len(s.Mean) {
		return fmt.Errorf("%w: row of %d values into %d for a scaler of %d columns", ErrShape, len(x), len(dst), len(s.Mean))
	}
	for j, v := range x {
		dst[j] = (v - s.Mean[j]) / s.Scale[j]
	}
	return nil
}

func (s *Scaler) clone() *Scaler {
	if s == nil {
		return nil
	}
	return &Scaler{Mean: slices.Clone(s.Mean), Scale: slices.Clone(s.Scale)}
}

const eps = 0x1p-52

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// allFinite reports whether every value of v is finite. v*0 is 0 for a
// finite v and NaN for NaN and the infinities, and a NaN makes the sum NaN;
// four sums keep the loop free of branches and of one long dependency
// chain.
func allFinite(v []float64) bool {
	var s0, s1, s2, s3 float64
	j := 0
	for ; j+4 <= len(v); j += 4 {
		s0 += v[j] * 0
		s1 += v[j+1] * 0
		s2 += v[j+2] * 0
		s3 += v[j+3] * 0
	}
	for ; j < len(v); j++ {
		s0 += v[j] * 0
	}
	return s0+s1+s2+s3 == 0
}

// rowOf copies row i of X into dst (len = columns).
func rowOf(X mat.Matrix, i int, dst []float64) {
	if rv, ok := X.(mat.RawMatrixer); ok {
		raw := rv.RawMatrix()
		copy(dst, raw.Data[i*raw.Stride:i*raw.Stride+len(dst)])
		return
	}
	mat.Row(dst, i, X)
}

// checkShape rejects a nil or empty X.
func checkShape(X mat.Matrix) error {
	if X == nil {
		return fmt.Errorf("%w: X is nil", ErrShape)
	}
	var n, d int
	if err := safeDims(X, &n, &d); err != nil {
		return err
	}
	if n == 0 || d == 0 {
		return fmt.Errorf("%w: X is %dx%d", ErrShape, n, d)
	}
	return nil
}

// checkX rejects an empty X and one with NaN or infinite values.
func checkX(X mat.Matrix) error {
	if err := checkShape(X); err != nil {
		return err
	}
	n, d := X.Dims()
	if rv, ok := X.(mat.RawMatrixer); ok {
		raw := rv.RawMatrix()
		for i := range n {
			row := raw.Data[i*raw.Stride : i*raw.Stride+d]
			if allFinite(row) {
				continue
			}
			for j, v := range row {
				if !finite(v) {
					return fmt.Errorf("%w: X[%d][%d] = %v", ErrNonFinite, i, j, v)
				}
			}
		}
		return nil
	}
	for i := range n {
		for j := range d {
			if v := X.At(i, j); !finite(v) {
				return fmt.Errorf("%w: X[%d][%d] = %v", ErrNonFinite, i, j, v)
			}
		}
	}
	return nil
}

// safeDims reads X.Dims, turning a panic (a zero-value *mat.Dense panics in
// some gonum versions) into ErrShape.
func safeDims(X mat.Matrix, n, d *int) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: X: %v", ErrShape, r)
		}
	}()
	*n, *d = X.Dims()
	return nil
}
