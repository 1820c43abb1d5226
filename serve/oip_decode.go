package serve

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/cairn-ml/cairn/internal/perr"
)

// The outputs an infer request may ask for.
const (
	outProba = 1 << iota
	outLabel
)

// tensorIn is one input tensor of an infer request as read.
type tensorIn struct {
	feature    int // the feature the tensor is named after, or -1
	shape      [4]int
	ndim       int
	hasName    bool
	hasShape   bool
	hasType    bool
	hasData    bool
	bytes      bool // datatype BYTES (a text input of a model with raw inputs)
	dtype      int  // index in oipTypes, or -1
	off, count int  // its values in sc.t
	bools      int  // how many of them were JSON booleans (read as 1 and 0)
	firstBool  int  // the index of the first boolean, or -1
	firstNum   int  // the index of the first number, or -1
}

// oipType is an Open Inference Protocol tensor datatype an input may have,
// and the values it holds.
type oipType struct {
	name string
	// An integer type holds the integers from lo to hi (hi itself unless
	// hiOpen), written rng; a float type (integer false) rounds each value
	// to its precision (mant bits after the point, exponents down to emin)
	// and overflows beyond max.
	integer bool
	lo, hi  float64
	hiOpen  bool
	rng     string
	mant    int
	emin    int
	max     float64
}

// oipTypes are the datatypes of the Open Inference Protocol's tensor data
// types table that hold numbers (BYTES holds text: a text input of a model
// with raw inputs takes it; BF16 is the gRPC protocol's addition). BOOL
// holds JSON true and false, read as 1 and 0.
var oipTypes = [...]oipType{
	{name: "BOOL"},
	{name: "UINT8", integer: true, hi: math.MaxUint8, rng: "[0, 255]"},
	{name: "UINT16", integer: true, hi: math.MaxUint16, rng: "[0, 65535]"},
	{name: "UINT32", integer: true, hi: math.MaxUint32, rng: "[0, 4294967295]"},
	{name: "UINT64", integer: true, hi: 0x1p64, hiOpen: true, rng: "[0, 18446744073709551615]"},
	{name: "INT8", integer: true, lo: math.MinInt8, hi: math.MaxInt8, rng: "[-128, 127]"},
	{name: "INT16", integer: true, lo: math.MinInt16, hi: math.MaxInt16, rng: "[-32768, 32767]"},
	{name: "INT32", integer: true, lo: math.MinInt32, hi: math.MaxInt32, rng: "[-2147483648, 2147483647]"},
	{name: "INT64", integer: true, lo: -0x1p63, hi: 0x1p63, hiOpen: true, rng: "[-9223372036854775808, 9223372036854775807]"},
	{name: "FP16", mant: 10, emin: -14, max: 65504},
	{name: "BF16", mant: 7, emin: -126, max: 0x1.fep127},
	{name: "FP32", mant: 23, emin: -126, max: math.MaxFloat32},
	{name: "FP64", mant: 52, emin: -1022, max: math.MaxFloat64},
}

const typeBOOL = 0

// numericTypes lists the names of oipTypes, for /openapi.json.
var numericTypes = func() (names [len(oipTypes)]string) {
	for i, t := range oipTypes {
		names[i] = t.name
	}
	return names
}()

// oipTypeIndex returns the index in oipTypes of datatype s, matched as
// KServe matches it (in any case), or -1.
func oipTypeIndex(s []byte) int {
	for i, t := range oipTypes {
		if len(s) == len(t.name) && strings.EqualFold(string(s), t.name) {
			return i
		}
	}
	return -1
}

// check reports whether v is a value of type t and returns it as t holds
// it: an integer type takes integers in its range (UINT64 and INT64 up to
// 2^64 and 2^63 exclusive); a float type rounds v to its precision, to
// nearest with ties to even as a conversion in C or numpy does, and
// refuses a v that would overflow it.
func (t *oipType) check(v float64) (float64, bool) {
	if t.integer {
		ok := v == math.Trunc(v) && v >= t.lo && (v < t.hi || v == t.hi && !t.hiOpen)
		return v, ok
	}
	if t.mant == 52 || v == 0 || math.IsNaN(v) {
		return v, true
	}
	a := math.Abs(v)
	_, exp := math.Frexp(a) // a = f * 2^exp, f in [0.5, 1)
	e := max(exp-1, t.emin)
	ulp := math.Ldexp(1, e-t.mant)
	r := math.RoundToEven(a/ulp) * ulp
	if r > t.max {
		return v, false
	}
	return math.Copysign(r, v), true
}

// oipRequest is what decodeOIP found besides the rows.
type oipRequest struct {
	id      []byte // the raw JSON string of "id", quotes included; nil if none
	outputs int    // outProba|outLabel
}

// decodeOIP reads the body of an Open Inference Protocol infer request:
//
//	{"id": "...", "parameters": {...},
//	 "inputs": [{"name": "input-0", "shape": [n, d], "datatype": "FP64", "data": [...]}],
//	 "outputs": [{"name": "probabilities"}, {"name": "label"}]}
//
// The rows come either as one tensor of shape [n, d] (any name; data flat
// or nested, row-major) or as one tensor per feature, named by the
// feature, of shape [n] or [n, 1].
func (d *rowDecoder) decodeOIP(req *oipRequest) *reqError {
	l := d.l
	sc := d.sc
	sc.tensors = sc.tensors[:0]
	sc.t = sc.t[:0]
	sc.oipStrs, sc.strs = sc.oipStrs[:0], sc.strs[:0]
	req.outputs = 0
	haveInputs := false
	if d.topObject() {
		for first := true; l.more(&first, '}'); {
			k, ok := l.key()
			if !ok {
				break
			}
			switch string(k) {
			case "inputs":
				haveInputs = true
				d.oipInputs()
			case "outputs":
				req.outputs = d.oipOutputs()
			case "id":
				w := at("id")
				if l.kind() != kindString {
					if l.skip() {
						d.addErr(&w, "str type expected", "type_error.str", nil)
					}
					continue
				}
				start := l.i
				if s, ok := l.str(); ok {
					req.id = l.b[start:l.i] // the JSON string as sent, written back as is
					if !utf8.Valid(req.id) {
						req.id = jsonString(string(s)) // invalid bytes become U+FFFD
					}
				}
			default:
				l.skip()
			}
		}
	}
	if req.outputs == 0 {
		req.outputs = outProba | outLabel
	}
	if l.err == nil {
		l.end()
	}
	if e := d.syntax(); e != nil {
		return e
	}
	if len(sc.errs) == 0 && haveInputs {
		d.oipRows()
	}
	if len(sc.errs) > 0 {
		return &reqError{status: 422, msg: validationMsg(sc.errs), detail: sc.errs}
	}
	if !haveInputs {
		return &reqError{status: 422, msg: "field required: inputs", typ: "value_error.missing", loc: []any{"body", "inputs"}}
	}
	return nil
}

func (d *rowDecoder) oipInputs() {
	l := d.l
	w := at("inputs")
	if l.kind() != kindArray {
		if l.skip() {
			d.addErr(&w, "value is not a valid list", "type_error.list", nil)
		}
		return
	}
	l.i++
	for first := true; l.more(&first, ']'); {
		t := len(d.sc.tensors)
		wt := w.index(t)
		if t >= d.v.d { // more tensors than features cannot be valid
			if l.skip() {
				d.addErr(&wt, "too many input tensors: the model has "+strconv.Itoa(d.v.d)+" features", "value_error.list.max_items", nil)
			}
			continue
		}
		d.sc.tensors = append(d.sc.tensors, tensorIn{feature: -1, dtype: -1, firstBool: -1, firstNum: -1})
		d.oipTensor(&d.sc.tensors[t], wt)
	}
	if l.err == nil && len(d.sc.tensors) == 0 {
		d.addErr(&w, "ensure this value has at least 1 items", "value_error.list.min_items", map[string]any{"limit_value": 1})
	}
}

func (d *rowDecoder) oipTensor(in *tensorIn, w where) {
	l := d.l
	if l.kind() != kindObject {
		if l.skip() {
			d.addErr(&w, "value is not a valid dict", "type_error.dict", nil)
		}
		return
	}
	l.i++
	for first := true; l.more(&first, '}'); {
		k, ok := l.key()
		if !ok {
			return
		}
		switch string(k) {
		case "name":
			in.hasName = true
			if l.kind() != kindString {
				if l.skip() {
					x := w.key("name")
					d.addErr(&x, "str type expected", "type_error.str", nil)
				}
				continue
			}
			if s, ok := l.str(); ok {
				// A name that is not a feature's is allowed (and ignored)
				// only for a single [n, d] tensor.
				j, isFeature := d.v.index[string(s)]
				if !isFeature {
					j = -1
				}
				in.feature = j
			}
		case "datatype":
			in.hasType = true
			x := w.key("datatype")
			if l.kind() != kindString {
				if l.skip() {
					d.addErr(&x, "str type expected", "type_error.str", nil)
				}
				continue
			}
			s, ok := l.str()
			if !ok {
				continue
			}
			if d.v.typed != nil && isBytesType(s) {
				in.bytes = true
				continue
			}
			if in.dtype = oipTypeIndex(s); in.dtype < 0 {
				d.addErr(&x, "unsupported datatype "+perr.Quote(string(s))+": want BOOL, an integer type (INT8 to INT64, UINT8 to UINT64) or a float type (FP16, BF16, FP32, FP64)", "value_error.datatype", nil)
			}
		case "shape":
			in.hasShape = true
			d.oipShape(in, w.key("shape"))
		case "data":
			in.hasData = true
			in.off = len(d.sc.t)
			d.oipData(w.key("data"), 0, in)
			in.count = len(d.sc.t) - in.off
		default:
			l.skip()
		}
	}
	if l.err != nil {
		return
	}
	for _, f := range [...]struct {
		have bool
		name string
	}{{in.hasName, "name"}, {in.hasShape, "shape"}, {in.hasType, "datatype"}, {in.hasData, "data"}} {
		if !f.have {
			x := w.key(f.name)
			d.addErr(&x, "field required", "value_error.missing", nil)
		}
	}
	if in.hasData && in.dtype >= 0 {
		d.oipCheckType(in, w.key("data"))
	}
}

// oipCheckType checks the values of tensor in against its datatype, as a
// server that decodes them into that type must (KServe converts them with
// numpy, which would truncate 17.99 to 17 for INT8, or wrap 300 to 44):
// BOOL takes JSON booleans only, the integer types integers in their range,
// the float types numbers within their range, rounded to their precision.
// The first value that does not fit is reported. A NaN is a missing value
// (null) or a string of a model with raw inputs, which oipTyped checks.
func (d *rowDecoder) oipCheckType(in *tensorIn, w where) {
	t := &oipTypes[in.dtype]
	switch {
	case in.dtype == typeBOOL && in.firstNum >= 0:
		x := w.index(in.firstNum)
		d.addErr(&x, "value is not a valid boolean: the datatype is BOOL", "type_error.bool", nil)
		return
	case in.dtype == typeBOOL:
		return
	case in.firstBool >= 0:
		x := w.index(in.firstBool)
		d.addErr(&x, "value is a boolean: the datatype is "+t.name+", not BOOL", "type_error.float", nil)
		return
	}
	vals := d.sc.t[in.off : in.off+in.count]
	for i, v := range vals {
		if math.IsNaN(v) && d.v.typed != nil {
			continue
		}
		r, ok := t.check(v)
		if !ok {
			x := w.index(i)
			msg := "value overflows " + t.name + ": want a number of at most " + strconv.FormatFloat(t.max, 'g', 5, 64) + " in magnitude"
			if t.integer {
				msg = "value is not a valid " + t.name + ": want an integer in " + t.rng
			}
			d.addErr(&x, msg, "value_error.datatype", map[string]any{"datatype": t.name})
			return
		}
		vals[i] = r
	}
}

func (d *rowDecoder) oipShape(in *tensorIn, w where) {
	l := d.l
	if l.kind() != kindArray {
		if l.skip() {
			d.addErr(&w, "value is not a valid list", "type_error.list", nil)
		}
		return
	}
	l.i++
	in.ndim = 0
	bad := false
	for first := true; l.more(&first, ']'); {
		x := w.index(in.ndim)
		if l.kind() != kindNumber {
			if l.skip() && !bad {
				bad = true
				d.addErr(&x, "value is not a valid integer", "type_error.integer", nil)
			}
			continue
		}
		f, ok := l.number()
		if !ok {
			return
		}
		if in.ndim >= len(in.shape) {
			if !bad {
				bad = true
				d.addErr(&w, "shape has more than "+strconv.Itoa(len(in.shape))+" dimensions", "value_error.shape", nil)
			}
			continue
		}
		if f != float64(int(f)) || f < 0 || f > 1<<31 {
			if !bad {
				bad = true
				d.addErr(&x, "dimension must be a non-negative integer", "value_error.shape", nil)
			}
			continue
		}
		in.shape[in.ndim] = int(f)
		in.ndim++
	}
	if bad {
		in.ndim = -1
	}
}

// oipData reads the data of tensor in, flat or nested, appending the values
// to sc.t. A JSON boolean is read as 1 or 0 and counted in in.bools, for
// oipCheckType to accept (BOOL) or refuse (any other datatype).
func (d *rowDecoder) oipData(w where, depth int, in *tensorIn) {
	off := in.off
	l := d.l
	if l.kind() != kindArray {
		if l.skip() {
			d.addErr(&w, "value is not a valid list", "type_error.list", nil)
		}
		return
	}
	if depth >= 4 {
		d.addErr(&w, "data is nested more deeply than 4 dimensions", "value_error.shape", nil)
		l.skip()
		return
	}
	// (The first number's index is kept for a BOOL tensor's error.)
	number := func(i int) {
		if in.firstNum < 0 {
			in.firstNum = i - off
		}
	}
	limit := min(d.max, math.MaxInt/d.v.d) * d.v.d // no overflow for a huge MaxBatch
	// A list of plain numbers in one pass (fastArray), into room for as
	// many as the rest of the body can hold, up to the limit.
	t := d.sc.t
	if room := min(limit-len(t), (len(l.b)-l.i)/2); room > 0 {
		if cap(t)-len(t) < room {
			nt := make([]float64, len(t), len(t)+room)
			copy(nt, t)
			t = nt
		}
		if n, end, ok := fastArray(l.b, l.i, t[len(t):len(t)+room], nil); ok {
			if n > 0 {
				number(len(t))
			}
			d.sc.t = t[:len(t)+n]
			l.i = end
			return
		}
		d.sc.t = t
	}
	l.i++
	first := true
	// Plain numbers in a tight loop first, as arrayRow does.
	for b := l.b; len(d.sc.t) < limit; {
		i := skipSpace(b, l.i)
		if !numberStart(b, i) {
			break
		}
		l.i = i
		f, ok := l.number()
		if !ok {
			return
		}
		n := len(d.sc.t)
		number(n)
		d.sc.t = append(d.sc.t, f)
		if f > math.MaxFloat64 || f < -math.MaxFloat64 {
			d.valueErr(&w, n-off, "", "value is not a finite number (it overflows float64)", "value_error.number.not_finite")
		}
		first = false
		i = skipSpace(b, l.i)
		if i < len(b) && b[i] == ',' && len(d.sc.t) < limit && numberStart(b, skipSpace(b, i+1)) {
			l.i = i + 1
			continue
		}
		l.i = i
		break
	}
	for l.more(&first, ']') {
		if l.peek() == '[' {
			d.oipData(w, depth+1, in)
			continue
		}
		i := len(d.sc.t)
		if i >= limit {
			d.tooMany(&w)
			return
		}
		if l.kind() == kindBool {
			v := 0.0
			switch {
			case l.literal("true"):
				v = 1
			case l.literal("false"):
			default:
				l.unexpected("a value")
				return
			}
			d.sc.t = append(d.sc.t, v)
			if in.bools++; in.firstBool < 0 {
				in.firstBool = i - off
			}
			continue
		}
		if l.kind() == kindNumber {
			number(i)
		}
		d.sc.t = append(d.sc.t, 0)
		if d.v.typed != nil {
			d.oipCell(i, &w, i-off)
			continue
		}
		d.value(&d.sc.t[i], &w, i-off, "")
	}
}

// oipOutputs reads the requested outputs.
func (d *rowDecoder) oipOutputs() int {
	l := d.l
	w := at("outputs")
	if l.kind() != kindArray {
		if l.skip() {
			d.addErr(&w, "value is not a valid list", "type_error.list", nil)
		}
		return 0
	}
	l.i++
	want := 0
	for i, first := 0, true; l.more(&first, ']'); i++ {
		wi := w.index(i)
		if l.kind() != kindObject {
			if l.skip() {
				d.addErr(&wi, "value is not a valid dict", "type_error.dict", nil)
			}
			continue
		}
		l.i++
		named := false
		for first := true; l.more(&first, '}'); {
			k, ok := l.key()
			if !ok {
				return 0
			}
			if string(k) != "name" {
				l.skip()
				continue
			}
			named = true
			x := wi.key("name")
			if l.kind() != kindString {
				if l.skip() {
					d.addErr(&x, "str type expected", "type_error.str", nil)
				}
				continue
			}
			s, ok := l.str()
			switch {
			case !ok:
				return 0
			case string(s) == "probabilities":
				want |= outProba
			case string(s) == "label":
				want |= outLabel
			default:
				d.addErr(&x, "unknown output "+perr.Quote(string(s))+": the outputs are \"probabilities\" and \"label\"", "value_error.output", nil)
			}
		}
		if !named && l.err == nil {
			x := wi.key("name")
			d.addErr(&x, "field required", "value_error.missing", nil)
		}
	}
	return want
}

// oipRows turns the input tensors into rows in sc.x.
func (d *rowDecoder) oipRows() {
	sc := d.sc
	ts := sc.tensors
	for t := range ts {
		in := &ts[t]
		if in.ndim < 0 {
			return // reported
		}
		size := 1
		for _, n := range in.shape[:in.ndim] {
			size *= n
		}
		if size != in.count {
			w := at("inputs").index(t).key("shape")
			d.addErr(&w, "shape "+shapeText(in)+" holds "+strconv.Itoa(size)+" values, data has "+strconv.Itoa(in.count), "value_error.shape", nil)
			return
		}
	}
	if d.v.typed != nil && !d.oipTyped() {
		return
	}
	dd := d.v.d
	if len(ts) == 1 && (ts[0].feature < 0 || ts[0].ndim == 2 && ts[0].shape[1] == dd) {
		in := &ts[0]
		n := 0
		switch {
		case in.ndim == 2 && in.shape[1] == dd:
			n = in.shape[0]
		case in.ndim == 1 && dd == 1:
			n = in.shape[0]
		default:
			w := at("inputs").index(0).key("shape")
			d.addErr(&w, "shape "+shapeText(in)+" does not match the model: want [n, "+strconv.Itoa(dd)+"]", "value_error.shape", nil)
			return
		}
		if !d.checkRows(n, at("inputs").index(0).key("shape")) {
			return
		}
		sc.x, sc.t = sc.t[:n*dd], sc.x
		d.n = n
		return
	}
	// One tensor per feature.
	n := -1
	seen := sc.seen
	for t := range ts {
		in := &ts[t]
		w := at("inputs").index(t)
		j := in.feature
		switch {
		case j < 0:
			x := w.key("name")
			d.addErr(&x, "with one tensor per feature, the tensor names must be the model's features", "value_error.extra", nil)
			continue
		case seen[j] != 0:
			x := w.key("name")
			d.addErr(&x, "feature "+strconv.Quote(d.v.features[j])+" appears twice", "value_error.duplicate", nil)
			continue
		case !(in.ndim == 1 || in.ndim == 2 && in.shape[1] == 1):
			x := w.key("shape")
			d.addErr(&x, "shape "+shapeText(in)+": a feature's tensor must be [n] or [n, 1]", "value_error.shape", nil)
			continue
		}
		seen[j] = 1
		if n < 0 {
			n = in.shape[0]
		} else if in.shape[0] != n {
			x := w.key("shape")
			d.addErr(&x, "tensors have different numbers of rows", "value_error.shape", nil)
		}
	}
	for j, s := range seen {
		if s == 0 {
			w := at("inputs")
			d.addErr(&w, "no tensor for feature "+strconv.Quote(d.v.features[j]), "value_error.missing", nil)
		}
	}
	if len(sc.errs) > 0 || !d.checkRows(n, at("inputs")) {
		return
	}
	sc.x = grow(sc.x, n*dd)
	for t := range ts {
		in := &ts[t]
		j := in.feature
		for i, f := range sc.t[in.off : in.off+in.count] {
			sc.x[i*dd+j] = f
		}
	}
	d.n = n
}

func (d *rowDecoder) checkRows(n int, w where) bool {
	switch {
	case n == 0:
		d.addErr(&w, "ensure this value has at least 1 items", "value_error.list.min_items", map[string]any{"limit_value": 1})
	case n > d.max:
		d.addErr(&w, "ensure this value has at most "+strconv.Itoa(d.max)+" items", "value_error.list.max_items", map[string]any{"limit_value": d.max})
	default:
		return true
	}
	return false
}

func shapeText(in *tensorIn) string {
	b := []byte{'['}
	for i, n := range in.shape[:in.ndim] {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = strconv.AppendInt(b, int64(n), 10)
	}
	return string(append(b, ']'))
}
