package track_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cairn-ml/cairn/track"
)

// TestConcurrentTrials is the tuning pattern: one parent run, a child per
// trial started and logged from many goroutines at once, while another
// goroutine reads. Run it with -race.
func TestConcurrentTrials(t *testing.T) {
	for _, shared := range []bool{false} {
		t.Run(fmt.Sprintf("shared=%v", shared), func(t *testing.T) {
			st := openStore(t, track.Options{})
			exp := mustExperiment(t, st, "tune")
			parent := mustStart(t, exp, track.RunOptions{Name: "study"})
			const trials, steps = 8, 10
			var wg sync.WaitGroup
			errs := make(chan error, trials+1)
			ids := make([]string, trials)
			for i := range trials {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs <- func() error {
						child, err := parent.StartChild(ctx, track.RunOptions{Name: fmt.Sprint("trial ", i), NoAutoTags: true})
						if err != nil {
							return err
						}
						ids[i] = child.ID()
						if err := child.LogParams(ctx, map[string]string{"trial": fmt.Sprint(i)}); err != nil {
							return err
						}
						for s := range steps {
							if err := child.LogMetric(ctx, "loss", float64(100*i+s), int64(s)); err != nil {
								return err
							}
						}
						// The shared parent is written by every trial.
						if err := parent.LogMetric(ctx, "best", float64(i), int64(i)); err != nil {
							return err
						}
						return child.End(ctx, track.StatusFinished)
					}()
				}()
			}
			done := make(chan struct{})
			go func() { // a reader while the trials write
				defer close(done)
				for range 20 {
					if _, err := st.RunRecord(ctx, parent.ID()); err != nil {
						errs <- err
						return
					}
				}
			}()
			wg.Wait()
			<-done
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			for i, id := range ids {
				hist, err := st.MetricHistory(ctx, id, "loss")
				if err != nil {
					t.Fatal(err)
				}
				var got, want []float64
				for s := range steps {
					want = append(want, float64(100*i+s))
					got = append(got, hist[s].Value)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("trial %d history (-want +got):\n%s", i, diff)
				}
				rec, err := st.RunRecord(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				if rec.Status != track.StatusFinished || rec.ParentID != parent.ID() || rec.Params["trial"] != fmt.Sprint(i) {
					t.Errorf("trial %d record: %+v", i, rec)
				}
			}
			best, err := st.MetricHistory(ctx, parent.ID(), "best")
			if err != nil || len(best) != trials {
				t.Errorf("parent history: %d values, %v; want %d", len(best), err, trials)
			}
		})
	}
}
