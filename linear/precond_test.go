package linear

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
)

// signalProblem returns a binary problem of n rows and d features whose
// labels follow a logistic model, so that the coefficients are far from 0.
func signalProblem(n, d int, l2 float64, fitB bool, seed uint64) *problem {
	rng := rand.New(rand.NewPCG(seed, 1))
	x := make([]float64, n*d)
	y := make([]int, n)
	sw := make([]float64, n)
	for i := range n {
		z := 0.5
		for j := range d {
			v := rng.NormFloat64() * float64(1+j%3)
			x[i*d+j] = v
			z += v * float64(j%5-2) / 2
		}
		if rng.Float64() < sigmoid(z) {
			y[i] = 1
		}
		sw[i] = 0.5 + rng.Float64()
	}
	return newProblem(x, d, n, d, y, sw, 2, fitB, l2, 0, 2)
}

// TestSubsampleStart checks that LBFGS started from a subsample, with the
// subsample's Hessian as its initial Hessian, stops at the optimum that
// Newton finds, in fewer passes over X than plain LBFGS.
func TestSubsampleStart(t *testing.T) {
	for _, tc := range []struct {
		name string
		l2   float64
		fitB bool
	}{
		{"l2", 1, true},
		{"none", 0, true},
		{"no-intercept", 0.1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			p := signalProblem(40_000, 5, tc.l2, tc.fitB, 3)
			if subsampleStep(p) == 0 {
				t.Fatalf("subsampleStep(%d rows, %d params) = 0, want a subsample", p.n, p.nparams())
			}
			want := make([]float64, p.nparams())
			if res, err := newton(ctx, p, want, 1e-9, 100); err != nil || !res.converged {
				t.Fatalf("newton: %v, converged %v", err, res.converged)
			}
			p.evals = 0
			got := make([]float64, p.nparams())
			res, err := lbfgs(ctx, p, got, 1e-4, 100)
			if err != nil || !res.converged {
				t.Fatalf("lbfgs: %v, converged %v", err, res.converged)
			}
			for i := range want {
				if math.Abs(got[i]-want[i]) > 1e-6*(1+math.Abs(want[i])) {
					t.Errorf("theta[%d] = %v, want %v (Newton)", i, got[i], want[i])
				}
			}
			if !tc.fitB && got[p.d] != 0 {
				t.Errorf("intercept = %v without an intercept, want 0", got[p.d])
			}
			subEvals := p.evals
			p.evals = 0
			plain := make([]float64, p.nparams())
			if _, err := lbfgsRun(ctx, p, plain, 1e-4, 100, 0, nil); err != nil {
				t.Fatal(err)
			}
			if subEvals >= p.evals {
				t.Errorf("passes over X from the subsample %d, from zero %d; want fewer", subEvals, p.evals)
			}
		})
	}
}

// TestSubsampleRareClass checks that a class too rare for the subsample
// turns the subsample start off, and that the fit still converges.
func TestSubsampleRareClass(t *testing.T) {
	p := signalProblem(40_000, 5, 1, true, 4)
	for i := range p.y {
		p.y[i] = 0
		if i%2000 == 7 {
			p.y[i] = 1
		}
	}
	step := subsampleStep(p)
	if step == 0 {
		t.Fatalf("subsampleStep(%d rows) = 0, want a subsample", p.n)
	}
	if sub := subsample(p, step); sub != nil {
		t.Errorf("subsample with %d rows of class 1 = %d rows, want nil", p.n/2000, sub.n)
	}
	theta := make([]float64, p.nparams())
	res, err := lbfgs(context.Background(), p, theta, 1e-4, 200)
	if err != nil || !res.converged {
		t.Errorf("lbfgs: %v, converged %v", err, res.converged)
	}
}
