//go:build !unix

package linear_test

import "time"

// cpuTime returns 0 where getrusage(2) is missing: the benchmarks report
// no CPU time there.
func cpuTime() time.Duration { return 0 }
