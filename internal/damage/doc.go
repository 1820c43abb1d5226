// Package damage holds no code: its test damages the files of track,
// registry, dataset and tune (truncated, emptied, bit-flipped) and opens
// and reads each damaged copy in a child process, to show that a damaged
// file is an error wrapping the package's ErrCorrupt, never a crash.
package damage
