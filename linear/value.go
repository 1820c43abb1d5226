package linear

import (
	"fmt"
	"math"
	"strconv"
)

// Value is one raw cell of a record for PredictValuesInto: a number, a
// text, or missing (the zero Value).
type Value struct {
	text string
	num  float64
	kind uint8 // 0 missing, 1 number, 2 text
}

// Num returns a Value holding the number f (NaN is missing).
func Num(f float64) Value {
	if f != f {
		return Value{}
	}
	return Value{num: f, kind: 1}
}

// Text returns a Value holding the text s.
func Text(s string) Value { return Value{text: s, kind: 2} }

// IsMissing reports whether v is missing.
func (v Value) IsMissing() bool { return v.kind == 0 }

// String returns the number in its shortest form, the text, or "NA".
func (v Value) String() string {
	switch v.kind {
	case 1:
		return strconv.FormatFloat(v.num, 'g', -1, 64)
	case 2:
		return v.text
	}
	return "NA"
}

// PredictValuesInto writes the class probabilities of one raw record
// into dst (len k), for a model fitted with Config.Inputs: rec holds one
// Value per input, in the order of Inputs. A Categorical input takes a
// text, looked up among its Levels (a text that is not one is an unknown
// category), or a number, looked up as its shortest decimal form (3 is
// "3"); a Numeric input takes a number. Either may be missing. It does not
// allocate for models of up to 64 inputs.
//
// Errors wrap ErrShape (lengths), ErrInput (a text for a Numeric input,
// a category the input refuses), ErrNonFinite, or ErrNoModel (a model
// without inputs).
func (m *Model) PredictValuesInto(dst []float64, rec []Value) error {
	if m == nil || m.k == 0 || m.prep == nil {
		return fmt.Errorf("%w: PredictValuesInto needs a model fitted with Inputs", ErrNoModel)
	}
	p := m.prep
	if len(rec) != len(p.inputs) || len(dst) != m.k {
		return fmt.Errorf("%w: %d values into %d probabilities, model has %d inputs and %d classes", ErrShape, len(rec), len(dst), len(p.inputs), m.k)
	}
	var buf [64]float64
	x := buf[:0]
	if len(rec) > len(buf) {
		x = make([]float64, 0, len(rec))
	}
	var num [32]byte
	for j, v := range rec {
		in := &p.inputs[j]
		switch {
		case v.kind == 0:
			x = append(x, math.NaN())
		case in.Kind == Numeric && v.kind == 1:
			x = append(x, v.num)
		case in.Kind == Numeric:
			return fmt.Errorf("%w: input %q is numeric, got the text %q", ErrInput, in.Name, v.text)
		case v.kind == 2:
			x = append(x, m.level(j, v.text))
		default:
			x = append(x, m.level(j, string(strconv.AppendFloat(num[:0], v.num, 'g', -1, 64))))
		}
	}
	return m.prepRow(dst, x)
}

// level returns the code of text s for Categorical input j, -1 if it is
// not one of its levels.
func (m *Model) level(j int, s string) float64 {
	if c, ok := m.levels[j][s]; ok {
		return float64(c)
	}
	return -1
}
