package dataset

import (
	"fmt"
	"math"
	"slices"
)

// SklearnStratifiedSplit partitions the rows 0..len(y)-1 exactly as
// scikit-learn's train_test_split(..., test_size=testFraction,
// stratify=y, random_state=seed) does (StratifiedShuffleSplit with numpy's
// legacy MT19937 RandomState), so that a pipeline moved from Python keeps
// its rows and its scores: the same training rows and test rows, in the
// same order. Use Dataset.Subset with each part.
//
// The test part holds ceil(testFraction*len(y)) rows, the training part the
// rest. As in scikit-learn, testFraction must lie in (0, 1), each class
// needs at least two rows, and each part at least one row per class;
// otherwise the error wraps ErrBadSplit. Labels must be non-negative
// (ErrInvalid). StratifiedSplit is the package's own split (PCG), with
// parts in increasing row order; this one exists for reproducing results
// obtained with scikit-learn.
func SklearnStratifiedSplit(y []int, testFraction float64, seed uint32) (train, test []int, err error) {
	n := len(y)
	if !(testFraction > 0 && testFraction < 1) {
		return nil, nil, fmt.Errorf("%w: test fraction %v is not in (0, 1)", ErrBadSplit, testFraction)
	}
	nTest := int(math.Ceil(testFraction * float64(n)))
	nTrain := n - nTest
	if nTest == 0 || nTrain == 0 {
		return nil, nil, fmt.Errorf("%w: %d rows cannot give a test part of %v", ErrBadSplit, n, testFraction)
	}
	// np.unique(y, return_inverse=True): the sorted distinct labels.
	var labels []int
	for i, v := range y {
		if v < 0 {
			return nil, nil, fmt.Errorf("%w: label %d of row %d is negative", ErrInvalid, v, i)
		}
		labels = append(labels, v)
	}
	slices.Sort(labels)
	labels = slices.Compact(labels)
	k := len(labels)
	counts := make([]int, k)
	// class_indices: the rows of each class in increasing order (a stable
	// argsort of the class indices, split by class).
	rows := make([][]int, k)
	for i, v := range y {
		c, _ := slices.BinarySearch(labels, v)
		counts[c]++
		rows[c] = append(rows[c], i)
	}
	for c, m := range counts {
		if m < 2 {
			return nil, nil, fmt.Errorf("%w: class %d has %d row; each class needs at least 2", ErrBadSplit, labels[c], m)
		}
	}
	if nTrain < k || nTest < k {
		return nil, nil, fmt.Errorf("%w: a part of %d rows cannot hold all %d classes", ErrBadSplit, min(nTrain, nTest), k)
	}

	rng := newMT19937(seed)
	nI := approximateMode(counts, nTrain, rng)
	rest := make([]int, k)
	for c := range counts {
		rest[c] = counts[c] - nI[c]
	}
	tI := approximateMode(rest, nTest, rng)
	train = make([]int, 0, nTrain)
	test = make([]int, 0, nTest)
	for c := range k {
		perm := rng.permutation(counts[c])
		for j, p := range perm {
			switch {
			case j < nI[c]:
				train = append(train, rows[c][p])
			case j < nI[c]+tI[c]:
				test = append(test, rows[c][p])
			}
		}
	}
	rng.shuffle(train)
	rng.shuffle(test)
	return train, test, nil
}

// approximateMode is scikit-learn's _approximate_mode: how many of n draws
// without replacement each class gets, the largest remainders breaking
// ties at random.
func approximateMode(counts []int, n int, rng *mt19937) []int {
	total := 0
	for _, c := range counts {
		total += c
	}
	cont := make([]float64, len(counts))
	out := make([]int, len(counts))
	sum := 0.0
	for i, c := range counts {
		cont[i] = float64(c) / float64(total) * float64(n)
		out[i] = int(math.Floor(cont[i]))
		sum += math.Floor(cont[i])
	}
	need := int(float64(n) - sum)
	if need <= 0 {
		return out
	}
	rem := make([]float64, len(counts))
	for i := range counts {
		rem[i] = cont[i] - math.Floor(cont[i])
	}
	values := slices.Clone(rem)
	slices.Sort(values)
	values = slices.Compact(values)
	for v := len(values) - 1; v >= 0 && need > 0; v-- {
		var inds []int
		for i, r := range rem {
			if r == values[v] {
				inds = append(inds, i)
			}
		}
		add := min(len(inds), need)
		// rng.choice(inds, size=add, replace=False) is
		// inds[permutation(len(inds))[:add]].
		perm := rng.permutation(len(inds))
		for _, p := range perm[:add] {
			out[inds[p]]++
		}
		need -= add
	}
	return out
}

// mt19937 is numpy's legacy RandomState generator: MT19937 seeded with
// init_genrand.
type mt19937 struct {
	mt  [624]uint32
	pos int
}

func newMT19937(seed uint32) *mt19937 {
	r := &mt19937{pos: 624}
	r.mt[0] = seed
	for i := 1; i < 624; i++ {
		r.mt[i] = 1812433253*(r.mt[i-1]^(r.mt[i-1]>>30)) + uint32(i)
	}
	return r
}

func (r *mt19937) uint32() uint32 {
	if r.pos >= 624 {
		const upper, lower = 0x80000000, 0x7fffffff
		for i := range 624 {
			y := r.mt[i]&upper | r.mt[(i+1)%624]&lower
			v := r.mt[(i+397)%624] ^ y>>1
			if y&1 != 0 {
				v ^= 0x9908b0df
			}
			r.mt[i] = v
		}
		r.pos = 0
	}
	y := r.mt[r.pos]
	r.pos++
	y ^= y >> 11
	y ^= y << 7 & 0x9d2c5680
	y ^= y << 15 & 0xefc60000
	y ^= y >> 18
	return y
}

// interval is numpy's random_interval: a uniform integer in [0, max] by
// masked rejection.
func (r *mt19937) interval(max uint32) uint32 {
	if max == 0 {
		return 0
	}
	mask := max
	mask |= mask >> 1
	mask |= mask >> 2
	mask |= mask >> 4
	mask |= mask >> 8
	mask |= mask >> 16
	for {
		if v := r.uint32() & mask; v <= max {
			return v
		}
	}
}

// shuffle is numpy's legacy RandomState.shuffle of a 1-d array.
func (r *mt19937) shuffle(x []int) {
	for i := len(x) - 1; i > 0; i-- {
		j := r.interval(uint32(i))
		x[i], x[j] = x[j], x[i]
	}
}

// permutation is numpy's legacy RandomState.permutation(n).
func (r *mt19937) permutation(n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	r.shuffle(p)
	return p
}
