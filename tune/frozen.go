package tune

import (
	"fmt"
	"maps"
	"math"
	"time"
)

// Direction says whether a study looks for the lowest or the highest value.
type Direction int8

// The directions. The zero value is Minimize.
const (
	Minimize Direction = 0
	Maximize Direction = 1
)

func (d Direction) String() string {
	switch d {
	case Minimize:
		return "minimize"
	case Maximize:
		return "maximize"
	}
	return fmt.Sprintf("Direction(%d)", int8(d))
}

// better reports whether a is strictly better than b in direction d. NaN is
// never better, and anything but NaN is better than NaN.
func (d Direction) better(a, b float64) bool {
	if math.IsNaN(a) {
		return false
	}
	if math.IsNaN(b) {
		return true
	}
	if d == Maximize {
		return a > b
	}
	return a < b
}

// TrialState says where a trial is in its life.
type TrialState uint8

// The states of a trial. A trial starts Running and ends in one of the
// other three.
const (
	Running  TrialState = iota // started, not finished
	Complete                   // the objective returned a value
	Pruned                     // the objective stopped early with ErrPruned
	Failed                     // the objective failed, panicked, returned NaN or asked for a bad parameter
)

func (s TrialState) String() string {
	switch s {
	case Running:
		return "running"
	case Complete:
		return "complete"
	case Pruned:
		return "pruned"
	case Failed:
		return "failed"
	}
	return fmt.Sprintf("TrialState(%d)", uint8(s))
}

// Finished reports whether s is an end state.
func (s TrialState) Finished() bool { return s == Complete || s == Pruned || s == Failed }

// Params holds the parameter values of a trial by name: float64 for Float
// parameters, int for Int parameters and string for Choice parameters.
type Params map[string]any

// Float returns the float64 parameter name, or 0 if it is missing or not a
// float64.
func (p Params) Float(name string) float64 {
	v, _ := p[name].(float64)
	return v
}

// Int returns the int parameter name, or 0 if it is missing or not an int.
func (p Params) Int(name string) int {
	v, _ := p[name].(int)
	return v
}

// String returns the string (Choice) parameter name, or "" if it is missing
// or not a string.
func (p Params) String(name string) string {
	v, _ := p[name].(string)
	return v
}

// FrozenTrial is the record of a trial: what samplers, pruners, callbacks,
// storages and users see. Its maps must not be changed: they are shared
// between copies.
type FrozenTrial struct {
	// Number counts the trials of a study from 0, in the order they start.
	Number int
	State  TrialState
	// Value is the objective's value for a Complete trial, the last
	// reported intermediate value (or NaN) for a Pruned one, NaN otherwise.
	Value float64
	// Params are the parameter values by name, as the objective received
	// them, and Distributions the ranges they were asked with.
	Params        Params
	Distributions map[string]Distribution
	// Intermediate holds the values given to Report, by step.
	Intermediate map[int]float64
	// UserAttrs holds what the objective set with SetUserAttr.
	UserAttrs map[string]string
	// Start and End are the times the trial started and ended (End is
	// zero while it runs).
	Start, End time.Time
	// Err is why a Failed trial failed (or ErrPruned for a Pruned one).
	// After a study is read back from a file it keeps the message only.
	Err error
}

// internal returns the internal representation of parameter name and
// whether the trial has it.
func (t *FrozenTrial) internal(name string) (float64, bool) {
	v, ok := t.Params[name]
	if !ok {
		return 0, false
	}
	d, ok := t.Distributions[name]
	if !ok {
		return 0, false
	}
	return d.Internal(v)
}

// LastStep returns the highest step given to Report and whether there was
// any.
func (t *FrozenTrial) LastStep() (int, bool) {
	last, ok := 0, false
	for s := range t.Intermediate {
		if !ok || s > last {
			last, ok = s, true
		}
	}
	return last, ok
}

// clone returns a copy of t whose maps may be changed.
func (t FrozenTrial) clone() FrozenTrial {
	t.Params = maps.Clone(t.Params)
	t.Distributions = maps.Clone(t.Distributions)
	t.Intermediate = maps.Clone(t.Intermediate)
	t.UserAttrs = maps.Clone(t.UserAttrs)
	return t
}
