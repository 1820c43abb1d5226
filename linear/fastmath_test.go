package linear

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestFastMath checks expNeg against math.Exp and log1pUnit against
// math.Log1p: within 3 ulp of the result (plus 1e-300 absolute for exp's
// tiny results), over random points and the domains' edges.
func TestFastMath(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	ulps := func(got, want float64) float64 {
		if got == want {
			return 0
		}
		return math.Abs(got-want) / (math.Nextafter(math.Abs(want), math.Inf(1)) - math.Abs(want))
	}
	xs := []float64{0, math.Copysign(0, -1), -1e-300, -1e-17, -0x1p-53, -math.Ln2 / 128, -math.Ln2, -1, -36, -700, -700.5, -745, -746, -1000, math.Inf(-1), 0.5, 3, math.NaN()}
	for range 200_000 {
		xs = append(xs, -rng.ExpFloat64()*20, -rng.Float64()*1e-6)
	}
	for _, x := range xs {
		got, want := expNeg(x), math.Exp(x)
		if math.IsNaN(want) != math.IsNaN(got) || (!math.IsNaN(want) && ulps(got, want) > 3 && math.Abs(got-want) > 1e-300) {
			t.Errorf("expNeg(%v) = %v, want %v (math.Exp)", x, got, want)
		}
	}
	es := []float64{0, 1e-300, 1e-17, 0x1p-53, 1.0 / 64, 1.0/64 - 1e-17, 0.5, 63.0 / 64, 1 - 1e-16, 1, 1.5, -0.5, math.NaN()}
	for range 200_000 {
		es = append(es, rng.Float64(), rng.Float64()*1e-3, expNeg(-rng.ExpFloat64()*30))
	}
	for _, e := range es {
		got, want := log1pUnit(e), math.Log1p(e)
		if math.IsNaN(want) != math.IsNaN(got) || (!math.IsNaN(want) && ulps(got, want) > 3) {
			t.Errorf("log1pUnit(%v) = %v, want %v (math.Log1p)", e, got, want)
		}
	}
}

func BenchmarkExpLog(b *testing.B) {
	xs := make([]float64, 1024)
	for i := range xs {
		xs[i] = -float64(i) / 100
	}
	b.Run("math", func(b *testing.B) {
		s := 0.0
		for b.Loop() {
			for _, x := range xs {
				s += math.Log(1 + math.Exp(x))
			}
		}
		_ = s
	})
	b.Run("fast", func(b *testing.B) {
		s := 0.0
		for b.Loop() {
			for _, x := range xs {
				s += log1pUnit(expNeg(x))
			}
		}
		_ = s
	})
}
