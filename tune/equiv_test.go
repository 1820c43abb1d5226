package tune

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
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
			if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("bestKeys(n=%d, k=%d) (-sort +got):\n%s", n, k, diff)
			}
		}
	}
}
