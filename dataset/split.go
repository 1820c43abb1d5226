package dataset

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// Fold is one part of a k-fold partition: the rows to train on and the rows
// to test on, each in increasing order.
type Fold struct {
	Train []int
	Test  []int
}

// newRand returns the generator every split uses: PCG seeded with
// (seed, 0). Same seed, same split, on every platform.
func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0)) }

// byClass groups row indices by label, one group per distinct label in
// increasing label order; labels must be non-negative. A label is a key,
// never a size: 1<<40 costs one group like 1 does.
func byClass(y []int) ([][]int, error) {
	group := make(map[int]int)
	var labels []int
	var groups [][]int
	for i, c := range y {
		if c < 0 {
			return nil, fmt.Errorf("%w: negative label %d at row %d", ErrInvalid, c, i)
		}
		g, ok := group[c]
		if !ok {
			g = len(groups)
			group[c] = g
			labels = append(labels, c)
			groups = append(groups, nil)
		}
		groups[g] = append(groups[g], i)
	}
	order := make([]int, len(groups))
	for g := range order {
		order[g] = g
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(labels[a], labels[b]) })
	sorted := make([][]int, len(groups))
	for r, g := range order {
		sorted[r] = groups[g]
	}
	return sorted, nil
}

// StratifiedSplit partitions the rows 0..len(y)-1 into a training and a
// test part, keeping the share of each class (the distinct values of y) in
// both parts: the test part holds ceil(testFraction*len(y)) rows, and each
// class contributes to it within one row of its exact share. Rows are
// drawn by a PCG generator seeded with seed, so the split is the same for
// the same y and seed on every platform; both parts come back in
// increasing order.
//
// testFraction must lie in (0, 1) and leave both parts non-empty; labels
// must be non-negative (any such value names a class: none is used as a
// size). Otherwise the error wraps ErrBadSplit or ErrInvalid.
func StratifiedSplit(y []int, testFraction float64, seed uint64) (train, test []int, err error) {
	n := len(y)
	if !(testFraction > 0 && testFraction < 1) {
		return nil, nil, fmt.Errorf("%w: test fraction %v is not in (0, 1)", ErrBadSplit, testFraction)
	}
	nTest := int(math.Ceil(testFraction * float64(n)))
	if nTest < 1 || nTest >= n {
		return nil, nil, fmt.Errorf("%w: %d rows cannot give a test part of %v", ErrBadSplit, n, testFraction)
	}
	groups, err := byClass(y)
	if err != nil {
		return nil, nil, err
	}
	quota := apportion(groups, nTest)
	rng := newRand(seed)
	for c, g := range groups {
		g = slices.Clone(g)
		rng.Shuffle(len(g), func(i, j int) { g[i], g[j] = g[j], g[i] })
		test = append(test, g[:quota[c]]...)
		train = append(train, g[quota[c]:]...)
	}
	slices.Sort(train)
	slices.Sort(test)
	return train, test, nil
}

// apportion shares total among the groups in proportion to their sizes by
// the largest-remainder method (ties go to the lower class), so each share
// is within one of its exact value and the shares sum to total.
func apportion(groups [][]int, total int) []int {
	n := 0
	for _, g := range groups {
		n += len(g)
	}
	quota := make([]int, len(groups))
	rem := make([]float64, len(groups))
	given := 0
	for c, g := range groups {
		exact := float64(total) * float64(len(g)) / float64(n)
		quota[c] = int(math.Floor(exact))
		rem[c] = exact - float64(quota[c])
		given += quota[c]
	}
	order := make([]int, len(groups))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case rem[a] > rem[b]:
			return -1
		case rem[a] < rem[b]:
			return 1
		}
		return 0
	})
	for _, c := range order {
		if given == total {
			break
		}
		if quota[c] < len(groups[c]) {
			quota[c]++
			given++
		}
	}
	return quota
}

// StratifiedKFold partitions the rows 0..len(y)-1 into k folds whose test
// parts are disjoint and cover every row once. Within each class the rows
// are shuffled (PCG seeded with seed) and dealt to the folds in turn,
// continuing across classes, so every fold holds each class within one row
// of its exact share and fold sizes differ by at most one.
//
// k must lie in [2, len(y)]; labels must be non-negative (any such value
// names a class: none is used as a size). Otherwise the error wraps
// ErrBadSplit or ErrInvalid. A class with fewer than k rows is allowed and
// is missing from some test parts. Every fold lists all len(y) rows, so
// the result holds k*len(y) indices (leave-one-out on n rows: n*n).
func StratifiedKFold(y []int, k int, seed uint64) ([]Fold, error) {
	n := len(y)
	if k < 2 || k > n {
		return nil, fmt.Errorf("%w: %d folds of %d rows", ErrBadSplit, k, n)
	}
	groups, err := byClass(y)
	if err != nil {
		return nil, err
	}
	fold := make([]int, n)
	rng := newRand(seed)
	next := 0
	for _, g := range groups {
		g = slices.Clone(g)
		rng.Shuffle(len(g), func(i, j int) { g[i], g[j] = g[j], g[i] })
		for _, i := range g {
			fold[i] = next
			next = (next + 1) % k
		}
	}
	folds := make([]Fold, k)
	for i, f := range fold {
		for j := range folds {
			if j == f {
				folds[j].Test = append(folds[j].Test, i)
			} else {
				folds[j].Train = append(folds[j].Train, i)
			}
		}
	}
	return folds, nil
}

// Split returns a stratified train/test split of d, as StratifiedSplit
// does for d.Y. The parts are new data sets that share nothing with d.
func (d *Dataset) Split(testFraction float64, seed uint64) (train, test *Dataset, err error) {
	if err := d.Validate(); err != nil {
		return nil, nil, err
	}
	tr, te, err := StratifiedSplit(d.Y, testFraction, seed)
	if err != nil {
		return nil, nil, err
	}
	if train, err = d.Subset(tr); err != nil {
		return nil, nil, err
	}
	if test, err = d.Subset(te); err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

// KFold returns the stratified k-fold partition of d's rows, as
// StratifiedKFold does for d.Y.
func (d *Dataset) KFold(k int, seed uint64) ([]Fold, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	return StratifiedKFold(d.Y, k, seed)
}
