package ui_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cairn-ml/cairn/registry"
)

const (
	runV1  = "0197a0b0c0d07000800000000000000a"
	runV2  = "0197a0b0c0d07000800000000000000b"
	digest = "sha256:eb8639ccbc46ae1b3599a7aea876e3ed4a6e5fe2e5ebcd5b850f78e81506c901"
)

const evilText = `<script>alert("x")</script>`

// evilName is a model name full of markup (a name may not hold '/').
const evilName = `<img src=x onerror=alert(1)> & "q"`

// newRegistry records a small registry: model breast-cancer with two
// versions from two runs on one data set, an archived third, and an
// alias history (champion v1, v2, rolled back to v1, v2 again;
// challenger on v2); and a model whose name, description, tags and
// reasons hold markup.
func newRegistry(t testing.TB) *registry.Registry {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	reg, err := registry.OpenWith(filepath.Join(t.TempDir(), "cairn.db"), registry.Options{
		User: "ci",
		Now:  func() time.Time { now = now.Add(7 * time.Minute); return now },
	})
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
	register := func(name, model, run string, metrics map[string]float64) registry.Version {
		v, _, err := reg.Register(ctx, name, strings.NewReader(model), registry.RegisterOptions{
			Format: "cairn.linear/1", RunID: run, DatasetDigest: digest, Metrics: metrics,
			Tags: map[string]string{"solver": "lbfgs"}, By: "pipeline",
		})
		must(err)
		return v
	}
	_, err = reg.CreateModel(ctx, "breast-cancer", registry.ModelOptions{Description: "WDBC classifier", Tags: map[string]string{"team": "ml"}})
	must(err)
	register("breast-cancer", `{"coef":[1]}`, runV1, map[string]float64{"f1": 0.962, "accuracy": 0.956})
	register("breast-cancer", `{"coef":[2]}`, runV2, map[string]float64{"f1": 0.986, "accuracy": 0.982})
	register("breast-cancer", `{"coef":[3]}`, "", nil)
	must(reg.Archive(ctx, "breast-cancer", 3))
	set := func(alias string, v int, by, reason string) {
		_, err := reg.SetAlias(ctx, "breast-cancer", alias, v, registry.AliasOptions{By: by, Reason: reason})
		must(err)
	}
	set("champion", 1, "alice", "baseline")
	set("champion", 2, "bob", "best F1 on the test split")
	_, err = reg.Rollback(ctx, "breast-cancer", "champion", registry.AliasOptions{By: "carol", Reason: "F1 dropped in production"})
	must(err)
	set("champion", 2, "bob", "fixed the feature scaling")
	set("challenger", 2, "bob", "")

	evil := evilName
	_, err = reg.CreateModel(ctx, evil, registry.ModelOptions{Description: evilText, Tags: map[string]string{evilText: evilText}})
	must(err)
	_, _, err = reg.Register(ctx, evil, bytes.NewReader([]byte(evilText)), registry.RegisterOptions{
		Format: evilText, RunID: evilText, Metrics: map[string]float64{evilText: 1}, By: evilText, Description: evilText,
	})
	must(err)
	_, err = reg.SetAlias(ctx, evil, "x", 1, registry.AliasOptions{By: evilText, Reason: evilText})
	must(err)
	return reg
}
