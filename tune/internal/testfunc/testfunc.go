// Package testfunc holds the benchmark functions used to compare the
// samplers of tune with Optuna's (see tune/testdata/compare_optuna.py, which
// defines the same functions with the same parameter names and ranges).
package testfunc

import (
	"math"

	"github.com/cairn-ml/cairn/tune"
)

// Problem is an objective to minimise and its known minimum.
type Problem struct {
	Name      string
	Objective tune.Objective
	Minimum   float64
}

// Problems returns the four comparison problems: Branin (2-D), Hartmann-6,
// Rosenbrock-5 on [-5, 10]^5 and a mixed space with log, integer and
// categorical parameters.
func Problems() []Problem {
	return []Problem{
		{"branin", branin, 0.397887357729738},
		{"hartmann6", hartmann6, -3.322368011391339},
		{"rosenbrock5", rosenbrock5, 0},
		{"mixed", mixed, 0.397887357729738},
	}
}

// Branin is the Branin-Hoo function; its minimum 0.397887 is reached at
// (-pi, 12.275), (pi, 2.275) and (9.42478, 2.475).
func Branin(x1, x2 float64) float64 {
	const (
		a = 1.0
		b = 5.1 / (4 * math.Pi * math.Pi)
		c = 5 / math.Pi
		r = 6.0
		s = 10.0
		t = 1 / (8 * math.Pi)
	)
	u := x2 - b*x1*x1 + c*x1 - r
	return a*u*u + s*(1-t)*math.Cos(x1) + s
}

func branin(t *tune.Trial) (float64, error) {
	return Branin(t.Float("x1", -5, 10), t.Float("x2", 0, 15)), nil
}

var (
	hA = [4][6]float64{
		{10, 3, 17, 3.5, 1.7, 8},
		{0.05, 10, 17, 0.1, 8, 14},
		{3, 3.5, 1.7, 10, 17, 8},
		{17, 8, 0.05, 10, 0.1, 14},
	}
	hP = [4][6]float64{
		{1312, 1696, 5569, 124, 8283, 5886},
		{2329, 4135, 8307, 3736, 1004, 9991},
		{2348, 1451, 3522, 2883, 3047, 6650},
		{4047, 8828, 8732, 5743, 1091, 381},
	}
	hAlpha = [4]float64{1, 1.2, 3, 3.2}
)

// Hartmann6 is the 6-D Hartmann function on [0, 1]^6; its minimum is
// -3.32237.
func Hartmann6(x [6]float64) float64 {
	var sum float64
	for i := range 4 {
		var inner float64
		for j := range 6 {
			d := x[j] - hP[i][j]*1e-4
			inner += hA[i][j] * d * d
		}
		sum += hAlpha[i] * math.Exp(-inner)
	}
	return -sum
}

var hNames = [6]string{"x0", "x1", "x2", "x3", "x4", "x5"}

func hartmann6(t *tune.Trial) (float64, error) {
	var x [6]float64
	for j, name := range hNames {
		x[j] = t.Float(name, 0, 1)
	}
	return Hartmann6(x), nil
}

// Rosenbrock is the Rosenbrock function; its minimum 0 is at (1, ..., 1).
func Rosenbrock(x []float64) float64 {
	var sum float64
	for i := 0; i+1 < len(x); i++ {
		a, b := x[i+1]-x[i]*x[i], 1-x[i]
		sum += 100*a*a + b*b
	}
	return sum
}

func rosenbrock5(t *tune.Trial) (float64, error) {
	x := make([]float64, 5)
	for j := range x {
		x[j] = t.Float(hNames[j], -5, 10)
	}
	return Rosenbrock(x), nil
}

// Mixed is Branin plus penalties on a log-scaled float lr (best 0.01), a
// log-scaled integer n (best 8) and a categorical c (best "b"); its minimum
// is Branin's.
func Mixed(x1, x2, lr float64, n int, c string) float64 {
	offset := map[string]float64{"a": 2, "b": 0, "c": 1, "d": 3}[c]
	l := math.Log10(lr) + 2
	k := math.Log2(float64(n)) - 3
	return Branin(x1, x2) + l*l + k*k/4 + offset
}

func mixed(t *tune.Trial) (float64, error) {
	x1 := t.Float("x1", -5, 10)
	x2 := t.Float("x2", 0, 15)
	lr := t.FloatLog("lr", 1e-4, 1)
	n := t.IntLog("n", 1, 64)
	c := t.Choice("c", "a", "b", "c", "d")
	return Mixed(x1, x2, lr, n, c), nil
}
