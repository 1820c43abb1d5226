package registry_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cairn-ml/cairn/registry"
)

// openExample opens a registry in a temporary folder with a fixed clock
// and user, so the output is the same on every run.
func openExample() (*registry.Registry, func()) {
	dir, err := os.MkdirTemp("", "registry-example")
	if err != nil {
		log.Fatal(err)
	}
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	reg, err := registry.OpenWith(filepath.Join(dir, "cairn.db"), registry.Options{
		User: "ci",
		Now:  func() time.Time { now = now.Add(time.Minute); return now },
	})
	if err != nil {
		log.Fatal(err)
	}
	return reg, func() { reg.Close(); os.RemoveAll(dir) }
}

// Register two versions, promote the better one to @champion, then roll
// back.
func Example() {
	ctx := context.Background()
	reg, done := openExample()
	defer done()

	data := "sha256:" + strings.Repeat("5e", 32) // the training data's digest
	for _, m := range []struct{ run, bytes string }{
		{"run-baseline", `{"coef":[0.1,0.2]}`},
		{"run-tuned", `{"coef":[0.3,0.1]}`},
		{"run-tuned-again", `{"coef":[0.1,0.2]}`}, // the same bytes as v1
	} {
		v, created, err := reg.Register(ctx, "cancer", strings.NewReader(m.bytes), registry.RegisterOptions{
			Format: "cairn.linear/1", RunID: m.run, DatasetDigest: data,
		})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s: v%d created=%v\n", m.run, v.Number, created)
	}

	if _, err := reg.SetAlias(ctx, "cancer", "champion", 1, registry.AliasOptions{Reason: "baseline"}); err != nil {
		log.Fatal(err)
	}
	ev, err := reg.SetAlias(ctx, "cancer", "champion", 2, registry.AliasOptions{Reason: "tuned F1 0.98"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("promoted @champion: v%d -> v%d\n", ev.From, ev.To)

	v, b, err := reg.Load(ctx, "cancer", "@champion")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("serving %s (%s, %d bytes) from %s trained on %s...\n", v.URI(), v.Format, len(b), v.RunID, v.DatasetDigest[:13])

	ev, err = reg.Rollback(ctx, "cancer", "champion", registry.AliasOptions{By: "oncall", Reason: "F1 dropped in production"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("rolled back @champion: v%d -> v%d\n", ev.From, ev.To)

	history, err := reg.AliasHistory(ctx, "cancer", "champion")
	if err != nil {
		log.Fatal(err)
	}
	for _, ev := range history {
		fmt.Printf("%s %-11s v%d -> v%d by %s: %s\n", ev.At.Format("15:04"), ev.Kind, ev.From, ev.To, ev.By, ev.Reason)
	}
	// Output:
	// run-baseline: v1 created=true
	// run-tuned: v2 created=true
	// run-tuned-again: v1 created=false
	// promoted @champion: v1 -> v2
	// serving models:/cancer/2 (cairn.linear/1, 18 bytes) from run-tuned trained on sha256:5e5e5e...
	// rolled back @champion: v2 -> v1
	// 12:04 set         v0 -> v1 by ci: baseline
	// 12:05 set         v1 -> v2 by ci: tuned F1 0.98
	// 12:06 rolled back v2 -> v1 by oncall: F1 dropped in production
}

// A server follows @champion with Watch and reloads when it moves.
func ExampleRegistry_Watch() {
	ctx := context.Background()
	reg, done := openExample()
	defer done()
	for _, b := range []string{"model one", "model two"} {
		if _, _, err := reg.Register(ctx, "cancer", strings.NewReader(b), registry.RegisterOptions{Format: "text/1"}); err != nil {
			log.Fatal(err)
		}
	}
	if _, err := reg.SetAlias(ctx, "cancer", "champion", 1, registry.AliasOptions{}); err != nil {
		log.Fatal(err)
	}

	wctx, stop := context.WithCancel(ctx)
	changes, err := reg.Watch(wctx, "cancer", "champion")
	if err != nil {
		log.Fatal(err)
	}
	moves := []func(){
		func() { reg.SetAlias(ctx, "cancer", "champion", 2, registry.AliasOptions{}) },
		func() { reg.Rollback(ctx, "cancer", "champion", registry.AliasOptions{}) },
		stop,
	}
	for c := range changes { // ends when stop cancels the watch
		if c.Err != nil {
			log.Print(c.Err)
			continue
		}
		_, b, err := reg.Load(ctx, "cancer", c.Version.Ref().String())
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("@champion is v%d: %q\n", c.Version.Number, b)
		moves[0]()
		moves = moves[1:]
	}
	// Output:
	// @champion is v1: "model one"
	// @champion is v2: "model two"
	// @champion is v1: "model one"
}

func ExampleParseURI() {
	for _, uri := range []string{"models:/cancer/3", "models:/cancer@champion", "models:/cancer/latest", "models:/cancer/Production"} {
		name, ref, err := registry.ParseURI(uri)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%s: model %q, ref %s\n", uri, name, ref)
	}
	// Output:
	// models:/cancer/3: model "cancer", ref v3
	// models:/cancer@champion: model "cancer", ref @champion
	// models:/cancer/latest: model "cancer", ref latest
	// "models:/cancer/Production": registry: bad reference: model stages are not supported; use an alias: "models:/cancer@production"
}
