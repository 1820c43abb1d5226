package linear_test

import (
	"context"
	"math"
	"sync"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/cairn-ml/cairn/dataset"
	"github.com/cairn-ml/cairn/linear"
)

// splitmix64 is the generator of the synthetic benchmark data; the
// scikit-learn side (testdata/bench_sklearn.py) computes the same stream
// with numpy.
type splitmix64 uint64

func (s *splitmix64) next() uint64 {
	*s += 0x9E3779B97F4A7C15
	z := uint64(*s)
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

func (s *splitmix64) uniform() float64 { return float64(s.next()>>11) * 0x1p-53 }

// synthetic returns the dense benchmark set: x_ij = (2u-1)*(1+j%5), one
// uniform per entry in row-major order, then one noise uniform per row;
// y = 1 when sum_j w_j x_ij + 4*(u-1/2) > 0 with w_j = ((j%7)-3)/(3*sqrt(d)/2).
func synthetic(n, d int, seed uint64) (*mat.Dense, []int) {
	s := splitmix64(seed)
	X := mat.NewDense(n, d, nil)
	y := make([]int, n)
	w := make([]float64, d)
	for j := range w {
		w[j] = float64(j%7-3) / (3 * math.Sqrt(float64(d)) / 2)
	}
	for i := range n {
		row := X.RawRowView(i)
		score := 0.0
		for j := range d {
			row[j] = (2*s.uniform() - 1) * float64(1+j%5)
			score += w[j] * row[j]
		}
		if score+4*(s.uniform()-0.5) > 0 {
			y[i] = 1
		}
	}
	return X, y
}

var (
	bcStdOnce  sync.Once
	bcStdX     *mat.Dense
	bcStdY     []int
	synthMu    sync.Mutex
	synthCache = map[[2]int]*synthSet{}
)

type synthSet struct {
	X *mat.Dense
	y []int
}

func synth(n, d int) (*mat.Dense, []int) {
	synthMu.Lock()
	defer synthMu.Unlock()
	if s, ok := synthCache[[2]int{n, d}]; ok {
		return s.X, s.y
	}
	X, y := synthetic(n, d, 42)
	synthCache[[2]int{n, d}] = &synthSet{X, y}
	return X, y
}

// breastCancerStd returns the breast-cancer features standardised once, as
// scikit-learn's StandardScaler().fit_transform does before its fit.
func breastCancerStd(b *testing.B) (*mat.Dense, []int) {
	bcStdOnce.Do(func() {
		ds := dataset.BreastCancer()
		sc, err := linear.FitScaler(ds.X)
		if err != nil {
			b.Fatal(err)
		}
		if bcStdX, err = sc.Transform(ds.X); err != nil {
			b.Fatal(err)
		}
		bcStdY = ds.Y
	})
	return bcStdX, bcStdY
}

func benchFit(b *testing.B, X *mat.Dense, y []int, cfg linear.Config) {
	b.ReportAllocs()
	var m *linear.Model
	var err error
	cpu0 := cpuTime()
	for b.Loop() {
		if m, err = linear.Fit(context.Background(), X, y, cfg); err != nil {
			b.Fatal(err)
		}
	}
	// CPU time (all threads) per fit: less sensitive than wall time to
	// other processes on a shared machine.
	b.ReportMetric((cpuTime()-cpu0).Seconds()*1e3/float64(b.N), "cpu-ms/op")
	s := m.Summary()
	_, d := X.Dims()
	b.ReportMetric(float64(s.Iterations), "iters")
	b.ReportMetric(float64(s.Evaluations), "passes")
	b.ReportMetric(s.Objective, "objective")
	pos := 0
	for _, v := range y {
		pos += v
	}
	b.ReportMetric(float64(pos), "positives")
	// Bytes of X read, subsample passes included (8 bytes per entry).
	mb := float64(linear.RowsRead(m)) * float64(d*8) / 1e6
	b.ReportMetric(mb, "MB/fit")
	b.ReportMetric(mb/float64(max(s.Iterations, 1)), "MB/iter")
	if !s.Converged {
		b.Logf("did not converge: %v", m.Warning())
	}
}

func benchBC(b *testing.B, cfg linear.Config) {
	X, y := breastCancerStd(b)
	benchFit(b, X, y, cfg)
}

func benchSynth(b *testing.B, n, d int, cfg linear.Config) {
	X, y := synth(n, d)
	benchFit(b, X, y, cfg)
}

// Same objective and tolerance as testdata/bench_sklearn.py: C = 1,
// tol 1e-4, max_iter 1000.
var (
	l2LBFGS  = linear.Config{Solver: linear.LBFGS, MaxIter: 1000}
	l2Newton = linear.Config{Solver: linear.Newton, MaxIter: 1000}
	l2CD     = linear.Config{Solver: linear.CoordinateDescent, MaxIter: 1000}
	l2Auto   = linear.Config{MaxIter: 1000}
	l1CD     = linear.Config{Penalty: linear.L1, MaxIter: 1000}
)

func BenchmarkFitBreastCancerLBFGS(b *testing.B)  { benchBC(b, l2LBFGS) }
func BenchmarkFitBreastCancerNewton(b *testing.B) { benchBC(b, l2Newton) }
func BenchmarkFitBreastCancerCD(b *testing.B)     { benchBC(b, l2CD) }
func BenchmarkFitBreastCancerL1CD(b *testing.B)   { benchBC(b, l1CD) }
func BenchmarkFitBreastCancerAuto(b *testing.B)   { benchBC(b, l2Auto) }

func BenchmarkFit100kx100LBFGS(b *testing.B)  { benchSynth(b, 100_000, 100, l2LBFGS) }
func BenchmarkFit100kx100Newton(b *testing.B) { benchSynth(b, 100_000, 100, l2Newton) }
func BenchmarkFit100kx100CD(b *testing.B)     { benchSynth(b, 100_000, 100, l2CD) }
func BenchmarkFit100kx100Auto(b *testing.B)   { benchSynth(b, 100_000, 100, l2Auto) }
func BenchmarkFit100kx100L1CD(b *testing.B)   { benchSynth(b, 100_000, 100, l1CD) }

func BenchmarkFit1Mx50LBFGS(b *testing.B)  { benchSynth(b, 1_000_000, 50, l2LBFGS) }
func BenchmarkFit1Mx50Newton(b *testing.B) { benchSynth(b, 1_000_000, 50, l2Newton) }
func BenchmarkFit1Mx50Auto(b *testing.B)   { benchSynth(b, 1_000_000, 50, l2Auto) }
func BenchmarkFit1Mx50L1CD(b *testing.B)   { benchSynth(b, 1_000_000, 50, l1CD) }

func benchModel(b *testing.B) (*linear.Model, *mat.Dense) {
	ds := dataset.BreastCancer()
	m, err := linear.Fit(context.Background(), ds.X, ds.Y, linear.Config{Standardize: true})
	if err != nil {
		b.Fatal(err)
	}
	return m, ds.X
}

func BenchmarkPredictProbaInto1Row(b *testing.B) {
	m, X := benchModel(b)
	x := X.RawRowView(7)
	dst := make([]float64, 2)
	b.ReportAllocs()
	for b.Loop() {
		if err := m.PredictProbaInto(dst, x); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPredictProba1Row(b *testing.B) {
	m, X := benchModel(b)
	row := mat.NewDense(1, 30, X.RawRowView(7))
	b.ReportAllocs()
	for b.Loop() {
		m.PredictProba(row)
	}
}

func BenchmarkPredictProba10000(b *testing.B) {
	m, X := benchModel(b)
	big := mat.NewDense(10_000, 30, nil)
	for i := range 10_000 {
		big.SetRow(i, X.RawRowView(i%569))
	}
	dst := mat.NewDense(10_000, 2, nil)
	b.ReportAllocs()
	for b.Loop() {
		if err := m.PredictProbaTo(dst, big); err != nil {
			b.Fatal(err)
		}
	}
}

// A raw record of the penguins (text, numbers, a missing value) through
// the model's preprocessing: what a server does for one row.
func BenchmarkPredictValues1Record(b *testing.B) {
	tab := dataset.Penguins()
	inputs := make([]linear.Input, len(tab.Columns))
	for j, c := range tab.Columns {
		inputs[j] = linear.Input{Name: c.Name}
		if c.Type == dataset.Text {
			inputs[j].Kind, inputs[j].Levels = linear.Categorical, c.Levels
		}
	}
	m, err := linear.Fit(context.Background(), tab.X, tab.Y, linear.Config{Classes: tab.Classes, Inputs: inputs})
	if err != nil {
		b.Fatal(err)
	}
	rec := []linear.Value{linear.Text("Dream"), linear.Num(46.5), linear.Num(17.9), linear.Num(192),
		linear.Num(3500), {}, linear.Num(2008)}
	dst := make([]float64, 3)
	b.ReportAllocs()
	for b.Loop() {
		if err := m.PredictValuesInto(dst, rec); err != nil {
			b.Fatal(err)
		}
	}
}
