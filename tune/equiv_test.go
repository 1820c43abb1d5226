package tune

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// The tests of this file check that the fast paths of the TPE sampler give
// exactly (bit for bit) what the direct computations they replace give.

// TestBestKeys checks the selection of the good trials against the first k
// of a stable sort, with ties, infinities and k from 0 to all.
func TestBestKeys(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2, 7, 30, 200} {
		keys := make([]rankKey, n)
		for i := range keys {
			steps := []float64{math.Inf(-1), math.Inf(-1), -3, -1, 1, math.Inf(1)}
			values := []float64{0, 1, 2, rng.Float64(), rng.Float64(), math.Inf(1), math.Inf(-1)}
			keys[i] = rankKey{steps[rng.IntN(len(steps))], values[rng.IntN(len(values))]}
		}
		order := make([]ranked, n)
		for i, k := range keys {
			order[i] = ranked{k, i}
		}
		slices.SortStableFunc(order, func(a, b ranked) int {
			return cmpRanked(ranked{a.rankKey, 0}, ranked{b.rankKey, 0})
		})
		for _, k := range []int{0, 1, 5, 25, 64, 65, n / 2, n} {
			if k > n {
				continue
			}
			var want []int
			for _, o := range order[:k] {
				want = append(want, o.i)
			}
			got := bestKeys(keys, k)
			slices.Sort(want)
			slices.Sort(got)
			if diff := gocmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("bestKeys(n=%d, k=%d) (-sort +got):\n%s", n, k, diff)
			}
		}
	}
}

// TestSortedOrder checks the radix sort of kernel centres against a
// stable sort by value, with ties, signed zeros and negative values.
func TestSortedOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 5, 63, 64, 65, 500, 2000} {
		for _, kind := range []string{"uniform", "ties", "zeros", "wide"} {
			xs := make([]float64, n)
			for i := range xs {
				switch kind {
				case "uniform":
					xs[i] = rng.Float64()
				case "ties":
					xs[i] = float64(rng.IntN(7)) - 3
				case "zeros":
					xs[i] = []float64{0, math.Copysign(0, -1), 1e-300, -1e-300}[rng.IntN(4)]
				case "wide":
					xs[i] = math.Ldexp(rng.NormFloat64(), rng.IntN(200)-100)
				}
			}
			want := make([]int32, n)
			for i := range want {
				want[i] = int32(i)
			}
			slices.SortStableFunc(want, func(a, b int32) int { return cmp.Compare(xs[a], xs[b]) })
			for _, pc := range []*parzenCache{nil, {}} {
				if diff := gocmp.Diff(want, sortedOrder(xs, pc), cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("sortedOrder(%d %s) (-stable sort +got):\n%s", n, kind, diff)
				}
			}
		}
	}
}

// TestLogPDFFastPaths checks logPDF, which skips repeated points and
// evaluates univariate continuous estimators from the kernels near each
// point, against densePoint, which evaluates every kernel, bit for bit.
func TestLogPDFFastPaths(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	dists := []Distribution{
		{Kind: FloatKind, Low: -5, High: 10},
		{Kind: FloatKind, Low: 1e-4, High: 1, Log: true},
		{Kind: IntKind, Low: 1, High: 64, Step: 1, Log: true},
		{Kind: IntKind, Low: 0, High: 20, Step: 2},
		{Kind: FloatKind, Low: 0, High: 1, Step: 0.1},
		{Kind: CategoricalKind, Choices: []string{"a", "b", "c"}},
	}
	zeroSome := func(n int) []float64 {
		w := DefaultWeights(n)
		for i := 0; i < n; i += 3 {
			w[i] = 0
		}
		return w
	}
	params := map[string]parzenParams{
		"default":   {considerPrior: true, priorWeight: 1, magicClip: true, weights: DefaultWeights},
		"no prior":  {priorWeight: 1, magicClip: true, weights: DefaultWeights},
		"no clip":   {considerPrior: true, priorWeight: 1, weights: DefaultWeights},
		"endpoints": {considerPrior: true, priorWeight: 2, magicClip: true, endpoints: true, weights: DefaultWeights},
		"normalize": {considerPrior: true, priorWeight: 1, magicClip: true, normalize: true, weights: DefaultWeights},
		"zeros":     {considerPrior: true, priorWeight: 0.5, magicClip: true, weights: zeroSome},
	}
	for _, d := range dists {
		d, err := d.normalize()
		if err != nil {
			t.Fatal(err)
		}
		for _, pname := range sortedNames(params) {
			for _, n := range []int{0, 3, 60, 400, 1200} {
				for _, clustered := range []bool{false, true} {
					obs := make([]float64, n)
					for i := range obs {
						x := sampleUniform(rng, d)
						if clustered && i%2 == 0 {
							x = d.clamp(d.Low + (d.High-d.Low)*0.3*rng.Float64()*rng.Float64())
						}
						obs[i] = toParzen(d, x)
					}
					var pc parzenCache
					pe := newParzenCached([][]float64{obs}, []Distribution{d}, params[pname], &pc)
					for _, size := range []int{24, 80} {
						pts := pe.sample(rng, size)[0]
						pts[1] = pts[0]
						if d.Kind != CategoricalKind {
							pts[2], pts[3] = d.Low, d.High
						}
						got := pe.logPDFCached([][]float64{pts}, &pc)
						buf := make([]float64, len(pe.w))
						var disc []int
						if d.Kind != CategoricalKind && pe.dims[0].q > 0 {
							disc = []int{0}
						}
						for c := range pts {
							want := pe.densePoint(buf, make([]float64, len(pe.w)), disc, [][]float64{pts}, c)
							if math.Float64bits(got[c]) != math.Float64bits(want) {
								t.Errorf("%v %s n=%d clustered=%v: logPDF(%v) = %v, densePoint %v", d, pname, n, clustered, pts[c], got[c], want)
							}
						}
					}
				}
			}
		}
	}
}
