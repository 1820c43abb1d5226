package serve

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/cairn-ml/cairn/internal/perr"
)

// mlflowKeys are the top-level keys of an MLflow scoring request, one of
// which must be given.
const mlflowKeys = "dataframe_split, dataframe_records, instances or inputs"

// decodeMLflow reads a JSON body of POST /invocations, as MLflow 2's
// scoring server takes it: {"dataframe_split": {"columns": [...], "data":
// [[...]]}}, {"dataframe_records": [{...}]}, {"instances": ...} or
// {"inputs": ...} (rows, records or columns), other keys ("params")
// ignored. A bare list is read as records or rows (MLflow 1's
// pandas-records).
func (d *rowDecoder) decodeMLflow() *reqError {
	l := d.l
	if l.kind() == kindArray {
		d.rows(where{}, nil)
		return d.finish("", where{})
	}
	found := ""
	if d.topObject() {
		for first := true; l.more(&first, '}'); {
			k, ok := l.key()
			if !ok {
				break
			}
			var key string
			switch string(k) {
			case "dataframe_split":
				key = "dataframe_split"
			case "dataframe_records":
				key = "dataframe_records"
			case "instances":
				key = "instances"
			case "inputs":
				key = "inputs"
			default:
				l.skip()
				continue
			}
			if found != "" {
				if l.skip() {
					w := at(key)
					d.addErr(&w, "give only one of "+mlflowKeys+" (found "+found+" and "+key+")", "value_error.conflict", nil)
				}
				continue
			}
			found = key
			switch key {
			case "dataframe_split":
				d.split(at(key))
			case "dataframe_records":
				d.rows(at(key), nil)
			default:
				d.instances(at(key))
			}
		}
	}
	if found == "" && len(d.sc.errs) == 0 {
		if e := d.finish("", where{}); e != nil && e.status == 400 {
			return e
		}
		return &reqError{status: 422, msg: "field required: the body needs one of " + mlflowKeys, typ: "value_error.missing", loc: []any{"body"}}
	}
	w := at(found)
	if found == "dataframe_split" {
		w = w.key("data")
	}
	return d.finish("", w)
}

// split reads a pandas "split" frame: columns (optional; without them the
// data's columns are the model's features in order), data, and an index
// that is ignored. The data may come before the columns.
func (d *rowDecoder) split(w where) {
	l := d.l
	if l.kind() != kindObject {
		if l.skip() {
			d.addErr(&w, "value is not a valid dict", "type_error.dict", nil)
		}
		return
	}
	l.i++
	dataAt := -1
	haveCols, haveData := false, false
	var cols []int
	for first := true; l.more(&first, '}'); {
		k, ok := l.key()
		if !ok {
			return
		}
		switch string(k) {
		case "columns":
			haveCols = true
			cols = d.splitColumns(w.key("columns"))
		case "data":
			haveData = true
			if haveCols {
				d.rows(w.key("data"), cols)
				continue
			}
			l.peek()
			dataAt = l.i
			l.allowNonFinite = true
			l.skip()
			l.allowNonFinite = false
		default:
			l.skip()
		}
	}
	if l.err != nil {
		return
	}
	if !haveData {
		x := w.key("data")
		d.addErr(&x, "field required", "value_error.missing", nil)
		return
	}
	if dataAt >= 0 {
		end := l.i
		l.i = dataAt
		d.rows(w.key("data"), cols)
		if l.err == nil {
			l.i = end
		}
	}
}

// splitColumns reads the column names of a split frame and returns, for
// each column, the feature it holds (-1 for a column to ignore). A first
// column with an empty name is pandas' index and is ignored; any other
// unknown or repeated name, and every feature missing, is an error.
func (d *rowDecoder) splitColumns(w where) []int {
	l := d.l
	if l.kind() != kindArray {
		if l.skip() {
			d.addErr(&w, "value is not a valid list", "type_error.list", nil)
		}
		return nil
	}
	l.i++
	cols := d.sc.cols[:0]
	mark := grow(d.sc.mark, d.v.d)
	clear(mark)
	d.sc.mark = mark
	c := 0
	for first := true; l.more(&first, ']'); c++ {
		if l.kind() != kindString {
			if l.skip() {
				x := w.index(c)
				d.addErr(&x, "str type expected", "type_error.str", nil)
			}
			cols = append(cols, -1)
			continue
		}
		name, ok := l.str()
		if !ok {
			return nil
		}
		j, ok := d.v.index[string(name)]
		switch {
		case !ok && c == 0 && len(name) == 0:
		case !ok:
			x := w.index(c)
			d.addErr(&x, "unknown column "+perr.Quote(string(name)), "value_error.extra", nil)
		case mark[j]:
			x := w.index(c)
			d.addErr(&x, "column "+perr.Quote(string(name))+" appears twice", "value_error.duplicate", nil)
			j = -1
		default:
			mark[j] = true
		}
		if !ok {
			j = -1
		}
		cols = append(cols, j)
	}
	d.sc.cols = cols
	if l.err != nil {
		return nil
	}
	for j, ok := range mark {
		if !ok {
			d.addErr(&w, "column "+strconv.Quote(d.v.features[j])+" is missing", "value_error.missing", nil)
			if l.err != nil {
				break
			}
		}
	}
	return cols
}

// decodeCSV reads a text/csv body of POST /invocations: a header row of
// feature names (in any order; an empty first name is pandas' index
// column and is ignored), then one row per instance. A first row made
// only of numbers is data, its columns the model's features in order.
func (d *rowDecoder) decodeCSV() *reqError {
	body := bytes.TrimPrefix(d.sc.body, []byte("\ufeff"))
	r := csv.NewReader(bytes.NewReader(body))
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	var cols []int
	first := true
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
			}
			return &reqError{status: 400, msg: "malformed CSV: " + err.Error(), typ: "value_error.csv", loc: []any{"body", "csv", line}}
		}
		line, _ := r.FieldPos(0)
		if first {
			first = false
			if !allNumbers(rec) {
				cols = d.csvHeader(rec)
				if len(d.sc.errs) >= maxErrors {
					break
				}
				continue
			}
		}
		if d.n >= d.max {
			w := at("csv")
			d.addErr(&w, "ensure this value has at most "+strconv.Itoa(d.max)+" items", "value_error.list.max_items",
				map[string]any{"limit_value": d.max})
			break
		}
		d.csvRow(rec, cols, at("csv").index(line))
		if len(d.sc.errs) >= maxErrors {
			break
		}
	}
	if len(d.sc.errs) > 0 {
		return &reqError{status: 422, msg: validationMsg(d.sc.errs), detail: d.sc.errs}
	}
	if d.n == 0 {
		return &reqError{status: 422, msg: "ensure this value has at least 1 items", typ: "value_error.list.min_items", loc: []any{"body", "csv"}}
	}
	return nil
}

func allNumbers(rec []string) bool {
	for _, f := range rec {
		if _, err := strconv.ParseFloat(strings.TrimSpace(f), 64); err != nil && !errors.Is(err, strconv.ErrRange) {
			return false
		}
	}
	return true
}

func (d *rowDecoder) csvHeader(rec []string) []int {
	cols := d.sc.cols[:0]
	mark := grow(d.sc.mark, d.v.d)
	clear(mark)
	d.sc.mark = mark
	w := at("csv").index(1)
	for c, name := range rec {
		name = strings.TrimSpace(name)
		j, ok := d.v.index[name]
		switch {
		case !ok && c == 0 && name == "":
		case !ok:
			x := w.index(c)
			d.addErr(&x, "unknown column "+perr.Quote(string(name)), "value_error.extra", nil)
		case mark[j]:
			x := w.index(c)
			d.addErr(&x, "column "+perr.Quote(string(name))+" appears twice", "value_error.duplicate", nil)
			ok = false
		default:
			mark[j] = true
		}
		if !ok {
			j = -1
		}
		cols = append(cols, j)
	}
	d.sc.cols = cols
	for j, ok := range mark {
		if !ok {
			d.addErr(&w, "column "+strconv.Quote(d.v.features[j])+" is missing", "value_error.missing", nil)
		}
	}
	return cols
}

func (d *rowDecoder) csvRow(rec []string, cols []int, w where) {
	x := d.newRow()
	width := d.v.d
	if cols != nil {
		width = len(cols)
	}
	if len(rec) != width {
		d.addErr(&w, "row has "+strconv.Itoa(len(rec))+" fields, want "+strconv.Itoa(width), "value_error.csv.fields", nil)
		return
	}
	for c, f := range rec {
		j := c
		if cols != nil {
			if j = cols[c]; j < 0 {
				continue
			}
		}
		if d.v.typed != nil {
			d.csvCell(&x[j], j, f, &w)
			continue
		}
		f = strings.TrimSpace(f)
		v, err := strconv.ParseFloat(f, 64)
		switch {
		case f == "":
			d.valueErr(&w, -1, d.v.features[j], "field required", "value_error.missing")
		case err != nil && !errors.Is(err, strconv.ErrRange):
			d.valueErr(&w, -1, d.v.features[j], "value is not a valid float", "type_error.float")
		case math.IsInf(v, 0) || math.IsNaN(v):
			d.valueErr(&w, -1, d.v.features[j], "value is not a finite number", "value_error.number.not_finite")
		default:
			x[j] = v
		}
	}
}
