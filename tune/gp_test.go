package tune

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// gpTestData returns n points in 3 dimensions (the last categorical with 3
// choices) and standardised values of a smooth function of them.
func gpTestData(n int, seed uint64) ([][]float64, []float64, []bool) {
	rng := rand.New(rand.NewPCG(seed, 1))
	isCat := []bool{false, false, true}
	var xs [][]float64
	var ys []float64
	for range n {
		u := []float64{rng.Float64(), rng.Float64(), float64(rng.IntN(3))}
		xs = append(xs, u)
		ys = append(ys, math.Sin(6*u[0])+u[1]*u[1]+0.3*u[2])
	}
	standardize(ys)
	return xs, ys, isCat
}

// checkGrad compares an analytic gradient with central finite differences.
func checkGrad(t *testing.T, name string, f func(x, g []float64) float64, x []float64) {
	t.Helper()
	g := make([]float64, len(x))
	f(x, g)
	for i := range x {
		h := 1e-6 * math.Max(1, math.Abs(x[i]))
		xp, xm := slices.Clone(x), slices.Clone(x)
		xp[i] += h
		xm[i] -= h
		num := (f(xp, make([]float64, len(x))) - f(xm, make([]float64, len(x)))) / (2 * h)
		if math.Abs(num-g[i]) > 1e-5*math.Max(1, math.Abs(num)) {
			t.Errorf("%s: d/dx%d = %v, finite difference %v", name, i, g[i], num)
		}
	}
}

func TestGPLikelihoodGradient(t *testing.T) {
	xs, ys, isCat := gpTestData(15, 1)
	m := &gpModel{x: xs, y: ys, isCat: isCat, w: make([]float64, 3)}
	f := gpLikelihood(m)
	for _, theta := range [][]float64{
		{0, 0, 0, 0, math.Log(0.01)},
		{1.5, -0.5, 0.3, 0.7, math.Log(0.1)},
		{-2, 2, -1, -0.4, -8},
	} {
		checkGrad(t, "likelihood", f, theta)
	}
}

func TestLogEIGradient(t *testing.T) {
	xs, ys, isCat := gpTestData(20, 2)
	m := fitGP(xs, ys, isCat)
	if m == nil {
		t.Fatal("fitGP failed")
	}
	best := slices.Min(ys)
	sc := m.scratch()
	dmu, dvar := make([]float64, 3), make([]float64, 3)
	for _, u := range [][]float64{{0.3, 0.6, 1}, {0.9, 0.1, 0}, {0.05, 0.95, 2}} {
		f := func(x, g []float64) float64 {
			full := []float64{x[0], x[1], u[2]}
			grad := make([]float64, 3)
			a := logEI(m, sc, best, full, grad, dmu, dvar)
			copy(g, grad[:2])
			return a
		}
		checkGrad(t, "log EI", f, u[:2])
	}
}

func TestGPInterpolates(t *testing.T) {
	xs, ys, isCat := gpTestData(25, 3)
	m := fitGP(xs, ys, isCat)
	if m == nil {
		t.Fatal("fitGP failed")
	}
	sc := m.scratch()
	for i, u := range xs {
		mu, v := m.predict(u, sc, nil, nil)
		if math.Abs(mu-ys[i]) > 0.05 || v > 0.01 {
			t.Errorf("at training point %d: mean %v (y %v), variance %v", i, mu, ys[i], v)
		}
	}
	// Away from the data the variance grows.
	_, v := m.predict([]float64{0.5, 0.5, 7}, sc, nil, nil)
	if v < 0.02 {
		t.Errorf("variance at an unseen category = %v, want well above the training points'", v)
	}
}

func TestLogH(t *testing.T) {
	direct := func(z float64) float64 { return math.Log(z*ndtr(z) + math.Exp(-0.5*z*z)/math.Sqrt(2*math.Pi)) }
	for _, z := range []float64{3, 0.5, 0, -0.5, -0.999, -1.001, -2, -4, -6} {
		got, _ := logH(z)
		if want := direct(z); math.Abs(got-want) > 1e-9*math.Max(1, math.Abs(want)) {
			t.Errorf("logH(%v) = %v, want %v", z, got, want)
		}
	}
	// Across the asymptotic switch at z = -30 the value is continuous and
	// falls as z falls.
	prev := math.Inf(1)
	for z := -25.0; z > -40; z -= 0.5 {
		got, d := logH(z)
		if got >= prev || math.IsNaN(got) || d <= 0 {
			t.Errorf("logH(%v) = %v (slope %v) after %v", z, got, d, prev)
		}
		prev = got
	}
	a, _ := logH(-29.999999)
	b, _ := logH(-30.000001)
	if math.Abs(a-b) > 1e-4 {
		t.Errorf("logH jumps at -30: %v, %v", a, b)
	}
	// scipy.special.erfcx.
	for _, tt := range []struct{ x, want float64 }{
		{0.5, 0.6156903441929258}, {5, 0.11070463773306861}, {20, 0.028174348741051323},
		{24.9, 0.022639987776049506}, {25.1, 0.02245987581758139}, {30, 0.018795888861416754},
		{100, 0.005641613782989433}, {1e4, 5.641895807268084e-05},
	} {
		if got := erfcx(tt.x); math.Abs(got-tt.want) > 1e-12*tt.want {
			t.Errorf("erfcx(%v) = %v, want %v", tt.x, got, tt.want)
		}
	}
}

func TestLBFGS(t *testing.T) {
	rosen := func(x, g []float64) float64 {
		a, b := x[1]-x[0]*x[0], 1-x[0]
		g[0] = -400*x[0]*a - 2*b
		g[1] = 200 * a
		return 100*a*a + b*b
	}
	x, fx := lbfgs(rosen, []float64{-1.2, 1}, 500, 1e-10, 0)
	if math.Abs(x[0]-1) > 1e-5 || math.Abs(x[1]-1) > 1e-5 || fx > 1e-10 {
		t.Errorf("lbfgs(Rosenbrock) = %v, %v; want (1, 1), 0", x, fx)
	}
}

func TestWarpValues(t *testing.T) {
	tests := []struct {
		name string
		ys   []float64
	}{
		{"heavy upper tail", []float64{1, 2, 5, 30, 400, 1e4, 1e6, 3}},
		{"heavy lower tail", []float64{-0.01, -0.02, -0.05, -0.1, -0.2, -0.3, -1.5, -3.3}},
		{"mixed signs", []float64{-5, -1, 0, 0.5, 1, 2, 50, 900}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			warped := slices.Clone(tt.ys)
			if !warpValues(warped) {
				t.Fatal("warpValues reported equal values")
			}
			for i := range tt.ys {
				for j := range tt.ys {
					if (tt.ys[i] < tt.ys[j]) != (warped[i] < warped[j]) {
						t.Fatalf("warp changed the order of %v and %v: %v", tt.ys[i], tt.ys[j], warped)
					}
				}
			}
			var mean, sq float64
			for _, w := range warped {
				mean += w
				sq += w * w
			}
			if n := float64(len(warped)); math.Abs(mean/n) > 1e-9 || math.Abs(sq/n-1) > 1e-9 {
				t.Errorf("warped values %v are not standardised", warped)
			}
			// The most extreme value takes a smaller share of the range.
			share := func(v []float64) float64 {
				s := slices.Sorted(slices.Values(v))
				n := len(s)
				return math.Max(s[n-1]-s[n-2], s[1]-s[0]) / (s[n-1] - s[0])
			}
			if share(warped) >= share(tt.ys) {
				t.Errorf("extreme gap share %v, was %v: the tail was not compressed", share(warped), share(tt.ys))
			}
		})
	}
	if warpValues([]float64{2, 2, 2}) {
		t.Error("warpValues(equal values) = true")
	}
}
