package serve

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/cairn-ml/cairn/linear"
)

// Predictor is what the server needs of a model: its feature names (the
// columns of an instance, in order), its class names, and the class
// probabilities of one row. *linear.Model satisfies it.
//
// PredictProbaInto writes the probabilities of row x (len(Features()))
// into dst (len(Classes())) and must be safe for concurrent use: the
// server calls it from every request at once. It should not allocate; the
// server calls it once per row. An error fails the request with status
// 422 (bad values for this model, such as features that overflow it).
// Features and Classes are called once, when the version is loaded.
//
// A Predictor that also has the method Inputs() []linear.Input returning
// a non-nil slice (a *linear.Model fitted with Config.Inputs) takes raw
// inputs: x holds one value per input, a number or, for a categorical
// input, the index of its category among the input's Levels (-1 for one
// not among them), NaN for a missing value. The server then reads
// strings and nulls and codes them so (see the package doc, # Models on
// raw inputs).
type Predictor interface {
	Features() []string
	Classes() []string
	PredictProbaInto(dst, x []float64) error
}

var _ Predictor = (*linear.Model)(nil)

// DecodeLinear is the default Options.Decode: it decodes bytes in
// linear's model format with linear.Unmarshal. It accepts a registry
// format that is empty or starts with "cairn.linear" (linear.FormatName,
// "cairn.linear.logistic/1", "cairn.linear/1"); any other format is an
// error wrapping ErrLoad.
func DecodeLinear(format string, b []byte) (Predictor, error) {
	if format != "" && !strings.HasPrefix(format, "cairn.linear") {
		return nil, fmt.Errorf("%w: no decoder for format %q (set Options.Decode)", ErrLoad, format)
	}
	m, err := linear.Unmarshal(b)
	if err != nil {
		return nil, err
	}
	return m, nil
}

// Origin says where a served version came from.
type Origin struct {
	// Digest, Format and RunID are the registry version's, for a version
	// loaded from a registry; empty for a Predictor given with Set.
	Digest string `json:"digest,omitempty"`
	Format string `json:"format,omitempty"`
	RunID  string `json:"run_id,omitempty"`
	// Loaded is when the server loaded and checked the version.
	Loaded time.Time `json:"loaded"`
}

// version is one loaded, checked version of a model, with everything the
// request path needs precomputed. It never changes once built.
type version struct {
	model    string
	number   int
	pred     Predictor
	features []string
	classes  []string
	d, k     int
	index    map[string]int // feature name -> column
	typed    *typedInputs   // the raw inputs of a model that takes them, or nil
	origin   Origin

	numText     string   // "3"
	hdrName     []string // header values, shared by every response
	hdrVersion  []string
	nameJSON    []byte   // the model name as a JSON string
	classJSON   [][]byte // each class name as a JSON string
	classesJSON []byte   // ["malignant","benign"]
}

// newVersion checks p and builds a version of it: at least one feature
// and two classes, names unique and non-empty, and a prediction on a row
// of zeros that gives probabilities in [0, 1] summing to 1. A panic in p
// is an error. Errors wrap ErrLoad.
func newVersion(model string, number int, p Predictor, origin Origin) (v *version, err error) {
	defer func() {
		if r := recover(); r != nil {
			v, err = nil, fmt.Errorf("%w: predictor panicked: %v", ErrLoad, r)
		}
	}()
	features, classes := p.Features(), p.Classes()
	d, k := len(features), len(classes)
	if d < 1 || k < 2 {
		return nil, fmt.Errorf("%w: %d features and %d classes, want at least 1 and 2", ErrLoad, d, k)
	}
	index := make(map[string]int, d)
	for j, f := range features {
		if f == "" {
			return nil, fmt.Errorf("%w: feature %d has no name", ErrLoad, j)
		}
		if _, dup := index[f]; dup {
			return nil, fmt.Errorf("%w: feature %q appears twice", ErrLoad, f)
		}
		index[f] = j
	}
	seen := make(map[string]bool, k)
	for c, name := range classes {
		if name == "" || seen[name] {
			return nil, fmt.Errorf("%w: class %d is empty or repeated", ErrLoad, c)
		}
		seen[name] = true
	}
	typed := typedOf(p)
	test := make([]float64, d)
	if typed != nil {
		if len(typed.inputs) != d {
			return nil, fmt.Errorf("%w: %d inputs for %d features", ErrLoad, len(typed.inputs), d)
		}
		test = typed.testRow(d)
	}
	dst := make([]float64, k)
	if err := p.PredictProbaInto(dst, test); err != nil {
		return nil, fmt.Errorf("%w: test prediction: %v", ErrLoad, err)
	}
	sum := 0.0
	for _, q := range dst {
		if !(q >= 0 && q <= 1) {
			return nil, fmt.Errorf("%w: test prediction gives probability %v", ErrLoad, q)
		}
		sum += q
	}
	if math.Abs(sum-1) > 1e-6 {
		return nil, fmt.Errorf("%w: test prediction's probabilities sum to %v", ErrLoad, sum)
	}
	v = &version{
		model: model, number: number, pred: p,
		features: features, classes: classes, d: d, k: k, index: index, typed: typed, origin: origin,
		numText:  strconv.Itoa(number),
		hdrName:  []string{model},
		nameJSON: jsonString(model),
	}
	v.hdrVersion = []string{v.numText}
	v.classesJSON = append(v.classesJSON, '[')
	for c, name := range classes {
		q := jsonString(name)
		v.classJSON = append(v.classJSON, q)
		if c > 0 {
			v.classesJSON = append(v.classesJSON, ',')
		}
		v.classesJSON = append(v.classesJSON, q...)
	}
	v.classesJSON = append(v.classesJSON, ']')
	return v, nil
}

// sameSchema reports whether v and w take the same features in the same
// order and give the same classes.
func (v *version) sameSchema(w *version) bool {
	return slicesEqual(v.features, w.features) && slicesEqual(v.classes, w.classes)
}

func slicesEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func jsonString(s string) []byte {
	b, _ := json.Marshal(s) // a string always marshals
	return b
}

// predict fills sc.p with the probabilities of the n rows in sc.x. An
// error from the Predictor, a panic, or a probability that is not finite
// is returned as a request error.
func (v *version) predict(sc *scratch, n int) (rerr *reqError) {
	d, k := v.d, v.k
	sc.p = grow(sc.p, n*k)
	p, x := sc.p, sc.x
	defer func() {
		if r := recover(); r != nil {
			rerr = &reqError{status: 500, msg: fmt.Sprintf("model %s v%d panicked: %v", v.model, v.number, r), typ: "server_error"}
		}
	}()
	for i := range n {
		if err := v.pred.PredictProbaInto(p[i*k:(i+1)*k], x[i*d:(i+1)*d]); err != nil {
			return &reqError{status: 422, msg: "the model cannot predict this instance", detail: []FieldError{{
				Loc: []any{"body", i}, Msg: err.Error(), Type: "value_error.predict",
			}}}
		}
	}
	for _, q := range p[:n*k] {
		if !(q >= 0 && q <= 1) {
			return &reqError{status: 500, msg: fmt.Sprintf("model %s v%d gave probability %v", v.model, v.number, q), typ: "server_error"}
		}
	}
	return nil
}

// argmax returns the most probable class of a row (the lowest on ties).
func argmax(p []float64) int {
	best := 0
	for c := 1; c < len(p); c++ {
		if p[c] > p[best] {
			best = c
		}
	}
	return best
}

// grow returns s with length n, reusing its array when it is big enough.
func grow[T any](s []T, n int) []T {
	if cap(s) >= n {
		return s[:n]
	}
	return make([]T, n, max(n, 2*cap(s)))
}
