package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cairn-ml/cairn/registry"
	"github.com/cairn-ml/cairn/track"
)

// The tests of "the pipeline, tried as a new user would" (issue 16).

// TestMain lets a test start the pipeline as a program of its own: the
// test binary, run with CAIRN_PIPELINE_MAIN=1, is the pipeline.
func TestMain(m *testing.M) {
	if os.Getenv("CAIRN_PIPELINE_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// runStatuses counts the runs of the model's experiment by status.
func runStatuses(t *testing.T, dir, model string) map[string]int {
	t.Helper()
	ctx := context.Background()
	st, err := track.OpenWith(filepath.Join(dir, dbFile), track.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	exp, err := st.Experiment(ctx, model)
	if err != nil {
		t.Fatal(err)
	}
	recs, _, err := st.SearchRuns(ctx, track.SearchOptions{ExperimentIDs: []string{exp.ID}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, r := range recs {
		got[strings.ToLower(r.Status.String())]++
	}
	return got
}

// failingWriter accepts n bytes, then fails with err.
type failingWriter struct {
	n   int
	err error
}

func (f *failingWriter) Write(p []byte) (int, error) {
	if len(p) <= f.n {
		f.n -= len(p)
		return len(p), nil
	}
	k := f.n
	f.n = 0
	return k, f.err
}

// TestOutputFails: output that cannot be written costs the command its
// output, not its work; a reader that went away is no error, a full disk
// is.
func TestOutputFails(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		code     int
		stderrRe string
	}{
		{"broken pipe", syscall.EPIPE, 0, `^$`},
		{"no space", syscall.ENOSPC, 1, `^pipeline: writing the output: no space left on device\n$`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			var stderr bytes.Buffer
			code := run(context.Background(), []string{"-dir", dir, "baseline"}, &failingWriter{n: 100, err: tt.err}, &stderr, testEnv())
			if code != tt.code || !regexp.MustCompile(tt.stderrRe).MatchString(stderr.String()) {
				t.Errorf("exit %d (want %d), stderr %q (want %s)", code, tt.code, stderr.String(), tt.stderrRe)
			}
			if diff := cmp.Diff(map[string]int{"finished": 1}, runStatuses(t, dir, modelName)); diff != "" {
				t.Errorf("runs by status (-want +got):\n%s", diff)
			}
		})
	}
}

// rewriteData rewrites each data row of dir's data file with f.
func rewriteData(t *testing.T, dir string, f func(fields []string) []string) {
	t.Helper()
	path := filepath.Join(dir, "data", dataFile)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	for i := 1; i < len(lines); i++ {
		lines[i] = strings.Join(f(strings.Split(lines[i], ",")), ",")
	}
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestDataChangesBack: the data changes, then changes back. The restored
// data is a new version with the content of v1 and says so; the cached
// models of v1 come back, and @champion leaves the models trained on the
// changed data, although they score higher on their own test split (the
// changed data is made trivially separable): scores on different data do
// not compare. promote ranks only the models of the newest data.
func TestDataChangesBack(t *testing.T) {
	dir := t.TempDir()
	e := testEnv()
	mustPipe(t, e, dir)
	path := filepath.Join(dir, "data", dataFile)
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// The first feature becomes the label itself: a perfect score.
	rewriteData(t, dir, func(f []string) []string {
		f[0] = map[string]string{"malignant": "0", "benign": "1"}[f[len(f)-1]]
		return f
	})
	out := mustPipe(t, e, dir)
	if !strings.Contains(out, "breast-cancer@v2") || !strings.Contains(out, "new version)") {
		t.Fatalf("run on changed data:\n%s", out)
	}
	changed := championOf(t, dir)
	if changed != 3 && changed != 4 {
		t.Fatalf("@champion after the change = v%d, want v3 or v4:\n%s", changed, out)
	}

	if err := os.WriteFile(path, orig, 0o644); err != nil {
		t.Fatal(err)
	}
	out = mustPipe(t, e, dir)
	for _, want := range []string{
		"breast-cancer@v3", "new version v3, the same content as v1",
		"baseline  cached", "tuning    cached",
		"champion  v2, moved from v" + strconv.Itoa(changed) + " (v" + strconv.Itoa(changed) + " was trained on breast-cancer@v2, not on the current breast-cancer@v3; v2 beats v1: ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("run on restored data lacks %q:\n%s", want, out)
		}
	}
	if got := championOf(t, dir); got != 2 {
		t.Errorf("@champion = v%d, want v2", got)
	}

	// promote picks among the models of the newest data, v1 and v2, not
	// the perfect scores of v3 and v4.
	mustPipe(t, e, dir, "rollback")
	out = mustPipe(t, e, dir, "promote")
	if got := championOf(t, dir); got != 2 || !strings.Contains(out, "-> v2") {
		t.Errorf("promote: @champion = v%d, want v2:\n%s", got, out)
	}
	out = mustPipe(t, e, dir, "models")
	for _, re := range []string{
		`(?m)^breast-cancer +v1 +- +baseline +v1=v3 +0\.9861 `,
		`(?m)^breast-cancer +v3 +- +baseline +v2 +1\.0000 `,
		`pipeline promote: v2 is the best on the test split of breast-cancer@v3`,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("models does not match %s:\n%s", re, out)
		}
	}
}

// TestCommandLineMistakes: what the user typed is what the errors point
// into; a version 0 is an error, not the default; the alias history says
// which version each command asked for.
func TestCommandLineMistakes(t *testing.T) {
	dir := t.TempDir()
	e := testEnv()
	mustPipe(t, e, dir)
	tests := []struct {
		args []string
		code int
		err  string // the first line of stderr
	}{
		{[]string{"runs", "-filter", "metrics.cv_f1 >"}, 2, `pipeline runs: -filter: column 16 of "metrics.cv_f1 >": `},
		{[]string{"runs", "-all", "-filter", "metrics.cv_f1 >"}, 2, `pipeline runs: -filter: column 16 of "metrics.cv_f1 >": `},
		{[]string{"runs", "-filter", "params.C = '1') OR (1"}, 2, `pipeline runs: -filter: column 15 of "params.C = '1') OR (1": `},
		{[]string{"rollback", "-to", "0"}, 2, "pipeline rollback: -to 0: versions are numbered from 1"},
		{[]string{"rollback", "-to", "-1"}, 2, "pipeline rollback: -to -1: versions are numbered from 1"},
		{[]string{"promote", "-version", "0"}, 2, "pipeline promote: -version 0: versions are numbered from 1"},
		{[]string{"lineage", "-version", "0"}, 2, "pipeline lineage: -version 0: versions are numbered from 1"},
		{[]string{"rollback", "-to", "7"}, 1, "pipeline rollback: @champion never pointed at v7; `promote -version 7` moves it there"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, _, errs := pipe(t, e, dir, tt.args...)
			first, _, _ := strings.Cut(errs, "\n")
			if code != tt.code || !strings.HasPrefix(first, tt.err) {
				t.Errorf("exit %d (want %d), stderr:\n%s\nwant a first line starting %q", code, tt.code, errs, tt.err)
			}
			if strings.Contains(first, "tags.") {
				t.Errorf("the error shows what the pipeline added to the filter: %s", first)
			}
		})
	}

	mustPipe(t, e, dir, "promote", "-version", "1")
	mustPipe(t, e, dir, "rollback")
	mustPipe(t, e, dir, "rollback", "-to", "1")
	reg, err := registry.OpenWith(filepath.Join(dir, dbFile), registry.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	hist, err := reg.AliasHistory(context.Background(), modelName, champion)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ev := range hist {
		got = append(got, ev.Reason)
	}
	want := []string{
		"pipeline baseline: v1, the first model (baseline)",
		"pipeline run: v2 (tuned) beats v1 (baseline) on the test split of breast-cancer@v1: same test F1, higher ROC AUC",
		"pipeline promote -version 1",
		"pipeline rollback: undo the move to v1",
		"pipeline rollback -to 1",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("alias history reasons (-want +got):\n%s", diff)
	}
}

// TestHints: the commands the pipeline suggests carry the global flags as
// given, quoted for the shell, so that they act on the same work folder
// and data.
func TestHints(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "my work")
	e := testEnv()
	e.prog = "go run ./examples/pipeline"
	tests := []struct {
		args []string // after -dir DIR
		want string
	}{
		{[]string{"baseline"}, "  go run ./examples/pipeline -dir '" + dir + "' serve "},
		{[]string{"-data", "penguins", "baseline"}, "  go run ./examples/pipeline -data penguins -dir '" + dir + "' rollback "},
	}
	for _, tt := range tests {
		if out := mustPipe(t, e, dir, tt.args...); !strings.Contains(out, tt.want) {
			t.Errorf("%v: the hints lack %q:\n%s", tt.args, tt.want, out)
		}
	}
}

func TestGoRunExe(t *testing.T) {
	hash := strings.Repeat("ab12", 16)
	tests := []struct {
		path string
		want bool
	}{
		{"/tmp/go-build2648450571/b001/exe/pipeline", true},
		{"/var/tmp/x/go-build1/b042/exe/pipeline", true},
		{"/root/.cache/go-build/ab/" + hash + "-d/pipeline", true},
		{"/srv/mycache/ab/" + hash + "-d/pipeline", true},  // GOCACHE=/srv/mycache
		{"/srv/mycache/cd/" + hash + "-d/pipeline", false}, // not the cache's layout
		{"/home/me/go-build/pipeline", false},
		{"/home/me/go-build-tools/bin/pipeline", false},
		{"./pipeline", false},
		{"pipeline", false},
	}
	for _, tt := range tests {
		if got := goRunExe(tt.path); got != tt.want {
			t.Errorf("goRunExe(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
}

func TestGoRunTarget(t *testing.T) {
	root := t.TempDir()
	other := t.TempDir()
	for dir, mod := range map[string]string{root: "github.com/cairn-ml/cairn", other: "example.com/mine"} {
		if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module "+mod+"\n\ngo 1.26\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{filepath.Join(root, "examples", "pipeline"), filepath.Join(root, "my dir"), filepath.Join(other, "cmd")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	const pkg, mod = "github.com/cairn-ml/cairn/examples/pipeline", "github.com/cairn-ml/cairn"
	tests := []struct {
		name              string
		mainPath, version string
		cwd               string
		want              string
	}{
		{"module root", mod, "(devel)", root, "./examples/pipeline"},
		{"the package's folder", mod, "(devel)", filepath.Join(root, "examples", "pipeline"), "."},
		{"a folder in the module", mod, "(devel)", filepath.Join(root, "examples"), "./pipeline"},
		{"a folder with a space", mod, "(devel)", filepath.Join(root, "my dir"), "../examples/pipeline"},
		{"another module", mod, "(devel)", filepath.Join(other, "cmd"), pkg},
		{"run from another module", "example.com/mine", "(devel)", other, pkg},
		{"a release", mod, "v1.2.3", other, pkg + "@v1.2.3"},
		{"no module", mod, "(devel)", "/", pkg},
		{"no build info", "", "", root, pkg},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := goRunTarget(pkg, tt.mainPath, tt.version, tt.cwd, moduleOf); got != tt.want {
				t.Errorf("goRunTarget(%q, %q, %q) = %q, want %q", tt.mainPath, tt.version, tt.cwd, got, tt.want)
			}
		})
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"cairn-data":     "cairn-data",
		"/tmp/a b":       "'/tmp/a b'",
		"it's":           `'it'\''s'`,
		"":               "''",
		"./x/y.csv":      "./x/y.csv",
		"metrics.f1 > 1": "'metrics.f1 > 1'",
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %q, want %q", in, got, want)
		}
	}
}
