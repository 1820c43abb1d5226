package tune_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cairn-ml/cairn/internal/storage/enginetest"
	"github.com/cairn-ml/cairn/tune"
)

// BenchmarkSharedStudy measures what a shared storage costs per trial:
// b.N trials of a trivial objective (two parameters, no work) with the
// random sampler, on one study, by 4 workers at once: 4 goroutines of one
// Optimize (Workers 4, Async), or 4 processes each running Optimize with
// one worker. The study is in a bbolt file, or with
// CAIRN_BENCH_ENGINE=postgres in a fresh schema of the CAIRN_TEST_POSTGRES
// server. Reported: ms/trial, the wall time over the trials (for the
// processes, from the moment all 4 are ready to the last one's end).
// tune/testdata/bench_optuna_rdb.py measures Optuna's RDB storage the same
// way.
func BenchmarkSharedStudy(b *testing.B) {
	const workers = 4
	b.Run("goroutines=4", func(b *testing.B) {
		st := openStorage(b, enginetest.Records(b, enginetest.BenchEngine(b)))
		s, err := tune.OpenStudy(context.Background(), tune.StudyConfig{Name: "bench", Storage: st,
			Sampler: tune.NewRandom(1), Workers: workers, Async: true})
		if err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		if err := s.Optimize(context.Background(), trivialObjective, b.N); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/trial")
	})
	b.Run("processes=4", func(b *testing.B) {
		path := enginetest.Records(b, enginetest.BenchEngine(b))
		openStorage(b, path).Close()
		type proc struct {
			cmd   *exec.Cmd
			in    io.WriteCloser
			lines *bufio.Scanner
		}
		var procs []proc
		for i := range workers {
			n := b.N / workers
			if i < b.N%workers {
				n++
			}
			if n == 0 {
				continue // Optimize(0) would run until cancelled
			}
			cmd := worker(b, path, "bench", fmt.Sprint("TUNE_SEED=", i), fmt.Sprint("TUNE_TRIALS=", n))
			cmd.Stderr = os.Stderr
			in, err := cmd.StdinPipe()
			if err != nil {
				b.Fatal(err)
			}
			out, err := cmd.StdoutPipe()
			if err != nil {
				b.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() {
				cmd.Process.Kill()
				cmd.Wait()
			})
			procs = append(procs, proc{cmd, in, bufio.NewScanner(out)})
		}
		await := func(p proc, what string) {
			for p.lines.Scan() {
				if strings.HasPrefix(p.lines.Text(), what) {
					return
				}
			}
			b.Fatalf("a worker ended before %q: %v", what, p.lines.Err())
		}
		for _, p := range procs {
			await(p, "ready")
		}
		b.ResetTimer()
		start := time.Now()
		for _, p := range procs {
			io.WriteString(p.in, "go\n")
		}
		for _, p := range procs {
			await(p, "done")
		}
		wall := time.Since(start)
		b.StopTimer()
		for _, p := range procs {
			p.in.Close()
			if err := p.cmd.Wait(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(wall.Microseconds())/1000/float64(b.N), "ms/trial")
		trials, err := openStorage(b, path).Trials(context.Background(), "bench")
		if err != nil || len(trials) != b.N {
			b.Fatalf("%d trials stored (%v), want %d", len(trials), err, b.N)
		}
	})
}

// trivialObjective asks for two parameters and does no work.
func trivialObjective(t *tune.Trial) (float64, error) {
	x := t.Float("x", -2, 2)
	k := t.Int("k", 1, 5)
	return x*x + float64(k), nil
}

// benchWorker is the helper's role "bench" (see BenchmarkSharedStudy):
// open the study, say "ready", wait for a line on stdin, run
// TUNE_TRIALS trials, say "done".
func benchWorker(t *testing.T, st tune.Storage) {
	seed, _ := strconv.Atoi(os.Getenv("TUNE_SEED"))
	n, _ := strconv.Atoi(os.Getenv("TUNE_TRIALS"))
	ctx := context.Background()
	s, err := tune.OpenStudy(ctx, tune.StudyConfig{Name: "bench", Storage: st, Sampler: tune.NewRandom(uint64(seed))})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println("ready")
	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	if err := s.Optimize(ctx, trivialObjective, n); err != nil {
		t.Fatal(err)
	}
	fmt.Println("done")
}
