package tune

import (
	"math"
	"testing"
)

// Reference values from Optuna 3.1's _truncnorm.ppf and _log_gauss_mass
// (optuna/samplers/_tpe/_truncnorm.py, itself after SciPy).
func TestTruncnormMatchesOptuna(t *testing.T) {
	ppf := []struct{ q, a, b, want float64 }{
		{0.3, -1.0, 2.0, -0.24240381788922666},
		{0.9, -0.1, 0.5, 0.43531591126279157},
		{0.01, -3.0, 1.0, -2.3358378709541974},
		{0.5, 0.0, 100.0, 0.6744897501960818},
		{0.7, -100.0, 0.0, -0.3853204664075679},
		{0.2, 1.5, 4.0, 1.6122654394564444},
		{0.99, -8, -2, -2.0042315605388676},
		{0.4, -30, 30, -0.2533471031357999},
		{1e-09, -2, 2, -1.9999999823211216},
	}
	for _, tt := range ppf {
		if got := truncnormPPF(tt.q, tt.a, tt.b); math.Abs(got-tt.want) > 1e-9*math.Max(1, math.Abs(tt.want)) {
			t.Errorf("truncnormPPF(%v, %v, %v) = %v, want %v", tt.q, tt.a, tt.b, got, tt.want)
		}
	}
	mass := []struct{ a, b, want float64 }{
		{-1.0, 2.0, -0.20016629432446262},
		{3.0, 5.0, -6.607938594596892},
		{-40.0, -30.0, -454.32124395634315},
		{-0.5, 0.5, -0.9599163336956222},
		{25.0, 26.0, -316.63940800802834},
	}
	for _, tt := range mass {
		if got := logGaussMass(tt.a, tt.b); math.Abs(got-tt.want) > 1e-9*math.Max(1, math.Abs(tt.want)) {
			t.Errorf("logGaussMass(%v, %v) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}
