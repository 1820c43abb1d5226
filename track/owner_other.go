//go:build !linux

package track

// processStart is unknown outside Linux: a pid used again is taken for
// the owner, and its run is left running.
func processStart(int) string { return "-" }

const (
	processRunning = iota
	processGone
	processUnknown
)

// processState cannot tell outside Linux: runs are never reaped there.
func processState(int) int { return processUnknown }
