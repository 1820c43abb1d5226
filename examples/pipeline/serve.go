package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/cairn-ml/cairn/dataset"
	regmlflow "github.com/cairn-ml/cairn/registry/mlflow"
	regui "github.com/cairn-ml/cairn/registry/ui"
	"github.com/cairn-ml/cairn/serve"
	trackmlflow "github.com/cairn-ml/cairn/track/mlflow"
	trackui "github.com/cairn-ml/cairn/track/ui"
)

func serveFlags(fs *flag.FlagSet, a *app) func(context.Context) error {
	addr := fs.String("addr", "127.0.0.1:8000", "the address to listen on (port 0 picks a free one)")
	verbose := fs.Bool("v", false, "log every model swap and failed request to stderr")
	token := fs.String("mlflow-token", os.Getenv("CAIRN_MLFLOW_TOKEN"),
		"the bearer token MLflow clients must send (their MLFLOW_TRACKING_TOKEN); without one the MLflow API is served on loopback addresses only")
	return func(ctx context.Context) error {
		if err := a.openStores(false); err != nil {
			return err
		}
		level := slog.LevelInfo
		if *verbose {
			level = slog.LevelDebug
		}
		logger := slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: level}))
		model := a.source().model
		srv, err := serve.New(serve.Options{Logger: logger, DefaultModel: model})
		if err != nil {
			return err
		}
		defer srv.Close()
		if err := srv.Follow(ctx, a.reg, model, "@"+champion); err != nil {
			return fmt.Errorf("serving %s@%s: %w (run `%s` first; `models` lists the versions)", model, champion, err, a.command())
		}
		ln, err := net.Listen("tcp", *addr)
		if err != nil {
			return err
		}
		base := "http://" + ln.Addr().String()
		tcp, _ := ln.Addr().(*net.TCPAddr)
		mlflowOn := *token != "" || tcp != nil && tcp.IP.IsLoopback()
		st := srv.Status()[0]
		a.printf("serving   %s @%s = v%d, following the alias (a `rollback` or `promote` in another terminal swaps it live)\n", model, champion, st.Version)
		a.printf("  predict   POST %s/v1/models/%s:predict\n", base, model)
		a.printf("  KServe v2 POST %s/v2/models/%s/infer\n", base, model)
		a.printf("  MLflow    POST %s/invocations\n", base)
		if mlflowOn {
			a.printf("  MLflow API  MLFLOW_TRACKING_URI=%s (tracking, registry, artifacts under /api/2.0/)\n", base)
		} else {
			a.printf("  MLflow API  off: %s is not a loopback address and no -mlflow-token was given\n", ln.Addr())
		}
		a.printf("  OpenAPI   %s/openapi.json    metrics %s/metrics\n", base, base)
		a.printf("  runs      %s/ui/\n", base)
		a.printf("  models    %s/ui/registry/models/%s\n", base, model)
		if ex := a.example(ctx); ex != "" {
			a.printf("try:\n  curl -s %s/v1/models/%s:predict -d %s\n", base, model, shellQuote(`{"instances": [`+ex+`]}`))
		}
		a.printf("Ctrl-C stops.\n")
		var api *mlflowAPI
		if mlflowOn {
			api = &mlflowAPI{token: *token}
		}
		err = serve.Serve(ctx, ln, a.handler(srv, logger, api), serve.HTTPOptions{Logger: logger})
		if errors.Is(err, context.Canceled) || errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		return err
	}
}

// mlflowAPI says how to serve MLflow's REST API.
type mlflowAPI struct{ token string }

// handler mounts the dashboards of track and registry under /ui/ next to
// the inference routes, and MLflow's REST API (tracking, artifacts and
// registry, under /api/2.0/ and /ajax-api/2.0/) unless api is nil.
func (a *app) handler(srv *serve.Server, logger *slog.Logger, api *mlflowAPI) http.Handler {
	var runs *trackui.Handler
	models := regui.New(a.reg, regui.Options{
		Prefix:     "/ui/registry/",
		RunURL:     func(id string) string { return runs.RunURL(id) },
		DatasetURL: func(d string) string { return runs.DatasetURL(d) },
		Links:      []regui.Link{{Text: "Experiments", URL: "/ui/"}},
		Logger:     logger,
	})
	runs = trackui.New(a.store, trackui.Options{
		Prefix:   "/ui/",
		ModelURL: models.RunVersionsURL,
		Links:    []trackui.Link{{Text: "Models", URL: "/ui/registry/"}},
		Logger:   logger,
	})
	mux := http.NewServeMux()
	if api != nil {
		trackmlflow.New(a.store, trackmlflow.Options{Token: api.token, Logger: logger}).Mount(mux)
		regmlflow.New(a.reg, regmlflow.Options{Token: api.token, Logger: logger}).Mount(mux)
	}
	mux.Handle("/ui/registry/", models)
	mux.Handle("/ui/", runs)
	mux.Handle("/", srv)
	return mux
}

// example is a row the champion can be asked about, for the curl line:
// the input example registered with it, else, for the breast-cancer
// model, the first row of the embedded set; "" if there is none.
func (a *app) example(ctx context.Context) string {
	if v, set, err := a.champion(ctx); err == nil && set && v.Tags[verExample] != "" {
		return v.Tags[verExample]
	}
	if a.source().model == modelName {
		return sampleRow()
	}
	return ""
}

// sampleRow is the first row of the data set (a malignant tumour) as a
// JSON array, for the curl line.
func sampleRow() string {
	ds := dataset.BreastCancer()
	_, c := ds.X.Dims()
	parts := make([]string, c)
	for j := range c {
		parts[j] = strconv.FormatFloat(ds.X.At(0, j), 'g', -1, 64)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
