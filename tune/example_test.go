package tune_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/cairn-ml/cairn/tune"
)

func ExampleStudy_Optimize() {
	s := tune.NewStudy(tune.StudyConfig{Sampler: tune.NewRandom(42)})
	err := s.Optimize(context.Background(), func(t *tune.Trial) (float64, error) {
		x := t.Float("x", -10, 10)
		return (x - 2) * (x - 2), nil
	}, 50)
	if err != nil {
		log.Fatal(err)
	}
	best := s.Best()
	fmt.Printf("trial %d: x=%.2f value=%.4f\n", best.Number, best.Params.Float("x"), best.Value)
	// Output:
	// trial 39: x=2.01 value=0.0001
}

// A define-by-run objective: the search space depends on earlier choices.
// The Tree-structured Parzen Estimator is the default sampler.
func ExampleNewTPE() {
	s := tune.NewStudy(tune.StudyConfig{Sampler: tune.NewTPE(1)})
	err := s.Optimize(context.Background(), func(t *tune.Trial) (float64, error) {
		lr := t.FloatLog("lr", 1e-5, 1)
		switch t.Choice("model", "linear", "tree") {
		case "tree":
			depth := t.Int("depth", 1, 10)
			return 0.5 + float64((depth-6)*(depth-6))/100, nil
		default:
			d := lr - 0.01
			return 0.3 + 1000*d*d, nil
		}
	}, 60)
	if err != nil {
		log.Fatal(err)
	}
	best := s.Best()
	fmt.Printf("model=%s lr=%.3f value=%.4f\n", best.Params.String("model"), best.Params.Float("lr"), best.Value)
	_, hasDepth := best.Params["depth"]
	fmt.Println("depth asked:", hasDepth)
	// Output:
	// model=linear lr=0.010 value=0.3000
	// depth asked: false
}

// The Gaussian-process sampler for small budgets: 25 trials of the Branin
// function (minimum 0.397887).
func ExampleNewGP() {
	s := tune.NewStudy(tune.StudyConfig{Sampler: tune.NewGP(1)})
	err := s.Optimize(context.Background(), func(t *tune.Trial) (float64, error) {
		x1, x2 := t.Float("x1", -5, 10), t.Float("x2", 0, 15)
		return branin(x1, x2), nil
	}, 25)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("best after 25 trials: %.2f\n", s.Best().Value)
	// Output:
	// best after 25 trials: 0.40
}

// Ask and Tell run trials whose objective is evaluated elsewhere.
func ExampleStudy_Ask() {
	ctx := context.Background()
	s := tune.NewStudy(tune.StudyConfig{Direction: tune.Maximize, Sampler: tune.NewTPE(3)})
	for range 30 {
		t, err := s.Ask(ctx)
		if err != nil {
			log.Fatal(err)
		}
		n := t.IntStep("batch", 16, 256, 16)
		score := 1 - float64((n-128)*(n-128))/1e5 // evaluated by someone else
		if _, err := s.Tell(t, score, nil); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Println("best batch:", s.Best().Params.Int("batch"))
	// Output:
	// best batch: 128
}

// Enqueue starts the search from a known-good configuration.
func ExampleStudy_Enqueue() {
	s := tune.NewStudy(tune.StudyConfig{Sampler: tune.NewTPE(1)})
	if err := s.Enqueue(tune.Params{"C": 1.0, "solver": "lbfgs"}); err != nil {
		log.Fatal(err)
	}
	err := s.Optimize(context.Background(), func(t *tune.Trial) (float64, error) {
		c := t.FloatLog("C", 1e-3, 1e3)
		solver := t.Choice("solver", "lbfgs", "newton", "cd")
		fmt.Printf("trial %d: C=%.3g solver=%s\n", t.Number(), c, solver)
		return c, nil
	}, 2)
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// trial 0: C=1 solver=lbfgs
	// trial 1: C=0.119 solver=cd
}

// Trials report intermediate values; the median pruner stops those worse
// than the median of earlier trials at the same step.
func ExampleMedianPruner() {
	s := tune.NewStudy(tune.StudyConfig{Sampler: tune.NewRandom(7), Pruner: tune.MedianPruner{}})
	err := s.Optimize(context.Background(), func(t *tune.Trial) (float64, error) {
		rate := t.Float("rate", 0.01, 1)
		loss := 1.0
		for epoch := range 20 {
			loss *= 1 - rate/2
			t.Report(epoch, loss)
			if t.ShouldPrune() {
				return loss, fmt.Errorf("epoch %d: %w", epoch, tune.ErrPruned)
			}
		}
		return loss, nil
	}, 30)
	if err != nil {
		log.Fatal(err)
	}
	count := map[tune.TrialState]int{}
	for _, t := range s.Trials() {
		count[t.State]++
	}
	fmt.Println("complete:", count[tune.Complete], "pruned:", count[tune.Pruned])
	// Output:
	// complete: 12 pruned: 18
}

// With several workers, a seeded study gives the same trials every time;
// a callback sees each trial as it ends (to log it as a tracked run, say).
func ExampleStudyConfig_workers() {
	run := func() []string {
		var out []string
		s := tune.NewStudy(tune.StudyConfig{
			Sampler: tune.NewTPE(5),
			Workers: 4,
			Callbacks: []tune.Callback{func(t tune.FrozenTrial) error {
				return nil // for example: record t.Number, t.Params, t.Value
			}},
		})
		err := s.Optimize(context.Background(), func(t *tune.Trial) (float64, error) {
			x := t.Float("x", -3, 3)
			return x * x, nil
		}, 20)
		if err != nil {
			log.Fatal(err)
		}
		for _, t := range s.Trials() {
			out = append(out, fmt.Sprintf("%.6f", t.Params.Float("x")))
		}
		return out
	}
	a, b := run(), run()
	fmt.Println("same trials:", fmt.Sprint(a) == fmt.Sprint(b))
	// Output:
	// same trials: true
}

// A study kept in a file can be stopped and resumed; the file may be the
// one track and the registry use.
func ExampleOpenStorage() {
	dir, err := os.MkdirTemp("", "tune")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "cairn.db")
	obj := func(t *tune.Trial) (float64, error) {
		x := t.Float("x", 0, 1)
		return (x - 0.3) * (x - 0.3), nil
	}

	for session := range 2 {
		st, err := tune.OpenStorage(path)
		if err != nil {
			log.Fatal(err)
		}
		s, err := tune.OpenStudy(context.Background(), tune.StudyConfig{Name: "x", Sampler: tune.NewTPE(1), Storage: st})
		if err != nil {
			log.Fatal(err)
		}
		if err := s.Optimize(context.Background(), obj, 15); err != nil {
			log.Fatal(err)
		}
		fmt.Printf("session %d: %d trials, best x=%.2f\n", session, len(s.Trials()), s.Best().Params.Float("x"))
		st.Close()
	}
	// Output:
	// session 0: 15 trials, best x=0.27
	// session 1: 30 trials, best x=0.30
}

func ExampleImportance() {
	s := tune.NewStudy(tune.StudyConfig{Sampler: tune.NewRandom(1)})
	err := s.Optimize(context.Background(), func(t *tune.Trial) (float64, error) {
		a, b := t.Float("a", 0, 1), t.Float("b", 0, 1)
		t.Choice("unused", "x", "y")
		return 3*a + b, nil
	}, 100)
	if err != nil {
		log.Fatal(err)
	}
	imp, err := tune.Importance(s.Trials())
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range imp {
		fmt.Printf("%-6s %.2f\n", p.Name, p.Importance)
	}
	// Output:
	// a      0.96
	// b      0.04
	// unused 0.00
}

// A bad request does not panic: the trial records it and ends failed.
func ExampleTrial_Err() {
	s := tune.NewStudy(tune.StudyConfig{})
	err := s.Optimize(context.Background(), func(t *tune.Trial) (float64, error) {
		x := t.Float("x", 1, 0) // lo > hi
		if err := t.Err(); err != nil {
			return 0, err
		}
		return x, nil
	}, 1)
	if err != nil {
		log.Fatal(err)
	}
	t := s.Trials()[0]
	fmt.Println(t.State, errors.Is(t.Err, tune.ErrBadParam))
	fmt.Println(t.Err)
	// Output:
	// failed true
	// tune: bad parameter request: "x": low 1 is above high 0
}
