package serve

import (
	"math"
	"strconv"

	"github.com/cairn-ml/cairn/internal/perr"
)

// Validation errors stop being collected after maxErrors; the request
// fails with those.
const maxErrors = 10

// reqError is a request that fails: the status, a one-line message and,
// for validation errors, FastAPI-style details. A nil detail means one
// entry made of loc, msg and typ.
type reqError struct {
	status int
	msg    string
	typ    string
	loc    []any
	detail []FieldError
}

// fields returns the error's detail list.
func (e *reqError) fields() []FieldError {
	if e.detail != nil {
		return e.detail
	}
	loc := e.loc
	if loc == nil {
		loc = []any{"body"}
	}
	return []FieldError{{Loc: loc, Msg: e.msg, Type: e.typ}}
}

// errStopped marks a lexer stopped on purpose (too many validation
// errors, or too many rows); it is never reported as bad JSON.
var errStopped = &syntaxError{Msg: "stopped"}

// where is a location in the request body, for error details: up to six
// keys and indexes under "body". It is built on the stack and turned into
// a []any only when an error is reported.
type where struct {
	n int
	p [6]locPart
}

type locPart struct {
	s   string
	i   int
	int bool
}

func at(keys ...string) where {
	var w where
	for _, k := range keys {
		w = w.key(k)
	}
	return w
}

func (w where) key(s string) where {
	if w.n < len(w.p) {
		w.p[w.n] = locPart{s: s}
		w.n++
	}
	return w
}

func (w where) index(i int) where {
	if w.n < len(w.p) {
		w.p[w.n] = locPart{i: i, int: true}
		w.n++
	}
	return w
}

func (w *where) loc() []any {
	loc := make([]any, 1, 1+w.n)
	loc[0] = "body"
	for _, p := range w.p[:w.n] {
		if p.int {
			loc = append(loc, p.i)
		} else {
			loc = append(loc, p.s)
		}
	}
	return loc
}

// rowDecoder reads rows of features for one model version into sc.x
// (row-major, n x d, in the model's feature order), collecting
// validation errors in sc.errs.
type rowDecoder struct {
	l   *lexer
	v   *version
	sc  *scratch
	n   int // rows read
	max int // most rows allowed
}

func (d *rowDecoder) addErr(w *where, msg, typ string, ctx map[string]any) {
	d.sc.errs = append(d.sc.errs, FieldError{Loc: w.loc(), Msg: msg, Type: typ, Ctx: ctx})
	if len(d.sc.errs) >= maxErrors {
		d.stop()
	}
}

func (d *rowDecoder) stop() {
	if d.l.err == nil {
		d.l.err = errStopped
		d.l.i = len(d.l.b)
	}
}

// newRow appends a row to sc.x and returns it. Its values are stale until
// written.
func (d *rowDecoder) newRow() []float64 {
	dd := d.v.d
	need := (d.n + 1) * dd
	x := d.sc.x
	if cap(x) < need {
		nx := make([]float64, need, max(need, 2*cap(x), 64))
		copy(nx, x[:d.n*dd])
		x = nx
	}
	d.sc.x = x[:need]
	d.n++
	return d.sc.x[need-dd : need]
}

// tooMany reports a batch over the limit and stops reading.
func (d *rowDecoder) tooMany(w *where) {
	d.addErr(w, "ensure this value has at most "+strconv.Itoa(d.max)+" items", "value_error.list.max_items",
		map[string]any{"limit_value": d.max})
	d.stop()
}

// value reads a number into *dst. Anything else is a validation error
// located at w plus col (an index) or name (when not empty).
func (d *rowDecoder) value(dst *float64, w *where, col int, name string) {
	l := d.l
	k := l.kind()
	if k == kindNumber {
		f, ok := l.number()
		if !ok {
			return
		}
		if math.IsInf(f, 0) {
			d.valueErr(w, col, name, "value is not a finite number (it overflows float64)", "value_error.number.not_finite")
			return
		}
		*dst = f
		return
	}
	switch k {
	case kindNonFinite:
		if _, ok := l.nonFinite(); ok {
			d.valueErr(w, col, name, "value is not a finite number", "value_error.number.not_finite")
		}
	case kindNull:
		if l.skip() {
			d.valueErr(w, col, name, "none is not an allowed value", "type_error.none.not_allowed")
		}
	case kindString, kindBool, kindArray, kindObject:
		if l.skip() {
			d.valueErr(w, col, name, "value is not a valid float", "type_error.float")
		}
	default:
		l.unexpected("a value")
	}
}

func (d *rowDecoder) valueErr(w *where, col int, name, msg, typ string) {
	x := *w
	if name != "" {
		x = x.key(name)
	} else if col >= 0 {
		x = x.index(col)
	}
	d.addErr(&x, msg, typ, nil)
}

// rows reads a list of instances at w: each an array of numbers (in the
// model's feature order, or in the order of cols when cols is not nil, -1
// marking a column to ignore), an object keyed by feature name, or, for a
// one-feature model, a bare number.
func (d *rowDecoder) rows(w where, cols []int) {
	l := d.l
	if l.kind() != kindArray {
		if l.skip() {
			d.addErr(&w, "value is not a valid list", "type_error.list", nil)
		}
		return
	}
	l.i++
	for first := true; l.more(&first, ']'); {
		if d.n >= d.max {
			d.tooMany(&w)
			return
		}
		wr := w.index(d.n)
		switch l.kind() {
		case kindArray:
			d.arrayRow(&wr, cols)
		case kindObject:
			d.objectRow(&wr)
		case kindNumber, kindNonFinite:
			if d.v.d == 1 && cols == nil {
				x := d.newRow()
				d.cell(&x[0], 0, &wr, -1, "")
				continue
			}
			fallthrough
		default:
			if l.skip() {
				d.newRow()
				d.addErr(&wr, "value is not a valid list or object of "+strconv.Itoa(d.v.d)+" features", "type_error.list", nil)
			}
		}
	}
}

// arrayRow reads one instance written as an array.
func (d *rowDecoder) arrayRow(w *where, cols []int) {
	l := d.l
	x := d.newRow()
	width := d.v.d
	if cols != nil {
		width = len(cols)
	}
	text := d.v.typed != nil && d.v.typed.hasText
	if !text {
		if n, end, ok := fastArray(l.b, l.i, x, cols); ok && n == width {
			l.i = end
			return
		}
	}
	l.i++ // '['
	j := 0
	first := true
	// The common case first: plain numbers, read in a tight loop. It
	// hands over to the general loop below, positioned before a
	// separator, at anything else.
	b := l.b
	for j < width && !text {
		c := j
		if cols != nil {
			if c = cols[j]; c < 0 {
				break
			}
		}
		i := skipSpace(b, l.i)
		if !numberStart(b, i) {
			break
		}
		l.i = i
		f, ok := l.number()
		if !ok {
			return
		}
		if f > math.MaxFloat64 || f < -math.MaxFloat64 {
			d.valueErr(w, j, "", "value is not a finite number (it overflows float64)", "value_error.number.not_finite")
		} else {
			x[c] = f
		}
		j++
		first = false
		i = skipSpace(b, l.i)
		if i < len(b) && b[i] == ',' && j < width && numberStart(b, skipSpace(b, i+1)) {
			l.i = i + 1
			continue
		}
		l.i = i
		break
	}
	for ; l.more(&first, ']'); j++ {
		if j >= width {
			if !l.skip() {
				return
			}
			continue
		}
		c := j
		if cols != nil {
			if c = cols[j]; c < 0 {
				if !l.skip() {
					return
				}
				continue
			}
		}
		d.cell(&x[c], c, w, j, "")
	}
	if l.err != nil {
		return
	}
	switch {
	case j < width:
		d.addErr(w, "ensure this value has at least "+strconv.Itoa(width)+" items", "value_error.list.min_items",
			map[string]any{"limit_value": width})
	case j > width:
		d.addErr(w, "ensure this value has at most "+strconv.Itoa(width)+" items", "value_error.list.max_items",
			map[string]any{"limit_value": width})
	}
}

// skipSpace returns the offset of the first byte at or after i that is
// not JSON white space.
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\t' || b[i] == '\r') {
		i++
	}
	return i
}

// numberStart reports whether a JSON number (not -Infinity) starts at
// b[i].
func numberStart(b []byte, i int) bool {
	if i >= len(b) {
		return false
	}
	c := b[i]
	return '0' <= c && c <= '9' || c == '-' && i+1 < len(b) && b[i+1] != 'I'
}

// objectRow reads one instance written as an object of feature values.
func (d *rowDecoder) objectRow(w *where) {
	l := d.l
	x := d.newRow()
	seen := d.sc.seen
	stamp := uint32(d.n) // rows are numbered from 1 here, so 0 is never a stamp
	l.i++                // '{'
	for first := true; l.more(&first, '}'); {
		k, ok := l.key()
		if !ok {
			return
		}
		j, ok := d.v.index[string(k)]
		if !ok {
			name := perr.Clip(string(k)) // a huge key is not repeated whole
			if l.skip() {
				x := w.key(name)
				d.addErr(&x, "extra fields not permitted", "value_error.extra", nil)
			}
			continue
		}
		d.cell(&x[j], j, w, -1, d.v.features[j])
		seen[j] = stamp
	}
	if l.err != nil {
		return
	}
	for j, s := range seen {
		if s != stamp {
			x := w.key(d.v.features[j])
			d.addErr(&x, "field required", "value_error.missing", nil)
			if l.err != nil {
				return
			}
		}
	}
}

// columns reads instances written column by column: an object whose keys
// are feature names and whose values are lists of equal length.
func (d *rowDecoder) columns(w where) {
	l := d.l
	l.i++ // '{'
	seen := d.sc.seen
	n := -1
	dd := d.v.d
	for first := true; l.more(&first, '}'); {
		k, ok := l.key()
		if !ok {
			return
		}
		j, ok := d.v.index[string(k)]
		if !ok {
			name := perr.Clip(string(k)) // a huge key is not repeated whole
			if l.skip() {
				x := w.key(name)
				d.addErr(&x, "extra fields not permitted", "value_error.extra", nil)
			}
			continue
		}
		seen[j] = 1
		wc := w.key(d.v.features[j])
		if l.kind() != kindArray {
			if l.skip() {
				d.addErr(&wc, "value is not a valid list", "type_error.list", nil)
			}
			continue
		}
		l.i++
		i := 0
		for first := true; l.more(&first, ']'); i++ {
			if i >= d.max {
				d.tooMany(&wc)
				return
			}
			if i >= d.n {
				d.newRow()
			}
			d.cell(&d.sc.x[i*dd+j], j, &wc, i, "")
		}
		if l.err != nil {
			return
		}
		if n < 0 {
			n = i
		} else if i != n {
			d.addErr(&wc, "column has "+strconv.Itoa(i)+" values, the first had "+strconv.Itoa(n), "value_error.list.length", nil)
		}
	}
	if l.err != nil {
		return
	}
	for j, s := range seen {
		if s != 1 {
			x := w.key(d.v.features[j])
			d.addErr(&x, "field required", "value_error.missing", nil)
			if l.err != nil {
				return
			}
		}
	}
}

// instances reads what may be a list of instances or an object of
// columns (the forms "instances" and "inputs" take).
func (d *rowDecoder) instances(w where) {
	if d.l.kind() == kindObject {
		d.columns(w)
		return
	}
	d.rows(w, nil)
}

// start prepares the decoder for a request body.
func (d *rowDecoder) start(sc *scratch, v *version, maxRows int) {
	sc.l.reset(sc.body)
	sc.errs = sc.errs[:0]
	sc.x = sc.x[:0]
	sc.seen = grow(sc.seen, v.d)
	clear(sc.seen)
	*d = rowDecoder{l: &sc.l, v: v, sc: sc, max: maxRows}
}

// finish checks the end of the body and turns what went wrong into a
// request error: bad JSON (400) first, then validation errors (422), then
// a missing field (the key, if not ""), then an empty batch at w.
func (d *rowDecoder) finish(missing string, w where) *reqError {
	l := d.l
	if l.err == nil {
		l.end()
	}
	if e := d.syntax(); e != nil {
		return e
	}
	if len(d.sc.errs) > 0 {
		return &reqError{status: 422, msg: validationMsg(d.sc.errs), detail: d.sc.errs}
	}
	if missing != "" {
		return &reqError{status: 422, msg: "field required: " + missing, typ: "value_error.missing", loc: []any{"body", missing}}
	}
	if d.n == 0 {
		return &reqError{status: 422, msg: "ensure this value has at least 1 items", typ: "value_error.list.min_items", loc: w.loc()}
	}
	return nil
}

// syntax returns the lexer's syntax error as a 400.
func (d *rowDecoder) syntax() *reqError {
	if e := d.l.err; e != nil && e != errStopped {
		return jsonError(e, len(d.l.b))
	}
	return nil
}

func jsonError(e *syntaxError, size int) *reqError {
	if size == 0 {
		return &reqError{status: 422, msg: "field required: the request has no body", typ: "value_error.missing", loc: []any{"body"}}
	}
	msg := "malformed JSON at byte " + strconv.Itoa(e.Off) + ": " + e.Msg
	return &reqError{status: 400, msg: msg, typ: "value_error.jsondecode", loc: []any{"body", e.Off}}
}

func validationMsg(errs []FieldError) string {
	msg := "validation failed: " + errs[0].Msg
	if len(errs) > 1 {
		msg += " (and " + strconv.Itoa(len(errs)-1) + " more)"
	}
	return msg
}

// topObject enters the body's top-level object. If the body is not an
// object it returns false after recording the error (bad JSON, or
// valid JSON of another type).
func (d *rowDecoder) topObject() bool {
	l := d.l
	if l.kind() == kindObject {
		l.i++
		return true
	}
	if len(l.b) > 0 && l.skip() && l.end() {
		w := where{}
		d.addErr(&w, "value is not a valid dict", "type_error.dict", nil)
	} else if l.err == nil {
		l.unexpected("a value")
	}
	return false
}

// decodeV1 reads the body of POST /v1/models/{name}:predict:
// {"instances": [...]} or {"inputs": ...} (rows, records, or columns).
func (d *rowDecoder) decodeV1() *reqError {
	l := d.l
	found := ""
	if d.topObject() {
		for first := true; l.more(&first, '}'); {
			k, ok := l.key()
			if !ok {
				break
			}
			key := "inputs"
			switch string(k) {
			case "instances":
				key = "instances"
				fallthrough
			case "inputs":
				if found != "" {
					if l.skip() {
						w := at(key)
						d.addErr(&w, "give one of \"instances\" and \"inputs\", not both", "value_error.conflict", nil)
					}
					continue
				}
				found = key
				d.instances(at(key))
			default:
				l.skip()
			}
		}
	}
	if found == "" && len(d.sc.errs) == 0 {
		return d.finish("instances", where{})
	}
	return d.finish("", at(found))
}
