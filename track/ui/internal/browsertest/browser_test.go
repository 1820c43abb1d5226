package browsertest

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cairn-ml/cairn/internal/web/webtest"
	"github.com/cairn-ml/cairn/registry"
	regui "github.com/cairn-ml/cairn/registry/ui"
	"github.com/cairn-ml/cairn/track"
	trackui "github.com/cairn-ml/cairn/track/ui"
)

const digest = "sha256:eb8639ccbc46ae1b3599a7aea876e3ed4a6e5fe2e5ebcd5b850f78e81506c901"

// recorded is the small project the browser looks at.
type recorded struct {
	st                      *track.Store
	reg                     *registry.Registry
	expID                   string
	baseline, parent, tuned string
}

func record(t *testing.T) recorded {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "cairn.db")
	now := time.Date(2025, 6, 1, 9, 30, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); now = now.Add(2 * time.Second); return now }
	st, err := track.OpenWith(path, track.Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	reg, err := registry.OpenWith(path, registry.Options{Now: clock, User: "pipeline"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reg.Close() })
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	exp, err := st.Experiment(ctx, "breast-cancer")
	must(err)
	rec := recorded{st: st, reg: reg, expID: exp.ID}
	train := func(name string, params map[string]string, rate, floor float64, f1 float64) *track.Run {
		r, err := exp.StartRun(ctx, track.RunOptions{Name: name, NoAutoTags: true, Source: "pipeline"})
		must(err)
		must(r.LogParams(ctx, params))
		for step := range 15 {
			must(r.Log(ctx, track.Batch{Metrics: []track.Metric{
				{Key: "loss", Value: floor + 0.6*math.Exp(-rate*float64(step)), Step: int64(step)},
				{Key: "val_loss", Value: floor + 0.02 + 0.6*math.Exp(-rate*0.8*float64(step)), Step: int64(step)},
			}}))
		}
		must(r.LogMetrics(ctx, map[string]float64{"f1": f1, "accuracy": f1 - 0.004, "roc_auc": f1 + 0.008}, 15))
		must(r.LogInput(ctx, track.Input{Name: "wdbc", Version: "v1", Digest: digest, Context: "training", Source: "dataset.BreastCancer"}))
		_, err = r.LogArtifact(ctx, "model.json", strings.NewReader(`{"format":"cairn.linear/1"}`))
		must(err)
		must(r.End(ctx, track.StatusFinished))
		return r
	}
	base := train("baseline", map[string]string{"C": "1", "solver": "lbfgs", "penalty": "l2"}, 0.3, 0.09, 0.962)
	rec.baseline = base.ID()

	parent, err := exp.StartRun(ctx, track.RunOptions{Name: "tune-tpe", NoAutoTags: true,
		Tags: map[string]string{track.TagTuneObjective: "cv_f1", track.TagTuneDirection: "maximize"}})
	must(err)
	rec.parent = parent.ID()
	must(parent.LogParams(ctx, map[string]string{"sampler": "tpe", "trials": "16"}))
	solvers := []string{"lbfgs", "newton", "cd"}
	for k := range 16 {
		logC := -4 + 6*float64((k*5)%16)/15
		if k > 8 { // the sampler closes in on the optimum
			logC = 0.2 + 0.1*float64(k%4)
		}
		child, err := parent.StartChild(ctx, track.RunOptions{Name: fmt.Sprintf("trial %d", k), NoAutoTags: true,
			Tags: map[string]string{track.TagTuneTrial: fmt.Sprint(k)}})
		must(err)
		must(child.Log(ctx, track.Batch{
			Params:  map[string]string{"C": fmt.Sprintf("%.4g", math.Pow(10, logC)), "solver": solvers[k%3]},
			Metrics: []track.Metric{{Key: "cv_f1", Value: 0.986 - 0.012*(logC-0.5)*(logC-0.5) + 0.001*float64(k%3)}},
		}))
		must(child.End(ctx, track.StatusFinished))
	}
	must(parent.End(ctx, track.StatusFinished))
	tuned := train("tuned", map[string]string{"C": "3.162", "solver": "newton", "penalty": "l2"}, 0.5, 0.05, 0.986)
	rec.tuned = tuned.ID()

	for _, r := range []struct {
		run *track.Run
		f1  float64
	}{{base, 0.962}, {tuned, 0.986}} {
		_, _, err := reg.Register(ctx, "breast-cancer", strings.NewReader(fmt.Sprint(r.f1)), registry.RegisterOptions{
			Format: "cairn.linear/1", RunID: r.run.ID(), DatasetDigest: digest, Metrics: map[string]float64{"f1": r.f1},
		})
		must(err)
	}
	set := func(v int, by, reason string) {
		_, err := reg.SetAlias(ctx, "breast-cancer", "champion", v, registry.AliasOptions{By: by, Reason: reason})
		must(err)
	}
	set(1, "pipeline", "first model")
	set(2, "pipeline", "best F1 on the test split")
	_, err = reg.Rollback(ctx, "breast-cancer", "champion", registry.AliasOptions{By: "alice", Reason: "latency regression"})
	must(err)
	set(2, "alice", "regression fixed")
	_, err = reg.SetAlias(ctx, "breast-cancer", "challenger", 1, registry.AliasOptions{By: "bob", Reason: "shadow traffic"})
	must(err)
	return rec
}

// serve mounts both dashboards under /ui/ on a loopback listener.
func serve(t *testing.T, rec recorded) (*httptest.Server, *trackui.Handler, *regui.Handler) {
	var runs *trackui.Handler
	models := regui.New(rec.reg, regui.Options{
		Prefix: "/ui/registry/", RunURL: func(id string) string { return runs.RunURL(id) },
		DatasetURL: func(d string) string { return runs.DatasetURL(d) }, Links: []regui.Link{{Text: "Experiments", URL: "/ui/"}},
	})
	runs = trackui.New(rec.st, trackui.Options{Prefix: "/ui/", ModelURL: models.RunVersionsURL, Links: []trackui.Link{{Text: "Models", URL: "/ui/registry/"}}})
	mux := http.NewServeMux()
	mux.Handle("/ui/registry/", models)
	mux.Handle("/ui/", runs)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, runs, models
}

func TestBrowser(t *testing.T) {
	browser := webtest.Chromium(t)
	rec := record(t)
	srv, runs, models := serve(t, rec)
	pages := []struct {
		name  string // the screenshot's name under track/ui/docs
		path  string
		want  []string       // strings in the DOM
		count map[string]int // least number of each pattern in the DOM
	}{
		{"runs", runs.ExperimentURL(rec.expID) + "?order=metrics.f1+DESC", []string{"breast-cancer", ">tuned</a>", ">baseline</a>", ">trial 15</a>", "Compare selected"},
			map[string]int{`<table class="runs">`: 1, `<tr class="depth1 child`: 16, `<input type="checkbox" name="run"`: 19}},
		{"run", runs.RunURL(rec.baseline), []string{"<h1>baseline", "wdbc", digest, "model.json", "model versions registered from this run"},
			map[string]int{`<svg class="chart"`: 3, `<path fill="none"`: 2, `<circle `: 30, "<table": 4}},
		{"tuning", runs.RunURL(rec.parent), []string{"Optimisation history", "Parameter importance", "best so far", "tune-tpe"},
			map[string]int{`<svg class="chart"`: 2, `<circle `: 16, `<tr class="depth0`: 16}},
		{"compare", runs.CompareURL(rec.baseline, rec.tuned), []string{"Compare 2 runs", "Metric histories", `<tr class="diff"><td class="mono">C</td>`},
			map[string]int{`<svg class="chart"`: 5, `<path fill="none"`: 4}},
		{"model", models.ModelURL("breast-cancer"), []string{"breast-cancer", "@champion", "@challenger", "latency regression", "rolled back", "aliases of breast-cancer over time"},
			map[string]int{`<svg class="chart"`: 1, "<table": 3, `<td class="num">`: 7}},
		{"version", models.VersionURL("breast-cancer", 2), []string{"models:/breast-cancer/2", "Lineage", `href="` + runs.RunURL(rec.tuned) + `"`},
			map[string]int{"<table": 3}},
	}
	var docs string
	if os.Getenv("CAIRN_UI_DOCS") == "1" {
		docs = filepath.Join("..", "..", "docs")
		if err := os.MkdirAll(docs, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, pg := range pages {
		t.Run(pg.name, func(t *testing.T) {
			t.Parallel() // with -parallel's default, GOMAXPROCS browsers at once
			dom, shot := webtest.Load(t, browser, srv.URL+pg.path)
			webtest.CheckDOM(t, pg.path, dom, pg.want, pg.count)
			webtest.CheckShot(t, shot)
			if docs != "" {
				small, err := shrink(shot)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(docs, pg.name+".png"), small, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// shrink re-encodes a screenshot with a palette of its 256 most frequent
// colours (every other colour mapped to the nearest of them), which
// keeps a page of flat colours and text readable at a third of the size.
func shrink(shot []byte) ([]byte, error) {
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		return nil, err
	}
	b := img.Bounds()
	freq := map[color.RGBA]int{}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			freq[color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)]++
		}
	}
	cols := make([]color.RGBA, 0, len(freq))
	for c := range freq {
		cols = append(cols, c)
	}
	slices.SortFunc(cols, func(a, b color.RGBA) int {
		if d := freq[b] - freq[a]; d != 0 {
			return d
		}
		return int(a.R)<<16 | int(a.G)<<8 | int(a.B) - (int(b.R)<<16 | int(b.G)<<8 | int(b.B))
	})
	pal := make(color.Palette, 0, 256)
	for _, c := range cols[:min(256, len(cols))] {
		pal = append(pal, c)
	}
	out := image.NewPaletted(b, pal)
	index := map[color.RGBA]uint8{}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			i, ok := index[c]
			if !ok {
				i = uint8(pal.Index(c))
				index[c] = i
			}
			out.SetColorIndex(x, y, i)
		}
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, out); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
