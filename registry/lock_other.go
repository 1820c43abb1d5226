//go:build !unix

package registry

import (
	"context"
	"time"
)

// waitLock does nothing where flock(2) is missing: bbolt's own wait
// applies.
func waitLock(ctx context.Context, path string, write bool, timeout time.Duration) (release func(), timedOut bool) {
	return func() {}, false
}
