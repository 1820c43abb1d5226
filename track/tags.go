package track

// The tags a tuner writes so that a dashboard reads a tuning study (a
// parent run with a child run per trial) without guessing: track/ui
// takes the objective, its direction and the trial numbers from them.
// They are optional; a dashboard that finds none guesses as its
// documentation says.
const (
	// TagTuneObjective, on the parent, names the metric the study
	// optimises (a metric key the children log).
	TagTuneObjective = "cairn.tune.objective"
	// TagTuneDirection, on the parent, is "maximize" or "minimize".
	TagTuneDirection = "cairn.tune.direction"
	// TagTuneTrial, on each child, is the trial's number (0, 1, ...).
	TagTuneTrial = "cairn.tune.trial"
)
