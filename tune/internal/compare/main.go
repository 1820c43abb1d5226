// Command compare runs the samplers of tune on the comparison problems and
// prints the best value after 50 and 100 trials, mean and median over
// seeds, in the same format as tune/testdata/compare_optuna.py.
//
//	go run ./tune/internal/compare -seeds 30 -samplers tpe,gp
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"math"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/cairn-ml/cairn/tune"
	"github.com/cairn-ml/cairn/tune/internal/testfunc"
)

func main() {
	seeds := flag.Int("seeds", 30, "number of seeds")
	seed0 := flag.Int("seed0", 0, "first seed")
	trials := flag.Int("trials", 100, "trials per study")
	samplers := flag.String("samplers", "tpe,gp", "comma-separated: random, tpe, tpe-mv, tpe-norm, gp")
	problems := flag.String("problems", "", "comma-separated problem names (default all)")
	flag.Parse()

	checkpoints := []int{50, *trials}
	if *trials <= 50 {
		checkpoints = []int{*trials}
	}
	fmt.Printf("%-12s %-10s", "problem", "sampler")
	for _, c := range checkpoints {
		fmt.Printf(" %11s %8s %11s", fmt.Sprintf("mean@%d", c), "(se)", fmt.Sprintf("median@%d", c))
	}
	fmt.Printf(" %8s\n", "s/study")
	for _, p := range testfunc.Problems() {
		if *problems != "" && !slices.Contains(strings.Split(*problems, ","), p.Name) {
			continue
		}
		for _, name := range strings.Split(*samplers, ",") {
			best := make([][]float64, len(checkpoints))
			start := time.Now()
			for seed := range *seeds {
				s := tune.NewStudy(tune.StudyConfig{Sampler: newSampler(name, uint64(*seed0+seed))})
				if err := s.Optimize(context.Background(), p.Objective, *trials); err != nil {
					log.Fatal(err)
				}
				run := math.Inf(1)
				for _, t := range s.Trials() {
					if t.State == tune.Complete {
						run = math.Min(run, t.Value)
					}
					for i, c := range checkpoints {
						if t.Number == c-1 {
							best[i] = append(best[i], run)
						}
					}
				}
			}
			elapsed := time.Since(start).Seconds() / float64(*seeds)
			fmt.Printf("%-12s %-10s", p.Name, name)
			for i := range checkpoints {
				fmt.Printf(" %11.5g %8s %11.5g", mean(best[i]), fmt.Sprintf("(%.3g)", stderr(best[i])), median(best[i]))
			}
			fmt.Printf(" %8.3f\n", elapsed)
		}
	}
}

func newSampler(name string, seed uint64) tune.Sampler {
	switch name {
	case "random":
		return tune.NewRandom(seed)
	case "tpe":
		return tune.NewTPE(seed)
	case "tpe-mv":
		s, err := tune.NewTPEWith(tune.TPEConfig{Seed: seed, Multivariate: true})
		if err != nil {
			log.Fatal(err)
		}
		return s
	case "tpe-norm":
		s, err := tune.NewTPEWith(tune.TPEConfig{Seed: seed, NormalizeKernels: true})
		if err != nil {
			log.Fatal(err)
		}
		return s
	case "gp":
		return tune.NewGP(seed)
	}
	fmt.Fprintf(os.Stderr, "unknown sampler %q\n", name)
	os.Exit(2)
	return nil
}

func mean(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

// stderr is the standard error of the mean.
func stderr(x []float64) float64 {
	m := mean(x)
	var ss float64
	for _, v := range x {
		ss += (v - m) * (v - m)
	}
	return math.Sqrt(ss / float64(len(x)-1) / float64(len(x)))
}

func median(x []float64) float64 {
	y := slices.Clone(x)
	slices.Sort(y)
	n := len(y)
	if n%2 == 1 {
		return y[n/2]
	}
	return (y[n/2-1] + y[n/2]) / 2
}
