package linear_test

import (
	"context"
	"fmt"
	"log"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/cairn-ml/cairn/dataset"
	"github.com/cairn-ml/cairn/linear"
)

// twoBlobs returns n rows of two features: class 1 centred at (1, 1),
// class 0 at (-1, -1), with unit noise (seeded).
func twoBlobs(n int, seed uint64) (*mat.Dense, []int) {
	rng := rand.New(rand.NewPCG(seed, 0))
	X := mat.NewDense(n, 2, nil)
	y := make([]int, n)
	for i := range n {
		y[i] = i % 2
		c := float64(2*y[i] - 1)
		X.Set(i, 0, c+rng.NormFloat64())
		X.Set(i, 1, c+rng.NormFloat64())
	}
	return X, y
}

func ExampleFit() {
	X, y := twoBlobs(400, 1)
	Xtest, ytest := twoBlobs(200, 2)
	m, err := linear.Fit(context.Background(), X, y, linear.Config{
		C:        1,
		Classes:  []string{"no", "yes"},
		Features: []string{"a", "b"},
	})
	if err != nil {
		log.Fatal(err)
	}
	s := m.Summary()
	fmt.Printf("solver %v, converged %v, objective %.4f\n", s.Solver, s.Converged, s.Objective)
	fmt.Printf("coef %.3f, intercept %.3f\n", m.Coef().RawRowView(0), m.Intercept())

	r, err := linear.Evaluate(m, Xtest, ytest)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("accuracy %.3f, F1 %.3f, ROC AUC %.3f, log loss %.3f\n", r.Accuracy, r.F1, r.ROCAUC, r.LogLoss)
	fmt.Println("confusion", r.Confusion)
	// Output:
	// solver newton, converged true, objective 84.7370
	// coef [1.624 1.967], intercept [-0.179]
	// accuracy 0.945, F1 0.944, ROC AUC 0.975, log loss 0.204
	// confusion [[97 3] [8 92]]
}

func ExampleMarshal() {
	X, y := twoBlobs(100, 3)
	m, err := linear.Fit(context.Background(), X, y, linear.Config{Standardize: true, Classes: []string{"no", "yes"}})
	if err != nil {
		log.Fatal(err)
	}
	b, err := linear.Marshal(m) // save b to a file, a registry, ...
	if err != nil {
		log.Fatal(err)
	}
	loaded, err := linear.Unmarshal(b)
	if err != nil {
		log.Fatal(err)
	}
	p := make([]float64, loaded.NumClasses())
	if err := loaded.PredictProbaInto(p, []float64{0.5, 0.8}); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s v%d: classes %v, features %v\n", linear.FormatName, linear.FormatVersion, loaded.Classes(), loaded.Features())
	fmt.Printf("P(yes | 0.5, 0.8) = %.4f, same as before saving: %v\n", p[1], m.PredictProba(mat.NewDense(1, 2, []float64{0.5, 0.8})).At(0, 1) == p[1])
	// Output:
	// cairn.linear.logistic v2: classes [no yes], features [x0 x1]
	// P(yes | 0.5, 0.8) = 0.8916, same as before saving: true
}

func ExampleCrossValidate() {
	X, y := twoBlobs(300, 4)
	res, err := linear.CrossValidate(context.Background(), X, y, linear.Config{}, 5, 42)
	if err != nil {
		log.Fatal(err)
	}
	for i, f := range res.Folds {
		fmt.Printf("fold %d: accuracy %.3f F1 %.3f\n", i, f.Accuracy, f.F1)
	}
	fmt.Printf("mean:   accuracy %.3f F1 %.3f\n", res.Mean.Accuracy, res.Mean.F1)
	// Output:
	// fold 0: accuracy 0.933 F1 0.933
	// fold 1: accuracy 0.933 F1 0.929
	// fold 2: accuracy 0.883 F1 0.889
	// fold 3: accuracy 0.883 F1 0.892
	// fold 4: accuracy 0.883 F1 0.885
	// mean:   accuracy 0.903 F1 0.906
}

func ExamplePathCV() {
	X, y := twoBlobs(300, 5)
	res, err := linear.PathCV(context.Background(), X, y, linear.Config{Penalty: linear.L1},
		linear.LogSpace(1e-3, 1e1, 5), 5, 1, linear.NegLogLossScore)
	if err != nil {
		log.Fatal(err)
	}
	for i, c := range res.Cs {
		fmt.Printf("C=%-6g mean log loss %.4f\n", c, -res.Mean[i])
	}
	fmt.Printf("best C %g, coef %.3f\n", res.BestC, res.Best.Coef().RawRowView(0))
	// Output:
	// C=0.001  mean log loss 0.6931
	// C=0.01   mean log loss 0.5875
	// C=0.1    mean log loss 0.1983
	// C=1      mean log loss 0.1772
	// C=10     mean log loss 0.1790
	// best C 1, coef [2.005 2.124]
}

// Fitting on a raw table: numbers with missing values and text columns.
// The model imputes, standardises and one-hot encodes its inputs itself,
// so it predicts from raw records, and its file carries all of that.
func ExampleFit_inputs() {
	tab := dataset.Penguins()
	train, test, err := dataset.SklearnStratifiedSplit(tab.Y, 0.2, 42)
	if err != nil {
		log.Fatal(err)
	}
	tr, _ := tab.Subset(train)
	te, _ := tab.Subset(test)

	// One Input per column: the zero values are scikit-learn's common
	// recipe (mean + standardise numbers, most frequent + one-hot text).
	inputs := make([]linear.Input, len(tab.Columns))
	for j, c := range tab.Columns {
		inputs[j] = linear.Input{Name: c.Name}
		if c.Type == dataset.Text {
			inputs[j].Kind, inputs[j].Levels = linear.Categorical, c.Levels
		}
	}
	m, err := linear.Fit(context.Background(), tr.X, tr.Y, linear.Config{Classes: tab.Classes, Inputs: inputs})
	if err != nil {
		log.Fatal(err)
	}
	rep, err := linear.Evaluate(m, te.X, te.Y)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("test accuracy %.3f\n", rep.Accuracy)
	fmt.Println(m.Features())
	fmt.Println(m.CoefNames()[5:])
	island := m.Encodings()[0]
	fmt.Println(island.Categories, island.FillText)

	// One raw record, the sex unknown.
	p := make([]float64, m.NumClasses())
	rec := []linear.Value{linear.Text("Dream"), linear.Num(46.5), linear.Num(17.9), linear.Num(192),
		linear.Num(3500), {}, linear.Num(2008)}
	if err := m.PredictValuesInto(p, rec); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("P(%s) = %.3f\n", m.Classes()[1], p[1])
	// Output:
	// test accuracy 1.000
	// [island bill_length_mm bill_depth_mm flipper_length_mm body_mass_g sex year]
	// [island=Biscoe island=Dream island=Torgersen sex=female sex=male]
	// [Biscoe Dream Torgersen] Biscoe
	// P(Chinstrap) = 0.842
}

// Fit a model on the embedded breast-cancer data and score it on a
// held-out fifth: the ten-line example of the README.
func Example_breastCancer() {
	ds := dataset.BreastCancer()
	train, test, err := ds.Split(0.2, 42)
	if err != nil {
		log.Fatal(err)
	}
	m, err := linear.Fit(context.Background(), train.X, train.Y, linear.Config{Standardize: true, Classes: ds.Classes, Features: ds.Features})
	if err != nil {
		log.Fatal(err)
	}
	r, err := linear.Evaluate(m, test.X, test.Y)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("accuracy %.3f, F1 %.3f (positive class %q)\n", r.Accuracy, r.F1, m.Classes()[1])
	// Output:
	// accuracy 0.965, F1 0.973 (positive class "benign")
}
