package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/cairn-ml/cairn/registry"
)

// golden is what testdata/sklearn_data.py found with scikit-learn on the
// same files: the split and the baseline's test scores.
type golden struct {
	Data        string   `json:"data"`
	Target      string   `json:"target"`
	Positive    string   `json:"positive_flag"`
	Rows        int      `json:"rows"`
	Classes     []string `json:"classes"`
	TrainCounts []int    `json:"train_counts"`
	TestCounts  []int    `json:"test_counts"`
	Missing     int      `json:"missing"`
	TextColumns []string `json:"text_columns"`
	Accuracy    float64  `json:"accuracy"`
	F1          float64  `json:"f1"`
	ROCAUC      float64  `json:"roc_auc"`
}

func readGolden(t *testing.T) map[string]golden {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "sklearn_data.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Cases map[string]golden `json:"cases"`
	}
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	return g.Cases
}

// journey is what a run on a table shows, compared with scikit-learn's.
type journey struct {
	Rows, Text, Missing     int
	TrainCounts, TestCounts map[string]int
	Scored                  string
	// The baseline's test scores as registered.
	Accuracy, F1, ROCAUC float64
}

var (
	dataLine  = regexp.MustCompile(`(?m)^data +\S+@v1 +sha256:\S+ +\((\d+) rows x \d+ features(?:: (?:(\d+) text)?(?:, )?(?:(\d+) missing values)?)?; new version\)$`)
	splitLine = regexp.MustCompile(`(?m)^split +train \d+ \(([^)]*)\), test \d+ \(([^)]*)\)`)
	scoreLine = regexp.MustCompile(`(?m)^target +.*, scored by (.*)$`)
	curlLine  = regexp.MustCompile(`(?m)^  curl -s (\S+) -d '(.*)'$`)
)

func classCounts(s string) map[string]int {
	m := map[string]int{}
	for _, part := range strings.Split(s, ", ") {
		i := strings.LastIndexByte(part, ' ')
		n, _ := strconv.Atoi(part[i+1:])
		m[part[:i]] = n
	}
	return m
}

// TestDataJourney runs the whole journey on tables of text columns and
// missing values: -data penguins (embedded, three classes) and a CSV of
// the user's (two classes, each side as the positive one). The split and
// the baseline's test scores are scikit-learn's on the same file; a second
// run is cached; the champion serves the raw record the pipeline shows.
func TestDataJourney(t *testing.T) {
	gold := readGolden(t)
	tests := []struct {
		name  string
		args  []string
		model string
	}{
		{"penguins", []string{"-data", "penguins"}, "penguins"},
		{"credit-small", []string{"-data", "testdata/credit_small.csv", "-target", "Status"}, "credit_small-Status"},
		{"credit-small-bad", []string{"-data", "testdata/credit_small.csv", "-target", "Status", "-positive", "bad"}, "credit_small-Status"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := gold[tt.name]
			dir := t.TempDir()
			e := testEnv()
			out := mustPipe(t, e, dir, tt.args...)

			want := journey{Rows: g.Rows, Text: len(g.TextColumns), Missing: g.Missing,
				TrainCounts: map[string]int{}, TestCounts: map[string]int{},
				Accuracy: g.Accuracy, F1: g.F1, ROCAUC: g.ROCAUC}
			for i, c := range g.Classes {
				want.TrainCounts[c], want.TestCounts[c] = g.TrainCounts[i], g.TestCounts[i]
			}
			want.Scored = "macro F1"
			if len(g.Classes) == 2 {
				pos := g.Classes[1]
				if g.Positive != "" {
					pos = g.Positive
				}
				want.Scored = "F1 of " + pos + ", the positive class"
			}

			var got journey
			if m := dataLine.FindStringSubmatch(out); m != nil {
				got.Rows, _ = strconv.Atoi(m[1])
				got.Text, _ = strconv.Atoi(m[2])
				got.Missing, _ = strconv.Atoi(m[3])
			}
			if m := splitLine.FindStringSubmatch(out); m != nil {
				got.TrainCounts, got.TestCounts = classCounts(m[1]), classCounts(m[2])
			}
			if m := scoreLine.FindStringSubmatch(out); m != nil {
				got.Scored = m[1]
			}
			reg, err := registry.OpenWith(filepath.Join(dir, dbFile), registry.Options{})
			if err != nil {
				t.Fatal(err)
			}
			v, err := reg.Get(context.Background(), tt.model, "1")
			reg.Close()
			if err != nil {
				t.Fatal(err)
			}
			got.Accuracy, got.F1, got.ROCAUC = v.Metrics["test_accuracy"], v.Metrics["test_f1"], v.Metrics["test_roc_auc"]
			if diff := cmp.Diff(want, got, cmpopts.EquateApprox(0, 1e-9)); diff != "" {
				t.Errorf("the run against scikit-learn's (-sklearn +pipeline):\n%s\noutput:\n%s", diff, out)
			}
			rows := summary(t, out)
			if rows["baseline"].version != 1 || rows["tuned"].version != 2 || !strings.Contains(out, "trial  9") {
				t.Errorf("summary rows %+v:\n%s", rows, out)
			}

			out = mustPipe(t, e, dir, tt.args...)
			if !strings.Contains(out, "unchanged") || !strings.Contains(out, "baseline  cached") || !strings.Contains(out, "tuning    cached") {
				t.Errorf("second run not cached:\n%s", out)
			}

			// Serve the champion and send it the record the banner shows.
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var sout, serr syncBuffer
			done := make(chan int, 1)
			go func() {
				done <- run(ctx, append([]string{"-dir", dir}, append(tt.args, "serve", "-addr", "127.0.0.1:0")...), &sout, &serr, e)
			}()
			waitURL(t, &sout, &serr, done)
			m := curlLine.FindStringSubmatch(sout.String())
			if m == nil {
				t.Fatalf("serve shows no curl line:\n%s", sout.String())
			}
			resp, err := http.Post(m[1], "application/json", strings.NewReader(m[2]))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var pred struct {
				Predictions   []string    `json:"predictions"`
				Probabilities [][]float64 `json:"probabilities"`
			}
			if resp.StatusCode != 200 || json.Unmarshal(b, &pred) != nil || len(pred.Predictions) != 1 ||
				want.TrainCounts[pred.Predictions[0]] == 0 || len(pred.Probabilities[0]) != len(g.Classes) {
				t.Errorf("POST %s %s: %s %s", m[1], m[2], resp.Status, b)
			}
			cancel()
			select {
			case code := <-done:
				if code != 0 {
					t.Errorf("serve exit %d; stderr:\n%s", code, serr.String())
				}
			case <-time.After(15 * time.Second):
				t.Fatal("serve did not stop")
			}
		})
	}
}

// TestDataBadInputs: a table the pipeline cannot use is a one-line error
// that says what is wrong (exit 1); flags that cannot work together are a
// usage error (exit 2).
func TestDataBadInputs(t *testing.T) {
	tmp := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(tmp, name)
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	one := write("one.csv", "a,b,y\n1,x,k\n2,y,k\n3,z,k\n4,,k\n")
	rare := write("rare.csv", "a,y\n1,p\n2,p\n3,p\n4,p\n5,q\n")
	ragged := write("ragged.csv", "a,b,y\n1,x,p\n2,y\n")
	tests := []struct {
		name string
		args []string
		code int
		err  string // a prefix of stderr
	}{
		{"no such column", []string{"-data", "testdata/credit_small.csv", "-target", "status"}, 1,
			`pipeline run: data: credit_small.csv has no column "status" to predict (its columns: Status, Seniority, Home,`},
		{"a single class", []string{"-data", one, "-target", "y"}, 1,
			`pipeline run: data: the target column "y" of one.csv holds a single class; a classifier needs two or more`},
		{"unknown positive", []string{"-data", "testdata/credit_small.csv", "-target", "Status", "-positive", "Bad"}, 1,
			`pipeline run: data: -positive "Bad" is not a class of the target "Status" (its classes: bad, good)`},
		{"positive of three classes", []string{"-data", "penguins", "-positive", "Adelie"}, 1,
			`pipeline run: data: -positive needs a target of two classes; "species" has 3 (Adelie, Chinstrap, Gentoo), scored by macro F1`},
		{"no such file", []string{"-data", filepath.Join(tmp, "nosuch.csv"), "-target", "y"}, 1,
			"pipeline run: data: stat " + filepath.Join(tmp, "nosuch.csv") + ": no such file or directory"},
		{"a folder", []string{"-data", tmp, "-target", "y"}, 1, "pipeline run: data: " + tmp + " is not a file"},
		{"a class too rare to split", []string{"-data", rare, "-target", "y"}, 1, `pipeline run: data: rare@v1: the class "q" of "y" has 1 row; a stratified split needs at least 2 of each class`},
		{"a ragged row", []string{"-data", ragged, "-target", "y"}, 1, "pipeline run: data: ragged.csv of ragged@v1: line 3"},
		{"no target", []string{"-data", one}, 2, "pipeline: -data " + one + " needs -target COLUMN"},
		{"another target of breast-cancer", []string{"-target", "radius"}, 2, `pipeline: -target "radius": the breast-cancer data predicts diagnosis`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errs := pipe(t, testEnv(), t.TempDir(), tt.args...)
			if code != tt.code || !strings.HasPrefix(errs, tt.err) {
				t.Errorf("exit %d (want %d), stderr:\n%s\nwant it to start %q", code, tt.code, errs, tt.err)
			}
			if tt.code == 1 && strings.Count(errs, "\n") != 1 {
				t.Errorf("stderr is not one line:\n%s", errs)
			}
		})
	}
}

// TestWriteTableCSV: the embedded penguins written to the work folder are
// the file the R package ships, byte for byte.
func TestWriteTableCSV(t *testing.T) {
	dir := t.TempDir()
	mustPipe(t, testEnv(), dir, "-data", "penguins", "baseline")
	got, err := os.ReadFile(filepath.Join(dir, "data", "penguins.csv"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join("..", "..", "dataset", "data", "penguins.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("penguins.csv differs from dataset/data/penguins.csv")
	}
}
