package tune

// NewGP returns the Gaussian-process sampler (placeholder: random until the
// GP lands).
func NewGP(seed uint64) Sampler { return NewRandom(seed) }
