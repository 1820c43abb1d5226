package tune

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime/debug"
)

// MaxWorkers bounds StudyConfig.Workers (ErrBadConfig beyond): each worker
// is a goroutine, and Optimize keeps a result slot for each.
const MaxWorkers = 1 << 16

// Optimize runs n trials of obj (n <= 0 runs trials until ctx is done),
// StudyConfig.Workers at a time, and returns when they have all ended. A
// trial whose objective fails or panics ends Failed and the study goes on.
//
// When ctx is done, no new trial starts; Optimize waits for the running
// objectives (which see ctx through [Trial.Context]) to return and returns
// an error wrapping ctx.Err(), unless all n trials had ended. A storage
// error or a callback's error stops the study the same way and is returned
// (a callback's ErrStop stops it and Optimize returns nil). No goroutine
// outlives the call.
func (s *Study) Optimize(ctx context.Context, obj Objective, n int) error {
	if s.err != nil {
		return s.err
	}
	if obj == nil {
		return fmt.Errorf("%w: nil objective", ErrBadConfig)
	}
	workers := s.cfg.Workers
	type result struct {
		index int
		err   error
	}
	done := make(chan result, workers)
	var (
		numbers  []int  // trial numbers started by this call, by index
		finished []bool // by index
		inflight int
		lowest   int // lowest index not yet finished
		stopErr  error
	)
	collect := func(r result) {
		finished[r.index] = true
		inflight--
		for lowest < len(finished) && finished[lowest] {
			lowest++
		}
		if r.err != nil && stopErr == nil {
			stopErr = r.err
		}
	}

	for i := 0; n <= 0 || i < n; i++ {
		// Trial i may start when trial i-workers has ended (reproducible
		// mode: and every trial before it), and a worker is free.
		for stopErr == nil && ctx.Err() == nil {
			free := inflight < workers
			if !s.cfg.Async {
				free = free && lowest >= i-workers+1
			}
			if free {
				break
			}
			select {
			case r := <-done:
				collect(r)
			case <-ctx.Done():
			}
		}
		if stopErr != nil || ctx.Err() != nil {
			break
		}
		var hide map[int]bool
		if !s.cfg.Async {
			hide = make(map[int]bool, workers)
			for j := max(0, i-workers+1); j < i; j++ {
				hide[numbers[j]] = true
			}
		}
		t, err := s.startTrial(ctx, hide)
		if err != nil {
			stopErr = err
			break
		}
		numbers = append(numbers, t.number)
		finished = append(finished, false)
		inflight++
		go func(index int) {
			value, err := runObjective(obj, t)
			_, err = s.finishTrial(t, value, err)
			done <- result{index: index, err: err}
		}(i)
	}
	for inflight > 0 {
		collect(<-done)
	}
	switch {
	case errors.Is(stopErr, ErrStop):
		return nil
	case stopErr != nil:
		return stopErr
	case n > 0 && len(numbers) == n && lowest == n:
		return nil
	case ctx.Err() != nil:
		return fmt.Errorf("tune: optimize: %w", ctx.Err())
	}
	return nil
}

// runObjective calls obj and turns a panic into a *PanicError.
func runObjective(obj Objective, t *Trial) (value float64, err error) {
	defer func() {
		if r := recover(); r != nil {
			value, err = math.NaN(), &PanicError{Value: r, Stack: debug.Stack()}
		}
	}()
	return obj(t)
}
