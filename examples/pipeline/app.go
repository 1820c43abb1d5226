package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/cairn-ml/cairn/dataset"
	"github.com/cairn-ml/cairn/registry"
	"github.com/cairn-ml/cairn/track"
	"github.com/cairn-ml/cairn/tune"
)

// Names the pipeline uses in the work folder.
const (
	modelName = "breast-cancer" // the registered model and the experiment
	dataName  = "breast-cancer" // the data set in the dataset repository
	dataFile  = "breast-cancer.csv"
	champion  = "champion"
	dbFile    = "cairn.db"
)

// Tags the pipeline sets on its runs, besides track's and track/ui's.
const (
	tagStage     = "cairn.pipeline.stage"   // "baseline" or "tune"
	tagCache     = "cairn.pipeline.cache"   // the cache key of a stage run
	tagCode      = "cairn.pipeline.code"    // the code identity (see codeIdentity)
	tagVersion   = "cairn.registry.version" // the model version a run registered
	tagDigest    = "cairn.registry.digest"  // its bytes' digest
	tagDataVer   = "cairn.dataset.version"  // "breast-cancer v1"
	tagDataID    = "cairn.dataset.id"       // the data version's id (its manifest's digest)
	tagBestTrial = "cairn.tune.best_trial"  // a study's best trial number
)

// env is what the pipeline takes from its surroundings, replaceable in
// tests.
type env struct {
	// prog is how the user runs the program, for the hints it prints.
	prog string
	// code identifies the code that runs (see codeIdentity); "" means
	// unknown, which turns caching off. It is called several times per
	// command, so it should remember its answer.
	code func() string
	// now is the clock; nil means time.Now.
	now func() time.Time
	// timeout bounds the wait for a file another process holds.
	timeout time.Duration
}

func defaultEnv() env {
	return env{prog: progName(), code: sync.OnceValue(codeIdentity), timeout: 5 * time.Second}
}

// codeIdentity names the code of this build, for the cache key: the VCS
// revision of a build from a clean git checkout, else the version of the
// main module when it is a released one (go install ...@v1.2.3), else the
// SHA-256 of the executable itself (what `go run` builds from a checkout:
// Go builds are reproducible, so the same source, toolchain and flags
// give the same bytes). "" when none of them can be had: no caching then.
// It reads the build information through track.ReproTags, the tags every
// run records, so the cache key and the run agree on the revision.
func codeIdentity() string {
	tags := track.ReproTags()
	rev, dirty := tags[track.TagGitCommit], tags[track.TagGitDirty]
	if rev != "" && dirty == "false" {
		return "vcs:" + rev
	}
	if v := tags[track.TagModuleVersion]; rev == "" && v != "" && v != "(devel)" {
		return "module:" + tags[track.TagModule] + "@" + v
	}
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	f, err := os.Open(exe)
	if err != nil {
		return ""
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return ""
	}
	return "binary:sha256:" + hex.EncodeToString(h.Sum(nil))
}

// app holds what one command opened in the work folder.
type app struct {
	dir            string
	locs           locations // -store and -blobs (store.go)
	stdout, stderr io.Writer
	env            env
	src            *source  // the data and its names (tabular.go); nil means the default
	globals        []string // the global flags as given, for the hints (hints.go)

	repo  *dataset.Repo
	store *track.Store
	reg   *registry.Registry
}

func (a *app) now() time.Time {
	if a.env.now != nil {
		return a.env.now()
	}
	return time.Now()
}

func (a *app) printf(format string, args ...any) {
	fmt.Fprintf(a.stdout, format, args...)
}

// mkdir makes the work folder if it does not exist.
func (a *app) mkdir() error {
	if err := os.MkdirAll(a.dir, 0o755); err != nil {
		return fmt.Errorf("work folder: %w", err)
	}
	return nil
}

// openRepo opens the data set repository, DIR/datasets (its version
// index in the -store database when one is given).
func (a *app) openRepo() (*dataset.Repo, error) {
	if a.repo != nil {
		return a.repo, nil
	}
	if err := a.mkdir(); err != nil {
		return nil, err
	}
	dir := filepath.Join(a.dir, "datasets")
	// The data's objects go to the work folder's objects/, with the runs'
	// artifacts and the models' bytes; a folder made by an earlier
	// version of the pipeline keeps them in datasets/objects/. With a
	// -store database they go where the runs' and models' go.
	blobs := a.dir
	if _, err := os.Stat(filepath.Join(dir, "objects")); err == nil {
		blobs = dir
	}
	switch {
	case a.locs.blobs != "":
		blobs = a.locs.blobs
	case a.locs.store != "":
		blobs = "" // the index's own database, as the runs' artifacts
	}
	r, err := dataset.OpenWith(dir, dataset.Options{
		Timeout: a.env.timeout, Now: a.env.now, Index: a.locs.store, Blobs: blobs,
	})
	if err != nil {
		return nil, err
	}
	a.repo = r
	return r, nil
}

// openStores opens the runs and the models, both in DIR/cairn.db (or the
// -store database), with their blobs in DIR/objects (or -blobs). When
// create is false and the work folder holds no database yet, it says so
// instead of making an empty one.
func (a *app) openStores(create bool) error {
	if a.store != nil {
		return nil
	}
	path := filepath.Join(a.dir, dbFile)
	blobs := a.dir
	if a.locs.store != "" {
		path = a.locs.store
		blobs = "" // beside the store: its own tables
	}
	if a.locs.blobs != "" {
		blobs = a.locs.blobs
	}
	if !create && !a.locs.shared() {
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("%w: %s holds nothing yet; run `%s` first", errEmpty, a.dir, a.command())
		}
	}
	if err := a.mkdir(); err != nil {
		return err
	}
	st, err := track.OpenWith(path, track.Options{Timeout: a.env.timeout, Now: a.env.now, Blobs: blobs})
	if err != nil {
		return err
	}
	reg, err := registry.OpenWith(path, registry.Options{Timeout: a.env.timeout, Blobs: blobs, Now: a.env.now})
	if err != nil {
		st.Close()
		return err
	}
	a.store, a.reg = st, reg
	return a.reap() // reap.go
}

// openStudies opens the tuning studies' storage: the -store database or
// DIR/cairn.db, where every process tuning the same settings adds to one
// study; in memory when key is "" (the code is unknown: nothing is
// shared or cached then).
func (a *app) openStudies(key string) (tune.Storage, error) {
	if key == "" {
		return tune.NewMemoryStorage(), nil
	}
	if a.locs.store != "" {
		return tune.OpenStorage(a.locs.store)
	}
	return tune.OpenStorage(filepath.Join(a.dir, dbFile))
}

func (a *app) close() error {
	var errs []error
	if a.reg != nil {
		errs = append(errs, a.reg.Close())
	}
	if a.store != nil {
		errs = append(errs, a.store.Close())
	}
	if a.repo != nil {
		errs = append(errs, a.repo.Close())
	}
	a.reg, a.store, a.repo = nil, nil, nil
	return errors.Join(errs...)
}

// errEmpty reports a work folder without runs or models.
var errEmpty = errors.New("nothing here")

// explain turns the errors a user can act on into a sentence that says
// what to do; others are returned as they are.
func explain(err error, dir string) string {
	switch {
	case errors.Is(err, context.Canceled):
		return "interrupted"
	case errors.Is(err, track.ErrLocked), errors.Is(err, registry.ErrLocked), errors.Is(err, dataset.ErrLocked):
		return fmt.Sprintf("the work folder %s is locked by another process that keeps it open; "+
			"stop that process or use another -dir (%v)", dir, err)
	case errors.Is(err, track.ErrCorrupt), errors.Is(err, registry.ErrCorrupt), errors.Is(err, dataset.ErrCorrupt):
		return fmt.Sprintf("stored data in %s is damaged or is not a cairn database (%v); "+
			"move the damaged file away to start over (the data versions in %s stay unless the damage is there)",
			dir, err, filepath.Join(dir, "datasets"))
	}
	return err.Error()
}
