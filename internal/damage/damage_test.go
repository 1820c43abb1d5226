package damage_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cairn-ml/cairn/dataset"
	"github.com/cairn-ml/cairn/registry"
	"github.com/cairn-ml/cairn/track"
	"github.com/cairn-ml/cairn/tune"
)

var ctx = context.Background()

// build makes, in dir, the files of the four packages: cairn.db holds
// track's runs, the registry's models and a tune study; datasets/ is a
// data set repository (its index.db) with two versions.
func build(t *testing.T, dir string) {
	t.Helper()
	db := filepath.Join(dir, "cairn.db")
	st, err := track.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	exp, err := st.Experiment(ctx, "e")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 40 {
		r, err := exp.StartRun(ctx, track.RunOptions{Name: fmt.Sprint("run-", i), NoAutoTags: true})
		if err != nil {
			t.Fatal(err)
		}
		b := track.Batch{Params: map[string]string{"p": fmt.Sprint(i % 7), "q": strings.Repeat("x", i)}}
		for s := range 10 {
			b.Metrics = append(b.Metrics, track.Metric{Key: "m", Value: float64(i*s) / 7, Step: int64(s)})
		}
		if err := r.Log(ctx, b); err != nil {
			t.Fatal(err)
		}
		if i%10 == 0 {
			if _, err := r.LogArtifact(ctx, "a.txt", strings.NewReader(fmt.Sprint("artifact ", i))); err != nil {
				t.Fatal(err)
			}
		}
		r.End(ctx, track.StatusFinished)
	}
	reg, err := registry.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	for i := range 3 {
		v, _, err := reg.Register(ctx, "m", bytes.NewReader(bytes.Repeat([]byte{byte('a' + i)}, 3000)), registry.RegisterOptions{Format: "raw"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := reg.SetAlias(ctx, "m", "champion", v.Number, registry.AliasOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	ts, err := tune.OpenStorage(db)
	if err != nil {
		t.Fatal(err)
	}
	defer ts.Close()
	s, err := tune.OpenStudy(ctx, tune.StudyConfig{Name: "s", Storage: ts, Sampler: tune.NewRandom(1)})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Optimize(ctx, func(tr *tune.Trial) (float64, error) { return tr.Float("x", 0, 1), nil }, 10); err != nil {
		t.Fatal(err)
	}
	repo, err := dataset.Open(filepath.Join(dir, "datasets"))
	if err != nil {
		t.Fatal(err)
	}
	defer repo.Close()
	src := t.TempDir()
	for v := range 2 {
		for f := range 30 {
			os.WriteFile(filepath.Join(src, fmt.Sprint("f", f)), []byte(fmt.Sprint("file ", f, " of ", v)), 0o644)
		}
		if _, err := repo.Commit(ctx, "d", src, fmt.Sprint("v", v)); err != nil {
			t.Fatal(err)
		}
	}
}

// readAll opens the package's store on the file at path and reads
// everything in it, and writes once.
func readAll(pkg, path string) error {
	switch pkg {
	case "track":
		st, err := track.OpenWith(path, track.Options{Timeout: 5 * time.Second})
		if err != nil {
			return err
		}
		defer st.Close()
		exps, err := st.Experiments(ctx)
		if err != nil {
			return err
		}
		for _, e := range exps {
			runs, _, err := st.SearchRuns(ctx, track.SearchOptions{ExperimentIDs: []string{e.ID}, Filter: "metrics.m > 1", Limit: 1000})
			if err != nil {
				return err
			}
			for _, r := range runs {
				if _, err := st.MetricHistory(ctx, r.ID, "m"); err != nil {
					return err
				}
				if _, err := st.Artifacts(ctx, r.ID); err != nil {
					return err
				}
			}
		}
		_, err = st.Experiment(ctx, "new one")
		return err
	case "registry":
		reg, err := registry.OpenWith(path, registry.Options{Timeout: 5 * time.Second})
		if err != nil {
			return err
		}
		defer reg.Close()
		ms, err := reg.Models(ctx)
		if err != nil {
			return err
		}
		for _, m := range ms {
			vs, err := reg.Versions(ctx, m.Name)
			if err != nil {
				return err
			}
			for _, v := range vs {
				if _, _, err := reg.Load(ctx, m.Name, v.Ref().String()); err != nil {
					return err
				}
			}
			if _, err := reg.AliasHistory(ctx, m.Name, ""); err != nil {
				return err
			}
		}
		_, err = reg.CreateModel(ctx, "another", registry.ModelOptions{})
		return err
	case "tune":
		ts, err := tune.OpenStorage(path)
		if err != nil {
			return err
		}
		defer ts.Close()
		names, err := ts.Studies(ctx)
		if err != nil {
			return err
		}
		for _, n := range names {
			if _, err := ts.Trials(ctx, n); err != nil {
				return err
			}
		}
		s, err := tune.OpenStudy(ctx, tune.StudyConfig{Name: "s", Storage: ts})
		if err != nil {
			return err
		}
		return s.Optimize(ctx, func(tr *tune.Trial) (float64, error) { return tr.Float("x", 0, 1), nil }, 1)
	case "dataset":
		repo, err := dataset.OpenWith(filepath.Dir(path), dataset.Options{Timeout: 5 * time.Second})
		if err != nil {
			return err
		}
		defer repo.Close()
		names, err := repo.Names(ctx)
		if err != nil {
			return err
		}
		for _, n := range names {
			vs, err := repo.Versions(ctx, n)
			if err != nil {
				return err
			}
			for _, v := range vs {
				fsys, err := repo.FS(ctx, n, v.Digest)
				if err != nil {
					return err
				}
				err = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
					if err != nil || d.IsDir() {
						return err
					}
					_, err = fs.ReadFile(fsys, p)
					return err
				})
				if err != nil {
					return err
				}
			}
		}
		_, err = repo.GC(ctx)
		return err
	}
	return fmt.Errorf("unknown package %q", pkg)
}

var corrupt = map[string]error{"track": track.ErrCorrupt, "registry": registry.ErrCorrupt, "tune": tune.ErrCorrupt, "dataset": dataset.ErrCorrupt}

// TestMain runs as the child when DAMAGE_PKG is set: exit 0 if the read
// worked, 2 if it failed with the package's ErrCorrupt, 3 otherwise.
func TestMain(m *testing.M) {
	pkg := os.Getenv("DAMAGE_PKG")
	if pkg == "" {
		os.Exit(m.Run())
	}
	err := readAll(pkg, os.Getenv("DAMAGE_PATH"))
	switch {
	case err == nil:
		os.Exit(0)
	case errors.Is(err, corrupt[pkg]):
		os.Exit(2)
	}
	fmt.Fprintln(os.Stderr, err)
	os.Exit(3)
}

type damaged struct {
	name string
	data []byte
}

// damages returns the damaged copies of orig: empty, truncated at 40
// sizes, and bit flips (seeded).
func damages(orig []byte, seed uint64, flips int) []damaged {
	out := []damaged{{"empty", nil}}
	for i := range 40 {
		n := len(orig) * i / 40
		if i > 0 {
			n += 1 + i*37
		}
		out = append(out, damaged{fmt.Sprintf("truncated-%d", n), orig[:min(n, len(orig)-1)]})
	}
	rng := rand.New(rand.NewPCG(seed, seed))
	for range flips {
		d := bytes.Clone(orig)
		pos, bit := rng.IntN(len(d)), rng.IntN(8)
		d[pos] ^= 1 << bit
		out = append(out, damaged{fmt.Sprintf("flip-byte%d-bit%d", pos, bit), d})
	}
	return out
}

func TestDamagedFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("starts many processes")
	}
	dir := t.TempDir()
	build(t, dir)
	files := []struct{ pkg, file string }{
		{"track", "cairn.db"}, {"registry", "cairn.db"}, {"tune", "cairn.db"}, {"dataset", "datasets/index.db"},
	}
	sem := make(chan struct{}, 3)
	var wg sync.WaitGroup
	for fi, f := range files {
		orig, err := os.ReadFile(filepath.Join(dir, f.file))
		if err != nil {
			t.Fatal(err)
		}
		seed := uint64(fi + 1)
		if s, err := strconv.ParseUint(os.Getenv("DAMAGE_SEED"), 10, 64); err == nil {
			seed += s * 10
		}
		cases := damages(orig, seed, 40)
		if raceEnabled {
			var some []damaged
			for i := 0; i < len(cases); i += 4 {
				some = append(some, cases[i])
			}
			cases = some
		}
		var mu sync.Mutex
		outcome := map[int]int{}
		for i, c := range cases {
			// Each copy in a folder of its own, with the blob folder the
			// stores expect beside it.
			cdir := filepath.Join(t.TempDir(), "c")
			if err := os.CopyFS(cdir, os.DirFS(dir)); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(cdir, f.file)
			if os.Getenv("DAMAGE_KEEP") == c.name+"/"+f.pkg {
				os.WriteFile("/tmp/damaged.db", c.data, 0o644)
			}
			if err := os.WriteFile(path, c.data, 0o644); err != nil {
				t.Fatal(err)
			}
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				exe, _ := os.Executable()
				cmd := exec.Command(exe, "-test.run=^$")
				cmd.Env = append(os.Environ(), "DAMAGE_PKG="+f.pkg, "DAMAGE_PATH="+path)
				var out bytes.Buffer
				cmd.Stdout, cmd.Stderr = &out, &out
				cmd.WaitDelay = time.Second
				timer := time.AfterFunc(2*time.Minute, func() { cmd.Process.Kill() })
				err := cmd.Run()
				timer.Stop()
				code := 0
				var ee *exec.ExitError
				if errors.As(err, &ee) {
					code = ee.ExitCode()
				} else if err != nil {
					t.Errorf("%s %s: %v", f.pkg, c.name, err)
					return
				}
				mu.Lock()
				outcome[code]++
				mu.Unlock()
				if code != 0 && code != 2 {
					t.Errorf("%s, %s (case %d): child exited %d (0: read fine, 2: ErrCorrupt):\n%s", f.pkg, c.name, i, code, tail(out.Bytes()))
				}
			}()
		}
		wg.Wait()
		t.Logf("%s (%s, %d bytes): %d damaged copies: %d read fine, %d failed with ErrCorrupt", f.pkg, f.file, len(orig), len(cases), outcome[0], outcome[2])
	}
}

func tail(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return strings.Join(lines, "\n")
}

var _ = io.EOF
