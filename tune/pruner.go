package tune

// Pruner decides whether a running trial should stop early. Prune gets the
// view of the trial (fixed when it started) and the trial's record so far,
// with at least one reported value, and reports whether to stop. A Pruner
// must be safe for concurrent use and should be deterministic.
type Pruner interface {
	Prune(v *View, t FrozenTrial) bool
}
