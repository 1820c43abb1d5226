package tune

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// The record of a trial in a study file, one JSON object per line:
//
//	{"v":1,"number":3,"state":"complete","value":0.25,
//	 "params":{"x":{"dist":{"kind":"float","low":-5,"high":5},"value":1.5}},
//	 "intermediate":{"0":0.9},"attrs":{"note":"..."},
//	 "start":"2026-01-02T15:04:05.999999999Z","end":"...","error":"..."}
//
// Non-finite floats are written as the strings "NaN", "+Inf" and "-Inf".
const recordVersion = 1

type jsonFloat float64

func (f jsonFloat) MarshalJSON() ([]byte, error) {
	x := float64(f)
	switch {
	case math.IsNaN(x):
		return []byte(`"NaN"`), nil
	case math.IsInf(x, 1):
		return []byte(`"+Inf"`), nil
	case math.IsInf(x, -1):
		return []byte(`"-Inf"`), nil
	}
	return json.Marshal(x)
}

func (f *jsonFloat) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case `"NaN"`:
		*f = jsonFloat(math.NaN())
	case `"+Inf"`:
		*f = jsonFloat(math.Inf(1))
	case `"-Inf"`:
		*f = jsonFloat(math.Inf(-1))
	default:
		var x float64
		if err := json.Unmarshal(b, &x); err != nil {
			return err
		}
		*f = jsonFloat(x)
	}
	return nil
}

type jsonDist struct {
	Kind    string   `json:"kind"`
	Low     float64  `json:"low,omitempty"`
	High    float64  `json:"high,omitempty"`
	Step    float64  `json:"step,omitempty"`
	Log     bool     `json:"log,omitempty"`
	Choices []string `json:"choices,omitempty"`
}

type jsonParam struct {
	Dist  jsonDist        `json:"dist"`
	Value json.RawMessage `json:"value"`
}

type jsonRecord struct {
	V            int                  `json:"v"`
	Number       int                  `json:"number"`
	State        string               `json:"state"`
	Value        jsonFloat            `json:"value"`
	Params       map[string]jsonParam `json:"params,omitempty"`
	Intermediate map[int]jsonFloat    `json:"intermediate,omitempty"`
	Attrs        map[string]string    `json:"attrs,omitempty"`
	Start        time.Time            `json:"start"`
	End          time.Time            `json:"end"`
	Error        string               `json:"error,omitempty"`
	Code         string               `json:"code,omitempty"`
}

// encodeTrial returns the JSON record of t, without a newline.
func encodeTrial(t FrozenTrial) ([]byte, error) {
	r := jsonRecord{
		V: recordVersion, Number: t.Number, State: t.State.String(), Value: jsonFloat(t.Value),
		Attrs: t.UserAttrs, Start: t.Start, End: t.End,
	}
	if t.Err != nil {
		r.Error = t.Err.Error()
		r.Code = codeNames[errorCode(t.Err)]
	}
	if len(t.Params) > 0 {
		r.Params = make(map[string]jsonParam, len(t.Params))
	}
	for name, v := range t.Params {
		d, ok := t.Distributions[name]
		if !ok {
			return nil, fmt.Errorf("tune: encode trial %d: parameter %q has no distribution", t.Number, name)
		}
		x, ok := d.Internal(v)
		if !ok {
			return nil, fmt.Errorf("tune: encode trial %d: parameter %q = %v is not in %v", t.Number, name, v, d)
		}
		raw, err := json.Marshal(d.External(x))
		if err != nil {
			return nil, fmt.Errorf("tune: encode trial %d: %w", t.Number, err)
		}
		r.Params[name] = jsonParam{Dist: jsonDist{Kind: d.Kind.String(), Low: d.Low, High: d.High,
			Step: d.Step, Log: d.Log, Choices: d.Choices}, Value: raw}
	}
	if len(t.Intermediate) > 0 {
		r.Intermediate = make(map[int]jsonFloat, len(t.Intermediate))
		for s, x := range t.Intermediate {
			r.Intermediate[s] = jsonFloat(x)
		}
	}
	b, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("tune: encode trial %d: %w", t.Number, err)
	}
	return b, nil
}

// decodeTrial reads one record, checking everything a study relies on.
func decodeTrial(line []byte) (FrozenTrial, error) {
	var r jsonRecord
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return FrozenTrial{}, err
	}
	if dec.More() {
		return FrozenTrial{}, errors.New("data after the record")
	}
	if r.V != recordVersion {
		return FrozenTrial{}, fmt.Errorf("record version %d, want %d", r.V, recordVersion)
	}
	if r.Number < 0 {
		return FrozenTrial{}, fmt.Errorf("negative trial number %d", r.Number)
	}
	t := FrozenTrial{Number: r.Number, Value: float64(r.Value), Start: r.Start, End: r.End,
		Params: make(Params, len(r.Params)), Distributions: make(map[string]Distribution, len(r.Params)),
		Intermediate: make(map[int]float64, len(r.Intermediate)), UserAttrs: r.Attrs}
	if t.UserAttrs == nil {
		t.UserAttrs = map[string]string{}
	}
	switch r.State {
	case "running":
		t.State = Running
	case "complete":
		t.State = Complete
	case "pruned":
		t.State = Pruned
	case "failed":
		t.State = Failed
	default:
		return FrozenTrial{}, fmt.Errorf("unknown state %q", r.State)
	}
	if t.State == Complete && math.IsNaN(t.Value) {
		return FrozenTrial{}, errors.New("complete trial with a NaN value")
	}
	for name, p := range r.Params {
		d := Distribution{Low: p.Dist.Low, High: p.Dist.High, Step: p.Dist.Step, Log: p.Dist.Log, Choices: p.Dist.Choices}
		switch p.Dist.Kind {
		case "float":
			d.Kind = FloatKind
		case "int":
			d.Kind = IntKind
		case "categorical":
			d.Kind = CategoricalKind
		default:
			return FrozenTrial{}, fmt.Errorf("parameter %q: unknown kind %q", name, p.Dist.Kind)
		}
		nd, err := d.normalize()
		if err != nil || !nd.Equal(d) || name == "" {
			return FrozenTrial{}, fmt.Errorf("parameter %q: bad distribution %+v", name, p.Dist)
		}
		var v any
		if d.Kind == CategoricalKind {
			var s string
			if err := json.Unmarshal(p.Value, &s); err != nil {
				return FrozenTrial{}, fmt.Errorf("parameter %q: %w", name, err)
			}
			v = s
		} else {
			var x float64
			if err := json.Unmarshal(p.Value, &x); err != nil {
				return FrozenTrial{}, fmt.Errorf("parameter %q: %w", name, err)
			}
			v = x
		}
		x, ok := d.Internal(v)
		if !ok {
			return FrozenTrial{}, fmt.Errorf("parameter %q: %v is not in %v", name, v, d)
		}
		t.Params[name] = d.External(x)
		t.Distributions[name] = d
	}
	for s, x := range r.Intermediate {
		if s < 0 {
			return FrozenTrial{}, fmt.Errorf("negative step %d", s)
		}
		t.Intermediate[s] = float64(x)
	}
	if r.Error != "" {
		err, ok := storedError(r.Error, r.Code)
		if !ok {
			return FrozenTrial{}, fmt.Errorf("unknown error code %q", r.Code)
		}
		t.Err = err
	}
	return t, nil
}

// storedErrorT is the error of a trial read back from a storage or a
// file: its message, still matching the package's sentinel it had
// (ErrPruned, ErrInterrupted, ...) with errors.Is, by a stored code.
type storedErrorT struct {
	msg      string
	sentinel error
	code     byte
}

func (e *storedErrorT) Error() string { return e.msg }
func (e *storedErrorT) Unwrap() error { return e.sentinel }

// codeNames name the error codes in study files.
var codeNames = [...]string{codeNone: "", codeOther: "other", codePruned: "pruned", codePanic: "panic",
	codeBadValue: "bad-value", codeInterrupted: "interrupted", codeBadParam: "bad-param",
	codeParamConflict: "param-conflict", codeStale: "stale"}

// storedError returns the error of a record with message msg and code
// name code ("" in files written before codes, where the message is all
// there is: it keeps no sentinel then).
func storedError(msg, code string) (error, bool) {
	c := slices.Index(codeNames[:], code)
	switch {
	case code == "":
		return &storedErrorT{msg: msg, code: codeOther}, true
	case c <= 0:
		return nil, false
	}
	var sentinel error
	if c < len(codeErrors) {
		sentinel = codeErrors[c]
	}
	return &storedErrorT{msg: msg, sentinel: sentinel, code: byte(c)}, true
}
