package dataset

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"io/fs"
	"math"
	"runtime"
	"slices"
	"strconv"
	"sync"

	"gonum.org/v1/gonum/mat"

	"github.com/cairn-ml/cairn/internal/cell"
	"github.com/cairn-ml/cairn/internal/perr"
)

// ColumnType is the type of a column of a Table. The zero value, Auto,
// asks ReadTable to infer it.
type ColumnType int8

// The column types.
const (
	// Auto infers the type: Number if every cell that is not missing is a
	// number, Text otherwise (pandas' rule).
	Auto ColumnType = iota
	// Number is a column of numbers; a missing cell is NaN.
	Number
	// Text is a column of categories; each cell is the index of its value
	// in the column's Levels, a missing cell NaN.
	Text
)

var columnTypeNames = [...]string{"auto", "number", "text"}

// String returns "auto", "number" or "text".
func (t ColumnType) String() string {
	if t >= 0 && int(t) < len(columnTypeNames) {
		return columnTypeNames[t]
	}
	return "ColumnType(" + strconv.Itoa(int(t)) + ")"
}

// Column describes one feature column of a Table.
type Column struct {
	Name string
	Type ColumnType // Number or Text
	// Levels holds the distinct values of a Text column, sorted (byte
	// order, as Python sorts strings); the column's cells in X are
	// indexes into it. Nil for a Number column.
	Levels []string
}

// Table is a typed table held in memory: feature columns of numbers or
// text with missing values, and a target whose classes are to be
// predicted. X holds one row per sample and one column per entry of
// Columns: a Number column holds its values, a Text column the index of
// each value in the column's Levels (0, 1, ...), and a missing cell is NaN
// in both. Y holds the class of each row as an index into Classes.
//
// X is the raw input linear.Fit takes with Config.Inputs: it imputes,
// encodes and scales it inside the model. Like a Dataset, a Table is a
// plain value, safe for concurrent reads; Subset returns a new one.
type Table struct {
	Columns []Column
	X       *mat.Dense
	// Target is the name of the target column; Classes its distinct
	// values sorted as scikit-learn sorts them (numerically for a
	// numeric target, else by bytes), so that for two classes Classes[1]
	// is the positive class of a scikit-learn user.
	Target  string
	Classes []string
	Y       []int
}

// TableOptions says how ReadTable reads a table. The zero value reads a
// comma-separated file whose last column is the target and infers the
// type of every column.
type TableOptions struct {
	// Target names the target column. Empty means the last column.
	Target string
	// Types fixes the type of the named columns (the target's too:
	// Number sorts its classes numerically, Text by bytes). A column not
	// named here is Auto.
	Types map[string]ColumnType
	// Ignore names columns not to read (row identifiers, free text).
	Ignore []string
	// Comma is the field separator, an ASCII character other than '"',
	// '\r' and '\n'. Zero means ','.
	Comma rune
}

// Len returns the number of rows, 0 for a nil table.
func (t *Table) Len() int {
	if t == nil {
		return 0
	}
	return len(t.Y)
}

// Features returns the names of the feature columns, in order.
func (t *Table) Features() []string {
	names := make([]string, len(t.Columns))
	for j, c := range t.Columns {
		names[j] = c.Name
	}
	return names
}

// ClassCounts returns the number of rows of each class, indexed like
// Classes.
func (t *Table) ClassCounts() []int { return classCounts(t.Y, len(t.Classes)) }

// Value returns the cell at row i and column j as text: the level of a
// Text cell, the shortest decimal form of a number, and "" for a missing
// cell. It panics if i or j is out of range.
func (t *Table) Value(i, j int) string {
	v := t.X.At(i, j)
	switch {
	case math.IsNaN(v):
		return ""
	case t.Columns[j].Type == Text:
		return t.Columns[j].Levels[int(v)]
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// SetPositive makes label the positive class of a two-class table: the
// second of Classes, label 1, which binary scores (F1, precision, recall)
// take as positive. ReadTable's order already makes the second of the
// sorted labels positive, as scikit-learn's pos_label=1 after a
// LabelEncoder; SetPositive reverses it when label is the first. Split
// before, if the split must match scikit-learn's on the sorted labels.
// A table of more than two classes is an error wrapping ErrInvalid; a
// label that is not a class wraps ErrUnknownClass.
func (t *Table) SetPositive(label string) error {
	if len(t.Classes) != 2 {
		return fmt.Errorf("dataset: a positive class for %d classes: %w", len(t.Classes), ErrInvalid)
	}
	switch label {
	case t.Classes[1]:
		return nil
	case t.Classes[0]:
		t.Classes[0], t.Classes[1] = t.Classes[1], t.Classes[0]
		for i, y := range t.Y {
			t.Y[i] = 1 - y
		}
		return nil
	}
	return fmt.Errorf("%w: %s is not one of %q", ErrUnknownClass, perr.Quote(label), t.Classes)
}

// Subset returns a new table made of the rows idx, in that order (repeats
// allowed), sharing nothing with t. An index outside [0, Len()) gives an
// error wrapping ErrBadIndex; a table whose X does not have a row per
// label and a column per Column, ErrInvalid.
func (t *Table) Subset(idx []int) (*Table, error) {
	p := len(t.Columns)
	if t.X == nil || p == 0 || t.X.IsEmpty() {
		return nil, fmt.Errorf("%w: no X or no columns", ErrInvalid)
	}
	if r, c := t.X.Dims(); r != len(t.Y) || c != p {
		return nil, fmt.Errorf("%w: X is %dx%d for %d labels and %d columns", ErrInvalid, r, c, len(t.Y), p)
	}
	X, y, err := subsetRows(t.X, t.Y, p, idx)
	if err != nil {
		return nil, err
	}
	out := &Table{Columns: make([]Column, p), X: X, Target: t.Target, Classes: slices.Clone(t.Classes), Y: y}
	for j, c := range t.Columns {
		out.Columns[j] = Column{Name: c.Name, Type: c.Type, Levels: slices.Clone(c.Levels)}
	}
	return out, nil
}

// ReadTable reads a typed table from r: a header row of distinct,
// non-empty column names, then one row per sample. Cells are read as
// pandas' read_csv reads them by default: the strings it takes for
// missing ("", "NA", "NaN", "N/A", "NULL", "nan", "null", "None", ...;
// the exact list is in the package doc) are missing, numbers are in C's
// syntax with optional surrounding white space ("39.1", "1e5", ".5",
// "inf"), and a column is a number column when all its cells that are
// not missing are numbers (TableOptions.Types overrides that). Text is
// kept as it is, spaces included. Fields may be quoted as in RFC 4180;
// blank lines are skipped and a UTF-8 byte-order mark is ignored.
//
// Bad input gives a *ParseError with the line and the column, whose
// message names the column, wrapping ErrEmpty, ErrRagged, ErrNotNumber
// (a cell that is not a number in a column of type Number), ErrNonFinite
// (an infinite number), ErrAllMissing (a feature column without a value),
// ErrMissingTarget, ErrTooFewClasses (a target with one class),
// ErrDuplicateHeader, ErrEmptyHeader, ErrNoLabel (no such target
// column), ErrNoColumn (a column named in Types or Ignore that is not in
// the header), ErrNoFeatures or ErrSyntax (a quote left open, text after
// a closing quote). Options that make no sense are an error wrapping
// ErrInvalid. ReadTable never panics.
func ReadTable(r io.Reader, opts TableOptions) (*Table, error) {
	comma := byte(',')
	if opts.Comma != 0 {
		if opts.Comma >= 0x80 || opts.Comma == '"' || opts.Comma == '\r' || opts.Comma == '\n' {
			return nil, fmt.Errorf("dataset: separator %q: %w", opts.Comma, ErrInvalid)
		}
		comma = byte(opts.Comma)
	}
	for name, typ := range opts.Types {
		if typ < Auto || typ > Text {
			return nil, fmt.Errorf("dataset: type %v for column %q: %w", typ, name, ErrInvalid)
		}
	}
	b, err := readInput(r)
	if err != nil {
		return nil, fmt.Errorf("dataset: read table: %w", err)
	}
	sc := scanner{b: bytes.TrimPrefix(b, []byte("\ufeff")), comma: comma, line: 1}
	header, err := sc.next()
	if err != nil {
		return nil, err
	}
	if header == nil {
		return nil, &ParseError{Err: ErrEmpty}
	}
	rd, err := newTableReader(header, sc.recLine, opts)
	if err != nil {
		return nil, err
	}
	if err := rd.read(&sc); err != nil {
		return nil, err
	}
	return rd.finish()
}

// parallelMin is the least input read in two halves at once.
const parallelMin = 8 << 20

// read reads the rows after the header. A large input without quotes or
// carriage returns (so that every '\n' ends a row) is cut in two at a
// line end, and the halves are read at once and merged.
func (rd *tableReader) read(sc *scanner) error {
	body := sc.b[sc.i:]
	cut := -1
	if len(body) >= parallelMin && runtime.GOMAXPROCS(0) > 1 && bytes.IndexByte(body, '"') < 0 && bytes.IndexByte(body, '\r') < 0 {
		if j := bytes.IndexByte(body[len(body)/2:], '\n'); j >= 0 {
			cut = len(body)/2 + j + 1
		}
	}
	if cut < 0 {
		if err := rd.readRows(sc); err != nil {
			return err
		}
		return rd.retext(sc.b, sc.comma, true)
	}
	// rd's matrix is sized for both halves: second's rows are appended.
	rd.data = make([]float64, 0, estimateRows(body)*len(rd.cols))
	second := rd.fork()
	first := &scanner{b: body[:cut], comma: sc.comma, line: sc.line}
	rest := &scanner{b: body[cut:], comma: sc.comma, line: sc.line + bytes.Count(body[:cut], []byte{'\n'})}
	var err2 error
	var wg sync.WaitGroup
	wg.Go(func() { err2 = second.readRows(rest) })
	err := rd.readRows(first)
	wg.Wait()
	if err != nil {
		return err
	}
	if err2 != nil {
		return err2
	}
	return rd.merge(second, first.b, rest.b, sc.comma)
}

// readRows reads the rows that sc holds.
func (rd *tableReader) readRows(sc *scanner) error {
	if rd.data == nil {
		rd.data = make([]float64, 0, estimateRows(sc.b[sc.i:])*len(rd.cols))
	}
	for {
		rec, err := sc.next()
		if err != nil {
			return err
		}
		if rec == nil {
			return nil
		}
		if err := rd.row(rec, sc.recLine); err != nil {
			return err
		}
	}
}

// fork returns a reader of the same columns that has read nothing.
func (rd *tableReader) fork() *tableReader {
	f := &tableReader{names: rd.names, width: rd.width, target: rd.target, cols: slices.Clone(rd.cols), labels: rd.labels}
	for _, c := range append([]*colReader{&f.labels}, pointers(f.cols)...) {
		if c.typ == Text {
			c.codes = map[string]int32{}
		}
	}
	return f
}

func pointers(cols []colReader) []*colReader {
	out := make([]*colReader, len(cols))
	for k := range cols {
		out[k] = &cols[k]
	}
	return out
}

// merge appends the rows that second read from b2 to those rd read from
// b1: a column that is text in either half is text in both (the half that
// read it as numbers reads its cells again as text), and second's codes
// are rewritten to index rd's levels.
func (rd *tableReader) merge(second *tableReader, b1, b2 []byte, comma byte) error {
	mine := append(pointers(rd.cols), &rd.labels)
	theirs := append(pointers(second.cols), &second.labels)
	for k, c := range mine {
		c2 := theirs[k]
		if c.typ == Text || c2.typ == Text {
			for _, x := range []struct {
				c    *colReader
				rows int
			}{{c, rd.rows}, {c2, second.rows}} {
				if x.c.typ == Number {
					x.c.typ, x.c.codes, x.c.retext = Text, map[string]int32{}, x.rows
				}
			}
		}
		c.present = c.present || c2.present
		if c.infLine == 0 {
			c.infLine = c2.infLine
		}
	}
	if err := rd.retext(b1, comma, false); err != nil {
		return err
	}
	if err := second.retext(b2, comma, false); err != nil {
		return err
	}
	p := len(rd.cols)
	for k, c := range mine {
		c2 := theirs[k]
		if c.typ != Text {
			continue
		}
		remap := make([]float64, len(c2.levels))
		for l, s := range c2.levels {
			remap[l] = c.code([]byte(s))
		}
		vals, stride := second.y, 1
		if c.out >= 0 {
			vals, stride = second.data[c.out:], p
		}
		for i := 0; i < len(vals); i += stride {
			if v := vals[i]; v == v {
				vals[i] = remap[int(v)]
			}
		}
	}
	rd.data = append(rd.data, second.data...)
	rd.y = append(rd.y, second.y...)
	rd.rows += second.rows
	return nil
}

// readInput reads r to its end; a file is read into a buffer of its size.
func readInput(r io.Reader) ([]byte, error) {
	if f, ok := r.(interface{ Stat() (fs.FileInfo, error) }); ok {
		if info, err := f.Stat(); err == nil && info.Mode().IsRegular() && info.Size() > 0 && info.Size() < 1<<40 {
			b := make([]byte, 0, info.Size()+1)
			for {
				n, err := r.Read(b[len(b):cap(b)])
				b = b[:len(b)+n]
				if err == io.EOF {
					return b, nil
				}
				if err != nil {
					return nil, err
				}
				if len(b) == cap(b) {
					b = slices.Grow(b, 1<<20)
				}
			}
		}
	}
	return io.ReadAll(r)
}

// estimateRows guesses the number of rows in b from the length of its
// first lines, a little high, to size the matrix once.
func estimateRows(b []byte) int {
	lines, i := 0, 0
	for lines < 100 && i < len(b) {
		j := bytes.IndexByte(b[i:], '\n')
		if j < 0 {
			break
		}
		i += j + 1
		lines++
	}
	if lines == 0 || i == 0 {
		return 1
	}
	return min(len(b)/(i/lines)*11/10+1, 1<<24)
}

// tableReader builds a Table row by row.
type tableReader struct {
	names  []string
	width  int // fields per row
	target int // field index of the target
	cols   []colReader
	data   []float64 // rows x len(cols), codes in first-seen order for text
	labels colReader
	y      []float64 // the target's cell per row: a number or a first-seen code
	rows   int
}

// colReader reads one column. A column of type Auto starts as Number and
// turns into Text at its first cell that is neither missing nor a number;
// finish reads the cells before that row again, as text.
type colReader struct {
	name    string
	field   int // index in the record
	out     int // column of X, or -1 for the target
	typ     ColumnType
	fixed   bool // the type was given
	present bool // a value was seen
	codes   map[string]int32
	levels  []string
	retext  int // rows before this one were read as numbers; 0 if none
	infLine int // the first line with an infinite number, in an Auto column
}

func newTableReader(header [][]byte, line int, opts TableOptions) (*tableReader, error) {
	rd := &tableReader{width: len(header), target: len(header) - 1}
	seen := make(map[string]int, len(header))
	for j, f := range header {
		name := string(f)
		if name == "" {
			return nil, &ParseError{Line: line, Column: j + 1, Err: ErrEmptyHeader}
		}
		if k, dup := seen[name]; dup {
			return nil, &ParseError{Line: line, Column: j + 1,
				Err: fmt.Errorf("%w: %s is also column %d", ErrDuplicateHeader, perr.Quote(name), k+1)}
		}
		seen[name] = j
		rd.names = append(rd.names, name)
	}
	if opts.Target != "" {
		j, ok := seen[opts.Target]
		if !ok {
			return nil, &ParseError{Line: line, Err: fmt.Errorf("%w: %s", ErrNoLabel, perr.Quote(opts.Target))}
		}
		rd.target = j
	}
	ignore := make(map[int]bool, len(opts.Ignore))
	for _, name := range opts.Ignore {
		j, ok := seen[name]
		if !ok {
			return nil, &ParseError{Line: line, Err: fmt.Errorf("%w: %s (in Ignore)", ErrNoColumn, perr.Quote(name))}
		}
		if j == rd.target {
			return nil, fmt.Errorf("dataset: the target %s is in Ignore: %w", perr.Quote(name), ErrInvalid)
		}
		ignore[j] = true
	}
	for name := range opts.Types {
		if _, ok := seen[name]; !ok {
			return nil, &ParseError{Line: line, Err: fmt.Errorf("%w: %s (in Types)", ErrNoColumn, perr.Quote(name))}
		}
	}
	for j, name := range rd.names {
		typ := opts.Types[name]
		c := colReader{name: name, field: j, out: len(rd.cols), typ: typ, fixed: typ != Auto}
		if c.typ == Auto {
			c.typ = Number
		}
		if c.typ == Text {
			c.codes = map[string]int32{}
		}
		switch {
		case j == rd.target:
			c.out = -1
			rd.labels = c
		case !ignore[j]:
			rd.cols = append(rd.cols, c)
		}
	}
	if len(rd.cols) == 0 {
		return nil, &ParseError{Line: line, Err: ErrNoFeatures}
	}
	return rd, nil
}

func (rd *tableReader) row(rec [][]byte, line int) error {
	if len(rec) != rd.width {
		return &ParseError{Line: line, Err: fmt.Errorf("%w: %d, header has %d", ErrRagged, len(rec), rd.width)}
	}
	row := len(rd.data)
	rd.data = slices.Grow(rd.data, len(rd.cols))[:row+len(rd.cols)]
	for k := range rd.cols {
		c := &rd.cols[k]
		v, err := c.read(rec[c.field], rd.rows, line)
		if err != nil {
			return err
		}
		rd.data[row+k] = v
	}
	f := rec[rd.target]
	if cell.IsMissing(f) {
		return &ParseError{Line: line, Column: rd.target + 1, Err: fmt.Errorf("%w in column %s", ErrMissingTarget, perr.Quote(rd.labels.name))}
	}
	v, err := rd.labels.read(f, rd.rows, line)
	if err != nil {
		return err
	}
	rd.y = append(rd.y, v)
	rd.rows++
	return nil
}

// read returns the value of field f in row i: a number, a code, or NaN.
func (c *colReader) read(f []byte, i, line int) (float64, error) {
	if cell.IsMissing(f) {
		return math.NaN(), nil
	}
	c.present = true
	if c.typ == Number {
		v, ok := cell.ParseFloat(f)
		switch {
		case ok && math.IsInf(v, 0) && c.fixed:
			return 0, c.infErr(line)
		case ok && math.IsInf(v, 0):
			// An error only if the column stays a number column.
			if c.infLine == 0 {
				c.infLine = line
			}
			return v, nil
		case ok:
			return v, nil
		case c.fixed:
			return 0, &ParseError{Line: line, Column: c.field + 1,
				Err: fmt.Errorf("%w in column %s of type number: %s", ErrNotNumber, perr.Quote(c.name), perr.Quote(f))}
		}
		c.typ = Text
		c.codes = map[string]int32{}
		c.retext = i
	}
	return c.code(f), nil
}

func (c *colReader) infErr(line int) error {
	return &ParseError{Line: line, Column: c.field + 1, Err: fmt.Errorf("%w in column %s", ErrNonFinite, perr.Quote(c.name))}
}

// code returns the code of text f, adding it to the levels if new.
func (c *colReader) code(f []byte) float64 {
	code, ok := c.codes[string(f)]
	if !ok {
		code = int32(len(c.levels))
		s := string(f)
		c.codes[s] = code
		c.levels = append(c.levels, s)
	}
	return float64(code)
}

// sortLevels sorts the levels of a Text column and rewrites its codes
// (column out of data, stride p) to index the sorted levels.
func (c *colReader) sortLevels(data []float64, p int) {
	order := make([]int32, len(c.levels))
	for k := range order {
		order[k] = int32(k)
	}
	slices.SortFunc(order, func(a, b int32) int { return cmp.Compare(c.levels[a], c.levels[b]) })
	rank := make([]float64, len(order))
	sorted := make([]string, len(order))
	for r, k := range order {
		rank[k] = float64(r)
		sorted[r] = c.levels[k]
	}
	c.levels = sorted
	for i := max(c.out, 0); i < len(data); i += p {
		if v := data[i]; !math.IsNaN(v) {
			data[i] = rank[int(v)]
		}
	}
}

// retext reads again, as text, the cells of the columns that turned from
// numbers to text, in the rows before they turned; b is the input.
func (rd *tableReader) retext(b []byte, comma byte, header bool) error {
	var redo []*colReader
	last := 0
	for k := range rd.cols {
		if c := &rd.cols[k]; c.retext > 0 {
			redo = append(redo, c)
			last = max(last, c.retext)
		}
	}
	if rd.labels.retext > 0 {
		redo = append(redo, &rd.labels)
		last = max(last, rd.labels.retext)
	}
	if redo == nil {
		return nil
	}
	p := len(rd.cols)
	sc := scanner{b: b, comma: comma, line: 1}
	if header {
		if _, err := sc.next(); err != nil {
			return err
		}
	}
	for i := 0; i < last; i++ {
		rec, err := sc.next()
		if err != nil {
			return err
		}
		for _, c := range redo {
			if i >= c.retext || cell.IsMissing(rec[c.field]) {
				continue
			}
			if c.out < 0 {
				rd.y[i] = c.code(rec[c.field])
			} else {
				rd.data[i*p+c.out] = c.code(rec[c.field])
			}
		}
	}
	return nil
}

func (rd *tableReader) finish() (*Table, error) {
	if rd.rows == 0 {
		return nil, &ParseError{Line: 2, Err: fmt.Errorf("%w: header but no rows", ErrEmpty)}
	}
	p := len(rd.cols)
	t := &Table{Columns: make([]Column, p), Target: rd.labels.name}
	for k := range rd.cols {
		c := &rd.cols[k]
		if !c.present {
			return nil, &ParseError{Column: c.field + 1, Err: fmt.Errorf("%w: column %s", ErrAllMissing, perr.Quote(c.name))}
		}
		if c.typ == Number && c.infLine > 0 {
			return nil, c.infErr(c.infLine)
		}
		if c.typ == Text {
			c.sortLevels(rd.data, p)
		}
		t.Columns[k] = Column{Name: c.name, Type: c.typ, Levels: c.levels}
	}
	t.X = mat.NewDense(rd.rows, p, rd.data)

	lc := &rd.labels
	if lc.typ == Number && lc.infLine > 0 {
		return nil, lc.infErr(lc.infLine)
	}
	t.Y = make([]int, rd.rows)
	if lc.typ == Text {
		lc.sortLevels(rd.y, 1)
		t.Classes = lc.levels
		for i, v := range rd.y {
			t.Y[i] = int(v)
		}
	} else {
		values := slices.Clone(rd.y)
		slices.Sort(values)
		values = slices.Compact(values)
		for _, v := range values {
			t.Classes = append(t.Classes, strconv.FormatFloat(v, 'g', -1, 64))
		}
		for i, v := range rd.y {
			t.Y[i], _ = slices.BinarySearch(values, v)
		}
	}
	if len(t.Classes) < 2 {
		return nil, &ParseError{Column: lc.field + 1,
			Err: fmt.Errorf("%w: target column %s holds %d, want at least 2", ErrTooFewClasses, perr.Quote(lc.name), len(t.Classes))}
	}
	return t, nil
}
