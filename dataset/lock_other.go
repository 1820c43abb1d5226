//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package dataset

import "os"

// tryLock always succeeds where flock(2) is missing: Shared mode then does
// not keep GC away from commits in other processes (see Options.Shared).
func tryLock(*os.File, bool) (bool, error) { return true, nil }
