package tune

import (
	"fmt"
	"math"
	"testing"
	"time"
)

// benchSpaces are the search spaces of the sampler benchmarks.
var benchSpaces = map[string]map[string]Distribution{
	"2d": {
		"x1": {Kind: FloatKind, Low: -5, High: 10},
		"x2": {Kind: FloatKind, Low: 0, High: 15},
	},
	"mixed5": {
		"x1": {Kind: FloatKind, Low: -5, High: 10},
		"x2": {Kind: FloatKind, Low: 0, High: 15},
		"lr": {Kind: FloatKind, Low: 1e-4, High: 1, Log: true},
		"n":  {Kind: IntKind, Low: 1, High: 64, Step: 1, Log: true},
		"c":  {Kind: CategoricalKind, Choices: []string{"a", "b", "c", "d"}},
	},
	"6d": {
		"x0": {Kind: FloatKind, Low: 0, High: 1}, "x1": {Kind: FloatKind, Low: 0, High: 1},
		"x2": {Kind: FloatKind, Low: 0, High: 1}, "x3": {Kind: FloatKind, Low: 0, High: 1},
		"x4": {Kind: FloatKind, Low: 0, High: 1}, "x5": {Kind: FloatKind, Low: 0, High: 1},
	},
}

// benchView returns a view of n complete trials with random parameters in
// space and a smooth value.
func benchView(n int, space map[string]Distribution) *View {
	v := &View{}
	for i := range n {
		t := FrozenTrial{Number: i, State: Complete, Params: Params{}, Distributions: space}
		var val float64
		for _, name := range sortedNames(space) {
			d := space[name]
			x := sampleUniform(newRand(99, i, name), d)
			t.Params[name] = d.External(x)
			u := x
			if d.Kind != CategoricalKind {
				lo, hi, _ := parzenBounds(d)
				u = (toParzen(d, x) - lo) / (hi - lo)
			}
			val += math.Sin(3*u) + u*u
		}
		t.Value = val
		v.Trials = append(v.Trials, t)
	}
	return v
}

// benchSampler measures the time a sampler takes to choose every parameter
// of one new trial when n trials are complete (what the study spends when
// a trial starts), reported as ms/trial.
func benchSampler(b *testing.B, s JointSampler, space string, n int) {
	sp := benchSpaces[space]
	v := benchView(n, sp)
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		if _, err := s.SampleJoint(v, n, sp); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/trial")
}

func BenchmarkTPE(b *testing.B) {
	mv, _ := NewTPEWith(TPEConfig{Multivariate: true})
	for _, space := range []string{"2d", "mixed5", "6d"} {
		for _, n := range []int{100, 1000, 10000} {
			b.Run(fmt.Sprintf("%s/n=%d", space, n), func(b *testing.B) {
				benchSampler(b, NewTPE(0).(JointSampler), space, n)
			})
			b.Run(fmt.Sprintf("%s-multivariate/n=%d", space, n), func(b *testing.B) {
				benchSampler(b, mv.(JointSampler), space, n)
			})
		}
	}
}

func BenchmarkGP(b *testing.B) {
	for _, space := range []string{"2d", "mixed5", "6d"} {
		for _, n := range []int{50, 100, 300} {
			b.Run(fmt.Sprintf("%s/n=%d", space, n), func(b *testing.B) {
				benchSampler(b, NewGP(0).(JointSampler), space, n)
			})
		}
	}
}

// BenchmarkOptimize measures a whole study of n trials of a cheap 2-D
// objective, one worker: sampler, views, bookkeeping; reported per trial.
func BenchmarkOptimize(b *testing.B) {
	obj := func(t *Trial) (float64, error) {
		x, y := t.Float("x", -5, 10), t.Float("y", 0, 15)
		return (x-1)*(x-1) + (y-2)*(y-2), nil
	}
	for _, sampler := range []string{"random", "tpe"} {
		for _, n := range []int{100, 1000} {
			b.Run(fmt.Sprintf("%s/n=%d", sampler, n), func(b *testing.B) {
				b.ReportAllocs()
				start := time.Now()
				for b.Loop() {
					s := NewRandom(1)
					if sampler == "tpe" {
						s = NewTPE(1)
					}
					st := NewStudy(StudyConfig{Sampler: s})
					if err := st.Optimize(b.Context(), obj, n); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N*n), "ms/trial")
			})
		}
	}
}
