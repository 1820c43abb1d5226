package dataset

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/mat"
)

// CSVOptions says how ReadCSV reads a table. The zero value reads a
// comma-separated file whose last column is the label, takes class names
// in order of first appearance, and rejects NaN and infinite values.
type CSVOptions struct {
	// Label names the label column. Empty means the last column.
	Label string
	// Classes, when set, fixes the class names and their order (label i
	// is Classes[i]); a label not in it is an error. Nil means the classes
	// in order of first appearance.
	Classes []string
	// Comma is the field separator. Zero means ','.
	Comma rune
	// AllowNonFinite accepts NaN, Inf and -Inf as feature values.
	// False (the default) rejects them with ErrNonFinite.
	AllowNonFinite bool
	// MinClasses, when above zero, is the least number of distinct
	// classes the label column must hold; set it to 2 to ask for a
	// classification set. Zero means no check.
	MinClasses int
}

// ReadCSV reads a labelled table from r: a header row of distinct, non-empty
// column names, then one row per sample of numeric feature values and a
// label. Fields may be quoted as in RFC 4180; surrounding spaces around
// numbers are ignored, and a UTF-8 byte-order mark is skipped.
//
// Bad input gives a *ParseError naming the line and column, wrapping one of
// ErrEmpty, ErrRagged, ErrNotNumber, ErrNonFinite, ErrDuplicateHeader,
// ErrEmptyHeader, ErrNoLabel, ErrNoFeatures, ErrUnknownClass or
// ErrTooFewClasses, or an error of encoding/csv. A header without rows is
// ErrEmpty too. ReadCSV never panics.
func ReadCSV(r io.Reader, opts CSVOptions) (*Dataset, error) {
	cr := csv.NewReader(r)
	if opts.Comma != 0 {
		cr.Comma = opts.Comma
	}
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true

	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, &ParseError{Err: ErrEmpty}
	}
	if err != nil {
		return nil, csvError(err)
	}
	header = append([]string(nil), header...)
	header[0] = strings.TrimPrefix(header[0], "\ufeff")
	seen := make(map[string]int, len(header))
	for j, name := range header {
		if name == "" {
			return nil, &ParseError{Line: 1, Column: j + 1, Err: ErrEmptyHeader}
		}
		if k, dup := seen[name]; dup {
			return nil, &ParseError{Line: 1, Column: j + 1,
				Err: fmt.Errorf("%w: %q is also column %d", ErrDuplicateHeader, name, k+1)}
		}
		seen[name] = j
	}
	label := len(header) - 1
	if opts.Label != "" {
		j, ok := seen[opts.Label]
		if !ok {
			return nil, &ParseError{Line: 1, Err: fmt.Errorf("%w: %q", ErrNoLabel, opts.Label)}
		}
		label = j
	}
	if len(header) < 2 {
		return nil, &ParseError{Line: 1, Err: ErrNoFeatures}
	}

	ds := &Dataset{Features: make([]string, 0, len(header)-1)}
	for j, name := range header {
		if j != label {
			ds.Features = append(ds.Features, name)
		}
	}
	classIndex := make(map[string]int)
	for i, c := range opts.Classes {
		if c == "" {
			return nil, fmt.Errorf("dataset: empty class name in options: %w", ErrInvalid)
		}
		if _, dup := classIndex[c]; dup {
			return nil, fmt.Errorf("dataset: class %q given twice: %w", c, ErrInvalid)
		}
		classIndex[c] = i
	}
	ds.Classes = append([]string(nil), opts.Classes...)

	var data []float64
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvError(err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != len(header) {
			return nil, &ParseError{Line: line,
				Err: fmt.Errorf("%w: %d, header has %d", ErrRagged, len(rec), len(header))}
		}
		for j, field := range rec {
			if j == label {
				continue
			}
			v, err := strconv.ParseFloat(strings.TrimSpace(field), 64)
			if err != nil && !errors.Is(err, strconv.ErrRange) {
				return nil, &ParseError{Line: line, Column: j + 1, Err: fmt.Errorf("%w: %q", ErrNotNumber, field)}
			}
			if !opts.AllowNonFinite && (math.IsNaN(v) || math.IsInf(v, 0)) {
				return nil, &ParseError{Line: line, Column: j + 1, Err: fmt.Errorf("%w: %q", ErrNonFinite, field)}
			}
			data = append(data, v)
		}
		name := rec[label]
		y, ok := classIndex[name]
		if !ok {
			if opts.Classes != nil {
				return nil, &ParseError{Line: line, Column: label + 1, Err: fmt.Errorf("%w: %q", ErrUnknownClass, name)}
			}
			if name == "" {
				return nil, &ParseError{Line: line, Column: label + 1, Err: fmt.Errorf("%w: empty label", ErrUnknownClass)}
			}
			y = len(ds.Classes)
			classIndex[name] = y
			ds.Classes = append(ds.Classes, name)
		}
		ds.Y = append(ds.Y, y)
	}
	if len(ds.Y) == 0 {
		return nil, &ParseError{Line: 2, Err: fmt.Errorf("%w: header but no rows", ErrEmpty)}
	}
	if opts.MinClasses > 0 {
		distinct := 0
		for _, n := range ds.ClassCounts() {
			if n > 0 {
				distinct++
			}
		}
		if distinct < opts.MinClasses {
			return nil, &ParseError{Column: label + 1,
				Err: fmt.Errorf("%w: label column %q holds %d, want at least %d", ErrTooFewClasses, header[label], distinct, opts.MinClasses)}
		}
	}
	ds.X = mat.NewDense(len(ds.Y), len(ds.Features), data)
	return ds, nil
}

// csvError turns an error of encoding/csv into a *ParseError, keeping the
// original reachable with errors.As.
func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &ParseError{Line: pe.Line, Column: pe.Column, Err: err}
	}
	return &ParseError{Err: err}
}
