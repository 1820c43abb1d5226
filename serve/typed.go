package serve

import (
	"bytes"
	"math"
	"strconv"

	"github.com/cairn-ml/cairn/internal/cell"
	"github.com/cairn-ml/cairn/linear"
)

// A model fitted on raw inputs (linear.Config.Inputs) takes a row with
// one value per input: a number for a numeric input, the code of a
// category for a categorical one, NaN for a missing value; it imputes,
// scales and encodes them itself. The server reads such rows from named
// fields of numbers, strings and nulls, and turns each string into its
// code with the model's levels, so the request path stays one []float64
// per row, as for any model.

// inputser is the optional method of a Predictor that takes raw inputs;
// *linear.Model has it (nil for a model fitted on features).
type inputser interface {
	Inputs() []linear.Input
}

// typedInputs is what a version knows of its raw inputs.
type typedInputs struct {
	text    []bool             // per input: categorical
	levels  []map[string]int32 // per categorical input: level -> code
	inputs  []linear.Input
	hasText bool
}

// typedOf returns the raw inputs of p, or nil for a model that takes
// plain features.
func typedOf(p Predictor) *typedInputs {
	is, ok := p.(inputser)
	if !ok {
		return nil
	}
	inputs := is.Inputs()
	if inputs == nil {
		return nil
	}
	t := &typedInputs{text: make([]bool, len(inputs)), levels: make([]map[string]int32, len(inputs)), inputs: inputs}
	for j, in := range inputs {
		if in.Kind != linear.Categorical {
			continue
		}
		t.text[j], t.hasText = true, true
		m := make(map[string]int32, len(in.Levels))
		for l, name := range in.Levels {
			m[name] = int32(l)
		}
		t.levels[j] = m
	}
	return t
}

// code returns the code of category s of input j: its index among the
// levels, or -1 for a category the model does not know (which the model
// ignores or refuses, as the input says).
func (t *typedInputs) code(j int, s []byte) float64 {
	if c, ok := t.levels[j][string(s)]; ok {
		return float64(c)
	}
	return -1
}

// testRow returns the row newVersion predicts on: zeros, and the first
// level of each categorical input (missing if it has none).
func (t *typedInputs) testRow(d int) []float64 {
	x := make([]float64, d)
	for j, text := range t.text {
		if text && len(t.inputs[j].Levels) == 0 {
			x[j] = math.NaN()
		}
	}
	return x
}

// cell reads the value of input j into *dst: for a model with raw inputs,
// a number, a string or null (a missing value); for another model, a
// number (value). Anything else is a validation error located at w plus
// col (an index) or name (when not empty).
func (d *rowDecoder) cell(dst *float64, j int, w *where, col int, name string) {
	t := d.v.typed
	if t == nil {
		d.value(dst, w, col, name)
		return
	}
	l := d.l
	switch k := l.kind(); {
	case k == kindNull:
		if l.skip() {
			*dst = math.NaN()
		}
	case k == kindString:
		s, ok := l.str()
		if !ok {
			return
		}
		if t.text[j] {
			*dst = t.code(j, s)
			return
		}
		// A number written as a string, or a missing marker, as pandas
		// reads a cell.
		if cell.IsMissing(s) {
			*dst = math.NaN()
			return
		}
		f, ok := cell.ParseFloat(s)
		switch {
		case !ok:
			d.valueErr(w, col, name, "value is not a valid float", "type_error.float")
		case math.IsInf(f, 0):
			d.valueErr(w, col, name, "value is not a finite number", "value_error.number.not_finite")
		default:
			*dst = f
		}
	case k == kindNumber && t.text[j]:
		// A category written as a number: its text as sent ("3").
		start := l.i
		if _, ok := l.number(); ok {
			*dst = t.code(j, l.b[start:l.i])
		}
	case k == kindNonFinite && l.peek() == 'N':
		if _, ok := l.nonFinite(); ok {
			*dst = math.NaN() // NaN is how pandas writes a missing value
		}
	case k == kindBool && t.text[j]:
		start := l.i
		if l.skip() {
			*dst = t.code(j, l.b[start:l.i])
		}
	default:
		d.value(dst, w, col, name)
	}
}

// csvCell reads field f of a CSV body as pandas' read_csv would into
// *dst, for input j of a model with raw inputs.
func (d *rowDecoder) csvCell(dst *float64, j int, f string, w *where) {
	t := d.v.typed
	switch {
	case cell.IsMissing(f):
		*dst = math.NaN()
	case t.text[j]:
		*dst = t.code(j, []byte(f))
	default:
		v, ok := cell.ParseFloat(f)
		switch {
		case !ok:
			d.valueErr(w, -1, d.v.features[j], "value is not a valid float", "type_error.float")
		case math.IsInf(v, 0):
			d.valueErr(w, -1, d.v.features[j], "value is not a finite number", "value_error.number.not_finite")
		default:
			*dst = v
		}
	}
}

// oipString is a string of an input tensor's data, kept until the tensor's
// input is known: its place in sc.t and its bytes in sc.strs.
type oipString struct {
	at, off, n int
}

// oipCell reads one value of tensor data into sc.t[i] for a model with
// raw inputs: a number, null or NaN (missing), or a string, kept aside.
func (d *rowDecoder) oipCell(i int, w *where, col int) {
	l := d.l
	sc := d.sc
	switch l.kind() {
	case kindNull:
		if l.skip() {
			sc.t[i] = math.NaN()
		}
	case kindString:
		s, ok := l.str()
		if !ok {
			return
		}
		sc.oipStrs = append(sc.oipStrs, oipString{at: i, off: len(sc.strs), n: len(s)})
		sc.strs = append(sc.strs, s...)
		sc.t[i] = math.NaN()
	case kindNonFinite:
		if l.peek() == 'N' {
			if _, ok := l.nonFinite(); ok {
				sc.t[i] = math.NaN()
			}
			return
		}
		fallthrough
	default:
		d.value(&sc.t[i], w, col, "")
	}
}

// oipTyped checks the tensors of a model with raw inputs against its
// inputs (BYTES for a categorical input, a numeric type for a numeric
// one) and turns the strings of each categorical input's tensor into
// codes. It reports false after recording an error.
func (d *rowDecoder) oipTyped() bool {
	sc := d.sc
	t := d.v.typed
	strs := sc.oipStrs
	for k := range sc.tensors {
		in := &sc.tensors[k]
		j := in.feature
		w := at("inputs").index(k)
		if j < 0 {
			if t.hasText {
				x := w.key("name")
				d.addErr(&x, "the model has text inputs: send one tensor per input, named by it", "value_error.shape", nil)
				return false
			}
			continue
		}
		name := d.v.features[j]
		if in.bytes != t.text[j] {
			x := w.key("datatype")
			want := "a numeric datatype (FP64, ...)"
			if t.text[j] {
				want = "BYTES"
			}
			d.addErr(&x, "input "+strconv.Quote(name)+" takes "+want, "value_error.datatype", nil)
			continue
		}
		lo, hi := in.off, in.off+in.count
		n := 0
		for _, s := range strs {
			if s.at < lo || s.at >= hi {
				continue
			}
			n++
			if t.text[j] {
				sc.t[s.at] = t.code(j, sc.strs[s.off:s.off+s.n])
			}
		}
		if t.text[j] && n < in.count {
			// Every value of a BYTES tensor is a string or null. The
			// strings are in the order of their places.
			si := 0
			for si < len(strs) && strs[si].at < lo {
				si++
			}
			for i := lo; i < hi; i++ {
				if si < len(strs) && strs[si].at == i {
					si++
					continue
				}
				if v := sc.t[i]; v == v {
					x := w.key("data")
					d.addErr(&x, "a BYTES tensor holds strings (or null)", "type_error.str", nil)
					return false
				}
			}
		} else if !t.text[j] && n > 0 {
			x := w.key("data")
			d.addErr(&x, "value is not a valid float", "type_error.float", nil)
		}
	}
	return len(sc.errs) == 0
}

// inputTensors returns the input tensors of v's metadata: one [n, d]
// tensor, or for a model with raw inputs one [n] tensor per input, BYTES
// for a text input.
func (v *version) inputTensors() []TensorSchema {
	if v.typed == nil {
		return []TensorSchema{{Name: "input", Datatype: "FP64", Shape: []int{-1, v.d}}}
	}
	out := make([]TensorSchema, v.d)
	for j, name := range v.features {
		out[j] = TensorSchema{Name: name, Datatype: "FP64", Shape: []int{-1}}
		if v.typed.text[j] {
			out[j].Datatype = "BYTES"
		}
	}
	return out
}

// maxEnum bounds the categories the OpenAPI document lists for a text
// input.
const maxEnum = 100

// inputSchemas returns the OpenAPI schema of each input of v, in order:
// a number, or for a model with raw inputs a nullable number or a
// nullable string with its categories.
func (v *version) inputSchemas() []obj {
	out := make([]obj, v.d)
	for j := range out {
		switch {
		case v.typed == nil:
			out[j] = obj{"type": "number"}
		case v.typed.text[j]:
			levels := v.typed.inputs[j].Levels
			s := obj{"type": "string", "nullable": true,
				"description": "a category; one not in the list is unknown to the model, null is missing"}
			if len(levels) <= maxEnum {
				s["enum"] = levels
			}
			out[j] = s
		default:
			out[j] = obj{"type": "number", "nullable": true, "description": "null is missing"}
		}
	}
	return out
}

// isBytesType reports whether s is the datatype BYTES.
func isBytesType(s []byte) bool { return bytes.Equal(s, []byte("BYTES")) }
