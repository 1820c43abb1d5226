package linear

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// countCtx reports cancellation from its n-th Err call on, so a test can
// cancel a fit in the middle of its iterations without timing.
type countCtx struct {
	context.Context
	calls, after int
}

func (c *countCtx) Err() error {
	c.calls++
	if c.calls > c.after {
		return context.Canceled
	}
	return nil
}

// TestCancelMidFit checks that every solver polls its context while it
// iterates and returns an error wrapping context.Canceled.
func TestCancelMidFit(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 0))
	X := mat.NewDense(300, 5, nil)
	y := make([]int, 300)
	for i := range 300 {
		for j := range 5 {
			X.Set(i, j, rng.NormFloat64()*float64(1+100*j))
		}
		y[i] = rng.IntN(2)
	}
	for _, s := range []Solver{LBFGS, Newton, CoordinateDescent} {
		t.Run(s.String(), func(t *testing.T) {
			ctx := &countCtx{Context: context.Background(), after: 3}
			_, err := Fit(ctx, X, y, Config{Solver: s, Tol: 1e-14, MaxIter: 100000})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("Fit error = %v, want context.Canceled", err)
			}
			if ctx.calls > 5 {
				t.Errorf("context polled %d times after cancellation began at call 4", ctx.calls)
			}
		})
	}
}
