package linear

import (
	"math"
	"math/rand/v2"
	"testing"
)

// randomProblem returns a problem of n rows, d features and k classes with
// random data, weights and labels.
func randomProblem(n, d, k int, l2 float64, seed uint64, threads int) (*problem, []float64) {
	rng := rand.New(rand.NewPCG(seed, 0))
	x := make([]float64, n*d)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	y := make([]int, n)
	sw := make([]float64, n)
	for i := range y {
		y[i] = rng.IntN(k)
		sw[i] = 0.5 + rng.Float64()
	}
	p := newProblem(x, d, n, d, y, sw, k, true, l2, 0, threads)
	theta := make([]float64, p.nparams())
	for i := range theta {
		theta[i] = 0.3 * rng.NormFloat64()
	}
	return p, theta
}

// TestGradient checks the analytic gradient and Hessian against central
// finite differences (gonum's optimize/functions validate.go does the same).
func TestGradient(t *testing.T) {
	for _, tc := range []struct {
		name    string
		n, d, k int
		l2      float64
		threads int
	}{
		{"binary", 50, 4, 2, 0.7, 1},
		{"binary-blocks", 9000, 8, 2, 0, 2},
		{"multinomial", 60, 3, 4, 0.2, 1},
		{"multinomial-blocks", 6000, 12, 3, 1, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, theta := randomProblem(tc.n, tc.d, tc.k, tc.l2, 1, tc.threads)
			np := p.nparams()
			g := make([]float64, np)
			f := p.eval(theta, g)
			w := newHessWork(p)
			g2 := make([]float64, np)
			if f2 := p.evalHess(theta, g2, w); math.Abs(f2-f) > 1e-12*math.Abs(f) {
				t.Errorf("evalHess f = %v, eval f = %v", f2, f)
			}
			const h = 1e-6
			tp := make([]float64, np)
			gp := make([]float64, np)
			gm := make([]float64, np)
			for i := range np {
				copy(tp, theta)
				tp[i] += h
				fp := p.eval(tp, gp)
				tp[i] -= 2 * h
				fm := p.eval(tp, gm)
				fd := (fp - fm) / (2 * h)
				if math.Abs(fd-g[i]) > 1e-5*(1+math.Abs(g[i])) {
					t.Errorf("grad[%d] = %v, finite difference %v", i, g[i], fd)
				}
				if math.Abs(g2[i]-g[i]) > 1e-10*(1+math.Abs(g[i])) {
					t.Errorf("evalHess grad[%d] = %v, eval %v", i, g2[i], g[i])
				}
				for j := range np {
					fdh := (gp[j] - gm[j]) / (2 * h)
					if got := w.hessian[j*np+i]; math.Abs(fdh-got) > 1e-4*(1+math.Abs(got)) {
						t.Errorf("hess[%d][%d] = %v, finite difference %v", j, i, got, fdh)
					}
				}
			}
		})
	}
}

// TestThreadsDeterministic checks that the objective and gradient do not
// depend on the number of threads.
func TestThreadsDeterministic(t *testing.T) {
	p1, theta := randomProblem(20000, 10, 3, 1, 2, 1)
	p2, _ := randomProblem(20000, 10, 3, 1, 2, 2)
	g1 := make([]float64, p1.nparams())
	g2 := make([]float64, p2.nparams())
	f1, f2 := p1.eval(theta, g1), p2.eval(theta, g2)
	if f1 != f2 {
		t.Errorf("f with 1 thread %v, with 2 %v", f1, f2)
	}
	for i := range g1 {
		if g1[i] != g2[i] {
			t.Errorf("grad[%d] with 1 thread %v, with 2 %v", i, g1[i], g2[i])
		}
	}
}
