package tune

import (
	"fmt"
	"math"
	"slices"
)

// Kind says what sort of values a Distribution holds.
type Kind uint8

// The kinds of distribution.
const (
	FloatKind       Kind = iota // real numbers in [Low, High]
	IntKind                     // integers in [Low, High]
	CategoricalKind             // one of Choices
)

func (k Kind) String() string {
	switch k {
	case FloatKind:
		return "float"
	case IntKind:
		return "int"
	case CategoricalKind:
		return "categorical"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// maxExactInt is the largest integer range bound: every integer up to it is
// exact as a float64.
const maxExactInt = 1 << 53

// Distribution is the range of one parameter, as an objective asked for it.
// The Trial methods build it: Float gives {FloatKind, lo, hi}, FloatLog sets
// Log, FloatStep sets Step, Int gives {IntKind, lo, hi, Step 1}, IntLog sets
// Log, Choice gives {CategoricalKind, Choices}. A Distribution can also be
// built by hand and passed to [Trial.Suggest].
//
// Samplers work on the internal representation of a value, a float64: the
// value itself for FloatKind and IntKind, the index into Choices for
// CategoricalKind.
type Distribution struct {
	Kind Kind
	// Low and High bound FloatKind and IntKind values, both included.
	Low, High float64
	// Step is the grid of a FloatKind (0 means continuous) or IntKind (0
	// means 1) distribution: values are Low + k*Step. When High - Low is not
	// a multiple of Step, High is lowered to the last point of the grid.
	Step float64
	// Log samples on a log scale; it needs Low > 0 (Low >= 1 for IntKind)
	// and no step other than 1.
	Log bool
	// Choices are the values of a CategoricalKind distribution, at least
	// one, no two equal.
	Choices []string
}

// normalize checks d and returns it with defaults applied (the int step,
// High lowered onto the step grid).
func (d Distribution) normalize() (Distribution, error) {
	bad := func(format string, args ...any) (Distribution, error) {
		return d, fmt.Errorf(format, args...)
	}
	switch d.Kind {
	case FloatKind, IntKind:
		if d.Choices != nil {
			return bad("choices given for a %v distribution", d.Kind)
		}
		if math.IsNaN(d.Low) || math.IsNaN(d.High) || math.IsInf(d.Low, 0) || math.IsInf(d.High, 0) {
			return bad("bounds [%v, %v] are not finite", d.Low, d.High)
		}
		if d.Low > d.High {
			return bad("low %v is above high %v", d.Low, d.High)
		}
		if math.IsNaN(d.Step) || math.IsInf(d.Step, 0) || d.Step < 0 {
			return bad("step %v is not a finite number >= 0", d.Step)
		}
		if d.Kind == IntKind {
			if d.Low != math.Trunc(d.Low) || d.High != math.Trunc(d.High) {
				return bad("int bounds [%v, %v] are not integers", d.Low, d.High)
			}
			if math.Abs(d.Low) > maxExactInt || math.Abs(d.High) > maxExactInt {
				return bad("int bounds [%v, %v] are beyond 2^53", d.Low, d.High)
			}
			if d.Step == 0 {
				d.Step = 1
			}
			if d.Step != math.Trunc(d.Step) {
				return bad("int step %v is not an integer", d.Step)
			}
		}
		if d.Log {
			if d.Low <= 0 || (d.Kind == IntKind && d.Low < 1) {
				return bad("log range [%v, %v] must start above 0", d.Low, d.High)
			}
			if (d.Kind == FloatKind && d.Step != 0) || (d.Kind == IntKind && d.Step != 1) {
				return bad("log range with step %v", d.Step)
			}
		}
		if d.Step > 0 {
			k := math.Floor((d.High-d.Low)/d.Step + 1e-9)
			d.High = d.Low + k*d.Step
			if d.Kind == IntKind {
				d.High = math.Round(d.High)
			}
		}
		return d, nil
	case CategoricalKind:
		if d.Low != 0 || d.High != 0 || d.Step != 0 || d.Log {
			return bad("bounds, step or log given for a categorical distribution")
		}
		if len(d.Choices) == 0 {
			return bad("no choices")
		}
		seen := make(map[string]bool, len(d.Choices))
		for _, c := range d.Choices {
			if seen[c] {
				return bad("choice %q repeated", c)
			}
			seen[c] = true
		}
		d.Choices = slices.Clip(slices.Clone(d.Choices))
		return d, nil
	}
	return bad("unknown kind %v", d.Kind)
}

// Equal reports whether d and o describe the same range.
func (d Distribution) Equal(o Distribution) bool {
	return d.Kind == o.Kind && d.Low == o.Low && d.High == o.High && d.Step == o.Step &&
		d.Log == o.Log && slices.Equal(d.Choices, o.Choices)
}

// Single reports whether d holds only one value.
func (d Distribution) Single() bool {
	if d.Kind == CategoricalKind {
		return len(d.Choices) == 1
	}
	return d.Low == d.High
}

// Contains reports whether x, in the internal representation, is a value of d.
func (d Distribution) Contains(x float64) bool {
	if math.IsNaN(x) {
		return false
	}
	switch d.Kind {
	case CategoricalKind:
		return x == math.Trunc(x) && x >= 0 && x < float64(len(d.Choices))
	case IntKind:
		if x != math.Trunc(x) || x < d.Low || x > d.High {
			return false
		}
		step := d.Step
		if step == 0 {
			step = 1
		}
		return math.Mod(x-d.Low, step) == 0
	default:
		if x < d.Low || x > d.High {
			return false
		}
		if d.Step > 0 {
			k := (x - d.Low) / d.Step
			return math.Abs(k-math.Round(k)) <= 1e-8*math.Max(1, math.Abs(k))
		}
		return true
	}
}

// External returns the value a Trial hands out for internal value x: a
// float64, an int or a string.
func (d Distribution) External(x float64) any {
	switch d.Kind {
	case CategoricalKind:
		i := int(x)
		if i < 0 || i >= len(d.Choices) {
			return ""
		}
		return d.Choices[i]
	case IntKind:
		return int(x)
	}
	return x
}

// Internal returns the internal representation of v, a value of d given as
// a number or, for CategoricalKind, as a string, and whether v is a value of
// d.
func (d Distribution) Internal(v any) (float64, bool) {
	if d.Kind == CategoricalKind {
		s, ok := v.(string)
		if !ok {
			return 0, false
		}
		i := slices.Index(d.Choices, s)
		return float64(i), i >= 0
	}
	x, ok := toFloat(v)
	if !ok {
		return 0, false
	}
	if d.Kind == FloatKind && d.Step > 0 && d.Contains(x) {
		// Snap onto the grid exactly as a sampler would produce it.
		x = math.Min(d.Low+math.Round((x-d.Low)/d.Step)*d.Step, d.High)
	}
	return x, d.Contains(x)
}

// clamp brings x into d: it rounds it onto the grid of a step or integer
// distribution and keeps it within [Low, High] (or a valid index).
func (d Distribution) clamp(x float64) float64 {
	switch d.Kind {
	case CategoricalKind:
		return math.Max(0, math.Min(float64(len(d.Choices)-1), math.Round(x)))
	case IntKind:
		step := d.Step
		if step == 0 {
			step = 1
		}
		x = d.Low + math.Round((x-d.Low)/step)*step
	default:
		if d.Step > 0 {
			x = d.Low + math.Round((x-d.Low)/d.Step)*d.Step
		}
	}
	return math.Max(d.Low, math.Min(d.High, x))
}

func (d Distribution) String() string {
	switch d.Kind {
	case CategoricalKind:
		return fmt.Sprintf("categorical%q", d.Choices)
	case IntKind, FloatKind:
		s := fmt.Sprintf("%v[%v, %v]", d.Kind, d.Low, d.High)
		if d.Log {
			s += " log"
		}
		if d.Step > 0 && !(d.Kind == IntKind && d.Step == 1) {
			s += fmt.Sprintf(" step %v", d.Step)
		}
		return s
	}
	return d.Kind.String()
}

// toFloat returns v, a Go number of any kind, as a float64.
func toFloat(v any) (float64, bool) {
	switch v := v.(type) {
	case float64:
		return v, true
	case float32:
		return float64(v), true
	case int:
		return float64(v), true
	case int8:
		return float64(v), true
	case int16:
		return float64(v), true
	case int32:
		return float64(v), true
	case int64:
		return float64(v), true
	case uint:
		return float64(v), true
	case uint8:
		return float64(v), true
	case uint16:
		return float64(v), true
	case uint32:
		return float64(v), true
	case uint64:
		return float64(v), true
	}
	return 0, false
}
