package tune

import (
	"math"

	"gonum.org/v1/gonum/mathext"
)

// The truncated normal distribution on [a, b] (in standard units), after
// the log-space formulation of SciPy that Optuna 3.1 copies
// (optuna/samplers/_tpe/_truncnorm.py): masses and quantiles are computed in
// the tail where they are accurate.

const logSqrt2Pi = 0.91893853320467274178 // log(sqrt(2*pi))

// ndtr is the standard normal CDF.
func ndtr(a float64) float64 { return 0.5 * math.Erfc(-a/math.Sqrt2) }

// logNdtr is log(ndtr(a)), accurate in both tails.
func logNdtr(a float64) float64 {
	switch {
	case a > 6:
		return -ndtr(-a) // log(1-x) ~ -x
	case a > -20:
		return math.Log(ndtr(a))
	}
	// Asymptotic series of the Mills ratio.
	logLHS := -0.5*a*a - math.Log(-a) - 0.5*math.Log(2*math.Pi)
	last, rhs, num, denomFactor := 0.0, 1.0, 1.0, 1.0
	denomCons := 1 / (a * a)
	sign := 1.0
	for i := 1; math.Abs(last-rhs) > 2.220446049250313e-16 && i < 100; i++ {
		last = rhs
		sign = -sign
		denomFactor *= denomCons
		num *= float64(2*i - 1)
		rhs += sign * num * denomFactor
	}
	return logLHS + math.Log(rhs)
}

// logDiff returns log(exp(p) - exp(q)) for p >= q.
func logDiff(p, q float64) float64 {
	if math.IsInf(q, -1) {
		return p
	}
	return p + math.Log1p(-math.Exp(q-p))
}

// logAddExp returns log(exp(p) + exp(q)).
func logAddExp(p, q float64) float64 {
	if p < q {
		p, q = q, p
	}
	if math.IsInf(q, -1) {
		return p
	}
	return p + math.Log1p(math.Exp(q-p))
}

// logGaussMass is log(ndtr(b) - ndtr(a)), the log of the standard normal
// mass in [a, b].
func logGaussMass(a, b float64) float64 {
	switch {
	case b <= 0:
		return logDiff(logNdtr(b), logNdtr(a))
	case a > 0:
		return logDiff(logNdtr(-a), logNdtr(-b))
	}
	return math.Log1p(-ndtr(a) - ndtr(-b))
}

// ndtriExp returns x such that logNdtr(x) = y.
func ndtriExp(y float64) float64 {
	if y > -700 {
		return mathext.NormalQuantile(math.Exp(y))
	}
	// Deep left tail: Newton on logNdtr from the asymptotic guess.
	x := -math.Sqrt(-2 * y)
	for range 50 {
		ln := logNdtr(x)
		d := math.Exp(-0.5*x*x-logSqrt2Pi-ln) * 1 // d/dx logNdtr
		step := (ln - y) / d
		x -= step
		if math.Abs(step) < 1e-12*math.Abs(x) {
			break
		}
	}
	return x
}

// truncnormPPF returns the q-quantile (0 <= q <= 1) of the standard normal
// truncated to [a, b], a < b.
func truncnormPPF(q, a, b float64) float64 {
	switch {
	case q <= 0:
		return a
	case q >= 1:
		return b
	}
	var x float64
	if a < 0 {
		x = ndtriExp(logAddExp(logNdtr(a), math.Log(q)+logGaussMass(a, b)))
	} else {
		x = -ndtriExp(logAddExp(logNdtr(-b), math.Log1p(-q)+logGaussMass(a, b)))
	}
	return math.Max(a, math.Min(b, x))
}
