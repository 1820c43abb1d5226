package tune

import "math"

// warpValues makes the objective values given to the GP closer to normal,
// after HEBO: it standardises them, applies the Yeo-Johnson power transform
// with the lambda in [-2, 4] that maximises the normal likelihood (found by
// golden-section search), and standardises again. A heavy tail, such as
// Rosenbrock's values from 1 to 1e6, then no longer flattens the rest. ys
// must be finite; it is changed in place. It reports false if the values
// are all equal.
func warpValues(ys []float64) bool {
	if !standardize(ys) {
		return false
	}
	var sum float64
	for _, y := range ys {
		sum += y * y
	}
	if sum == 0 {
		return false
	}
	n := float64(len(ys))
	var logJ float64 // log Jacobian per unit of (lambda - 1)
	for _, y := range ys {
		logJ += math.Copysign(math.Log1p(math.Abs(y)), y)
	}
	loglik := func(lambda float64) float64 {
		var m, sq float64
		for _, y := range ys {
			m += yeoJohnson(y, lambda)
		}
		m /= n
		for _, y := range ys {
			d := yeoJohnson(y, lambda) - m
			sq += d * d
		}
		v := sq / n
		if !(v > 0) || math.IsInf(v, 0) {
			return math.Inf(-1)
		}
		return -0.5*n*math.Log(v) + (lambda-1)*logJ
	}
	a, b := -2.0, 4.0
	g := (math.Sqrt(5) - 1) / 2
	c, d := b-g*(b-a), a+g*(b-a)
	fc, fd := loglik(c), loglik(d)
	for range 50 {
		if fc > fd {
			b, d, fd = d, c, fc
			c = b - g*(b-a)
			fc = loglik(c)
		} else {
			a, c, fc = c, d, fd
			d = a + g*(b-a)
			fd = loglik(d)
		}
	}
	lambda := (a + b) / 2
	if math.IsInf(loglik(lambda), -1) {
		return true
	}
	for i, y := range ys {
		ys[i] = yeoJohnson(y, lambda)
	}
	return standardize(ys)
}

// yeoJohnson is the Yeo-Johnson power transform.
func yeoJohnson(y, lambda float64) float64 {
	if y >= 0 {
		if math.Abs(lambda) < 1e-9 {
			return math.Log1p(y)
		}
		return (math.Pow(y+1, lambda) - 1) / lambda
	}
	if math.Abs(lambda-2) < 1e-9 {
		return -math.Log1p(-y)
	}
	return -(math.Pow(1-y, 2-lambda) - 1) / (2 - lambda)
}
