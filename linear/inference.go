package linear

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Inference holds Wald statistics of the coefficients of an unpenalised
// binary fit, as statsmodels' Logit summary prints them: the covariance is
// the inverse of the Hessian of the weighted log-likelihood at the optimum
// (sample weights act as frequency weights). Entries follow Names: the
// features in order, then "intercept" when one was fitted. For a
// standardised model the statistics are those of the standardised
// coefficients (what Coef returns).
type Inference struct {
	Names  []string
	Coef   []float64
	StdErr []float64
	Z      []float64 // Coef / StdErr
	P      []float64 // two-sided p-value of Z under the standard normal
	Lower  []float64 // 95% confidence interval: Coef -+ 1.96 StdErr
	Upper  []float64
	Level  float64 // 0.95
}

// z975 is the 0.975 quantile of the standard normal distribution.
const z975 = 1.959963984540054

func inference(p *problem, theta []float64, m *Model) (*Inference, error) {
	if p.nc != 1 {
		return nil, fmt.Errorf("%w: Inference is for binary models, have %d classes", ErrConfig, p.k)
	}
	d := p.d
	np := p.nparams()
	w := newHessWork(p)
	g := make([]float64, np)
	p.evalHess(theta, g, w)
	if !allFinite(w.hessian) {
		return nil, errOverflow("Hessian")
	}
	q := d
	if p.fitB {
		q = d + 1
	}
	H := mat.NewSymDense(q, nil)
	for i := range q {
		for j := i; j < q; j++ {
			H.SetSym(i, j, w.hessian[i*np+j])
		}
	}
	var chol mat.Cholesky
	if !chol.Factorize(H) {
		return nil, fmt.Errorf("%w: the Hessian of the log-likelihood is not positive definite (separable or collinear features)", ErrSingular)
	}
	var cov mat.SymDense
	if err := chol.InverseTo(&cov); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSingular, err)
	}
	inf := &Inference{Level: 0.95}
	for j := range q {
		name, c := "intercept", theta[d]
		if j < d {
			name, c = m.features[j], theta[j]
		}
		v := cov.At(j, j)
		if !(v > 0) || !finite(v) {
			return nil, fmt.Errorf("%w: variance of %s is %v", ErrSingular, name, v)
		}
		se := math.Sqrt(v)
		z := c / se
		inf.Names = append(inf.Names, name)
		inf.Coef = append(inf.Coef, c)
		inf.StdErr = append(inf.StdErr, se)
		inf.Z = append(inf.Z, z)
		inf.P = append(inf.P, math.Erfc(math.Abs(z)/math.Sqrt2))
		inf.Lower = append(inf.Lower, c-z975*se)
		inf.Upper = append(inf.Upper, c+z975*se)
	}
	return inf, nil
}
