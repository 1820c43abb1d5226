// Command loadtest is the Go side of serve's side-by-side load test
// (serve/testdata/loadtest.sh): it sets up a registry, runs the cairn
// server or a bare net/http handler, and moves an alias from another
// process while wrk runs.
//
//	loadtest setup -db DIR/cairn.db -model breast-cancer v1.json v2.json
//	loadtest serve -db DIR/cairn.db -model breast-cancer -ref @champion -addr 127.0.0.1:18080
//	loadtest bare -addr 127.0.0.1:18081 -answer answer.json
//	loadtest roll -db DIR/cairn.db -model breast-cancer -every 1s
//
// serve, bare and roll run until SIGTERM or SIGINT; roll then prints how
// many moves it made and how many failed.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/cairn-ml/cairn/linear"
	"github.com/cairn-ml/cairn/registry"
	"github.com/cairn-ml/cairn/serve"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: loadtest setup|serve|bare|roll [flags]")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	db := fs.String("db", "cairn-data/cairn.db", "registry database")
	model := fs.String("model", "breast-cancer", "registered model name")
	ref := fs.String("ref", "@champion", "reference to serve")
	addr := fs.String("addr", "127.0.0.1:18080", "listen address")
	answer := fs.String("answer", "", "file holding the bare handler's answer")
	every := fs.Duration("every", time.Second, "time between alias moves")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of serve or bare to this file")
	fs.Parse(os.Args[2:])
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "loadtest:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	var err error
	switch os.Args[1] {
	case "setup":
		err = setup(ctx, *db, *model, fs.Args())
	case "serve":
		err = run(ctx, *db, *model, *ref, *addr)
	case "bare":
		err = bare(ctx, *addr, *answer)
	case "roll":
		err = roll(ctx, *db, *model, *every)
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

// setup registers each model file (linear's format) as the next version
// and points @champion at the first.
func setup(ctx context.Context, db, model string, files []string) error {
	reg, err := registry.OpenWith(db, registry.Options{})
	if err != nil {
		return err
	}
	defer reg.Close()
	var first int
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		if _, err := linear.Unmarshal(b); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		v, _, err := reg.Register(ctx, model, bytes.NewReader(b), registry.RegisterOptions{Format: linear.FormatName, Description: f})
		if err != nil {
			return err
		}
		if first == 0 {
			first = v.Number
		}
		fmt.Printf("registered %s as %s v%d\n", f, model, v.Number)
	}
	_, err = reg.SetAlias(ctx, model, "champion", first, registry.AliasOptions{Reason: "load test"})
	return err
}

// run serves the model at ref from the registry in Shared mode.
func run(ctx context.Context, db, model, ref, addr string) error {
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	reg, err := registry.OpenWith(db, registry.Options{Logger: logger})
	if err != nil {
		return err
	}
	defer reg.Close()
	srv, err := serve.New(serve.Options{Logger: logger})
	if err != nil {
		return err
	}
	defer srv.Close()
	if err := srv.Follow(ctx, reg, model, ref); err != nil {
		return err
	}
	return serve.ListenAndServe(ctx, addr, srv, serve.HTTPOptions{Logger: logger})
}

// bare serves a handler that reads the body and writes a fixed answer:
// what net/http alone costs.
func bare(ctx context.Context, addr, answerFile string) error {
	answer := []byte(`{"model_name":"breast-cancer","model_version":"1","predictions":["malignant"],"labels":[0],"classes":["malignant","benign"],"probabilities":[[1,0]]}`)
	if answerFile != "" {
		var err error
		if answer, err = os.ReadFile(answerFile); err != nil {
			return err
		}
	}
	hs := &http.Server{Addr: addr, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Write(answer)
	})}
	go func() {
		<-ctx.Done()
		hs.Shutdown(context.Background())
	}()
	if err := hs.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// roll moves the alias back and forth: SetAlias to the next version, then
// Rollback, every interval, as a pipeline's promote and rollback would,
// from its own process.
func roll(ctx context.Context, db, model string, every time.Duration) error {
	reg, err := registry.OpenWith(db, registry.Options{Timeout: 5 * time.Second})
	if err != nil {
		return err
	}
	defer reg.Close()
	cur, err := reg.Get(ctx, model, "@champion")
	if err != nil {
		return err
	}
	next := cur.Number%2 + 1
	moves, failed := 0, 0
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			fmt.Printf("roll: %d alias moves, %d failed\n", moves, failed)
			return nil
		case <-t.C:
		}
		if moves%2 == 0 {
			_, err = reg.SetAlias(ctx, model, "champion", next, registry.AliasOptions{Reason: "promote (load test)"})
		} else {
			_, err = reg.Rollback(ctx, model, "champion", registry.AliasOptions{Reason: "rollback (load test)"})
		}
		if err != nil && ctx.Err() == nil {
			failed++
			fmt.Fprintln(os.Stderr, "roll:", err)
		}
		moves++
	}
}
