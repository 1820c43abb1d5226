package dataset

import (
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/cairn-ml/cairn/internal/cell"
	"github.com/cairn-ml/cairn/internal/perr"
)

// CSVOptions says how ReadCSV reads a table. The zero value reads a
// comma-separated file whose last column is the label, sorts the classes
// as scikit-learn does, and rejects missing, NaN and infinite values.
type CSVOptions struct {
	// Label names the label column. Empty means the last column.
	Label string
	// Classes, when set, fixes the class names and their order (label i
	// is Classes[i]); a label not in it is an error. Nil means the
	// distinct labels sorted as scikit-learn's LabelEncoder sorts the
	// values pandas reads: numerically when every label is a number
	// (named then by the shortest decimal form of its value, so "1.0" and
	// "1" are one class "1"), else by bytes.
	Classes []string
	// Comma is the field separator. Zero means ','.
	Comma rune
	// AllowNonFinite accepts missing values (read as NaN), infinities
	// ("inf", "-Infinity", ...) as feature values. False (the default)
	// rejects them with ErrNonFinite.
	AllowNonFinite bool
	// MinClasses, when above zero, is the least number of distinct
	// classes the label column must hold; set it to 2 to ask for a
	// classification set. Zero means no check.
	MinClasses int
}

// ReadCSV reads a labelled table from r: a header row of distinct, non-empty
// column names, then one row per sample of numeric feature values and a
// label. Fields may be quoted as in RFC 4180, and a UTF-8 byte-order mark is
// skipped.
//
// Feature values are read as pandas' read_csv reads numbers (and as
// ReadTable does): an optional sign, decimal digits with an optional point
// and exponent ("39.1", "-.5", "1E+05"), or "inf"/"infinity" in any case,
// with spaces around allowed. Go's own syntax ("1_000", "0x1p3") and
// numbers beyond float64's range are ErrNotNumber. pandas' missing-value
// markers ("", "NA", "NaN", "nan", "null", "N/A", ... see the package doc)
// read as NaN, so they and the infinities are ErrNonFinite unless
// AllowNonFinite is set.
//
// Y numbers the classes in the order of Classes, which for two classes
// makes Classes[1] (label 1) the positive class of linear's binary metrics
// (Precision, Recall, F1, ROCAUC with Binary), as pos_label=1 is for a
// scikit-learn user who encodes the same column with LabelEncoder.
//
// Bad input gives a *ParseError naming the line and column, wrapping one of
// ErrEmpty, ErrRagged, ErrNotNumber, ErrNonFinite, ErrDuplicateHeader,
// ErrEmptyHeader, ErrNoLabel, ErrNoFeatures, ErrUnknownClass or
// ErrTooFewClasses, or an error of encoding/csv. A header without rows is
// ErrEmpty too. An error quotes at most about 64 bytes of any field. ReadCSV
// never panics.
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
				Err: fmt.Errorf("%w: %s is also column %d", ErrDuplicateHeader, perr.Quote(name), k+1)}
		}
		seen[name] = j
	}
	label := len(header) - 1
	if opts.Label != "" {
		j, ok := seen[opts.Label]
		if !ok {
			return nil, &ParseError{Line: 1, Err: fmt.Errorf("%w: %s", ErrNoLabel, perr.Quote(opts.Label))}
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
			return nil, fmt.Errorf("dataset: class %s given twice: %w", perr.Quote(c), ErrInvalid)
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
			v, ok := cell.ParseFloat(field)
			switch {
			case !ok && !cell.IsMissing(field):
				return nil, &ParseError{Line: line, Column: j + 1, Err: fmt.Errorf("%w: %s", ErrNotNumber, perr.Quote(field))}
			case !ok && !opts.AllowNonFinite:
				return nil, &ParseError{Line: line, Column: j + 1, Err: fmt.Errorf("%w: missing value %s", ErrNonFinite, perr.Quote(field))}
			case !ok:
				v = math.NaN()
			case math.IsInf(v, 0) && !opts.AllowNonFinite:
				return nil, &ParseError{Line: line, Column: j + 1, Err: fmt.Errorf("%w: %s", ErrNonFinite, perr.Quote(field))}
			}
			data = append(data, v)
		}
		name := rec[label]
		y, ok := classIndex[name]
		if !ok {
			if opts.Classes != nil {
				return nil, &ParseError{Line: line, Column: label + 1, Err: fmt.Errorf("%w: %s", ErrUnknownClass, perr.Quote(name))}
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
	if opts.Classes == nil {
		sortClasses(ds)
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
				Err: fmt.Errorf("%w: label column %s holds %d, want at least %d", ErrTooFewClasses, perr.Quote(header[label]), distinct, opts.MinClasses)}
		}
	}
	ds.X = mat.NewDense(len(ds.Y), len(ds.Features), data)
	return ds, nil
}

// sortClasses renumbers ds's classes, found in order of first appearance,
// as scikit-learn's LabelEncoder orders the values pandas reads: by value
// when every class name is a number (equal values are one class, named by
// strconv's shortest form of the value), else by bytes.
func sortClasses(ds *Dataset) {
	values := make([]float64, len(ds.Classes))
	numeric := true
	for i, name := range ds.Classes {
		if values[i], numeric = cell.ParseFloat(name); !numeric {
			break
		}
	}
	order := make([]int, len(ds.Classes))
	for i := range order {
		order[i] = i
	}
	var names []string
	newIndex := make([]int, len(ds.Classes))
	if numeric {
		slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(values[a], values[b]) })
		for r, i := range order {
			if r == 0 || values[i] != values[order[r-1]] {
				names = append(names, strconv.FormatFloat(values[i], 'g', -1, 64))
			}
			newIndex[i] = len(names) - 1
		}
	} else {
		slices.SortFunc(order, func(a, b int) int { return strings.Compare(ds.Classes[a], ds.Classes[b]) })
		for r, i := range order {
			names = append(names, ds.Classes[i])
			newIndex[i] = r
		}
	}
	ds.Classes = names
	for i, y := range ds.Y {
		ds.Y[i] = newIndex[y]
	}
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
