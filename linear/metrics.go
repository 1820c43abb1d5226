package linear

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
)

// Average says how Precision, Recall, F1 and ROCAUC combine classes. The
// zero value is Binary.
type Average int

// The averages, as scikit-learn's average= argument.
const (
	// Binary scores class 1, the positive class (scikit-learn's
	// pos_label=1); it needs labels in {0, 1}. For another positive class
	// use ClassScores.
	Binary Average = iota
	// Macro is the unweighted mean over the classes present in yTrue or
	// yPred.
	Macro
	// Weighted is the mean over classes weighted by their count in yTrue.
	Weighted
	// Micro counts true and false positives over all classes (for
	// single-label data it equals accuracy). ROCAUC does not take it.
	Micro
)

// ClassScore holds the scores of one class against the rest.
type ClassScore struct {
	Precision, Recall, F1 float64
	Support               int // rows of the class in yTrue
}

// checkPair validates two label slices and returns the number of classes
// (max label + 1, at least 2). Labels are class indexes: 0 to
// MaxClasses-1.
func checkPair(yTrue, yPred []int) (int, error) {
	if len(yTrue) != len(yPred) || len(yTrue) == 0 {
		return 0, fmt.Errorf("%w: %d true and %d predicted labels", ErrShape, len(yTrue), len(yPred))
	}
	k := 2
	for i := range yTrue {
		for _, v := range [2]int{yTrue[i], yPred[i]} {
			if v < 0 || v >= MaxClasses {
				return 0, fmt.Errorf("%w: label %d at row %d is not a class index (0 to MaxClasses-1 = %d)", ErrLabels, v, i, MaxClasses-1)
			}
		}
		k = max(k, yTrue[i]+1, yPred[i]+1)
	}
	return k, nil
}

// Accuracy returns the fraction of rows where yPred equals yTrue.
//
// Like every metric here, it takes labels that are class indexes, 0 to
// MaxClasses-1: any other label is an error wrapping ErrLabels, and so are
// slices of different lengths or empty ones (ErrShape).
func Accuracy(yTrue, yPred []int) (float64, error) {
	if _, err := checkPair(yTrue, yPred); err != nil {
		return 0, err
	}
	hit := 0
	for i := range yTrue {
		if yTrue[i] == yPred[i] {
			hit++
		}
	}
	return float64(hit) / float64(len(yTrue)), nil
}

// MaxConfusionClasses is the most classes ConfusionMatrix counts: its k x k
// matrix then holds 16.8 million counts (128 MiB).
const MaxConfusionClasses = 1 << 12

// ConfusionMatrix returns the k x k counts, row = true class, column =
// predicted class; k is the larger of the given k and the largest label + 1.
// k above MaxConfusionClasses is an error wrapping ErrLabels.
func ConfusionMatrix(yTrue, yPred []int, k int) ([][]int, error) {
	kk, err := checkPair(yTrue, yPred)
	if err != nil {
		return nil, err
	}
	k = max(k, kk)
	if k > MaxConfusionClasses {
		return nil, fmt.Errorf("%w: a confusion matrix of %d classes; ConfusionMatrix counts at most %d", ErrLabels, k, MaxConfusionClasses)
	}
	cm := make([][]int, k)
	for c := range cm {
		cm[c] = make([]int, k)
	}
	for i := range yTrue {
		cm[yTrue[i]][yPred[i]]++
	}
	return cm, nil
}

// ClassScores returns precision, recall, F1 and support of every class
// 0..k-1 against the rest (k from the labels). A ratio with a zero
// denominator is 0, as scikit-learn's zero_division default.
func ClassScores(yTrue, yPred []int) ([]ClassScore, error) {
	k, err := checkPair(yTrue, yPred)
	if err != nil {
		return nil, err
	}
	tp, fp, fn := make([]int, k), make([]int, k), make([]int, k)
	for i := range yTrue {
		if yTrue[i] == yPred[i] {
			tp[yTrue[i]]++
		} else {
			fp[yPred[i]]++
			fn[yTrue[i]]++
		}
	}
	out := make([]ClassScore, k)
	for c := range k {
		out[c] = ClassScore{
			Precision: ratio(tp[c], tp[c]+fp[c]),
			Recall:    ratio(tp[c], tp[c]+fn[c]),
			F1:        ratio(2*tp[c], 2*tp[c]+fp[c]+fn[c]),
			Support:   tp[c] + fn[c],
		}
	}
	return out, nil
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// Precision returns tp / (tp + fp), averaged as avg says.
func Precision(yTrue, yPred []int, avg Average) (float64, error) {
	return averaged(yTrue, yPred, avg, func(s ClassScore) float64 { return s.Precision })
}

// Recall returns tp / (tp + fn), averaged as avg says.
func Recall(yTrue, yPred []int, avg Average) (float64, error) {
	return averaged(yTrue, yPred, avg, func(s ClassScore) float64 { return s.Recall })
}

// F1 returns the harmonic mean of precision and recall, averaged as avg
// says.
func F1(yTrue, yPred []int, avg Average) (float64, error) {
	return averaged(yTrue, yPred, avg, func(s ClassScore) float64 { return s.F1 })
}

func averaged(yTrue, yPred []int, avg Average, pick func(ClassScore) float64) (float64, error) {
	scores, err := ClassScores(yTrue, yPred)
	if err != nil {
		return 0, err
	}
	switch avg {
	case Binary:
		if len(scores) > 2 {
			return 0, fmt.Errorf("%w: Binary average with %d classes; use Macro, Weighted or Micro", ErrLabels, len(scores))
		}
		return pick(scores[1]), nil
	case Micro:
		// Single-label: micro precision = recall = F1 = accuracy.
		return Accuracy(yTrue, yPred)
	case Macro, Weighted:
		present := make([]bool, len(scores))
		for i := range yTrue {
			present[yTrue[i]], present[yPred[i]] = true, true
		}
		sum, wsum := 0.0, 0.0
		for c, s := range scores {
			if !present[c] {
				continue
			}
			w := 1.0
			if avg == Weighted {
				w = float64(s.Support)
			}
			sum += w * pick(s)
			wsum += w
		}
		if wsum == 0 {
			return 0, nil
		}
		return sum / wsum, nil
	}
	return 0, fmt.Errorf("%w: unknown average %d", ErrConfig, avg)
}

// checkProba validates an n x k probability matrix against yTrue.
func checkProba(yTrue []int, proba mat.Matrix) (n, k int, err error) {
	if proba == nil {
		return 0, 0, fmt.Errorf("%w: nil probabilities", ErrShape)
	}
	if err := safeDims(proba, &n, &k); err != nil {
		return 0, 0, err
	}
	if n != len(yTrue) || n == 0 || k < 2 {
		return 0, 0, fmt.Errorf("%w: %d labels and %dx%d probabilities", ErrShape, len(yTrue), n, k)
	}
	for i, y := range yTrue {
		if y < 0 || y >= k {
			return 0, 0, fmt.Errorf("%w: label %d of row %d outside the %d probability columns", ErrLabels, y, i, k)
		}
		for c := range k {
			if v := proba.At(i, c); !finite(v) || v < 0 {
				return 0, 0, fmt.Errorf("%w: probability [%d][%d] = %v", ErrNonFinite, i, c, v)
			}
		}
	}
	return n, k, nil
}

// LogLoss returns the mean negative log-likelihood of yTrue under the
// probabilities (n x k, rows renormalised to sum 1 and clipped to
// [1e-15, 1-1e-15], as scikit-learn 1.2 does).
func LogLoss(yTrue []int, proba mat.Matrix) (float64, error) {
	n, k, err := checkProba(yTrue, proba)
	if err != nil {
		return 0, err
	}
	const clip = 1e-15
	sum := 0.0
	for i, y := range yTrue {
		s := 0.0
		for c := range k {
			s += min(max(proba.At(i, c), clip), 1-clip)
		}
		p := min(max(proba.At(i, y), clip), 1-clip) / s
		sum -= math.Log(p)
	}
	return sum / float64(n), nil
}

// ROCAUC returns the area under the ROC curve. With Binary, the score of
// each row is its class-1 probability (column 1 of an n x 2 matrix); with
// Macro or Weighted, each class's column is scored one-vs-rest and the
// areas are averaged (scikit-learn's multi_class="ovr"). A class with no
// positive or no negative rows makes the area undefined: ErrLabels.
func ROCAUC(yTrue []int, proba mat.Matrix, avg Average) (float64, error) {
	n, k, err := checkProba(yTrue, proba)
	if err != nil {
		return 0, err
	}
	score := make([]float64, n)
	pos := make([]bool, n)
	auc := func(c int) (float64, error) {
		mat.Col(score, c, proba)
		for i, y := range yTrue {
			pos[i] = y == c
		}
		return binaryAUC(score, pos)
	}
	switch avg {
	case Binary:
		if k != 2 {
			return 0, fmt.Errorf("%w: Binary ROC AUC with %d classes; use Macro or Weighted", ErrLabels, k)
		}
		return auc(1)
	case Macro, Weighted:
		counts := make([]int, k)
		for _, y := range yTrue {
			counts[y]++
		}
		sum, wsum := 0.0, 0.0
		for c := range k {
			a, err := auc(c)
			if err != nil {
				return 0, err
			}
			w := 1.0
			if avg == Weighted {
				w = float64(counts[c])
			}
			sum += w * a
			wsum += w
		}
		return sum / wsum, nil
	}
	return 0, fmt.Errorf("%w: ROCAUC takes Binary, Macro or Weighted, not %d", ErrConfig, avg)
}

// binaryAUC is the Mann-Whitney statistic with ties counted one half.
func binaryAUC(score []float64, pos []bool) (float64, error) {
	n := len(score)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		switch {
		case score[a] < score[b]:
			return -1
		case score[a] > score[b]:
			return 1
		}
		return 0
	})
	var np, nn int
	rankSum := 0.0
	for i := 0; i < n; {
		j := i
		for j < n && score[idx[j]] == score[idx[i]] {
			j++
		}
		rank := float64(i+j+1) / 2 // average 1-based rank of the tie group
		for _, r := range idx[i:j] {
			if pos[r] {
				rankSum += rank
				np++
			} else {
				nn++
			}
		}
		i = j
	}
	if np == 0 || nn == 0 {
		return 0, fmt.Errorf("%w: ROC AUC needs positive and negative rows, have %d and %d", ErrLabels, np, nn)
	}
	return (rankSum - float64(np)*float64(np+1)/2) / (float64(np) * float64(nn)), nil
}

// Report holds the usual scores of a classifier on one data set. For a
// binary model Precision, Recall, F1 and ROCAUC are Binary (class 1
// positive); for more classes they are Macro. ROCAUC is NaN when a class is
// missing from y.
type Report struct {
	Accuracy  float64
	Precision float64
	Recall    float64
	F1        float64
	ROCAUC    float64
	LogLoss   float64
	// Confusion is the confusion matrix, row = true class, column =
	// predicted; nil for a model of more than MaxConfusionClasses classes.
	Confusion [][]int
}

// Evaluate predicts X with m and scores the predictions against y.
func Evaluate(m *Model, X mat.Matrix, y []int) (Report, error) {
	if m == nil || m.k == 0 {
		return Report{}, ErrNoModel
	}
	var n, d int
	if X == nil || safeDims(X, &n, &d) != nil || n == 0 {
		return Report{}, fmt.Errorf("%w: empty X", ErrShape)
	}
	if n != len(y) {
		return Report{}, fmt.Errorf("%w: X has %d rows, y has %d labels", ErrShape, n, len(y))
	}
	for i, v := range y {
		if v < 0 || v >= m.k {
			return Report{}, fmt.Errorf("%w: label %d of row %d outside the model's %d classes", ErrLabels, v, i, m.k)
		}
	}
	if d != m.width() {
		return Report{}, fmt.Errorf("%w: X has %d columns, model has %d features", ErrShape, d, m.width())
	}
	P := mat.NewDense(n, m.k, nil)
	if err := m.PredictProbaTo(P, X); err != nil {
		return Report{}, err
	}
	pred := make([]int, n)
	for i := range n {
		pred[i] = argmax(P.RawRowView(i))
	}
	return report(y, pred, P, m.k)
}

func report(y, pred []int, P *mat.Dense, k int) (Report, error) {
	avg := Binary
	if k > 2 {
		avg = Macro
	}
	var r Report
	var err error
	if r.Accuracy, err = Accuracy(y, pred); err != nil {
		return Report{}, err
	}
	r.Precision, _ = Precision(y, pred, avg)
	r.Recall, _ = Recall(y, pred, avg)
	r.F1, _ = F1(y, pred, avg)
	if r.ROCAUC, err = ROCAUC(y, P, avg); err != nil {
		r.ROCAUC = math.NaN()
	}
	if r.LogLoss, err = LogLoss(y, P); err != nil {
		return Report{}, err
	}
	r.Confusion, _ = ConfusionMatrix(y, pred, k)
	return r, nil
}
