package linear

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/gonum/mat"
)

// Kind is the type of a raw input column. The zero value is Numeric.
type Kind int8

// The kinds of input.
const (
	// Numeric is a column of numbers; NaN marks a missing value.
	Numeric Kind = iota
	// Categorical is a column of categories, coded: a value is the index
	// of its category in Input.Levels, -1 for a category not among them,
	// NaN for a missing value.
	Categorical
)

var kindNames = [...]string{"numeric", "categorical"}

// String returns "numeric" or "categorical".
func (k Kind) String() string { return enumName(k, kindNames[:], "Kind") }

// enumName returns names[v], or type(v) for a value without a name.
func enumName[T ~int8](v T, names []string, typ string) string {
	if v >= 0 && int(v) < len(names) {
		return names[v]
	}
	return typ + "(" + strconv.Itoa(int(v)) + ")"
}

// Impute is how an input's missing values are filled, as scikit-learn's
// SimpleImputer strategies. The zero value is ImputeAuto.
type Impute int8

// The imputation strategies.
const (
	// ImputeAuto is ImputeMean for a Numeric input and ImputeMostFrequent
	// for a Categorical one.
	ImputeAuto Impute = iota
	// ImputeMean fills with the mean of the training values (Numeric).
	ImputeMean
	// ImputeMedian fills with their median (Numeric).
	ImputeMedian
	// ImputeMostFrequent fills with the most frequent training value, the
	// smallest one on ties.
	ImputeMostFrequent
	// ImputeConstant fills with Input.Fill (Numeric) or Input.FillText
	// (Categorical).
	ImputeConstant
)

var imputeNames = [...]string{"auto", "mean", "median", "most_frequent", "constant"}

// String returns scikit-learn's name of the strategy ("mean",
// "most_frequent", ...) or "auto".
func (s Impute) String() string { return enumName(s, imputeNames[:], "Impute") }

// Unknown says what a Categorical input does with a category that was not
// seen in the training rows. The zero value is UnknownIgnore.
type Unknown int8

// The ways to handle an unknown category, as scikit-learn's OneHotEncoder
// handle_unknown.
const (
	// UnknownIgnore encodes it as zeros in all of the input's columns.
	UnknownIgnore Unknown = iota
	// UnknownError makes the prediction fail with an error wrapping
	// ErrInput.
	UnknownError
	// UnknownInfrequent puts it in the infrequent column when the input
	// has one, and ignores it otherwise (scikit-learn's
	// "infrequent_if_exist").
	UnknownInfrequent
)

var unknownNames = [...]string{"ignore", "error", "infrequent_if_exist"}

// String returns scikit-learn's name: "ignore", "error" or
// "infrequent_if_exist".
func (u Unknown) String() string { return enumName(u, unknownNames[:], "Unknown") }

// fitInputs is Fit with Config.Inputs: it fits the preprocessing on X,
// fits the model on the features, and keeps the preprocessing in it.
func fitInputs(ctx context.Context, X mat.Matrix, y []int, cfg Config) (*Model, error) {
	switch {
	case cfg.Standardize:
		return nil, fmt.Errorf("%w: Standardize with Inputs (numeric inputs are standardised unless Input.NoScale)", ErrConfig)
	case cfg.Features != nil:
		return nil, fmt.Errorf("%w: Features with Inputs (the inputs name the columns)", ErrConfig)
	case X == nil:
		return nil, fmt.Errorf("%w: X is nil", ErrShape)
	}
	var n, d int
	if err := safeDims(X, &n, &d); err != nil {
		return nil, err
	}
	if n == 0 || d == 0 {
		return nil, fmt.Errorf("%w: X is %dx%d", ErrShape, n, d)
	}
	if err := validateInputs(cfg.Inputs, d); err != nil {
		return nil, err
	}
	data, stride := rawData(X)
	p, err := fitPrep(cfg.Inputs, data, stride, n)
	if err != nil {
		return nil, err
	}
	z, err := p.transform(data, stride, n)
	if err != nil {
		return nil, err
	}
	if p.q == 0 {
		return nil, fmt.Errorf("%w: the inputs make no feature", ErrShape)
	}
	inner := cfg
	inner.Inputs = nil
	inner.Features = p.features()
	m, err := Fit(ctx, mat.NewDense(n, p.q, z), y, inner)
	if err != nil {
		return nil, err
	}
	m.setPrep(p)
	return m, nil
}

// rawData returns X's values row-major, in place for a *mat.Dense.
func rawData(X mat.Matrix) ([]float64, int) {
	if rm, ok := X.(mat.RawMatrixer); ok {
		raw := rm.RawMatrix()
		return raw.Data, raw.Stride
	}
	_, d := X.Dims()
	return mat.DenseCopyOf(X).RawMatrix().Data, d
}

// inputTable is what one input adds to the scores of a row: for a
// Numeric input, coef[c] times its value (fill if missing); for a
// Categorical input, the entry of its value's code in terms (laid out as
// prep.codes, nc per entry).
type inputTable struct {
	coef  []float64 // Numeric: nc
	fill  float64   // Numeric
	terms []float64 // Categorical: (len(Levels)+2) x nc
}

// setPrep attaches p to a model fitted on p's features and derives the
// scores of a raw row: the scaling folds into the coefficients and the
// intercepts, and each code of a categorical input maps to the
// coefficients of its column.
func (m *Model) setPrep(p *prep) {
	m.prep = p
	nc, d := m.nc, m.d
	m.inB = slices.Clone(m.rawB)
	m.inTab = make([]inputTable, len(p.inputs))
	m.levels = make([]map[string]int32, len(p.inputs))
	for j, in := range p.inputs {
		t := &m.inTab[j]
		if in.Kind == Numeric {
			e := &p.enc[j]
			s := p.slot[j]
			t.coef = make([]float64, nc)
			t.fill = e.Fill
			for c := range nc {
				w := m.rawW[c*d+s] / e.Scale
				t.coef[c] = w
				m.inB[c] -= w * e.Mean
			}
			continue
		}
		m.levels[j] = make(map[string]int32, len(in.Levels))
		for l, name := range in.Levels {
			m.levels[j][name] = int32(l)
		}
		codes := p.codes[j]
		t.terms = make([]float64, len(codes)*nc)
		for k, s := range codes {
			if s < 0 {
				continue
			}
			for c := range nc {
				t.terms[k*nc+c] = m.rawW[c*d+int(s)]
			}
		}
	}
}

// width returns the number of columns of X the model takes.
func (m *Model) width() int {
	if m.prep != nil {
		return len(m.prep.inputs)
	}
	return m.d
}

// prepRow writes the probabilities of raw row x into dst, for a model
// with inputs. On error dst holds NaN.
func (m *Model) prepRow(dst, x []float64) error {
	p := m.prep
	nc := m.nc
	var z0 float64
	if nc == 1 {
		z0 = m.inB[0]
	} else {
		copy(dst, m.inB)
	}
	for j := range m.inTab {
		t := &m.inTab[j]
		v := x[j]
		if t.coef != nil {
			if v != v {
				v = t.fill
			} else if math.IsInf(v, 0) {
				fillNaN(dst)
				return fmt.Errorf("%w: input %q is %v", ErrNonFinite, p.inputs[j].Name, v)
			}
			if nc == 1 {
				z0 += t.coef[0] * v
			} else {
				for c, w := range t.coef {
					dst[c] += w * v
				}
			}
			continue
		}
		codes := p.codes[j]
		var e int
		switch {
		case v != v && p.fails[j] == nil:
			e = len(codes) - 1
		case v >= 0 && v < float64(len(codes)-2) && v == math.Trunc(v) && p.fails[j] == nil:
			e = int(v) + 1
		default:
			if _, err := p.code(j, v); err != nil {
				fillNaN(dst)
				return err
			}
			e = len(codes) - 1
			if v == v {
				e = int(v) + 1 // v is -1 or a code
			}
		}
		if nc == 1 {
			z0 += t.terms[e]
		} else {
			for c, w := range t.terms[e*nc : (e+1)*nc] {
				dst[c] += w
			}
		}
	}
	if nc == 1 {
		_, q := binaryLoss(z0, 0)
		dst[0], dst[1] = 1-q, q
		if !finite(z0) {
			fillNaN(dst)
			return fmt.Errorf("%w: score %v", ErrNonFinite, z0)
		}
		return nil
	}
	for _, z := range dst {
		if !finite(z) {
			fillNaN(dst)
			return fmt.Errorf("%w: score %v", ErrNonFinite, z)
		}
	}
	softmax(dst)
	return nil
}

func fillNaN(v []float64) {
	for i := range v {
		v[i] = math.NaN()
	}
}

// Inputs returns the raw inputs of a model fitted with Config.Inputs
// (ImputeAuto resolved, FillText defaulted), one per column of X, or nil
// for a model fitted on features. The slice is a copy.
func (m *Model) Inputs() []Input {
	if m.prep == nil {
		return nil
	}
	out := slices.Clone(m.prep.inputs)
	for j := range out {
		out[j].Levels = slices.Clone(out[j].Levels)
	}
	return out
}

// Encodings returns the fitted preprocessing of each input of a model
// fitted with Config.Inputs, or nil. The slice is a copy.
func (m *Model) Encodings() []Encoding {
	if m.prep == nil {
		return nil
	}
	out := slices.Clone(m.prep.enc)
	for j := range out {
		out[j].Categories = slices.Clone(out[j].Categories)
		out[j].Infrequent = slices.Clone(out[j].Infrequent)
		out[j].Features = slices.Clone(out[j].Features)
	}
	return out
}

// CoefNames returns the name of each column of Coef: the features the
// model was fitted on. They are Features, except for a model fitted with
// Config.Inputs, whose features are those its inputs become
// ("bill_length_mm", "island=Biscoe", ...; see Encoding.Features). The
// slice is a copy.
func (m *Model) CoefNames() []string { return slices.Clone(m.features) }

// Transform returns the features the model's coefficients apply to, for
// each row of X (raw, as the model takes it): for a model fitted with
// Config.Inputs, the imputed, scaled and one-hot encoded inputs (what
// scikit-learn's ColumnTransformer.transform returns); for a model with a
// Scaler, X standardised; otherwise a copy of X. Errors wrap ErrShape,
// ErrNonFinite or ErrInput.
func (m *Model) Transform(X mat.Matrix) (*mat.Dense, error) {
	if m == nil || m.k == 0 {
		return nil, ErrNoModel
	}
	if X == nil {
		return nil, fmt.Errorf("%w: X is nil", ErrShape)
	}
	var n, d int
	if err := safeDims(X, &n, &d); err != nil {
		return nil, err
	}
	if n == 0 || d != m.width() {
		return nil, fmt.Errorf("%w: X is %dx%d, model takes %d columns", ErrShape, n, d, m.width())
	}
	switch {
	case m.prep != nil:
		data, stride := rawData(X)
		z, err := m.prep.transform(data, stride, n)
		if err != nil {
			return nil, err
		}
		return mat.NewDense(n, m.prep.q, z), nil
	case m.scaler != nil:
		return m.scaler.Transform(X)
	}
	return mat.DenseCopyOf(X), nil
}

// FitTransform fits the preprocessing of inputs (one per column of X, as
// Config.Inputs) on the rows of X and returns the features they become,
// n x q, with the fitted encodings: what Fit fits a model on, and what
// scikit-learn's ColumnTransformer.fit_transform returns. Errors are
// Fit's: ErrShape, ErrConfig, ErrInput, ErrNonFinite.
func FitTransform(X mat.Matrix, inputs []Input) (*mat.Dense, []Encoding, error) {
	if X == nil {
		return nil, nil, fmt.Errorf("%w: X is nil", ErrShape)
	}
	var n, d int
	if err := safeDims(X, &n, &d); err != nil {
		return nil, nil, err
	}
	if n == 0 || d == 0 {
		return nil, nil, fmt.Errorf("%w: X is %dx%d", ErrShape, n, d)
	}
	if err := validateInputs(inputs, d); err != nil {
		return nil, nil, err
	}
	data, stride := rawData(X)
	p, err := fitPrep(inputs, data, stride, n)
	if err != nil {
		return nil, nil, err
	}
	if p.q == 0 {
		return nil, nil, fmt.Errorf("%w: the inputs make no feature", ErrShape)
	}
	z, err := p.transform(data, stride, n)
	if err != nil {
		return nil, nil, err
	}
	m := &Model{prep: p}
	return mat.NewDense(n, p.q, z), m.Encodings(), nil
}
