package tune_test

import (
	"context"
	"fmt"
	"log"

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
