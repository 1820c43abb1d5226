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
// the bytes; serving decodes with Unmarshal.
const (
	FormatName    = "cairn.linear.logistic"
	FormatVersion = 1
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
		Format: FormatName, Version: FormatVersion,
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
	b, err := json.Marshal(j)
	if err != nil {
		return nil, fmt.Errorf("linear: marshal: %w", err)
	}
	return b, nil
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
