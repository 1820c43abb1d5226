// Package parallel runs a loop body on a bounded number of goroutines.
package parallel

import (
	"context"
	"sync"
	"sync/atomic"
)

// Run calls fn(ctx, worker, i) for i in [0, n) on up to workers
// goroutines and returns the first error; after an error (or when ctx is
// done) the remaining calls are skipped. All goroutines have returned when
// Run does.
func Run(ctx context.Context, n, workers int, fn func(ctx context.Context, worker, i int) error) error {
	if n == 0 {
		return ctx.Err()
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	workers = max(1, min(workers, n))
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := fn(ctx, w, i); err != nil {
					cancel(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return err
	}
	return nil
}
