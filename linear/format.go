package linear

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// The model format: a JSON object whose "format" is FormatName and whose
// "version" is at most FormatVersion. Registries store these two next to
// the bytes; serving decodes with Unmarshal. Version 2 adds the inputs and
// their fitted preprocessing; Marshal writes version 1 for a model without
// inputs, so that older readers still read it, and Unmarshal reads both.
const (
	FormatName    = "cairn.linear.logistic"
	FormatVersion = 2
)

// modelJSON is version 1 of the format:
//
//	{
//	  "format": "cairn.linear.logistic", "version": 1,
//	  "classes": ["malignant", "benign"], "features": ["mean radius", ...],
//	  "scaler": {"mean": [...], "scale": [...]},      (absent: raw features)
//	  "coef": [[...]],        1 row (binary) or k rows of len(features)
//	  "intercept": [...],     one per coef row
//	  "training": {"solver": "newton", "penalty": "l2", "C": 1, ...},
//	  "inference": {...}      (absent unless fitted with Inference)
//	}
//
// Version 2 adds, for a model fitted with Config.Inputs, the inputs (one
// per column of X) with their fitted preprocessing; "features" then names
// the columns of "coef", the features the inputs become:
//
//	"inputs": [
//	  {"name": "bill_length_mm", "kind": "numeric", "impute": "mean",
//	   "fill": 43.9, "mean": 43.9, "scale": 5.45},          ("no_scale": true: mean 0, scale 1)
//	  {"name": "island", "kind": "categorical", "levels": ["Biscoe", ...],
//	   "impute": "most_frequent", "fill_text": "Biscoe", "unknown": "ignore",
//	   "categories": ["Biscoe", ...], "infrequent": [...],   (absent: none)
//	   "min_frequency": 0, "max_categories": 0}, ...]
//
// Numbers are written in Go's shortest round-trip form, so every float64
// reads back with the same bits.
type modelJSON struct {
	Format    string         `json:"format"`
	Version   int            `json:"version"`
	Classes   []string       `json:"classes"`
	Features  []string       `json:"features"`
	Scaler    *scalerJSON    `json:"scaler,omitempty"`
	Coef      [][]float64    `json:"coef"`
	Intercept []float64      `json:"intercept"`
	Training  summaryJSON    `json:"training"`
	Inference *inferenceJSON `json:"inference,omitempty"`
	Inputs    []inputJSON    `json:"inputs,omitempty"`
}

type inputJSON struct {
	Name          string   `json:"name"`
	Kind          string   `json:"kind"`
	Levels        []string `json:"levels,omitempty"`
	Impute        string   `json:"impute"`
	Fill          float64  `json:"fill,omitempty"`
	FillText      string   `json:"fill_text,omitempty"`
	NoScale       bool     `json:"no_scale,omitempty"`
	Mean          float64  `json:"mean,omitempty"`
	Scale         float64  `json:"scale,omitempty"`
	Unknown       string   `json:"unknown,omitempty"`
	Categories    []string `json:"categories,omitempty"`
	Infrequent    []string `json:"infrequent,omitempty"`
	MinFrequency  float64  `json:"min_frequency,omitempty"`
	MaxCategories int      `json:"max_categories,omitempty"`
}

type scalerJSON struct {
	Mean  []float64 `json:"mean"`
	Scale []float64 `json:"scale"`
}

type summaryJSON struct {
	Solver       string  `json:"solver"`
	Penalty      string  `json:"penalty"`
	C            float64 `json:"C"`
	L1Ratio      float64 `json:"l1_ratio"`
	Tol          float64 `json:"tol"`
	MaxIter      int     `json:"max_iter"`
	Intercept    bool    `json:"fit_intercept"`
	Standardized bool    `json:"standardized"`
	Rows         int     `json:"rows"`
	WeightSum    float64 `json:"weight_sum"`
	Iterations   int     `json:"iterations"`
	Evaluations  int     `json:"evaluations"`
	Objective    float64 `json:"objective"`
	Violation    float64 `json:"violation"`
	Converged    bool    `json:"converged"`
}

type inferenceJSON struct {
	Names  []string  `json:"names"`
	Coef   []float64 `json:"coef"`
	StdErr []float64 `json:"stderr"`
	Z      []float64 `json:"z"`
	P      []float64 `json:"p"`
	Lower  []float64 `json:"lower"`
	Upper  []float64 `json:"upper"`
	Level  float64   `json:"level"`
}

// Marshal encodes m in the current version of the model format.
func Marshal(m *Model) ([]byte, error) {
	if m == nil || m.k == 0 {
		return nil, ErrNoModel
	}
	j := modelJSON{
		Format: FormatName, Version: 1,
		Classes: m.classes, Features: m.features, Intercept: m.intercept,
		Training: summaryJSON{
			Solver: m.summary.Solver.String(), Penalty: m.summary.Penalty.String(),
			C: m.summary.C, L1Ratio: m.summary.L1Ratio, Tol: m.summary.Tol, MaxIter: m.summary.MaxIter,
			Intercept: m.summary.Intercept, Standardized: m.summary.Standardized, Rows: m.summary.Rows,
			WeightSum: m.summary.WeightSum, Iterations: m.summary.Iterations, Evaluations: m.summary.Evaluations,
			Objective: m.summary.Objective, Violation: m.summary.Violation, Converged: m.summary.Converged,
		},
	}
	for c := range m.nc {
		j.Coef = append(j.Coef, m.coef[c*m.d:(c+1)*m.d])
	}
	if m.scaler != nil {
		j.Scaler = &scalerJSON{Mean: m.scaler.Mean, Scale: m.scaler.Scale}
	}
	if in := m.inference; in != nil {
		j.Inference = &inferenceJSON{Names: in.Names, Coef: in.Coef, StdErr: in.StdErr, Z: in.Z, P: in.P, Lower: in.Lower, Upper: in.Upper, Level: in.Level}
	}
	if p := m.prep; p != nil {
		j.Version = 2
		for k, in := range p.inputs {
			e := p.enc[k]
			ij := inputJSON{Name: in.Name, Kind: in.Kind.String(), Impute: in.Impute.String()}
			if in.Kind == Numeric {
				ij.Fill, ij.NoScale, ij.Mean, ij.Scale = e.Fill, in.NoScale, e.Mean, e.Scale
			} else {
				ij.Levels = in.Levels
				if ij.Levels == nil {
					ij.Levels = []string{}
				}
				ij.FillText, ij.Unknown = e.FillText, in.Unknown.String()
				ij.Categories, ij.Infrequent = e.Categories, e.Infrequent
				ij.MinFrequency, ij.MaxCategories = in.MinFrequency, in.MaxCategories
			}
			j.Inputs = append(j.Inputs, ij)
		}
	}
	b, err := json.Marshal(j)
	if err != nil {
		return nil, fmt.Errorf("linear: marshal: %w", err)
	}
	return b, nil
}

// prep rebuilds the preprocessing of a version 2 document, checking it
// against the model's features.
func (j *modelJSON) prep(features []string) (*prep, error) {
	p := &prep{inputs: make([]Input, len(j.Inputs)), enc: make([]Encoding, len(j.Inputs))}
	for k, ij := range j.Inputs {
		in := Input{Name: ij.Name, NoScale: ij.NoScale, MinFrequency: ij.MinFrequency, MaxCategories: ij.MaxCategories}
		var ok bool
		if in.Kind, ok = parseName[Kind](ij.Kind, kindNames[:]); !ok {
			return nil, fmt.Errorf("input %q: unknown kind %q", ij.Name, ij.Kind)
		}
		if in.Impute, ok = parseName[Impute](ij.Impute, imputeNames[:]); !ok || in.Impute == ImputeAuto {
			return nil, fmt.Errorf("input %q: unknown imputation %q", ij.Name, ij.Impute)
		}
		e := Encoding{Name: ij.Name, Kind: in.Kind, Impute: in.Impute, Fill: ij.Fill, FillText: ij.FillText}
		if in.Kind == Numeric {
			if ij.Levels != nil || ij.Categories != nil || ij.Infrequent != nil || ij.Unknown != "" || ij.FillText != "" {
				return nil, fmt.Errorf("input %q: categorical fields on a numeric input", ij.Name)
			}
			e.Mean, e.Scale = ij.Mean, ij.Scale
			if in.NoScale && (e.Mean != 0 || e.Scale != 1) || !finite(e.Mean) || !finite(e.Scale) || !(e.Scale > 0) || !finite(e.Fill) {
				return nil, fmt.Errorf("input %q: fill %v, mean %v, scale %v", ij.Name, e.Fill, e.Mean, e.Scale)
			}
			if in.Impute == ImputeConstant {
				in.Fill = e.Fill
			}
			e.Features = []string{in.Name}
		} else {
			if ij.Levels == nil || ij.NoScale || ij.Mean != 0 || ij.Scale != 0 || ij.Fill != 0 {
				return nil, fmt.Errorf("input %q: numeric fields on a categorical input, or no levels", ij.Name)
			}
			if in.Impute == ImputeMean || in.Impute == ImputeMedian {
				return nil, fmt.Errorf("input %q: %v imputation of a categorical input", ij.Name, in.Impute)
			}
			if in.Unknown, ok = parseName[Unknown](ij.Unknown, unknownNames[:]); !ok {
				return nil, fmt.Errorf("input %q: unknown handling %q", ij.Name, ij.Unknown)
			}
			in.Levels = ij.Levels
			if in.Impute == ImputeConstant {
				in.FillText = e.FillText
			}
			e.Categories, e.Infrequent = ij.Categories, ij.Infrequent
			for _, c := range e.Categories {
				e.Features = append(e.Features, in.Name+"="+c)
			}
			if len(e.Infrequent) > 0 {
				e.Features = append(e.Features, in.Name+"=(infrequent)")
			} else {
				e.Infrequent = nil
			}
		}
		p.inputs[k], p.enc[k] = in, e
	}
	if err := validateInputs(p.inputs, len(p.inputs)); err != nil {
		return nil, err
	}
	if err := p.build(); err != nil {
		return nil, err
	}
	got := p.features()
	if len(got) != len(features) {
		return nil, fmt.Errorf("the inputs make %d features, the model has %d", len(got), len(features))
	}
	for i := range got {
		if got[i] != features[i] {
			return nil, fmt.Errorf("feature %d is %q, the inputs make %q", i, features[i], got[i])
		}
	}
	return p, nil
}

// parseName returns the index of s in names.
func parseName[T ~int8](s string, names []string) (T, bool) {
	for i, n := range names {
		if n == s {
			return T(i), true
		}
	}
	return 0, false
}

// Unmarshal decodes a model written by Marshal. It returns an error
// wrapping ErrVersion for a version newer than FormatVersion, and ErrFormat
// for anything else it cannot accept: bad JSON, unknown fields, another
// format name, sizes that disagree, NaN or non-positive scales, unknown
// solver or penalty names.
func Unmarshal(data []byte) (*Model, error) {
	var head struct {
		Format  *string `json:"format"`
		Version *int    `json:"version"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	switch {
	case head.Format == nil || head.Version == nil:
		return nil, fmt.Errorf("%w: no \"format\" and \"version\"", ErrFormat)
	case *head.Format != FormatName:
		return nil, fmt.Errorf("%w: format %q, want %q", ErrFormat, *head.Format, FormatName)
	case *head.Version > FormatVersion:
		return nil, fmt.Errorf("%w: version %d, this build reads up to %d", ErrVersion, *head.Version, FormatVersion)
	case *head.Version < 1:
		return nil, fmt.Errorf("%w: version %d", ErrFormat, *head.Version)
	}
	var j modelJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: data after the model", ErrFormat)
	}
	m, err := j.model()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	return m, nil
}

// model validates a decoded document and builds the model.
func (j *modelJSON) model() (*Model, error) {
	k, d := len(j.Classes), len(j.Features)
	if k < 2 || d < 1 {
		return nil, fmt.Errorf("%d classes and %d features", k, d)
	}
	if err := distinctNames("class", j.Classes); err != nil {
		return nil, err
	}
	if err := distinctNames("feature", j.Features); err != nil {
		return nil, err
	}
	nc := k
	if k == 2 {
		nc = 1
	}
	if len(j.Coef) != nc || len(j.Intercept) != nc {
		return nil, fmt.Errorf("%d coefficient rows and %d intercepts for %d classes, want %d", len(j.Coef), len(j.Intercept), k, nc)
	}
	coef := make([]float64, 0, nc*d)
	for c, row := range j.Coef {
		if len(row) != d {
			return nil, fmt.Errorf("coefficient row %d has %d values for %d features", c, len(row), d)
		}
		coef = append(coef, row...)
	}
	if !allFinite(coef) || !allFinite(j.Intercept) {
		return nil, fmt.Errorf("non-finite coefficient")
	}
	var sc *Scaler
	if j.Scaler != nil {
		sc = &Scaler{Mean: j.Scaler.Mean, Scale: j.Scaler.Scale}
		if err := sc.validate(d); err != nil {
			return nil, err
		}
	}
	t := j.Training
	solver, err := ParseSolver(t.Solver)
	if err != nil {
		return nil, err
	}
	penalty, err := ParsePenalty(t.Penalty)
	if err != nil {
		return nil, err
	}
	m := newModel(j.Classes, j.Features, coef, j.Intercept, sc)
	if !allFinite(m.rawW) || !allFinite(m.rawB) {
		return nil, fmt.Errorf("coefficients overflow on raw features")
	}
	m.summary = Summary{
		Solver: solver, Penalty: penalty, C: t.C, L1Ratio: t.L1Ratio, Tol: t.Tol, MaxIter: t.MaxIter,
		Intercept: t.Intercept, Standardized: t.Standardized, Rows: t.Rows, WeightSum: t.WeightSum,
		Iterations: t.Iterations, Evaluations: t.Evaluations, Objective: t.Objective,
		Violation: t.Violation, Converged: t.Converged,
	}
	if j.Inputs != nil {
		if j.Version < 2 {
			return nil, fmt.Errorf("inputs in a version %d model", j.Version)
		}
		if sc != nil {
			return nil, fmt.Errorf("a scaler and inputs")
		}
		p, err := j.prep(j.Features)
		if err != nil {
			return nil, err
		}
		m.setPrep(p)
	}
	if in := j.Inference; in != nil {
		q := len(in.Names)
		for _, s := range [][]float64{in.Coef, in.StdErr, in.Z, in.P, in.Lower, in.Upper} {
			if len(s) != q {
				return nil, fmt.Errorf("inference fields of different lengths")
			}
		}
		m.inference = &Inference{Names: in.Names, Coef: in.Coef, StdErr: in.StdErr, Z: in.Z, P: in.P, Lower: in.Lower, Upper: in.Upper, Level: in.Level}
	}
	return m, nil
}
