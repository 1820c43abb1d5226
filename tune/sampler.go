package tune

import (
	"hash/fnv"
	"math/rand/v2"
	"slices"
)

// View is what a sampler or pruner sees of a study when it decides for one
// trial. It is fixed when the trial starts (see "Parallel trials" in the
// package documentation), so that the same study run again gives the same
// decisions. A View and the trials in it must not be changed.
type View struct {
	Direction Direction
	// Trials are the finished trials (complete, pruned and failed) the
	// trial may learn from, in number order.
	Trials []FrozenTrial
	// Running are trials started before this one whose results it may not
	// see, in number order, with the parameters they had when the view was
	// taken. Samplers use them to avoid proposing the same point again
	// (the constant liar).
	Running []FrozenTrial
}

// Sampler chooses parameter values. Sample returns the value of parameter
// name of trial number, in d's internal representation (the value itself,
// or the index of a choice), given what the trial may see of the study.
//
// A Sampler must be safe for concurrent use and deterministic: the same
// view, number, name and distribution must give the same value, whatever
// was sampled before. The samplers of this package derive their random
// numbers from their seed, the trial number and the parameter name, and keep
// no state between calls that changes what they sample (TPE keeps scratch
// memory, and the parameter values of the trials it has read, for a view
// that extends the same trial list).
type Sampler interface {
	Sample(v *View, number int, name string, d Distribution) (float64, error)
}

// JointSampler is a Sampler that can also choose several parameters
// together. When a trial starts, the study works out the search space, the
// parameters with one fixed distribution in every complete or pruned trial
// of the view (leaving out those with a single value), and calls
// SampleJoint once with it. The values it returns (internal
// representation, by name; any subset of the space) are handed out when the
// objective asks for them with the same distribution; any other parameter
// goes to Sample. Samplers that are not a JointSampler get Sample called
// for every parameter of the space when the trial starts, so that running
// trials always show their parameters to the constant liar.
type JointSampler interface {
	Sampler
	SampleJoint(v *View, number int, space map[string]Distribution) (map[string]float64, error)
}

// searchSpace returns the intersection search space of the complete and
// pruned trials in v, without single-valued distributions.
func searchSpace(v *View) map[string]Distribution {
	var c spaceCache
	return c.extend(v.Trials)
}

// spaceCache is the intersection search space of the complete and pruned
// trials among the first n of a list that only grows.
type spaceCache struct {
	n     int
	space map[string]Distribution // nil until a complete or pruned trial
}

// extend brings the cache up to trials (which must start with the trials
// already seen) and returns the search space without single-valued
// distributions. If trials is shorter than what was seen, the cache starts
// over.
func (c *spaceCache) extend(trials []FrozenTrial) map[string]Distribution {
	if len(trials) < c.n {
		*c = spaceCache{}
	}
	for ; c.n < len(trials); c.n++ {
		t := &trials[c.n]
		if t.State != Complete && t.State != Pruned {
			continue
		}
		if c.space == nil {
			c.space = make(map[string]Distribution, len(t.Distributions))
			for name, d := range t.Distributions {
				c.space[name] = d
			}
			continue
		}
		for name, d := range c.space {
			if td, ok := t.Distributions[name]; !ok || !td.Equal(d) {
				delete(c.space, name)
			}
		}
	}
	out := make(map[string]Distribution, len(c.space))
	for name, d := range c.space {
		if !d.Single() {
			out[name] = d
		}
	}
	return out
}

// sortedNames returns the keys of m in order.
func sortedNames[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// newRand returns the random number generator a sampler with seed uses for
// trial number and parameter name ("" for a joint draw). Streams for
// different (number, name) pairs are independent, so a value does not
// depend on what else was sampled, or in which order.
func newRand(seed uint64, number int, name string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(name))
	return rand.New(rand.NewPCG(splitmix(seed), splitmix(splitmix(uint64(number))^h.Sum64())))
}

// splitmix is the SplitMix64 finaliser, a bijective mixer of 64 bits.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
