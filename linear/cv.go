package linear

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"

	"gonum.org/v1/gonum/mat"
)

// StratifiedKFold splits the rows of labels y into k folds that keep each
// class's share: each class's rows are shuffled (math/rand/v2 PCG seeded
// with (seed, 0)) and dealt to the folds in turn, continuing from fold to
// fold across classes, so fold sizes differ by at most one. It returns the
// test rows of each fold, sorted. k must be in [2, len(y)] (ErrConfig).
func StratifiedKFold(y []int, k int, seed uint64) ([][]int, error) {
	if k < 2 || k > len(y) {
		return nil, fmt.Errorf("%w: %d folds for %d rows", ErrConfig, k, len(y))
	}
	byClass := map[int][]int{}
	var classes []int
	for i, c := range y {
		if _, ok := byClass[c]; !ok {
			classes = append(classes, c)
		}
		byClass[c] = append(byClass[c], i)
	}
	slices.Sort(classes)
	rng := rand.New(rand.NewPCG(seed, 0))
	folds := make([][]int, k)
	next := 0
	for _, c := range classes {
		rows := byClass[c]
		rng.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
		for _, r := range rows {
			folds[next] = append(folds[next], r)
			next = (next + 1) % k
		}
	}
	for _, f := range folds {
		slices.Sort(f)
	}
	return folds, nil
}

// CVResult holds the scores of a cross-validation: one Report per fold
// (scored on the fold's held-out rows) and their mean (Confusion summed).
type CVResult struct {
	Folds []Report
	Mean  Report
}

// CrossValidate fits cfg on k-1 folds and scores on the held-out fold, for
// each of k stratified folds (see StratifiedKFold). Folds are fitted in
// parallel on up to cfg.Threads goroutines, all finished before it
// returns. cfg.SampleWeight, if set, is split with the rows; cfg.WarmStart
// is used for every fold. Every class needs at least k rows (ErrConfig).
func CrossValidate(ctx context.Context, X mat.Matrix, y []int, cfg Config, k int, seed uint64) (*CVResult, error) {
	folds, err := cvFolds(X, y, cfg, k, seed)
	if err != nil {
		return nil, err
	}
	reports := make([]Report, k)
	err = forEachFold(ctx, cfg, k, func(ctx context.Context, f int, fcfg Config) error {
		tr, te := trainTest(folds, f)
		Xtr, ytr, swtr := subset(X, y, cfg.SampleWeight, tr)
		fcfg.SampleWeight = swtr
		m, err := Fit(ctx, Xtr, ytr, fcfg)
		if err != nil {
			return err
		}
		Xte, yte, _ := subset(X, y, nil, te)
		reports[f], err = Evaluate(m, Xte, yte)
		return err
	})
	if err != nil {
		return nil, err
	}
	res := &CVResult{Folds: reports}
	res.Mean = meanReport(reports)
	return res, nil
}

// cvFolds validates the inputs of a cross-validation and returns the folds.
func cvFolds(X mat.Matrix, y []int, cfg Config, k int, seed uint64) ([][]int, error) {
	if cfg.Inputs == nil {
		if err := checkX(X); err != nil {
			return nil, err
		}
	} else if err := checkShape(X); err != nil {
		return nil, err
	}
	n, _ := X.Dims()
	nk, err := checkLabels(y, n, cfg.Classes)
	if err != nil {
		return nil, err
	}
	if cfg.SampleWeight != nil && len(cfg.SampleWeight) != n {
		return nil, fmt.Errorf("%w: %d sample weights for %d rows", ErrShape, len(cfg.SampleWeight), n)
	}
	counts := make([]int, nk)
	for _, v := range y {
		counts[v]++
	}
	for c, cnt := range counts {
		if cnt < k {
			return nil, fmt.Errorf("%w: class %d has %d rows, fewer than %d folds", ErrConfig, c, cnt, k)
		}
	}
	return StratifiedKFold(y, k, seed)
}

// forEachFold runs fn for folds 0..k-1 on up to cfg.Threads goroutines,
// giving each a Config with Threads set to share the cores; the first error
// cancels the others.
func forEachFold(ctx context.Context, cfg Config, k int, fn func(ctx context.Context, f int, cfg Config) error) error {
	threads := cfg.resolved().Threads
	workers := min(threads, k)
	fcfg := cfg
	fcfg.Threads = max(1, threads/workers)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make([]error, k)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for f := w; f < k; f += workers {
				if ctx.Err() != nil {
					errs[f] = fmt.Errorf("linear: fold %d: %w", f, ctx.Err())
					return
				}
				if err := fn(ctx, f, fcfg); err != nil {
					errs[f] = fmt.Errorf("linear: fold %d: %w", f, err)
					cancel()
					return
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// trainTest returns the training rows (all folds but f, sorted) and the
// test rows of fold f.
func trainTest(folds [][]int, f int) (train, test []int) {
	for g, rows := range folds {
		if g != f {
			train = append(train, rows...)
		}
	}
	slices.Sort(train)
	return train, folds[f]
}

// subset copies the rows idx of X, y and sw (which may be nil).
func subset(X mat.Matrix, y []int, sw []float64, idx []int) (*mat.Dense, []int, []float64) {
	_, d := X.Dims()
	out := mat.NewDense(len(idx), d, nil)
	ys := make([]int, len(idx))
	var ws []float64
	if sw != nil {
		ws = make([]float64, len(idx))
	}
	for k, i := range idx {
		rowOf(X, i, out.RawRowView(k))
		ys[k] = y[i]
		if sw != nil {
			ws[k] = sw[i]
		}
	}
	return out, ys, ws
}

func meanReport(rs []Report) Report {
	var m Report
	if k := len(rs[0].Confusion); k > 0 {
		m.Confusion = make([][]int, k)
		for c := range m.Confusion {
			m.Confusion[c] = make([]int, k)
		}
	}
	for _, r := range rs {
		m.Accuracy += r.Accuracy
		m.Precision += r.Precision
		m.Recall += r.Recall
		m.F1 += r.F1
		m.ROCAUC += r.ROCAUC
		m.LogLoss += r.LogLoss
		for a := range r.Confusion {
			for b := range r.Confusion[a] {
				m.Confusion[a][b] += r.Confusion[a][b]
			}
		}
	}
	n := float64(len(rs))
	m.Accuracy /= n
	m.Precision /= n
	m.Recall /= n
	m.F1 /= n
	m.ROCAUC /= n
	m.LogLoss /= n
	return m
}
