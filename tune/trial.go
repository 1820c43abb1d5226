package tune

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"runtime/debug"
	"sync"
	"time"
)

// Trial is one evaluation of the objective: the objective asks it for
// parameter values as it goes (define-by-run), may report intermediate
// values for pruning, and sets user attributes. A Trial is safe for
// concurrent use. It is valid until the study records its end; after that
// its methods do nothing but return the values they already gave.
//
// # Bad requests
//
// Float, FloatLog, Int and Choice return only a value. When a request
// cannot be served (lo > hi, a name asked again with another range, ...)
// they return a placeholder (lo, or the first option) and the trial records
// a *ParamError wrapping ErrBadParam or ErrParamConflict: [Trial.Err]
// returns the first such error, and the trial ends Failed with it whatever
// the objective returns. Nothing panics. [Trial.Suggest] returns the error
// directly.
type Trial struct {
	study  *Study
	number int
	ctx    context.Context
	view   *View
	start  time.Time

	// joint holds values chosen when the trial started (internal
	// representation), for the distributions in space.
	joint map[string]float64
	space map[string]Distribution
	fixed Params

	mu           sync.Mutex
	params       map[string]float64
	dists        map[string]Distribution
	intermediate map[int]float64
	attrs        map[string]string
	err          error
	done         bool
}

// Number returns the trial's number: 0 for the first trial of a study.
func (t *Trial) Number() int { return t.number }

// Context returns the context of the Optimize or Ask call that started the
// trial; an objective that runs long should stop when it is done.
func (t *Trial) Context() context.Context { return t.ctx }

// Err returns the first bad parameter request of the trial (a *ParamError),
// or nil.
func (t *Trial) Err() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.err
}

// Float returns a value of the float parameter name, uniform in [lo, hi].
func (t *Trial) Float(name string, lo, hi float64) float64 {
	x, _ := t.Suggest(name, Distribution{Kind: FloatKind, Low: lo, High: hi})
	return x
}

// FloatLog returns a value of the float parameter name in [lo, hi] on a log
// scale; lo must be above 0.
func (t *Trial) FloatLog(name string, lo, hi float64) float64 {
	x, _ := t.Suggest(name, Distribution{Kind: FloatKind, Low: lo, High: hi, Log: true})
	return x
}

// FloatStep returns a value of the float parameter name among lo, lo+step,
// lo+2*step, ... up to hi.
func (t *Trial) FloatStep(name string, lo, hi, step float64) float64 {
	if step <= 0 {
		t.fail(&ParamError{Name: name, Detail: fmt.Sprintf("step %v is not above 0", step), Err: ErrBadParam})
		return lo
	}
	x, _ := t.Suggest(name, Distribution{Kind: FloatKind, Low: lo, High: hi, Step: step})
	return x
}

// Int returns a value of the integer parameter name in [lo, hi].
func (t *Trial) Int(name string, lo, hi int) int {
	x, _ := t.Suggest(name, Distribution{Kind: IntKind, Low: float64(lo), High: float64(hi), Step: 1})
	return int(x)
}

// IntStep returns a value of the integer parameter name among lo, lo+step,
// ... up to hi; step must be at least 1.
func (t *Trial) IntStep(name string, lo, hi, step int) int {
	if step < 1 {
		t.fail(&ParamError{Name: name, Detail: fmt.Sprintf("step %d is below 1", step), Err: ErrBadParam})
		return lo
	}
	x, _ := t.Suggest(name, Distribution{Kind: IntKind, Low: float64(lo), High: float64(hi), Step: float64(step)})
	return int(x)
}

// IntLog returns a value of the integer parameter name in [lo, hi] on a log
// scale; lo must be at least 1.
func (t *Trial) IntLog(name string, lo, hi int) int {
	x, _ := t.Suggest(name, Distribution{Kind: IntKind, Low: float64(lo), High: float64(hi), Step: 1, Log: true})
	return int(x)
}

// Choice returns one of options for the categorical parameter name.
func (t *Trial) Choice(name string, options ...string) string {
	d := Distribution{Kind: CategoricalKind, Choices: options}
	x, err := t.Suggest(name, d)
	if err != nil {
		if len(options) > 0 {
			return options[0]
		}
		return ""
	}
	return options[int(x)]
}

// Suggest returns the value of parameter name in distribution d, in its
// internal representation (the value, or the index of a choice), and the
// error if the request is bad. Asking for the same name again with an equal
// distribution returns the same value. An enqueued fixed value is used if
// it lies in d; otherwise the study's sampler chooses.
//
// On error, the returned value is a placeholder (d.Low, or 0) and the trial
// ends Failed with the error, as for Float and the others.
func (t *Trial) Suggest(name string, d Distribution) (float64, error) {
	placeholder := d.Low
	if d.Kind == CategoricalKind {
		placeholder = 0
	}
	if name == "" {
		return placeholder, t.fail(&ParamError{Name: name, Detail: "empty name", Err: ErrBadParam})
	}
	nd, err := d.normalize()
	if err != nil {
		return placeholder, t.fail(&ParamError{Name: name, Detail: err.Error(), Err: ErrBadParam})
	}
	d = nd

	t.mu.Lock()
	defer t.mu.Unlock()
	if prev, ok := t.dists[name]; ok {
		if !prev.Equal(d) {
			return placeholder, t.failLocked(&ParamError{Name: name,
				Detail: fmt.Sprintf("asked as %v, then as %v", prev, d), Err: ErrParamConflict})
		}
		return t.params[name], nil
	}
	if t.done {
		return placeholder, t.failLocked(&ParamError{Name: name, Detail: "trial already finished", Err: ErrTrialDone})
	}

	var x float64
	switch v, fixed := t.fixed[name]; {
	case fixed:
		var ok bool
		if x, ok = d.Internal(v); !ok {
			return placeholder, t.failLocked(&ParamError{Name: name,
				Detail: fmt.Sprintf("enqueued value %v is not in %v", v, d), Err: ErrBadParam})
		}
	default:
		if jd, ok := t.space[name]; ok && jd.Equal(d) {
			if jx, ok := t.joint[name]; ok && d.Contains(jx) {
				x = jx
				break
			}
		}
		x, err = safeSample(t.study.sampler, t.view, t.number, name, d)
		if err != nil {
			return placeholder, t.failLocked(&ParamError{Name: name, Detail: "sampler", Err: err})
		}
		if !d.Contains(x) {
			return placeholder, t.failLocked(&ParamError{Name: name,
				Detail: fmt.Sprintf("sampler returned %v, not in %v", x, d), Err: ErrBadParam})
		}
	}
	t.params[name] = x
	t.dists[name] = d
	return x, nil
}

// safeSample calls s.Sample and turns a panic into an error.
func safeSample(s Sampler, v *View, number int, name string, d Distribution) (x float64, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &PanicError{Value: r, Stack: debug.Stack()}
		}
	}()
	return s.Sample(v, number, name, d)
}

func (t *Trial) fail(err error) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.failLocked(err)
}

func (t *Trial) failLocked(err error) error {
	if t.err == nil && !errors.Is(err, ErrTrialDone) {
		t.err = err
	}
	return err
}

// Report records value as the objective's intermediate value at step (an
// epoch, a number of samples, ...), for pruners. A step may be reported
// once; later reports of the same step are ignored. A negative step is a
// bad request (ErrBadParam).
func (t *Trial) Report(step int, value float64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if step < 0 {
		t.failLocked(&ParamError{Name: "step", Detail: fmt.Sprintf("step %d is negative", step), Err: ErrBadParam})
		return
	}
	if t.done {
		return
	}
	if _, ok := t.intermediate[step]; !ok {
		t.intermediate[step] = value
	}
}

// ShouldPrune reports whether the study's pruner says the trial should stop
// now, from the values reported so far. An objective that stops returns an
// error wrapping ErrPruned. Without a pruner it returns false.
func (t *Trial) ShouldPrune() bool {
	p := t.study.cfg.Pruner
	if p == nil {
		return false
	}
	ft := t.Frozen()
	if _, ok := ft.LastStep(); !ok {
		return false
	}
	return safePrune(p, t.view, ft)
}

func safePrune(p Pruner, v *View, ft FrozenTrial) (prune bool) {
	defer func() {
		if r := recover(); r != nil {
			prune = false
		}
	}()
	return p.Prune(v, ft)
}

// SetUserAttr records a user attribute of the trial (a metric, a path, a
// note); setting a key again replaces its value.
func (t *Trial) SetUserAttr(key, value string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.done {
		return
	}
	t.attrs[key] = value
}

// Params returns the parameters the trial has handed out so far.
func (t *Trial) Params() Params {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.paramsLocked()
}

func (t *Trial) paramsLocked() Params {
	p := make(Params, len(t.params))
	for name, x := range t.params {
		p[name] = t.dists[name].External(x)
	}
	return p
}

// Frozen returns the record of the trial as it is now, in state Running.
func (t *Trial) Frozen() FrozenTrial {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.frozenLocked()
}

func (t *Trial) frozenLocked() FrozenTrial {
	return FrozenTrial{
		Number:        t.number,
		State:         Running,
		Value:         math.NaN(),
		Params:        t.paramsLocked(),
		Distributions: maps.Clone(t.dists),
		Intermediate:  maps.Clone(t.intermediate),
		UserAttrs:     maps.Clone(t.attrs),
		Start:         t.start,
	}
}

// finish ends the trial with the objective's value and error and returns
// its record. It reports false if the trial had already ended.
func (t *Trial) finish(value float64, err error, end time.Time) (FrozenTrial, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.done {
		return FrozenTrial{}, false
	}
	t.done = true
	ft := t.frozenLocked()
	ft.End = end
	switch {
	case t.err != nil:
		ft.State, ft.Err = Failed, t.err
	case errors.Is(err, ErrPruned):
		ft.State, ft.Err = Pruned, err
		if step, ok := ft.LastStep(); ok {
			ft.Value = ft.Intermediate[step]
		}
	case err != nil:
		ft.State, ft.Err = Failed, err
	case math.IsNaN(value):
		ft.State, ft.Err = Failed, ErrBadValue
	default:
		ft.State, ft.Value = Complete, value
	}
	return ft, true
}
