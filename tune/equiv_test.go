package tune

import (
	"cmp"
	"maps"
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
		for _, kind := range []string{"uniform", "ties", "zeros", "wide", "straddle", "logint"} {
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
				case "straddle": // keys far apart in bits, close in value
					xs[i] = []float64{math.Nextafter(1, 0), 1, math.Nextafter(1, 2)}[rng.IntN(3)]
				case "logint":
					xs[i] = math.Log(float64(1 + rng.IntN(64)))
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
						got := pe.logPDFCached([][]float64{pts}, &pc, false)
						buf := make([]float64, len(pe.w))
						var disc []int
						if d.Kind != CategoricalKind && pe.dims[0].q > 0 {
							disc = []int{0}
						}
						for c := range pts {
							want := pe.densePoint(buf, make([]float64, len(pe.w)), disc, [][]float64{pts}, c, false)
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

// TestFastExp checks fastExp against math.Exp over the range of the terms
// of a log-sum-exp: the error bound of approxError assumes under 1e-14.
func TestFastExp(t *testing.T) {
	worst := 0.0
	for i := 0; i <= 400000; i++ {
		x := -40 * float64(i) / 400000
		worst = max(worst, math.Abs(fastExp(x)/math.Exp(x)-1))
	}
	if worst > 1e-14 {
		t.Errorf("fastExp relative error up to %g, want under 1e-14", worst)
	}
	if got := fastExp(0); got != 1 {
		t.Errorf("fastExp(0) = %v, want 1", got)
	}
}

// TestBestCandidate checks that ranking the candidates with fast
// exponentials first chooses the candidate that exact scores choose, with
// univariate and multivariate estimators, including candidates tied on
// purpose.
func TestBestCandidate(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	space := []Distribution{
		{Kind: FloatKind, Low: -5, High: 10},
		{Kind: FloatKind, Low: 1e-4, High: 1, Log: true},
		{Kind: IntKind, Low: 1, High: 64, Step: 1, Log: true},
		{Kind: IntKind, Low: 0, High: 20, Step: 2},
		{Kind: CategoricalKind, Choices: []string{"a", "b", "c"}},
	}
	for j, d := range space {
		d, err := d.normalize()
		if err != nil {
			t.Fatal(err)
		}
		space[j] = d
	}
	exactBest := func(l, g *parzen, cand [][]float64) int {
		ll, lg := l.logPDF(cand), g.logPDF(cand)
		best, bestScore := 0, ll[0]-lg[0]
		for c := 1; c < len(ll); c++ {
			if score := ll[c] - lg[c]; score > bestScore {
				best, bestScore = c, score
			}
		}
		return best
	}
	p := parzenParams{considerPrior: true, priorWeight: 1, magicClip: true, weights: DefaultWeights}
	for trial := range 300 {
		multivariate := trial%3 == 0
		dists := []Distribution{space[trial%len(space)]}
		if multivariate {
			dists = space
		}
		p.multivariate = multivariate
		n := []int{1, 10, 100, 1000}[trial%4]
		nBelow := min(DefaultGamma(n), n)
		obs := func(k int) [][]float64 {
			cols := make([][]float64, len(dists))
			for j, d := range dists {
				for range k {
					cols[j] = append(cols[j], toParzen(d, sampleUniform(rng, d)))
				}
			}
			return cols
		}
		var pc parzenCache
		l := newParzenCached(obs(nBelow), dists, p, &pc)
		g := newParzenCached(obs(n-nBelow), dists, p, &pc)
		cand := l.sample(rng, 24)
		if trial%2 == 1 {
			for j := range cand {
				cand[j][5] = cand[j][17] // a tie, to be broken by index
			}
		}
		if got, want := bestCandidate(l, g, cand, &pc), exactBest(l, g, cand); got != want {
			t.Errorf("case %d (n=%d, multivariate %v): bestCandidate = %d, exact scores choose %d", trial, n, multivariate, got, want)
		}
	}
}

// TestColumnCache checks that a TPE sampler that reads a growing trial
// list through its cache samples what a fresh sampler samples, with the
// list's array shared between views (as a study shares it), copied, cut
// short, and with the space changing.
func TestColumnCache(t *testing.T) {
	space := benchSpaces["mixed5"]
	other := map[string]Distribution{"x1": space["x1"], "c": space["c"]}
	all := benchView(300, space).Trials
	all = all[:len(all):len(all)]
	cached := NewTPE(4).(JointSampler)
	for k, n := range []int{20, 21, 25, 60, 60, 61, 40, 200, 201, 300} {
		v := &View{Trials: all[:n]}
		sp := space
		switch k {
		case 3:
			v.Trials = slices.Clone(all[:n]) // another array, other values
			for i := range v.Trials {
				ps := maps.Clone(v.Trials[i].Params)
				ps["x1"] = 10 - ps["x1"].(float64)
				v.Trials[i].Params = ps
			}
		case 4:
			sp = other
		case 5:
			v.Running = []FrozenTrial{all[n]} // a running trial, for the liar
			v.Running[0].State = Running
		}
		got, err := cached.SampleJoint(v, n+1, sp)
		if err != nil {
			t.Fatal(err)
		}
		want, err := NewTPE(4).(JointSampler).SampleJoint(v, n+1, sp)
		if err != nil {
			t.Fatal(err)
		}
		if diff := gocmp.Diff(want, got); diff != "" {
			t.Errorf("view %d (n=%d): cached sampler (-fresh +cached):\n%s", k, n, diff)
		}
	}
}
