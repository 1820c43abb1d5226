package linear

import (
	"context"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
)

// Path fits cfg for every C in Cs, from the smallest C (strongest
// regularisation) to the largest, each fit warm-started from the previous
// one (glmnet's regularisation path), and returns the models in the order
// of Cs. cfg.C is ignored; cfg.WarmStart, if set, starts the first fit.
// Every C must be positive and finite (ErrConfig).
func Path(ctx context.Context, X mat.Matrix, y []int, cfg Config, Cs []float64) ([]*Model, error) {
	if len(Cs) == 0 {
		return nil, fmt.Errorf("%w: no C values", ErrConfig)
	}
	for _, c := range Cs {
		if !(c > 0) || math.IsInf(c, 0) {
			return nil, fmt.Errorf("%w: C = %v in the path, want positive finite values", ErrConfig, c)
		}
	}
	order := make([]int, len(Cs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case Cs[a] < Cs[b]:
			return -1
		case Cs[a] > Cs[b]:
			return 1
		}
		return 0
	})
	models := make([]*Model, len(Cs))
	warm := cfg.WarmStart
	for _, i := range order {
		c := cfg
		c.C = Cs[i]
		c.WarmStart = warm
		m, err := Fit(ctx, X, y, c)
		if err != nil {
			return nil, fmt.Errorf("linear: path at C = %v: %w", Cs[i], err)
		}
		models[i] = m
		warm = m
	}
	return models, nil
}

// LogSpace returns n values from lo to hi evenly spaced in log scale (for a
// grid of C; numpy's logspace(log10(lo), log10(hi), n)).
func LogSpace(lo, hi float64, n int) []float64 {
	if n <= 0 {
		return nil
	}
	if n == 1 {
		return []float64{lo}
	}
	a, b := math.Log10(lo), math.Log10(hi)
	out := make([]float64, n)
	for i := range out {
		out[i] = math.Pow(10, a+(b-a)*float64(i)/float64(n-1))
	}
	return out
}

// Scoring is the score PathCV maximises. The zero value is AccuracyScore.
type Scoring int

// The scorings.
const (
	AccuracyScore   Scoring = iota // fraction correct
	F1Score                        // F1, Binary for two classes, Macro otherwise
	ROCAUCScore                    // ROC AUC, Binary for two classes, Macro otherwise
	NegLogLossScore                // minus the mean log loss
)

func (s Scoring) of(r Report) float64 {
	switch s {
	case F1Score:
		return r.F1
	case ROCAUCScore:
		return r.ROCAUC
	case NegLogLossScore:
		return -r.LogLoss
	}
	return r.Accuracy
}

// PathCVResult holds the cross-validated scores of a path: Scores[f][i] is
// the score on fold f of the model with Cs[i], Mean[i] their mean over the
// folds. Best is refitted on all rows with BestC, the C of the highest
// mean score (the smallest such C on ties).
type PathCVResult struct {
	Cs     []float64
	Scores [][]float64
	Mean   []float64
	BestC  float64
	Best   *Model
}

// PathCV runs Path on the training rows of each of k stratified folds (see
// StratifiedKFold), scores every C on the held-out rows, and refits the
// best C on all rows (scikit-learn's LogisticRegressionCV). Folds are
// fitted in parallel as in CrossValidate.
func PathCV(ctx context.Context, X mat.Matrix, y []int, cfg Config, Cs []float64, k int, seed uint64, scoring Scoring) (*PathCVResult, error) {
	if scoring < AccuracyScore || scoring > NegLogLossScore {
		return nil, fmt.Errorf("%w: unknown scoring %d", ErrConfig, scoring)
	}
	folds, err := cvFolds(X, y, cfg, k, seed)
	if err != nil {
		return nil, err
	}
	res := &PathCVResult{Cs: slices.Clone(Cs), Scores: make([][]float64, k), Mean: make([]float64, len(Cs))}
	err = forEachFold(ctx, cfg, k, func(ctx context.Context, f int, fcfg Config) error {
		tr, te := trainTest(folds, f)
		Xtr, ytr, swtr := subset(X, y, cfg.SampleWeight, tr)
		fcfg.SampleWeight = swtr
		models, err := Path(ctx, Xtr, ytr, fcfg, Cs)
		if err != nil {
			return err
		}
		Xte, yte, _ := subset(X, y, nil, te)
		res.Scores[f] = make([]float64, len(Cs))
		for i, m := range models {
			r, err := Evaluate(m, Xte, yte)
			if err != nil {
				return err
			}
			res.Scores[f][i] = scoring.of(r)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	best := -1
	for i := range Cs {
		for f := range k {
			res.Mean[i] += res.Scores[f][i] / float64(k)
		}
		if best < 0 || res.Mean[i] > res.Mean[best] || (res.Mean[i] == res.Mean[best] && Cs[i] < Cs[best]) {
			best = i
		}
	}
	res.BestC = Cs[best]
	c := cfg
	c.C = res.BestC
	if res.Best, err = Fit(ctx, X, y, c); err != nil {
		return nil, err
	}
	return res, nil
}
