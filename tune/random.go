package tune

import (
	"math"
	"math/rand/v2"
)

// randomSampler draws every parameter independently and uniformly (on a
// log scale for Log distributions).
type randomSampler struct{ seed uint64 }

var _ Sampler = randomSampler{}

// NewRandom returns a sampler that draws each parameter uniformly at random
// from its distribution, on a log scale for log ranges and uniformly among
// the choices of a Choice. It learns nothing from past trials. The same seed
// gives the same value for the same trial number and parameter name.
func NewRandom(seed uint64) Sampler { return randomSampler{seed: seed} }

func (s randomSampler) Sample(_ *View, number int, name string, d Distribution) (float64, error) {
	return sampleUniform(newRand(s.seed, number, name), d), nil
}

// sampleUniform draws one value of d, uniformly in its internal space. An
// integer log range is drawn on [log(Low-0.5), log(High+0.5)] and rounded, as
// Optuna does, so each integer gets the share of the log scale around it.
func sampleUniform(rng *rand.Rand, d Distribution) float64 {
	if d.Single() {
		if d.Kind == CategoricalKind {
			return 0
		}
		return d.Low
	}
	switch d.Kind {
	case CategoricalKind:
		return float64(rng.IntN(len(d.Choices)))
	case IntKind:
		if d.Log {
			lo, hi := math.Log(d.Low-0.5), math.Log(d.High+0.5)
			return d.clamp(math.Exp(lo + rng.Float64()*(hi-lo)))
		}
		step := d.Step
		if step == 0 {
			step = 1
		}
		n := int64(math.Round((d.High-d.Low)/step)) + 1
		return d.Low + float64(rng.Int64N(n))*step
	default:
		if d.Log {
			lo, hi := math.Log(d.Low), math.Log(d.High)
			return math.Max(d.Low, math.Min(d.High, math.Exp(lo+rng.Float64()*(hi-lo))))
		}
		if d.Step > 0 {
			n := int64(math.Round((d.High-d.Low)/d.Step)) + 1
			return d.clamp(d.Low + float64(rng.Int64N(n))*d.Step)
		}
		return d.Low + rng.Float64()*(d.High-d.Low)
	}
}
